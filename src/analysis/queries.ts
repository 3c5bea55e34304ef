// All SQL of the project analysis. Every measure is one set-based statement over a list of
// projects, so one project and a county's batch take the same path and PostGIS does the set work.
// Layers are the active version in the project's county; areas are ellipsoidal on CGCS2000.
import type { Knex } from 'knex'

export const analysisLayers = ['survey2', 'survey3', 'survey2-lines', 'buildings', 'approved-unsupplied', 'idle-land', 'plan-zones'] as const
export type AnalysisLayer = (typeof analysisLayers)[number]

export interface LayerInput {
  datasetId: number
  version: number
}
export type Inputs = Record<AnalysisLayer, LayerInput | null>

export async function activeInputs(knex: Knex, county: string): Promise<Inputs> {
  const rows = await knex('datasets').select('layer', 'id', 'version').where({ xzqdm: county, active: true }).whereIn('layer', analysisLayers as unknown as string[])
  const out = Object.fromEntries(analysisLayers.map((l) => [l, null])) as Inputs
  for (const r of rows) out[r.layer as AnalysisLayer] = { datasetId: r.id, version: r.version }
  return out
}

const area = (g: string) => `coalesce(ST_Area((${g})::geography), 0)`
const byId = <T extends { id: number }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]))

/** Area, and planar area in the Gauss-Kruger zone of the centroid (CGCS2000 3°, no prefix). */
export async function projectAreas(knex: Knex, ids: number[]) {
  const { rows } = await knex.raw(
    `SELECT id, ${area('geom')} AS "m2", zone AS "planarEpsg", ST_Area(ST_Transform(geom, zone)) AS "planarM2"
       FROM (SELECT id, geom, 4534 + (round(ST_X(ST_Centroid(geom)) / 3) * 3 - 75)::int / 3 AS zone FROM projects WHERE id = ANY(?::int[])) p`,
    [ids],
  )
  return byId(rows as Array<{ id: number; m2: number; planarEpsg: number; planarM2: number }>)
}

/**
 * Per project: area of project ∩ union(selected features of one version), and the ids (an SQL
 * expression over f) of the features touched. Projects touching nothing are absent (area 0).
 * Each feature is clipped to the project before the union: the union then works on small pieces
 * (half the time of clipping the union of whole features, same result).
 */
async function overlaps(knex: Knex, ids: number[], table: string, datasetId: number, where: string, bindings: unknown[], idExpression: string) {
  const { rows } = await knex.raw(
    `SELECT p.id, ${area('ST_Union(ST_CollectionExtract(ST_Intersection(f.geom, p.geom), 3))')} AS m2, array_agg((${idExpression})::text ORDER BY f.id) AS ids
       FROM projects p JOIN "${table}" f ON f.dataset_id = ? AND f.geom IS NOT NULL AND ST_Intersects(f.geom, p.geom) ${where}
      WHERE p.id = ANY(?::int[])
      GROUP BY p.id`,
    [datasetId, ...bindings, ids] as Knex.RawBinding[],
  )
  return byId(rows as Array<{ id: number; m2: number; ids: string[] }>)
}

/**
 * Second-survey construction land per project in one pass over the clipped patches: gross (area of
 * the union of pieces) and the net patch part (each piece × TBDLMJ/TBMJ; see survey2Lines).
 */
export async function survey2Construction(knex: Knex, ids: number[], datasetId: number, codes: readonly string[]) {
  const { rows } = await knex.raw(
    `SELECT id, ${area('ST_Union(piece)')} AS m2, sum(ST_Area(piece::geography) * ratio) AS "netM2", bool_and(scaled) AS scaled, array_agg(ref ORDER BY ref) AS ids
       FROM (SELECT p.id, f.id::text AS ref, ST_CollectionExtract(ST_Intersection(f.geom, p.geom), 3) AS piece,
                    CASE WHEN f.tbmj > 0 AND f.tbdlmj IS NOT NULL THEN f.tbdlmj / f.tbmj ELSE 1 END AS ratio,
                    (f.tbmj > 0 AND f.tbdlmj IS NOT NULL) AS scaled
               FROM projects p JOIN survey2_patches f ON f.dataset_id = ? AND f.geom IS NOT NULL AND f.dlbm = ANY(?::text[]) AND ST_Intersects(f.geom, p.geom)
              WHERE p.id = ANY(?::int[])) s
      GROUP BY id`,
    [datasetId, codes, ids] as Knex.RawBinding[],
  )
  return byId(rows as Array<{ id: number; m2: number; netM2: number; scaled: boolean; ids: string[] }>)
}

/** Union of buildings counted as 上盖建筑物: overlapping footprints count once. */
export const footprints = (knex: Knex, ids: number[], datasetId: number, excluded: readonly string[]) =>
  overlaps(knex, ids, 'buildings', datasetId, 'AND (f.building_type IS NULL OR NOT (f.building_type = ANY(?::text[])))', [excluded], 'f.id')

export const approvedUnsupplied = (knex: Knex, ids: number[], datasetId: number) => overlaps(knex, ids, 'approved_unsupplied', datasetId, '', [], 'coalesce(f.approval_no, f.id::text)')

export const idleLand = (knex: Knex, ids: number[], datasetId: number) => overlaps(knex, ids, 'idle_land', datasetId, '', [], 'coalesce(f.code, f.id::text)')

/** Net reading, linear part (DOMAIN.md): construction-coded linear features, length inside × KD × KCBL. */
export async function survey2Lines(knex: Knex, ids: number[], datasetId: number, codes: readonly string[]) {
  const { rows } = await knex.raw(
    `SELECT p.id, sum(ST_Length(ST_Intersection(f.geom, p.geom)::geography) * coalesce(f.kd, 0) * coalesce(f.kcbl, 1)) AS m2
       FROM projects p JOIN survey2_lines f ON f.dataset_id = ? AND f.geom IS NOT NULL AND f.dlbm = ANY(?::text[]) AND ST_Intersects(f.geom, p.geom)
      WHERE p.id = ANY(?::int[]) GROUP BY p.id`,
    [datasetId, codes, ids] as Knex.RawBinding[],
  )
  return byId(rows as Array<{ id: number; m2: number }>)
}

/** Area of each project outside every permitted planning zone. */
export async function outsidePlan(knex: Knex, ids: number[], datasetId: number) {
  const { rows } = await knex.raw(
    `SELECT p.id, ${area('CASE WHEN z.g IS NULL THEN p.geom ELSE ST_Difference(p.geom, z.g) END')} AS m2
       FROM projects p
       LEFT JOIN LATERAL (SELECT ST_Union(f.geom) AS g FROM plan_zones f WHERE f.dataset_id = ? AND f.permitted AND ST_Intersects(f.geom, p.geom)) z ON true
      WHERE p.id = ANY(?::int[])`,
    [datasetId, ids],
  )
  return byId(rows as Array<{ id: number; m2: number }>)
}

/** Third-survey land use inside each project: geometric and 按比例分摊 (TBMJ × piece / patch). */
export async function survey3Breakdown(knex: Knex, ids: number[], datasetId: number) {
  const { rows } = await knex.raw(
    `WITH piece AS (
       SELECT p.id, f.dlbm, f.dlmc, f.tbmj, ST_Area(f.geom::geography) AS whole, ST_Area(ST_Intersection(f.geom, p.geom)::geography) AS part
         FROM projects p JOIN survey3_patches f ON f.dataset_id = ? AND f.geom IS NOT NULL AND ST_Intersects(f.geom, p.geom)
        WHERE p.id = ANY(?::int[]))
     SELECT id, dlbm AS code, min(dlmc) AS name, sum(part) AS m2,
            sum(CASE WHEN tbmj IS NULL OR whole = 0 THEN NULL ELSE tbmj * part / whole END) AS "apportionedM2"
       FROM piece WHERE part > 0 GROUP BY id, dlbm ORDER BY id, sum(part) DESC, dlbm`,
    [datasetId, ids],
  )
  const out = new Map<number, Array<{ code: string | null; name: string | null; m2: number; apportionedM2: number | null }>>()
  for (const { id, ...r } of rows) out.set(id, [...(out.get(id) ?? []), r])
  return out
}

export async function storeResults(knex: Knex, results: Array<{ projectId: number; county: string; inputs: object; result: object; eligible: boolean | null }>) {
  if (!results.length) return
  await knex('analysis_results').insert(results.map((r) => ({ project_id: r.projectId, xzqdm: r.county, inputs: JSON.stringify(r.inputs), result: JSON.stringify(r.result), eligible: r.eligible })))
  // new numbers are a change the province's pull must see (the trigger stamps the change time)
  await knex('projects').whereIn('id', results.map((r) => r.projectId)).update({ updated_at: knex.fn.now() })
}

/** A new version of an analysis layer makes the county's stored results stale. */
export async function markCountyStale(knex: Knex, county: string): Promise<number> {
  return knex('analysis_results').where({ xzqdm: county, stale: false }).update({ stale: true })
}

export async function markProjectStale(knex: Knex, projectId: number): Promise<number> {
  return knex('analysis_results').where({ project_id: projectId, stale: false }).update({ stale: true })
}

/** The pieces behind one project's numbers, as GeoJSON geometries (lon/lat) with their role and area. */
export async function pieces(knex: Knex, projectId: number, inputs: Inputs, codes: readonly string[], excluded: readonly string[]) {
  const parts: string[] = [`SELECT 'project' AS role, NULL::text AS code, NULL::text AS name, NULL::text AS ref, p.geom AS g FROM p`]
  const bindings: unknown[] = [projectId]
  const union = (role: string, table: string, datasetId: number, where: string, b: unknown[]) => {
    parts.push(
      `SELECT '${role}', NULL, NULL, NULL, ST_Intersection(p.geom, ST_Union(f.geom)) FROM p JOIN "${table}" f ON f.dataset_id = ? AND ST_Intersects(f.geom, p.geom) ${where} GROUP BY p.geom`,
    )
    bindings.push(datasetId, ...b)
  }
  const each = (role: string, table: string, datasetId: number, code: string, name: string, ref: string) => {
    parts.push(`SELECT '${role}', ${code}, ${name}, ${ref}, ST_Intersection(p.geom, f.geom) FROM p JOIN "${table}" f ON f.dataset_id = ? AND ST_Intersects(f.geom, p.geom)`)
    bindings.push(datasetId)
  }
  if (inputs.survey2) union('survey2-construction', 'survey2_patches', inputs.survey2.datasetId, 'AND f.dlbm = ANY(?::text[])', [codes])
  if (inputs.buildings) union('footprint', 'buildings', inputs.buildings.datasetId, 'AND (f.building_type IS NULL OR NOT (f.building_type = ANY(?::text[])))', [excluded])
  if (inputs.survey3) each('survey3', 'survey3_patches', inputs.survey3.datasetId, 'f.dlbm', 'f.dlmc', 'f.id::text')
  if (inputs['approved-unsupplied']) each('approved-unsupplied', 'approved_unsupplied', inputs['approved-unsupplied'].datasetId, 'NULL', 'f.name', 'coalesce(f.approval_no, f.id::text)')
  if (inputs['idle-land']) each('idle-land', 'idle_land', inputs['idle-land'].datasetId, 'NULL', 'f.name', 'coalesce(f.code, f.id::text)')
  if (inputs['plan-zones']) {
    parts.push(
      `SELECT 'outside-plan', NULL, NULL, NULL, CASE WHEN z.g IS NULL THEN p.geom ELSE ST_Difference(p.geom, z.g) END FROM p
         LEFT JOIN LATERAL (SELECT ST_Union(f.geom) AS g FROM plan_zones f WHERE f.dataset_id = ? AND f.permitted AND ST_Intersects(f.geom, p.geom)) z ON true`,
    )
    bindings.push(inputs['plan-zones'].datasetId)
  }
  const { rows } = await knex.raw(
    `WITH p AS (SELECT geom FROM projects WHERE id = ?), piece AS (${parts.join('\nUNION ALL\n')})
     SELECT role, code, name, ref, ST_Area(g::geography) AS m2, ST_AsGeoJSON(ST_ForcePolygonCCW(ST_CollectionExtract(g, 3)), 9, 0)::json AS geometry
       FROM piece WHERE g IS NOT NULL AND NOT ST_IsEmpty(ST_CollectionExtract(g, 3))`,
    bindings as Knex.RawBinding[],
  )
  return rows as Array<{ role: string; code: string | null; name: string | null; ref: string | null; m2: number; geometry: unknown }>
}
