// All SQL of the project analysis. Every measure is one set-based statement over a list of
// projects, so one project and a county's batch take the same path and PostGIS does the set work.
// Layers are the versions recorded in the result's inputs (the active ones when it was computed).
// The cut itself (plane per project, nearness, pieces, footprint exclusion, outside the plan) is
// src/db/analysis-cut.ts, shared with the analysis pieces: cut in the plane, measure on the
// ellipsoid (issue 12), each project in its own plane (issue 20).
import type { Knex } from 'knex'
import {
  constructionCoded,
  cutOf,
  featurePieces,
  featuresNear,
  footprintCounted,
  landUseCoded,
  otherCountiesNear,
  outsideCounty as outsideCountyCut,
  outsidePlan as outsidePlanCut,
  projectsInPlanes,
  REACH,
  survey2ChangeDate,
  survey2ChangedAfter,
  survey2ChangeText,
  survey2StockLand,
  scatteredLandPieces,
} from '../db/analysis-cut.js'
import { resultValue } from '../db/result-projections.js'
import { onPostgresServer, statementName } from '../db/server-session.js'
import type { StatementGate } from '../db/statement-gate.js'
import { groupBy } from '../collections.js'
import type { Sql } from '../db/scope.js'
import { layerKind } from '../catalogue/layer-kinds.js'
import { activeDatasets } from '../db/read-model.js'
import { problem } from '../errors/index.js'
import type { Survey2Land } from '../domain/analysis-config.js'
import type { TriggeredBy } from '../domain/analysis-triggers.js'
import type { ScatteredLandKind } from '../domain/bundles.js'

export const analysisLayers = [
  'survey2',
  'survey3',
  'survey2-lines',
  'buildings',
  'approved-unsupplied',
  'idle-land',
  'plan-zones',
  'plots',
  'admin-divisions',
] as const
export type AnalysisLayer = (typeof analysisLayers)[number]

export interface LayerInput {
  datasetId: number
  version: number
}
export type Inputs = Record<AnalysisLayer, LayerInput | null>

/** The county's active version of each analysis layer, in one statement (at most one is active per layer and county). */
export async function activeInputs(knex: Knex, county: string): Promise<Inputs> {
  const rows: Array<{ layer: string; id: number; version: number }> = await activeDatasets(knex)
    .where('xzqdm', county)
    .whereIn('layer', [...analysisLayers])
    .select('layer', 'id', 'version')
  const out = Object.fromEntries(analysisLayers.map((l) => [l, null])) as Inputs
  for (const r of rows) out[r.layer as AnalysisLayer] = { datasetId: r.id, version: r.version }
  return out
}

/** Ellipsoidal area of a geometry cut in the plane. */
export const ellipsoidal = (g: string) => `coalesce(ST_Area(ST_Transform(${g}, 4490)::geography), 0)`
const planar = (g: string) => `coalesce(ST_Area(${g}), 0)`
const byId = <T extends { id: number }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]))

export interface Cut {
  /** the county of every project in ids (bound in every statement: one shard when distributed) */
  county: string
  ids: number[]
  /** where the statements of long work (a county's run) wait for their turn (src/db/statement-gate.ts) */
  gate?: StatementGate
}

/** The projects CTE (each in its own plane) of a cut. */
export const projectsOf = (c: Cut) => projectsInPlanes({ county: c.county, ids: c.ids })
/** The version a measure reads (recorded in the result's inputs). */
export const version = (c: Cut, layer: string, datasetId: number) => ({ layer, datasetId, county: c.county })

/**
 * `WITH p AS (…) <select>` and its bindings in order: the CTE's, then each part's. One project's
 * statements go as named prepared statements on a PostgreSQL server: planning them was 2.3 of
 * the 5.8 ms PostgreSQL spent on an analysis (EXPLAIN, bench:analysis's county), and their texts
 * (up to 3 KB) are sent once per connection. A batch's are not: their planning is shared by a
 * chunk of projects, and a plan kept for one project would then serve two hundred.
 */
export async function run<T>(knex: Knex, c: Cut, parts: Array<string | Sql>): Promise<T[]> {
  const projects = projectsOf(c)
  const sql = `WITH ${projects.sql} ${parts.map((x) => (typeof x === 'string' ? x : x.sql)).join('\n')}`
  const bindings = [...projects.bindings, ...parts.flatMap((x) => (typeof x === 'string' ? [] : x.bindings))]
  const query = knex.raw(sql, bindings as Knex.RawBinding[])
  const prepare = c.ids.length === 1 && (await onPostgresServer(knex))
  const send = async () => (await (prepare ? query.options({ name: statementName('analysis1', sql) }) : query)) as { rows: T[] }
  try {
    const { rows } = await (c.gate ? c.gate(send) : send())
    return rows
  } catch (err) {
    throw versionGone(err) ?? err
  }
}

/**
 * A measure reads its version's partition by name (src/db/analysis-cut.ts versionOf). A version
 * replaced by a new import and dropped by the purge (LAYER_VERSIONS_KEPT) after this analysis read
 * which versions are active is no longer there (42P01): the analysis answers 409, to be run again on
 * the new version, instead of a 500 (through the layer table it would have found no features, and
 * stored zeros).
 */
function versionGone(err: unknown) {
  if ((err as { code?: unknown }).code !== '42P01') return null
  return problem('LR_CONFLICT', 'a layer version this analysis read was replaced and removed while it ran; analyse again', {
    detailZh: '分析过程中所用的图层版本已被新导入的版本替换并清除，请重新分析',
  })
}

/**
 * Area on the ellipsoid, planar area, and the plane (srid) of each project. The ellipsoidal area is
 * the projects' stored one (the same expression, computed when the red line was written): computing
 * it again over a red line's dense vertices was the single project's third-costliest statement.
 */
export async function projectAreas(knex: Knex, c: Cut) {
  const rows = await run<{ id: number; m2: number; planarM2: number; srid: number }>(knex, c, [
    'SELECT id, area_m2 AS m2, ST_Area(plane) AS "planarM2", srid FROM p',
  ])
  return byId(rows)
}

/**
 * Per project: area of project ∩ union(selected features of one version), on the ellipsoid and in
 * the plane, and the ids (an SQL expression over f) of the features touched. Projects touching
 * nothing are absent (area 0). Each feature is clipped to the project before the union: the union
 * then works on small pieces.
 */
async function overlaps(knex: Knex, c: Cut, o: { layer: string; datasetId: number; where?: Sql; idExpression: string }) {
  const rows = await run<{ id: number; m2: number; planarM2: number; ids: string[] }>(knex, c, [
    `SELECT id, ${ellipsoidal('u')} AS m2, ${planar('u')} AS "planarM2", ids
       FROM (SELECT p.id, ST_Union(c.piece) AS u, array_agg((${o.idExpression})::text ORDER BY f.id) AS ids`,
    featurePieces(version(c, o.layer, o.datasetId), o.where),
    'GROUP BY p.id) s',
  ])
  return byId(rows)
}

/**
 * Second-survey construction land per project in one pass over the clipped patches of the stock
 * land (src/db/analysis-cut.ts survey2StockLand: without the patches changed after the baseline
 * when so configured): gross (area of the union of pieces, on the ellipsoid and in the plane), the
 * net patch part (each piece × TBDLMJ/TBMJ; see survey2Lines), the latest change date (BGRQ) of the
 * patches counted, and how many of them have no BGRQ or one no date form reads (they stay in).
 */
export async function survey2Construction(knex: Knex, c: Cut, datasetId: number, land: Survey2Land) {
  const rows = await run<{
    id: number
    m2: number
    planarM2: number
    netM2: number
    scaled: boolean
    ids: string[]
    latestChange: string | null
    undated: number
    unreadable: number
  }>(knex, c, [
    `SELECT id, ${ellipsoidal('ST_Union(piece)')} AS m2, ${planar('ST_Union(piece)')} AS "planarM2",
            sum(${ellipsoidal('piece')} * ratio) AS "netM2", bool_and(scaled) AS scaled, array_agg(ref ORDER BY ref) AS ids,
            max(changed) AS "latestChange",
            count(*) FILTER (WHERE btrim(coalesce(said, '')) = '')::int AS undated,
            count(*) FILTER (WHERE btrim(coalesce(said, '')) <> '' AND changed IS NULL)::int AS unreadable
       FROM (SELECT p.id, f.id::text AS ref, c.piece,
                    CASE WHEN f.tbmj > 0 AND f.tbdlmj IS NOT NULL THEN f.tbdlmj / f.tbmj ELSE 1 END AS ratio,
                    (f.tbmj > 0 AND f.tbdlmj IS NOT NULL) AS scaled,
                    ${survey2ChangeText} AS said, ${survey2ChangeDate} AS changed`,
    featurePieces(version(c, 'survey2', datasetId), survey2StockLand(land)),
    ') s GROUP BY id',
  ])
  return byId(rows)
}

/** One second-survey construction patch inside a project changed (BGRQ) after the baseline. */
export interface ChangedPatch {
  featureId: string
  tbbh: string | null
  bsm: number | null
  dlbm: string | null
  /** BGRQ as YYYYMMDD */
  bgrq: string
  /** BGRQ as the delivery wrote it */
  bgrqText: string
  m2: number
}

/**
 * The construction-coded patches inside each project changed after the baseline (excluded from
 * the stock or not, as configured): the area of the union of their pieces and each patch's piece,
 * largest first.
 */
export async function survey2ChangedAfterBaseline(knex: Knex, c: Cut, datasetId: number, land: Survey2Land) {
  const rows = await run<{ id: number; m2: number; patches: ChangedPatch[] }>(knex, c, [
    `SELECT id, ${ellipsoidal('ST_Union(piece)')} AS m2,
            json_agg(json_build_object('featureId', ref, 'tbbh', tbbh, 'bsm', bsm, 'dlbm', dlbm, 'bgrq', changed, 'bgrqText', said, 'm2', part)
                     ORDER BY part DESC, ref) AS patches
       FROM (SELECT p.id, f.id::text AS ref, f.tbbh, f.bsm::float8 AS bsm, f.dlbm, c.piece, ${ellipsoidal('c.piece')} AS part,
                    ${survey2ChangeText} AS said, ${survey2ChangeDate} AS changed`,
    featurePieces(version(c, 'survey2', datasetId), survey2ChangedAfter(land)),
    ') s GROUP BY id',
  ])
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
    types = knex
      .raw('SELECT DISTINCT building_type AS type FROM buildings WHERE dataset_id = ?', [datasetId])
      .then(({ rows }: { rows: Array<{ type: string | null }> }) => rows.map((r) => r.type))
    types.catch(() => typesOfVersion!.delete(datasetId))
    typesOfVersion.set(datasetId, types)
  }
  return types
}

/** The building types found inside each project, with the number of buildings of each. */
export async function buildingTypes(knex: Knex, c: Cut, datasetId: number) {
  const rows = await run<{ id: number; type: string | null; buildings: number }>(knex, c, [
    'SELECT p.id, f.building_type AS type, count(*)::int AS buildings',
    featuresNear(version(c, 'buildings', datasetId), { sql: 'ST_Intersects(f.geom, p.geom)', bindings: [] }),
    'GROUP BY p.id, f.building_type ORDER BY p.id, count(*) DESC, f.building_type',
  ])
  const out = new Map<number, Array<{ type: string | null; buildings: number }>>()
  for (const { id, ...r } of rows) out.set(id, [...(out.get(id) ?? []), r])
  return out
}

/** Union of buildings counted as 上盖建筑物 (every type but `excluded`): overlapping footprints count once. */
export const footprints = (knex: Knex, c: Cut, datasetId: number, excluded: readonly string[]) =>
  overlaps(knex, c, { layer: 'buildings', datasetId, where: footprintCounted(excluded), idExpression: 'f.id' })

export const approvedUnsupplied = (knex: Knex, c: Cut, datasetId: number) =>
  overlaps(knex, c, { layer: 'approved-unsupplied', datasetId, idExpression: 'coalesce(f.approval_no, f.id::text)' })

export const idleLand = (knex: Knex, c: Cut, datasetId: number) =>
  overlaps(knex, c, { layer: 'idle-land', datasetId, idExpression: 'coalesce(f.code, f.id::text)' })

/** Part of each project on the county's low-efficiency plots (低效用地图斑). */
export const onPlots = (knex: Knex, c: Cut, datasetId: number) =>
  overlaps(knex, c, { layer: 'plots', datasetId, idExpression: 'coalesce(f.plot_code, f.id::text)' })

export interface ScatteredLandRow {
  id: number
  bundleId: number
  runId: number | null
  bundleNo: number | null
  /** the union of the recorded pieces inside the project, on the ellipsoid and in the plane */
  m2: number
  planarM2: number
  /** the part of it off the low-efficiency plots (all of it when no plots version is given) */
  offPlotsM2: number
  /** the part of it that is not second-survey construction land (all of it when no second-survey version is given) */
  offConstructionM2: number
  offConstructionPlanarM2: number
  kinds: Array<{ kind: ScatteredLandKind; pieces: number; m2: number }>
}

/**
 * The scattered land (插花地、边角地、夹心地) each project made from a bundle recorded at its creation,
 * cut as every other area: inside the project, and how much of it lies off the database plots and
 * off the 2009 construction land, the parts the checks on-database-plots and built-before-2010
 * admit beside those layers (165号 二 "插花地、边角地、夹心地可一并纳入"). Only projects made from a
 * bundle have a row; the layers are cut only for projects that recorded some land.
 */
export async function scatteredLand(knex: Knex, c: Cut, o: { plots?: number; survey2?: { datasetId: number; land: Survey2Land } }) {
  const recorded: Sql = { sql: 'p.id IN (SELECT id FROM su)', bindings: [] }
  const none = 'SELECT NULL::bigint AS id, NULL::geometry AS g WHERE false'
  const layer = (from: Sql | null): Sql =>
    from ? { sql: `SELECT p.id, ST_Union(c.piece) AS g ${from.sql} GROUP BY p.id`, bindings: from.bindings } : { sql: none, bindings: [] }
  const plots = layer(o.plots ? featurePieces(version(c, 'plots', o.plots), recorded) : null)
  const construction = layer(
    o.survey2
      ? featurePieces(version(c, 'survey2', o.survey2.datasetId), {
          // the 2009 construction land as the stock takes it (patches changed after the baseline left out)
          sql: `${survey2StockLand(o.survey2.land).sql} AND ${recorded.sql}`,
          bindings: survey2StockLand(o.survey2.land).bindings,
        })
      : null,
  )
  const off = (other: string) => `CASE WHEN ${other} IS NULL THEN su.g ELSE ST_CollectionExtract(ST_Difference(su.g, ${other}), 3) END`
  const rows = await run<Omit<ScatteredLandRow, 'id'> & { id: number }>(knex, c, [
    { sql: `, sp AS MATERIALIZED (SELECT p.id, f.kind, c.piece ${scatteredLandPieces.sql})`, bindings: scatteredLandPieces.bindings },
    ', su AS MATERIALIZED (SELECT id, ST_Union(piece) AS g FROM sp GROUP BY id)',
    { sql: `, pl AS MATERIALIZED (${plots.sql})`, bindings: plots.bindings },
    { sql: `, s2 AS MATERIALIZED (${construction.sql})`, bindings: construction.bindings },
    `, k AS (SELECT id, kind, count(*)::int AS pieces, ${ellipsoidal('ST_Union(piece)')} AS m2 FROM sp GROUP BY id, kind)
     SELECT pr.id, pr.from_bundle_id::int AS "bundleId", pr.from_bundle_run_id::int AS "runId", pr.from_bundle_no AS "bundleNo",
            ${ellipsoidal('su.g')} AS m2, ${planar('su.g')} AS "planarM2",
            ${ellipsoidal(off('pl.g'))} AS "offPlotsM2",
            ${ellipsoidal(off('s2.g'))} AS "offConstructionM2", ${planar(off('s2.g'))} AS "offConstructionPlanarM2",
            coalesce((SELECT json_agg(json_build_object('kind', k.kind, 'pieces', k.pieces, 'm2', k.m2) ORDER BY k.kind) FROM k WHERE k.id = pr.id), '[]'::json)
              AS kinds
       FROM p JOIN projects pr ON pr.xzqdm = p.xzqdm AND pr.id = p.id AND pr.from_bundle_id IS NOT NULL
       LEFT JOIN su ON su.id = p.id LEFT JOIN pl ON pl.id = p.id LEFT JOIN s2 ON s2.id = p.id`,
  ])
  return byId(rows)
}

/**
 * Net reading, linear part (DOMAIN.md): construction-coded linear features of the stock land (those
 * changed after the baseline left out as the patches are), length inside × KD × KCBL; and how many
 * construction-coded lines inside were left out for their change date.
 */
export async function survey2Lines(knex: Knex, c: Cut, datasetId: number, land: Survey2Land) {
  // A construction-coded line inside without KD (width) adds nothing, one without KCBL adds its whole
  // width: both are counted so the result can say so instead of a silent 0 (issue 21).
  const inside = 'ST_Intersects(f.geom, p.geom)'
  const kept = survey2StockLand(land)
  const rows = await run<{ id: number; m2: number; missingKd: number; missingKcbl: number; changedAfter: number }>(knex, c, [
    {
      sql: `SELECT p.id, coalesce(sum(coalesce(ST_Length(ST_Transform(${cutOf}, 4490)::geography), 0) * coalesce(f.kd, 0) * coalesce(f.kcbl, 1))
                                  FILTER (WHERE kept), 0) AS m2,
            count(*) FILTER (WHERE kept AND (f.kd IS NULL OR f.kd <= 0) AND ${inside})::int AS "missingKd",
            count(*) FILTER (WHERE kept AND f.kcbl IS NULL AND ${inside})::int AS "missingKcbl",
            count(*) FILTER (WHERE NOT kept AND ${inside})::int AS "changedAfter"`,
      bindings: [],
    },
    featuresNear(version(c, 'survey2-lines', datasetId), constructionCoded(land.codes)),
    { sql: `CROSS JOIN LATERAL (SELECT ${kept.sql} AS kept) k`, bindings: kept.bindings },
    'GROUP BY p.id',
  ])
  return byId(rows)
}

/** Area of each project outside every permitted planning zone, on the ellipsoid and in the plane. */
export async function outsidePlan(knex: Knex, c: Cut, datasetId: number) {
  const cut = outsidePlanCut(version(c, 'plan-zones', datasetId))
  const rows = await run<{ id: number; m2: number; planarM2: number }>(knex, c, [
    `SELECT id, ${ellipsoidal('d')} AS m2, ${planar('d')} AS "planarM2" FROM (SELECT p.id, ${cut.outside} AS d`,
    cut,
    ') s',
  ])
  return byId(rows)
}

/** Area of each project outside its county's administrative boundary, on the ellipsoid and in the plane. */
export async function outsideCounty(knex: Knex, c: Cut, datasetId: number) {
  const cut = outsideCountyCut(version(c, 'admin-divisions', datasetId))
  const rows = await run<{ id: number; m2: number; planarM2: number }>(knex, c, [
    `SELECT id, ${ellipsoidal('d')} AS m2, ${planar('d')} AS "planarM2" FROM (SELECT p.id, ${cut.outside} AS d`,
    cut,
    ') s',
  ])
  return byId(rows)
}

/**
 * Where the part of each project outside its county lies: the m² in each other county whose
 * boundary is loaded (its active version), and `county` null for the part in none of them. Only
 * for projects that reach out of their county (`c.ids`): it reads every county's boundaries, so on a
 * database distributed by county it fans out (docs/scale-out.md).
 */
export async function outsideCountyIn(knex: Knex, c: Cut, datasetId: number) {
  const cut = outsideCountyCut(version(c, 'admin-divisions', datasetId))
  const rows = await run<{ id: number; county: string | null; m2: number }>(knex, c, [
    `, o AS MATERIALIZED (SELECT p.id, ${cut.outside} AS g`,
    cut,
    `), other AS MATERIALIZED (
       SELECT p.id, d.xzqdm AS county, ST_Union(ST_Transform(f.geom, p.srid)) AS g FROM p ${otherCountiesNear} GROUP BY p.id, d.xzqdm)
     SELECT o.id, other.county, ${ellipsoidal('ST_CollectionExtract(ST_Intersection(o.g, other.g), 3)')} AS m2
       FROM o JOIN other ON other.id = o.id
     UNION ALL
     SELECT o.id, NULL, ${ellipsoidal('CASE WHEN u.g IS NULL THEN o.g ELSE ST_CollectionExtract(ST_Difference(o.g, u.g), 3) END')}
       FROM o LEFT JOIN (SELECT id, ST_Union(g) AS g FROM other GROUP BY id) u ON u.id = o.id
     ORDER BY 1, 3 DESC, 2`,
  ])
  const out = new Map<number, Array<{ county: string | null; m2: number }>>()
  for (const { id, ...r } of rows) out.set(id, [...(out.get(id) ?? []), r])
  return out
}

/**
 * The plan's planned uses (用地用海分类代码) inside each project: per code (trimmed, upper case) the area of
 * the union of its zones' pieces, and the area of the union of all coded zones (the coded land), on the
 * ellipsoid. Projects of a county whose plan carries no code inside are absent.
 */
export async function plannedUses(knex: Knex, c: Cut, datasetId: number) {
  const rows = await run<{ id: number; code: string; total: number; m2: number }>(knex, c, [
    `SELECT id, code, GROUPING(code) AS total, ${ellipsoidal('ST_Union(piece)')} AS m2
       FROM (SELECT p.id, upper(btrim(f.land_use_code)) AS code, c.piece`,
    featurePieces(version(c, 'plan-zones', datasetId), landUseCoded),
    ') s GROUP BY GROUPING SETS ((id, code), (id)) ORDER BY id, code',
  ])
  const out = new Map<number, { areas: Array<{ code: string; m2: number }>; codedM2: number }>()
  for (const r of rows) {
    const entry = out.get(r.id) ?? { areas: [], codedM2: 0 }
    if (Number(r.total) === 1) entry.codedM2 = r.m2
    else entry.areas.push({ code: r.code, m2: r.m2 })
    out.set(r.id, entry)
  }
  return out
}

/** Third-survey land use inside each project: geometric and 按比例分摊 (TBMJ × piece / patch). */
export async function survey3Breakdown(knex: Knex, c: Cut, datasetId: number) {
  const rows = await run<{ id: number; code: string | null; name: string | null; m2: number; apportionedM2: number | null }>(knex, c, [
    `, piece AS MATERIALIZED (
       SELECT p.id, f.dlbm, f.dlmc, f.tbmj, ST_Area(f.geom::geography) AS whole, ${ellipsoidal('c.piece')} AS part`,
    featurePieces(version(c, 'survey3', datasetId)),
    `)
     SELECT id, dlbm AS code, min(dlmc) AS name, sum(part) AS m2,
            sum(CASE WHEN tbmj IS NULL OR whole = 0 THEN NULL ELSE tbmj * part / whole END) AS "apportionedM2"
       FROM piece WHERE part > 0 GROUP BY id, dlbm ORDER BY id, sum(part) DESC, dlbm`,
  ])
  const out = new Map<number, Array<Omit<(typeof rows)[number], 'id'>>>()
  for (const { id, ...r } of rows) out.set(id, [...(out.get(id) ?? []), r])
  return out
}

/**
 * Stores results (one row each) and returns their ids in order. New numbers are a change the
 * province's pull must see, so each county's rows and the stamp on its projects (the trigger writes
 * the change time) go in one statement: they commit together, and the stamp costs no round trip of
 * its own. Per county, so each statement stays on one county's shard (docs/scale-out.md).
 */
export async function storeResults(
  knex: Knex,
  results: Array<{ projectId: number; county: string; inputs: object; result: object; eligible: boolean | null }>,
  triggeredBy?: TriggeredBy,
): Promise<number[]> {
  const idOf = new Map<string, number>()
  for (const [county, rows] of groupBy(results, (r) => r.county)) {
    const insert = knex('analysis_results')
      .insert(
        rows.map((r) => ({
          project_id: r.projectId,
          xzqdm: county,
          inputs: JSON.stringify(r.inputs),
          result: JSON.stringify(r.result),
          eligible: r.eligible,
          trigger: triggeredBy?.trigger ?? null,
          triggered_by: triggeredBy?.by ?? null,
        })),
      )
      .returning(['id', 'project_id'])
      .toSQL()
    const { rows: stored } = await knex.raw(
      `WITH stored AS (${insert.sql}),
            stamped AS (UPDATE projects SET updated_at = now() WHERE xzqdm = ? AND id IN (SELECT project_id FROM stored))
       SELECT id, project_id FROM stored`,
      [...insert.bindings, county] as Knex.RawBinding[],
    )
    for (const r of stored as Array<{ id: number | string; project_id: number | string }>) idOf.set(`${county}/${r.project_id}`, Number(r.id))
  }
  return results.map((r) => idOf.get(`${r.county}/${r.projectId}`)!)
}

/** A new version of an analysis layer makes the county's stored results stale. */
export async function markCountyStale(knex: Knex, county: string): Promise<number> {
  return knex('analysis_results').where({ xzqdm: county, stale: false }).update({ stale: true })
}

/**
 * A county's new administrative boundary may move where the neighbours' projects that reach out of
 * their own county lie (outsideCounty.counties): their stored results become stale. Candidates are
 * the other counties' projects within the box of any version of this county's boundary (old or new),
 * found by the index; only results with a part outside their county are marked. Fans out when
 * distributed by county (docs/scale-out.md): a boundary is loaded once in a long while.
 */
export async function markNeighboursStale(knex: Knex, county: string): Promise<number> {
  const { rowCount } = await knex.raw(
    `UPDATE analysis_results a SET stale = true
       FROM projects p
      WHERE a.xzqdm = p.xzqdm AND a.project_id = p.id AND NOT a.stale AND p.xzqdm <> ?
        AND p.geom && (SELECT ST_Expand(ST_Extent(f.geom)::geometry, ${REACH})
                         FROM datasets d JOIN "${layerKind('admin-divisions')!.table}" f ON f.dataset_id = d.id AND f.xzqdm = d.xzqdm
                        WHERE d.layer = 'admin-divisions' AND d.xzqdm = ?)
        AND ${resultValue(['outsideCounty', 'm2'], 'a.result')} > 0`,
    [county, county],
  )
  return rowCount ?? 0
}

export async function markProjectStale(knex: Knex, projectId: number): Promise<number> {
  return knex('analysis_results').where({ project_id: projectId, stale: false }).update({ stale: true })
}
