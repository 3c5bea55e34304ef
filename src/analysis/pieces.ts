// The pieces behind the analysis numbers, as geometry: one statement for any set of projects, used
// by `GET /projects/{id}/analysis/pieces` and the OGC `analysis-pieces` collection (its pages and
// tiles). The cut is the measures' own (src/db/analysis-cut.ts): each project in its own plane,
// against the active layers of its county; the pieces are taken back to CGCS2000 lon/lat.
import type { Knex } from 'knex'
import {
  featurePieces,
  footprintCounted,
  outsideCounty,
  outsidePlan,
  projectsInPlanes,
  projectsWhere,
  scatteredLandPieces,
  survey2ChangeDate,
  survey2ChangedAfter,
  survey2StockLand,
  type LayerVersion,
  type ProjectSelection,
} from '../db/analysis-cut.js'
import { activeVersionJoin } from '../db/read-model.js'
import type { Sql } from '../db/scope.js'
import type { Survey2Land } from '../domain/analysis-config.js'
import { excludedTypes, type BuildingTypeRule } from '../domain/building-types.js'
import { scatteredLandKindZh } from '../domain/bundles.js'

export type { Sql }

/**
 * survey2-changed: each construction-coded second-survey patch changed (BGRQ) after the baseline, its
 * name the change date (YYYYMMDD); left out of survey2-construction when the configuration excludes them.
 */
export const pieceRoles = [
  'project',
  'survey2-construction',
  'survey2-changed',
  'footprint',
  'survey3',
  'approved-unsupplied',
  'idle-land',
  'outside-plan',
  'scattered-land',
  'outside-county',
] as const

/** Building types inside the selected projects that the rules exclude from the footprint. */
export async function excludedTypesNear(knex: Knex, sel: ProjectSelection, rules: readonly BuildingTypeRule[]): Promise<string[]> {
  const where = projectsWhere(sel, 'p')
  const { rows } = await knex.raw(
    `SELECT DISTINCT f.building_type AS type FROM projects p
       ${activeVersionJoin({ layer: 'buildings', county: 'p.xzqdm', as: 'd' })}
       JOIN buildings f ON f.dataset_id = d.id AND f.xzqdm = d.xzqdm AND f.building_type IS NOT NULL AND ST_Intersects(f.geom, p.geom)
      WHERE ${where.sql}`,
    where.bindings as Knex.RawBinding[],
  )
  return excludedTypes(
    (rows as Array<{ type: string }>).map((r) => r.type),
    rules,
  )
}

/** The active version of a layer in each project's county. */
const active = (layer: string) => ({ layer })

/**
 * Which version of a layer the pieces are cut from: by default the active one of each project's
 * county; for one project's approved analysis, the versions it recorded (null: the layer was not
 * loaded then, its pieces are left out).
 */
export type PieceVersions = (layer: string) => LayerVersion | null

/**
 * A FROM-able subquery `(…) f` with one row per piece: project_id, project_code, xzqdm, role, code,
 * name, ref, n (order within the project), geom (MultiPolygon, 4490), of the selected projects
 * only (a bbox or a tile selects the projects it touches before anything is cut).
 */
export function piecesSource(sel: ProjectSelection, o: { survey2: Survey2Land; excludedTypes: readonly string[]; versions?: PieceVersions }): Sql {
  const v: PieceVersions = o.versions ?? active
  const union = (role: string, from: Sql): Sql => ({
    sql: `SELECT p.id, p.code, p.xzqdm, '${role}', NULL, NULL, NULL, ST_Transform(ST_Union(c.piece), 4490)
            ${from.sql} GROUP BY p.id, p.code, p.xzqdm`,
    bindings: from.bindings,
  })
  const each = (role: string, from: Sql, code: string, name: string, ref: string): Sql => ({
    sql: `SELECT p.id, p.code, p.xzqdm, '${role}', ${code}, ${name}, ${ref}, ST_Transform(c.piece, 4490) ${from.sql}`,
    bindings: from.bindings,
  })
  const kindZh = Object.entries(scatteredLandKindZh)
  const [survey2, buildings, survey3] = [v('survey2'), v('buildings'), v('survey3')]
  const [unsupplied, idle, plan, counties] = [v('approved-unsupplied'), v('idle-land'), v('plan-zones'), v('admin-divisions')]
  const outside = plan && outsidePlan(plan)
  const outsideOfCounty = counties && outsideCounty(counties)
  const parts: Array<Sql | null> = [
    { sql: `SELECT p.id, p.code, p.xzqdm, 'project', NULL::text, NULL::text, NULL::text, p.geom FROM p`, bindings: [] },
    survey2 && union('survey2-construction', featurePieces(survey2, survey2StockLand(o.survey2))),
    survey2 && each('survey2-changed', featurePieces(survey2, survey2ChangedAfter(o.survey2)), 'f.dlbm', survey2ChangeDate, 'f.id::text'),
    buildings && union('footprint', featurePieces(buildings, footprintCounted(o.excludedTypes))),
    survey3 && each('survey3', featurePieces(survey3), 'f.dlbm', 'f.dlmc', 'f.id::text'),
    unsupplied && each('approved-unsupplied', featurePieces(unsupplied), 'NULL', 'f.name', 'coalesce(f.approval_no, f.id::text)'),
    idle && each('idle-land', featurePieces(idle), 'NULL', 'f.name', 'coalesce(f.code, f.id::text)'),
    outside && {
      sql: `SELECT p.id, p.code, p.xzqdm, 'outside-plan', NULL, NULL, NULL, ST_Transform(${outside.outside}, 4490) ${outside.sql}`,
      bindings: outside.bindings,
    },
    // the 插花地、边角地、夹心地 a project made from a bundle recorded (its own record, not a layer), named by kind in
    // Chinese (code is 地类编码 in exports, 10 bytes: no place for the kind's English key)
    {
      sql: `SELECT p.id, p.code, p.xzqdm, 'scattered-land', NULL, CASE f.kind ${kindZh.map(() => 'WHEN ? THEN ?').join(' ')} END, f.ref,
                   ST_Transform(c.piece, 4490) ${scatteredLandPieces.sql}`,
      bindings: [...kindZh.flat(), ...scatteredLandPieces.bindings],
    },
    outsideOfCounty && {
      sql: `SELECT p.id, p.code, p.xzqdm, 'outside-county', NULL, NULL, NULL, ST_Transform(${outsideOfCounty.outside}, 4490) ${outsideOfCounty.sql}`,
      bindings: outsideOfCounty.bindings,
    },
  ]
  const cut = parts.filter((x): x is Sql => x !== null)
  const projects = projectsInPlanes(sel)
  const roleOrder = `CASE role ${pieceRoles.map((r, i) => `WHEN '${r}' THEN ${i}`).join(' ')} END`
  return {
    sql: `(WITH ${projects.sql},
            piece (project_id, project_code, xzqdm, role, code, name, ref, g) AS (${cut.map((x) => x.sql).join('\nUNION ALL\n')})
          SELECT project_id, project_code, xzqdm, role, code, name, ref,
                 row_number() OVER (PARTITION BY project_id ORDER BY ${roleOrder}, ref, code) AS n,
                 ST_Multi(ST_CollectionExtract(g, 3)) AS geom
            FROM piece WHERE g IS NOT NULL AND NOT ST_IsEmpty(ST_CollectionExtract(g, 3))) f`,
    bindings: [...projects.bindings, ...cut.flatMap((x) => x.bindings)],
  }
}

/** One project's pieces as GeoJSON geometries (lon/lat) with their role and ellipsoidal area. */
export async function projectPieces(
  knex: Knex,
  project: { id: number; county: string },
  o: { survey2: Survey2Land; rules: readonly BuildingTypeRule[]; versions?: PieceVersions; excludedTypes?: readonly string[] },
) {
  const sel: ProjectSelection = { county: project.county, ids: [project.id] }
  const excluded = o.excludedTypes ?? (await excludedTypesNear(knex, sel, o.rules))
  const source = piecesSource(sel, { survey2: o.survey2, excludedTypes: excluded, versions: o.versions })
  const { rows } = await knex.raw(
    `SELECT role, code, name, ref, ST_Area(geom::geography) AS m2, ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 9, 0)::json AS geometry FROM ${source.sql} ORDER BY n`,
    source.bindings as Knex.RawBinding[],
  )
  return rows as Array<{ role: string; code: string | null; name: string | null; ref: string | null; m2: number; geometry: unknown }>
}
