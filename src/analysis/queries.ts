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
  outsidePlan as outsidePlanCut,
  projectsInPlanes,
} from '../db/analysis-cut.js'
import type { Sql } from '../db/scope.js'
import { activeDataset } from '../db/read-model.js'
import { changeDateSql } from '../domain/dates.js'

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

/** Ellipsoidal area of a geometry cut in the plane. */
export const ellipsoidal = (g: string) => `coalesce(ST_Area(ST_Transform(${g}, 4490)::geography), 0)`
const planar = (g: string) => `coalesce(ST_Area(${g}), 0)`
const byId = <T extends { id: number }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]))

export interface Cut {
  /** the county of every project in ids (bound in every statement: one shard when distributed) */
  county: string
  ids: number[]
}

/** The projects CTE (each in its own plane) of a cut. */
export const projectsOf = (c: Cut) => projectsInPlanes({ county: c.county, ids: c.ids })
/** The version a measure reads (recorded in the result's inputs). */
export const version = (c: Cut, layer: string, datasetId: number) => ({ layer, datasetId, county: c.county })

/** `WITH p AS (…) <select>` and its bindings in order: the CTE's, then each part's. */
export async function run<T>(knex: Knex, c: Cut, parts: Array<string | Sql>): Promise<T[]> {
  const projects = projectsOf(c)
  const sql = parts.map((x) => (typeof x === 'string' ? x : x.sql)).join('\n')
  const bindings = [...projects.bindings, ...parts.flatMap((x) => (typeof x === 'string' ? [] : x.bindings))]
  const { rows } = await knex.raw(`WITH ${projects.sql} ${sql}`, bindings as Knex.RawBinding[])
  return rows as T[]
}

/** Area on the ellipsoid, planar area, and the plane (srid) of each project. */
export async function projectAreas(knex: Knex, c: Cut) {
  const rows = await run<{ id: number; m2: number; planarM2: number; srid: number }>(knex, c, [
    'SELECT id, ST_Area(geom::geography) AS m2, ST_Area(plane) AS "planarM2", srid FROM p',
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
 * Second-survey construction land per project in one pass over the clipped patches: gross (area
 * of the union of pieces, on the ellipsoid and in the plane), the net patch part (each piece ×
 * TBDLMJ/TBMJ; see survey2Lines), and the latest change date (BGRQ) of the patches touched, which
 * tells a later annual update from the 2009 baseline.
 */
export async function survey2Construction(knex: Knex, c: Cut, datasetId: number, codes: readonly string[]) {
  const rows = await run<{ id: number; m2: number; planarM2: number; netM2: number; scaled: boolean; ids: string[]; latestChange: string | null }>(knex, c, [
    `SELECT id, ${ellipsoidal('ST_Union(piece)')} AS m2, ${planar('ST_Union(piece)')} AS "planarM2",
            sum(${ellipsoidal('piece')} * ratio) AS "netM2", bool_and(scaled) AS scaled, array_agg(ref ORDER BY ref) AS ids,
            max(changed) AS "latestChange"
       FROM (SELECT p.id, f.id::text AS ref, c.piece,
                    CASE WHEN f.tbmj > 0 AND f.tbdlmj IS NOT NULL THEN f.tbdlmj / f.tbmj ELSE 1 END AS ratio,
                    (f.tbmj > 0 AND f.tbdlmj IS NOT NULL) AS scaled,
                    ${changeDateSql("coalesce(f.attrs->>'BGRQ', f.attrs->>'bgrq')")} AS changed`,
    featurePieces(version(c, 'survey2', datasetId), constructionCoded(codes)),
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

/** Net reading, linear part (DOMAIN.md): construction-coded linear features, length inside × KD × KCBL. */
export async function survey2Lines(knex: Knex, c: Cut, datasetId: number, codes: readonly string[]) {
  // A construction-coded line inside without KD (width) adds nothing, one without KCBL adds its whole
  // width: both are counted so the result can say so instead of a silent 0 (issue 21).
  const rows = await run<{ id: number; m2: number; missingKd: number; missingKcbl: number }>(knex, c, [
    `SELECT p.id, sum(coalesce(ST_Length(ST_Transform(${cutOf}, 4490)::geography), 0) * coalesce(f.kd, 0) * coalesce(f.kcbl, 1)) AS m2,
            count(*) FILTER (WHERE (f.kd IS NULL OR f.kd <= 0) AND ST_Intersects(f.geom, p.geom))::int AS "missingKd",
            count(*) FILTER (WHERE f.kcbl IS NULL AND ST_Intersects(f.geom, p.geom))::int AS "missingKcbl"`,
    featuresNear(version(c, 'survey2-lines', datasetId), constructionCoded(codes)),
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
