// All SQL of the project analysis: the geometry behind the numbers, computed in PostGIS against
// the active version of each layer in the project's county. Areas are ellipsoidal on CGCS2000.
import type { Knex } from 'knex'

export const analysisLayers = ['survey2', 'survey3', 'survey2-lines', 'buildings', 'approved-unsupplied', 'idle-land', 'plan-zones'] as const
export type AnalysisLayer = (typeof analysisLayers)[number]

export interface LayerInput {
  datasetId: number
  version: number
}

export async function activeInputs(knex: Knex, county: string): Promise<Record<AnalysisLayer, LayerInput | null>> {
  const rows = await knex('datasets').select('layer', 'id', 'version').where({ xzqdm: county, active: true }).whereIn('layer', analysisLayers as unknown as string[])
  const out = Object.fromEntries(analysisLayers.map((l) => [l, null])) as Record<AnalysisLayer, LayerInput | null>
  for (const r of rows) out[r.layer as AnalysisLayer] = { datasetId: r.id, version: r.version }
  return out
}

const area = (g: string) => `coalesce(ST_Area((${g})::geography), 0)`

/** Area, planar area in the Gauss-Kruger zone of the centroid (CGCS2000 3°, no prefix). */
export async function projectArea(knex: Knex, projectId: number) {
  const { rows } = await knex.raw(
    `SELECT ${area('geom')} AS "m2", zone AS "planarEpsg", ST_Area(ST_Transform(geom, zone)) AS "planarM2"
       FROM (SELECT geom, 4534 + (round(ST_X(ST_Centroid(geom)) / 3) * 3 - 75)::int / 3 AS zone FROM projects WHERE id = ?) p`,
    [projectId],
  )
  return rows[0] as { m2: number; planarEpsg: number; planarM2: number }
}

/** Area of project ∩ union(selected features of a version); ids (an SQL expression over f) of the features touched. */
async function overlap(knex: Knex, projectId: number, table: string, datasetId: number, where: string, bindings: unknown[], idExpression: string) {
  const { rows } = await knex.raw(
    `WITH p AS (SELECT geom FROM projects WHERE id = ?),
          hit AS (SELECT ${idExpression} AS ref, f.geom FROM "${table}" f, p
                   WHERE f.dataset_id = ? AND f.geom IS NOT NULL AND ST_Intersects(f.geom, p.geom) ${where})
     SELECT ${area('ST_Intersection((SELECT geom FROM p), ST_Union(hit.geom))')} AS m2,
            coalesce(array_agg(DISTINCT hit.ref::text) FILTER (WHERE hit.ref IS NOT NULL), '{}') AS ids
       FROM hit`,
    [projectId, datasetId, ...bindings] as Knex.RawBinding[],
  )
  return rows[0] as { m2: number; ids: string[] }
}

export const survey2Construction = (knex: Knex, projectId: number, datasetId: number, codes: readonly string[]) =>
  overlap(knex, projectId, 'survey2_patches', datasetId, 'AND f.dlbm = ANY(?::text[])', [codes], 'f.id')

/** Union of buildings counted as 上盖建筑物: overlapping footprints count once. */
export const footprint = (knex: Knex, projectId: number, datasetId: number, excluded: readonly string[]) =>
  overlap(knex, projectId, 'buildings', datasetId, 'AND (f.building_type IS NULL OR NOT (f.building_type = ANY(?::text[])))', [excluded], 'f.id')

export const approvedUnsupplied = (knex: Knex, projectId: number, datasetId: number) =>
  overlap(knex, projectId, 'approved_unsupplied', datasetId, '', [], "coalesce(f.approval_no, f.id::text)")

export const idleLand = (knex: Knex, projectId: number, datasetId: number) => overlap(knex, projectId, 'idle_land', datasetId, '', [], "coalesce(f.code, f.id::text)")

/** Area of the project outside every permitted planning zone. */
export async function outsidePlan(knex: Knex, projectId: number, datasetId: number): Promise<number> {
  const { rows } = await knex.raw(
    `WITH p AS (SELECT geom FROM projects WHERE id = ?),
          z AS (SELECT ST_Union(f.geom) AS g FROM plan_zones f, p WHERE f.dataset_id = ? AND f.permitted AND ST_Intersects(f.geom, p.geom))
     SELECT ${area('CASE WHEN z.g IS NULL THEN p.geom ELSE ST_Difference(p.geom, z.g) END')} AS m2 FROM p, z`,
    [projectId, datasetId],
  )
  return rows[0].m2
}

/** Third-survey land use inside the project: geometric and 按比例分摊 (TBMJ × piece / patch). */
export async function survey3Breakdown(knex: Knex, projectId: number, datasetId: number) {
  const { rows } = await knex.raw(
    `WITH p AS (SELECT geom FROM projects WHERE id = ?),
          piece AS (SELECT f.dlbm, f.dlmc, f.tbmj, ST_Area(f.geom::geography) AS whole, ST_Area(ST_Intersection(f.geom, p.geom)::geography) AS part
                      FROM survey3_patches f, p WHERE f.dataset_id = ? AND f.geom IS NOT NULL AND ST_Intersects(f.geom, p.geom))
     SELECT dlbm AS code, min(dlmc) AS name, sum(part) AS m2,
            sum(CASE WHEN tbmj IS NULL OR whole = 0 THEN NULL ELSE tbmj * part / whole END) AS "apportionedM2"
       FROM piece WHERE part > 0 GROUP BY dlbm ORDER BY sum(part) DESC, dlbm`,
    [projectId, datasetId],
  )
  return rows as Array<{ code: string | null; name: string | null; m2: number; apportionedM2: number | null }>
}

export async function storeResult(knex: Knex, r: { projectId: number; county: string; inputs: object; result: object; eligible: boolean | null }) {
  await knex('analysis_results').insert({ project_id: r.projectId, xzqdm: r.county, inputs: JSON.stringify(r.inputs), result: JSON.stringify(r.result), eligible: r.eligible })
}
