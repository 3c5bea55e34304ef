// All SQL of the project analysis. Every measure is one set-based statement over a list of
// projects, so one project and a county's batch take the same path and PostGIS does the set work.
// Layers are the active version in the project's county.
//
// Cut in the plane, measure on the ellipsoid: every intersection, union and difference that gives
// an area is computed in the county's Gauss-Kruger plane (`lr_county_plane`, the plane its survey
// deliveries are drawn in, as ArcGIS and QGIS cut them), then the piece is taken back to CGCS2000
// and measured as `geography`. A straight red-line edge of 800 m in the plane lies 16 mm off the
// straight lon/lat chord: cutting in lon/lat moved areas by up to 1.7 m² (issue 12).
import type { Knex } from 'knex'
import { activeDataset } from '../db/read-model.js'

export const analysisLayers = ['survey2', 'survey3', 'survey2-lines', 'buildings', 'approved-unsupplied', 'idle-land', 'plan-zones', 'plots'] as const
export type AnalysisLayer = (typeof analysisLayers)[number]

export interface LayerInput {
  datasetId: number
  version: number
}
export type Inputs = Record<AnalysisLayer, LayerInput | null>

export async function activeInputs(knex: Knex, county: string): Promise<Inputs> {
  const rows = await Promise.all(analysisLayers.map((layer) => activeDataset(knex, layer, county).first('layer', 'id', 'version')))
  const out = Object.fromEntries(analysisLayers.map((l) => [l, null])) as Inputs
  for (const r of rows) if (r) out[r.layer as AnalysisLayer] = { datasetId: r.id, version: r.version }
  return out
}

/** The county's plane (CGCS2000 3° Gauss-Kruger srid); `lon` decides when no delivery is projected. */
export async function countyPlane(knex: Knex, county: string, lon: number): Promise<number> {
  const { rows } = await knex.raw('SELECT lr_county_plane(?, ?) AS srid', [county, lon])
  return Number(rows[0].srid)
}

/** Ellipsoidal area of a geometry cut in the plane. */
export const ellipsoidal = (g: string) => `coalesce(ST_Area(ST_Transform(${g}, 4490)::geography), 0)`
const planar = (g: string) => `coalesce(ST_Area(${g}), 0)`
/**
 * Candidate features are found in lon/lat with the index, within REACH degrees (≈ 5 m) of the
 * project: a feature that touches the red line in the plane but not in lon/lat lies at most the
 * sag of a straight edge away (56 mm over 1 500 m, 0.6 m over 5 km).
 */
export const REACH = 5e-5
const byId = <T extends { id: number }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]))

/**
 * The projects, with their boundary in the plane. Bindings: srid, county, ids. The county is bound,
 * not implied by the ids, so that a database distributed by county sends the statement to one shard
 * (docs/scale-out.md); the layer tables are restricted to the county too (`f.xzqdm = ?`) for the same reason.
 */
const projectsCte = `p AS MATERIALIZED (SELECT id, geom, ST_Transform(geom, ?::int) AS plane FROM projects WHERE xzqdm = ? AND id = ANY(?::bigint[]))`
const projectsOf = (c: Cut) => [c.srid, c.county, c.ids]

/**
 * Features of one version near each project, each cut by the project in the plane (`c.piece`).
 * Bindings: datasetId, county, …where bindings, srid. `OFFSET 0` keeps the lateral from being pulled up:
 * inlined, the cut was computed again at every reference to `c.piece`.
 */
const cut = (table: string, where = '') =>
  `FROM p JOIN "${table}" f ON f.dataset_id = ? AND f.xzqdm = ? AND f.geom IS NOT NULL AND ST_DWithin(f.geom, p.geom, ${REACH}) ${where}
   CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(ST_Transform(f.geom, ?::int), p.plane), 3) AS piece OFFSET 0) c`

export interface Cut {
  /** the county of every project in ids */
  county: string
  ids: number[]
  /** srid of the county's plane */
  srid: number
}

async function run<T>(knex: Knex, sql: string, bindings: unknown[]): Promise<T[]> {
  const { rows } = await knex.raw(sql, bindings as Knex.RawBinding[])
  return rows as T[]
}

/** Area on the ellipsoid, and planar area in the county's plane. */
export async function projectAreas(knex: Knex, c: Cut) {
  const rows = await run<{ id: number; m2: number; planarM2: number }>(
    knex,
    `WITH ${projectsCte} SELECT id, ST_Area(geom::geography) AS m2, ST_Area(plane) AS "planarM2" FROM p`,
    projectsOf(c),
  )
  return byId(rows)
}

/**
 * Per project: area of project ∩ union(selected features of one version), on the ellipsoid and in
 * the plane, and the ids (an SQL expression over f) of the features touched. Projects touching
 * nothing are absent (area 0). Each feature is clipped to the project before the union: the union
 * then works on small pieces.
 */
async function overlaps(knex: Knex, c: Cut, o: { table: string; datasetId: number; where?: string; bindings?: unknown[]; idExpression: string }) {
  const rows = await run<{ id: number; m2: number; planarM2: number; ids: string[] }>(
    knex,
    `WITH ${projectsCte}
     SELECT id, ${ellipsoidal('u')} AS m2, ${planar('u')} AS "planarM2", ids
       FROM (SELECT p.id, ST_Union(c.piece) AS u, array_agg((${o.idExpression})::text ORDER BY f.id) AS ids
               ${cut(o.table, o.where)} WHERE NOT ST_IsEmpty(c.piece) GROUP BY p.id) s`,
    [...projectsOf(c), o.datasetId, c.county, ...(o.bindings ?? []), c.srid],
  )
  return byId(rows)
}

/**
 * Second-survey construction land per project in one pass over the clipped patches: gross (area
 * of the union of pieces, on the ellipsoid and in the plane), the net patch part (each piece ×
 * TBDLMJ/TBMJ; see survey2Lines), and the latest change date (BGRQ) of the patches touched, which
 * tells a later annual update from the 2009 baseline.
 */
export async function survey2Construction(knex: Knex, c: Cut, datasetId: number, codes: readonly string[]) {
  const rows = await run<{ id: number; m2: number; planarM2: number; netM2: number; scaled: boolean; ids: string[]; latestChange: string | null }>(
    knex,
    `WITH ${projectsCte}
     SELECT id, ${ellipsoidal('ST_Union(piece)')} AS m2, ${planar('ST_Union(piece)')} AS "planarM2",
            sum(${ellipsoidal('piece')} * ratio) AS "netM2", bool_and(scaled) AS scaled, array_agg(ref ORDER BY ref) AS ids,
            max(changed) AS "latestChange"
       FROM (SELECT p.id, f.id::text AS ref, c.piece,
                    CASE WHEN f.tbmj > 0 AND f.tbdlmj IS NOT NULL THEN f.tbdlmj / f.tbmj ELSE 1 END AS ratio,
                    (f.tbmj > 0 AND f.tbdlmj IS NOT NULL) AS scaled,
                    nullif(left(regexp_replace(coalesce(f.attrs->>'BGRQ', f.attrs->>'bgrq', ''), '[^0-9]', '', 'g'), 8), '') AS changed
               ${cut('survey2_patches', 'AND f.dlbm = ANY(?::text[])')} WHERE NOT ST_IsEmpty(c.piece)) s
      GROUP BY id`,
    [...projectsOf(c), datasetId, c.county, codes, c.srid],
  )
  return byId(rows)
}

/**
 * Distinct building types of a buildings version; versions never change, so they are kept while the
 * database handle lives. Keyed by that handle (each app, CLI run or test opens its own), so two apps
 * in one process never share a version id that means different rows in their databases.
 */
const typesOfVersions = new WeakMap<Knex, Map<number, Promise<Array<string | null>>>>()
export function buildingTypesOf(knex: Knex, datasetId: number): Promise<Array<string | null>> {
  let typesOfVersion = typesOfVersions.get(knex)
  if (!typesOfVersion) typesOfVersions.set(knex, (typesOfVersion = new Map()))
  let types = typesOfVersion.get(datasetId)
  if (!types) {
    types = run<{ type: string | null }>(knex, 'SELECT DISTINCT building_type AS type FROM buildings WHERE dataset_id = ?', [datasetId]).then((rows) =>
      rows.map((r) => r.type),
    )
    types.catch(() => typesOfVersion!.delete(datasetId))
    typesOfVersion.set(datasetId, types)
  }
  return types
}

/** The building types found inside each project, with the number of buildings of each. */
export async function buildingTypes(knex: Knex, c: Cut, datasetId: number) {
  const rows = await run<{ id: number; type: string | null; buildings: number }>(
    knex,
    `WITH ${projectsCte}
     SELECT p.id, f.building_type AS type, count(*)::int AS buildings
       FROM p JOIN buildings f ON f.dataset_id = ? AND f.xzqdm = ? AND f.geom IS NOT NULL AND ST_Intersects(f.geom, p.geom)
      GROUP BY p.id, f.building_type ORDER BY p.id, count(*) DESC, f.building_type`,
    [...projectsOf(c), datasetId, c.county],
  )
  const out = new Map<number, Array<{ type: string | null; buildings: number }>>()
  for (const { id, ...r } of rows) out.set(id, [...(out.get(id) ?? []), r])
  return out
}

/** Union of buildings counted as 上盖建筑物 (every type but `excluded`): overlapping footprints count once. */
export const footprints = (knex: Knex, c: Cut, datasetId: number, excluded: readonly string[]) =>
  overlaps(knex, c, {
    table: 'buildings',
    datasetId,
    where: 'AND (f.building_type IS NULL OR NOT (f.building_type = ANY(?::text[])))',
    bindings: [excluded],
    idExpression: 'f.id',
  })

export const approvedUnsupplied = (knex: Knex, c: Cut, datasetId: number) =>
  overlaps(knex, c, { table: 'approved_unsupplied', datasetId, idExpression: 'coalesce(f.approval_no, f.id::text)' })

export const idleLand = (knex: Knex, c: Cut, datasetId: number) =>
  overlaps(knex, c, { table: 'idle_land', datasetId, idExpression: 'coalesce(f.code, f.id::text)' })

/** Part of each project on the county's low-efficiency plots (低效用地图斑). */
export const onPlots = (knex: Knex, c: Cut, datasetId: number) =>
  overlaps(knex, c, { table: 'low_efficiency_plots', datasetId, idExpression: 'coalesce(f.plot_code, f.id::text)' })

/** Net reading, linear part (DOMAIN.md): construction-coded linear features, length inside × KD × KCBL. */
export async function survey2Lines(knex: Knex, c: Cut, datasetId: number, codes: readonly string[]) {
  const rows = await run<{ id: number; m2: number }>(
    knex,
    `WITH ${projectsCte}
     SELECT p.id, sum(coalesce(ST_Length(ST_Transform(ST_Intersection(ST_Transform(f.geom, ?::int), p.plane), 4490)::geography), 0) * coalesce(f.kd, 0) * coalesce(f.kcbl, 1)) AS m2
       FROM p JOIN survey2_lines f ON f.dataset_id = ? AND f.xzqdm = ? AND f.geom IS NOT NULL AND f.dlbm = ANY(?::text[]) AND ST_DWithin(f.geom, p.geom, ${REACH})
      GROUP BY p.id`,
    [...projectsOf(c), c.srid, datasetId, c.county, codes],
  )
  return byId(rows)
}

/** Area of each project outside every permitted planning zone, on the ellipsoid and in the plane. */
export async function outsidePlan(knex: Knex, c: Cut, datasetId: number) {
  const rows = await run<{ id: number; m2: number; planarM2: number }>(
    knex,
    `WITH ${projectsCte}
     SELECT id, ${ellipsoidal('d')} AS m2, ${planar('d')} AS "planarM2"
       FROM (SELECT p.id, CASE WHEN z.g IS NULL THEN p.plane ELSE ST_CollectionExtract(ST_Difference(p.plane, z.g), 3) END AS d
               FROM p LEFT JOIN LATERAL (SELECT ST_Union(ST_Transform(f.geom, ?::int)) AS g FROM plan_zones f
                                          WHERE f.dataset_id = ? AND f.xzqdm = ? AND f.permitted AND ST_DWithin(f.geom, p.geom, ${REACH})) z ON true) s`,
    [...projectsOf(c), c.srid, datasetId, c.county],
  )
  return byId(rows)
}

/** Third-survey land use inside each project: geometric and 按比例分摊 (TBMJ × piece / patch). */
export async function survey3Breakdown(knex: Knex, c: Cut, datasetId: number) {
  const rows = await run<{ id: number; code: string | null; name: string | null; m2: number; apportionedM2: number | null }>(
    knex,
    `WITH ${projectsCte},
     piece AS MATERIALIZED (
       SELECT p.id, f.dlbm, f.dlmc, f.tbmj, ST_Area(f.geom::geography) AS whole, ${ellipsoidal('c.piece')} AS part
         ${cut('survey3_patches')} WHERE NOT ST_IsEmpty(c.piece))
     SELECT id, dlbm AS code, min(dlmc) AS name, sum(part) AS m2,
            sum(CASE WHEN tbmj IS NULL OR whole = 0 THEN NULL ELSE tbmj * part / whole END) AS "apportionedM2"
       FROM piece WHERE part > 0 GROUP BY id, dlbm ORDER BY id, sum(part) DESC, dlbm`,
    [...projectsOf(c), datasetId, c.county, c.srid],
  )
  const out = new Map<number, Array<Omit<(typeof rows)[number], 'id'>>>()
  for (const { id, ...r } of rows) out.set(id, [...(out.get(id) ?? []), r])
  return out
}

/** Stores results (one row each) and returns their ids in order. */
export async function storeResults(
  knex: Knex,
  results: Array<{ projectId: number; county: string; inputs: object; result: object; eligible: boolean | null }>,
): Promise<number[]> {
  if (!results.length) return []
  const rows = await knex('analysis_results')
    .insert(
      results.map((r) => ({
        project_id: r.projectId,
        xzqdm: r.county,
        inputs: JSON.stringify(r.inputs),
        result: JSON.stringify(r.result),
        eligible: r.eligible,
      })),
    )
    .returning('id')
  // new numbers are a change the province's pull must see (the trigger stamps the change time);
  // per county, so each statement stays on one county's shard (docs/scale-out.md)
  const byCounty = new Map<string, number[]>()
  for (const r of results) {
    const ids = byCounty.get(r.county)
    if (ids) ids.push(r.projectId)
    else byCounty.set(r.county, [r.projectId])
  }
  for (const [county, ids] of byCounty) await knex('projects').where('xzqdm', county).whereIn('id', ids).update({ updated_at: knex.fn.now() })
  return rows.map((r: { id: number }) => r.id)
}

/** A new version of an analysis layer makes the county's stored results stale. */
export async function markCountyStale(knex: Knex, county: string): Promise<number> {
  return knex('analysis_results').where({ xzqdm: county, stale: false }).update({ stale: true })
}

export async function markProjectStale(knex: Knex, projectId: number): Promise<number> {
  return knex('analysis_results').where({ project_id: projectId, stale: false }).update({ stale: true })
}
