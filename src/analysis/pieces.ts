// The pieces behind the analysis numbers, as geometry: one statement for any set of projects, used
// by `GET /projects/{id}/analysis/pieces` and the OGC `analysis-pieces` collection. Each project
// is cut against the active layers of its own county, in its county's plane (lr_county_plane), as
// the measures in queries.ts are, and the pieces are taken back to CGCS2000 lon/lat.
import type { Knex } from 'knex'
import { activeVersionJoin } from '../db/read-model.js'
import { excludedTypes, type BuildingTypeRule } from '../domain/building-types.js'
import { REACH } from './queries.js'

export interface Sql {
  sql: string
  bindings: unknown[]
}

export const pieceRoles = ['project', 'survey2-construction', 'footprint', 'survey3', 'approved-unsupplied', 'idle-land', 'outside-plan'] as const

/** Building types near the selected projects (`where` over projects) that the rules exclude from the footprint. */
export async function excludedTypesNear(knex: Knex, where: Sql, rules: readonly BuildingTypeRule[]): Promise<string[]> {
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

/**
 * A FROM-able subquery `(…) f` with one row per piece: project_id, project_code, xzqdm, role, code,
 * name, ref, n (order within the project), geom (MultiPolygon, 4490). `where` selects projects (with
 * the county bound where there is one: a database distributed by county then routes it to one
 * shard). Layers join their version on the county as well, the co-located join of such a database.
 */
export function piecesSource(where: Sql, o: { constructionCodes: readonly string[]; excludedTypes: readonly string[] }): Sql {
  const layer = (key: string) => activeVersionJoin({ layer: key, county: 'p.xzqdm', as: 'd' })
  const near = `ST_DWithin(s.geom, p.geom, ${REACH})`
  const piece = `ST_CollectionExtract(ST_Intersection(ST_Transform(s.geom, ST_SRID(p.plane)), p.plane), 3)`
  const union = (role: string, key: string, table: string, extra: string) =>
    `SELECT p.id, p.code, p.xzqdm, '${role}', NULL, NULL, NULL, ST_Transform(ST_Union(${piece}), 4490)
       FROM p ${layer(key)} JOIN "${table}" s ON s.dataset_id = d.id AND s.xzqdm = d.xzqdm AND ${near} ${extra}
      GROUP BY p.id, p.code, p.xzqdm`
  const each = (role: string, key: string, table: string, code: string, name: string, ref: string) =>
    `SELECT p.id, p.code, p.xzqdm, '${role}', ${code}, ${name}, ${ref}, ST_Transform(${piece}, 4490)
       FROM p ${layer(key)} JOIN "${table}" s ON s.dataset_id = d.id AND s.xzqdm = d.xzqdm AND ${near}`
  const parts = [
    `SELECT p.id, p.code, p.xzqdm, 'project', NULL::text, NULL::text, NULL::text, p.geom FROM p`,
    union('survey2-construction', 'survey2', 'survey2_patches', 'AND s.dlbm = ANY(?::text[])'),
    union('footprint', 'buildings', 'buildings', 'AND (s.building_type IS NULL OR NOT (s.building_type = ANY(?::text[])))'),
    each('survey3', 'survey3', 'survey3_patches', 's.dlbm', 's.dlmc', 's.id::text'),
    each('approved-unsupplied', 'approved-unsupplied', 'approved_unsupplied', 'NULL', 's.name', 'coalesce(s.approval_no, s.id::text)'),
    each('idle-land', 'idle-land', 'idle_land', 'NULL', 's.name', 'coalesce(s.code, s.id::text)'),
    `SELECT p.id, p.code, p.xzqdm, 'outside-plan', NULL, NULL, NULL,
            ST_Transform(CASE WHEN z.g IS NULL THEN p.plane ELSE ST_CollectionExtract(ST_Difference(p.plane, z.g), 3) END, 4490)
       FROM p ${layer('plan-zones')}
       LEFT JOIN LATERAL (SELECT ST_Union(ST_Transform(s.geom, ST_SRID(p.plane))) AS g FROM plan_zones s
                           WHERE s.dataset_id = d.id AND s.xzqdm = d.xzqdm AND s.permitted AND ${near}) z ON true`,
  ]
  const roleOrder = `CASE role ${pieceRoles.map((r, i) => `WHEN '${r}' THEN ${i}`).join(' ')} END`
  return {
    sql: `(WITH p AS MATERIALIZED (SELECT id, code, xzqdm, geom, ST_Transform(geom, lr_county_plane(xzqdm, ST_X(ST_PointOnSurface(geom)))) AS plane
                                     FROM projects WHERE ${where.sql}),
            piece (project_id, project_code, xzqdm, role, code, name, ref, g) AS (${parts.join('\nUNION ALL\n')})
          SELECT project_id, project_code, xzqdm, role, code, name, ref,
                 row_number() OVER (PARTITION BY project_id ORDER BY ${roleOrder}, ref, code) AS n,
                 ST_Multi(ST_CollectionExtract(g, 3)) AS geom
            FROM piece WHERE g IS NOT NULL AND NOT ST_IsEmpty(ST_CollectionExtract(g, 3))) f`,
    bindings: [...where.bindings, o.constructionCodes, o.excludedTypes],
  }
}

/** One project's pieces as GeoJSON geometries (lon/lat) with their role and ellipsoidal area. */
export async function projectPieces(
  knex: Knex,
  project: { id: number; county: string },
  o: { constructionCodes: readonly string[]; rules: readonly BuildingTypeRule[] },
) {
  const where = { sql: 'xzqdm = ? AND id = ?', bindings: [project.county, project.id] }
  const source = piecesSource(where, {
    constructionCodes: o.constructionCodes,
    excludedTypes: await excludedTypesNear(knex, { sql: 'p.xzqdm = ? AND p.id = ?', bindings: [project.county, project.id] }, o.rules),
  })
  const { rows } = await knex.raw(
    `SELECT role, code, name, ref, ST_Area(geom::geography) AS m2, ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 9, 0)::json AS geometry FROM ${source.sql} ORDER BY n`,
    source.bindings as Knex.RawBinding[],
  )
  return rows as Array<{ role: string; code: string | null; name: string | null; ref: string | null; m2: number; geometry: unknown }>
}
