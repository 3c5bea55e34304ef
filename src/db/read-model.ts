// The read model: what "current" means for layers, bundles and analyses, each said once with a
// name and a comment (as pg_featureserv keeps its SQL in db_sql.go). Features import these
// fragments and never write the joins themselves: test/architecture/read-model.test.ts fails on a
// second copy outside src/db/. Region scope: ./scope.ts; paths into a stored analysis result:
// ./result-projections.ts.
//
// Fragments are SQL text with the layer key inlined from the catalogue's allow-list and the other
// names (aliases, county expressions) checked to be plain column references, never request values.
import type { Knex } from 'knex'
import { layerKind } from '../catalogue/layer-kinds.js'
import type { Scope } from '../domain/region.js'
import { analysisSchemaVersion } from '../schemas/analysis.js'
import { resultValue } from './result-projections.js'
import { scopeCondition, type Sql } from './scope.js'

/** An alias or a column reference (`d`, `p.xzqdm`) from the caller's code; `?` where the caller binds a value. */
function name(expr: string, what: string, o: { placeholder?: boolean } = {}): string {
  if ((o.placeholder && expr === '?') || /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(expr)) return expr
  throw new Error(`read model: ${what} must be a column reference${o.placeholder ? " or '?'" : ''}, got ${JSON.stringify(expr)}`)
}

/** A layer key of the catalogue, as an SQL literal (the key is from the allow-list, so inlining it is safe). */
function layerLiteral(key: string): string {
  if (!layerKind(key)) throw new Error(`read model: unknown layer kind ${JSON.stringify(key)}`)
  return `'${key}'`
}

// ───────────────────────── Layer versions ─────────────────────────
// Each import is a new version of a county's layer (a `datasets` row). At most one version of a
// layer and county is active (the unique index datasets_one_active); activateVersion switches it,
// so every reader below sees the old version or the new one, never both or neither.

/**
 * `<as>.layer = '<layer>' AND <as>.xzqdm = <county> AND <as>.active`: the active version of a layer
 * in a county, as a condition on the `datasets` row `as`. Without `layer`: of every layer; without
 * `county`: in every county (callers add their scope).
 */
export function activeVersionCondition(o: { as: string; layer?: string; county?: string }): string {
  const as = name(o.as, 'as')
  return [
    ...(o.layer === undefined ? [] : [`${as}.layer = ${layerLiteral(o.layer)}`]),
    ...(o.county === undefined ? [] : [`${as}.xzqdm = ${name(o.county, 'county', { placeholder: true })}`]),
    `${as}.active`,
  ].join(' AND ')
}

/**
 * `JOIN datasets <as> ON <as>.layer = '<layer>' AND <as>.xzqdm = <county> AND <as>.active`: the active
 * version of a layer in the county of the row being read, e.g.
 * `activeVersionJoin({ layer: 'buildings', county: 'p.xzqdm', as: 'd' })` then `JOIN buildings f ON
 * f.dataset_id = d.id AND f.xzqdm = d.xzqdm`. Joined on the county: the co-located join of a
 * database distributed by county (docs/scale-out.md). `county: '?'` binds the county instead.
 */
export function activeVersionJoin(o: { layer: string; county: string; as: string; left?: boolean }): string {
  return `${o.left ? 'LEFT JOIN' : 'JOIN'} datasets ${name(o.as, 'as')} ON ${activeVersionCondition(o)}`
}

/** Ids of the active versions of a layer in the scope's counties, in id order. */
export async function activeDatasetIds(knex: Knex, layer: string, scope: Scope): Promise<number[]> {
  const from = activeDatasetsFrom(layer, scope)
  const { rows } = await knex.raw(`SELECT id ${from.sql} ORDER BY id`, from.bindings as Knex.RawBinding[])
  return rows.map((r: { id: number }) => r.id)
}

/**
 * `FROM datasets WHERE <the active versions of a layer in scope>` for aggregates over them
 * (feature counts, extents, version tokens); layer null means every layer.
 */
export function activeDatasetsFrom(layer: string | null, scope: Scope): Sql {
  const s = scopeCondition(scope, 'datasets.xzqdm')
  return { sql: `FROM datasets WHERE ${activeVersionCondition({ as: 'datasets', ...(layer === null ? {} : { layer }) })} AND ${s.sql}`, bindings: s.bindings }
}

/** The active version of one county's layer (a query builder: callers pick their columns). */
export const activeDataset = (knex: Knex, layer: string, county: string) =>
  knex('datasets').whereRaw(activeVersionCondition({ as: 'datasets', layer, county: '?' }), [county])

/** The active versions of every layer and county (a query builder on `datasets`: callers add their scope and columns). */
export const activeDatasets = (knex: Knex) => knex('datasets').whereRaw(activeVersionCondition({ as: 'datasets' }))

/** A layer version as the statistics record it: which one, of which survey year (null: not known), active or not. */
export interface SurveyVersion {
  id: number
  version: number
  source_name: string | null
  imported_at: Date
  active: boolean
  survey_year: number | null
  survey_year_source: 'given' | 'sjnf' | null
}

/**
 * The version of a county's survey layer to measure year `year` on (issue 21: 165号 一's per-capita
 * figure of a year, on that year's 年度变更调查): a loaded version whose survey year is `year` (the
 * active one if it is such, else the newest such); failing that, the active version. Loaded means
 * ready: a version still loading or failed holds no table to read. undefined: nothing loaded.
 */
export async function surveyVersionOfYear(knex: Knex, layer: string, county: string, year: number): Promise<SurveyVersion | undefined> {
  const { rows } = await knex.raw(
    `SELECT id, version, source_name, imported_at, ${activeVersionCondition({ as: 'd' })} AS active, survey_year, survey_year_source
       FROM datasets d
      WHERE d.layer = ${layerLiteral(layer)} AND d.xzqdm = ? AND d.status = 'ready'
        AND (d.survey_year = ? OR ${activeVersionCondition({ as: 'd' })})
      ORDER BY (d.survey_year IS NOT DISTINCT FROM ?) DESC, ${activeVersionCondition({ as: 'd' })} DESC, d.version DESC
      LIMIT 1`,
    [county, year, year],
  )
  return rows[0]
}

/**
 * Makes a loaded version the active one of its layer and county, in the caller's transaction: the
 * old one off first, as the unique index allows one active version at a time. Readers switch when
 * the transaction commits.
 */
export async function activateVersion(trx: Knex.Transaction, d: { id: number; layer: string; county: string }): Promise<void> {
  await activeDataset(trx, d.layer, d.county).update({ active: false })
  await trx('datasets').where({ id: d.id, xzqdm: d.county, layer: d.layer }).update({ active: true })
}

/**
 * `SELECT id …` of the versions of a county's layers something still rests on: the active ones,
 * those the latest or the approved analysis of a project was computed from (their `inputs`), and
 * the plots version of the active bundling run. An import's purge of old versions keeps these.
 */
export function versionsInUseOfCounty(county: string): Sql {
  return {
    sql: `SELECT id FROM datasets WHERE ${activeVersionCondition({ as: 'datasets', county: '?' })}
          UNION SELECT (e.value ->> 'datasetId')::bigint
                  FROM analysis_results a CROSS JOIN LATERAL jsonb_each(a.inputs) e
                 WHERE a.xzqdm = ? AND jsonb_typeof(e.value) = 'object'
                   AND (a.id IN (${approvedAnalysisIdsOfCounty}) OR a.id IN (${latestAnalysisIdsOfCounty}))
          UNION SELECT plots_dataset_id FROM bundle_runs WHERE xzqdm = ? AND active AND plots_dataset_id IS NOT NULL`,
    bindings: [county, county, county, county, county],
  }
}

// ───────────────────────── Bundling runs ─────────────────────────
// A county's bundles come from bundling runs; the active run is the current one (unique index
// bundle_runs_one_active), switched by activateBundleRun. Older runs stay as history.

/**
 * `JOIN bundle_runs <as> ON <as>.id = <bundle>.run_id AND <as>.xzqdm = <bundle>.xzqdm AND <as>.active`:
 * the current bundles, from rows of `bundles` aliased `bundle`.
 */
export function activeRunJoin(o: { bundle: string; as: string }): string {
  const [b, r] = [name(o.bundle, 'bundle'), name(o.as, 'as')]
  return `JOIN bundle_runs ${r} ON ${r}.id = ${b}.run_id AND ${r}.xzqdm = ${b}.xzqdm AND ${r}.active`
}

/** The active bundling run of a county (a query builder: callers pick their columns). */
export const activeBundleRun = (knex: Knex, county: string) => knex('bundle_runs').where({ xzqdm: county }).whereRaw('bundle_runs.active')

/** `FROM bundle_runs WHERE <the active runs in scope>`, for version tokens. */
export function activeRunsFrom(scope: Scope): Sql {
  const s = scopeCondition(scope, 'bundle_runs.xzqdm')
  return { sql: `FROM bundle_runs WHERE bundle_runs.active AND ${s.sql}`, bindings: s.bindings }
}

/** Makes a run the county's current one, in the caller's transaction (the old one off first: one active run per county). */
export async function activateBundleRun(trx: Knex.Transaction, run: { id: number; county: string }): Promise<void> {
  await activeBundleRun(trx, run.county).update({ active: false })
  await trx('bundle_runs').where({ id: run.id, xzqdm: run.county }).update({ active: true })
}

// ───────────────────────── Stored analyses ─────────────────────────
// Results are only ever appended (analysis_results), so a project's results are ordered by id.
// - the latest: the highest id, current or stale (what lists and the OGC collection show);
// - the latest current: the highest id that is not stale (what an approval may pin);
// - the approved (pinned): projects.approved_result_id, the province's record of what it approved,
//   never recomputed or replaced (docs/decisions.md, issue 20).
// A result is stale when an input changed since (the `stale` column) or when it is of an older
// schema version than this code writes (schemaVersion, src/schemas/analysis.ts).

/**
 * `(<as>.stale OR <as>.schema_version <> <current>)`: whether a stored result must be recomputed
 * before it is answered as current, for a row of analysis_results aliased `as`.
 */
export const analysisStale = (as: string) => `(${name(as, 'as')}.stale OR ${as}.schema_version <> ${analysisSchemaVersion})`

/**
 * `LEFT JOIN LATERAL (…) <as> ON true`: the latest stored analysis of the project row `project`
 * (`columns` over `r`, the analysis_results row), or with preferApproved the one a provincial
 * review pinned when there is one. Joined on the county as well: the co-located join of a
 * database distributed by county (docs/scale-out.md).
 */
export function latestAnalysisJoin(o: { project: string; as: string; columns: string; preferApproved?: boolean }): string {
  const p = name(o.project, 'project')
  const pinned = o.preferApproved ? ` AND (${p}.approved_result_id IS NULL OR r.id = ${p}.approved_result_id)` : ''
  return `LEFT JOIN LATERAL (SELECT ${o.columns} FROM analysis_results r
                             WHERE r.xzqdm = ${p}.xzqdm AND r.project_id = ${p}.id${pinned}
                             ORDER BY r.id DESC LIMIT 1) ${name(o.as, 'as')} ON true`
}

/** `LEFT JOIN analysis_results <as> ON …`: the analysis the province approved (pinned) for the project row `project`, if any. */
export function approvedAnalysisJoin(o: { project: string; as: string }): string {
  const [p, a] = [name(o.project, 'project'), name(o.as, 'as')]
  return `LEFT JOIN analysis_results ${a} ON ${a}.xzqdm = ${p}.xzqdm AND ${a}.id = ${p}.approved_result_id`
}

/** `SELECT id FROM …`: the latest analysis of every project of a county (one bound parameter: the county). */
export const latestAnalysisIdsOfCounty = 'SELECT DISTINCT ON (project_id) id FROM analysis_results WHERE xzqdm = ? ORDER BY project_id, id DESC'

/** `SELECT id FROM …`: the latest current (not stale) analysis of every project of a county (one bound parameter: the county). */
export const latestCurrentAnalysisIdsOfCounty = `SELECT DISTINCT ON (project_id) id FROM analysis_results r
                                                 WHERE xzqdm = ? AND NOT ${analysisStale('r')} ORDER BY project_id, id DESC`

/** `SELECT approved_result_id FROM …`: the pinned analyses of a county's projects (one bound parameter: the county). */
export const approvedAnalysisIdsOfCounty = 'SELECT approved_result_id FROM projects WHERE xzqdm = ? AND approved_result_id IS NOT NULL'

export interface StoredAnalysis {
  id: number
  /** an input changed since it was computed (the stale column alone) */
  stale: boolean
  /** the schema version it was written in (1: before results carried one) */
  schemaVersion: number
  result: unknown
}

/** The latest stored analysis of a project, current or stale, as stored (check it with ../analysis/stored-result.ts). */
export async function latestAnalysisOf(knex: Knex, projectId: number): Promise<StoredAnalysis | undefined> {
  const { rows } = await knex.raw(
    `SELECT a.id, a.stale, a.schema_version AS "schemaVersion", a.result
       FROM projects p ${latestAnalysisJoin({ project: 'p', as: 'a', columns: 'r.id, r.stale, r.schema_version, r.result' })}
      WHERE p.id = ? AND a.id IS NOT NULL`,
    [projectId],
  )
  return rows[0]
}

/** Marks one stored result stale (an older schema version found on reading it): a reader then recomputes rather than answers it. */
export async function markAnalysisStale(knex: Knex, result: { id: number }): Promise<void> {
  await knex('analysis_results').where({ id: result.id }).update({ stale: true })
}

/** The analysis the province approved (pinned) for a project, as stored; with whether an input changed since (stale). */
export async function approvedAnalysisOf(knex: Knex, project: { id: number; county: string }): Promise<(StoredAnalysis & { computedAt: Date }) | undefined> {
  const { rows } = await knex.raw(
    `SELECT a.id, a.stale, a.schema_version AS "schemaVersion", a.result,
            coalesce((${resultValue(['computedAt'], 'a.result')})::timestamptz, a.computed_at) AS "computedAt"
       FROM projects p ${approvedAnalysisJoin({ project: 'p', as: 'a' })}
      WHERE p.xzqdm = ? AND p.id = ? AND a.id IS NOT NULL`,
    [project.county, project.id],
  )
  return rows[0]
}

/** One stored analysis of a project in its history (computedAt: the result's own, else when it was stored): the figures a list shows, and which reader rests on it. */
export interface AnalysisHistoryRow {
  id: number
  computedAt: Date
  trigger: string | null
  triggeredBy: string | null
  eligible: boolean | null
  stockAreaM2: number | null
  footprintRatio: number | null
  stale: boolean
  /** the province pinned it (projects.approved_result_id) */
  approved: boolean
}

/**
 * A project's stored analyses, newest first (at most `limit`): those not yet pruned, so always the
 * latest, the latest current and the approved one (../analysis/prune.ts keeps them). `stale` is the
 * read model's (an input changed, or an older schema version).
 */
export async function analysisHistoryOf(knex: Knex, project: { id: number; county: string }, limit: number): Promise<AnalysisHistoryRow[]> {
  const { rows } = await knex.raw(
    `SELECT r.id, coalesce((${resultValue(['computedAt'])})::timestamptz, r.computed_at) AS "computedAt", r.trigger, r.triggered_by AS "triggeredBy", r.eligible,
            ${resultValue(['stockArea', 'm2'])} AS "stockAreaM2", ${resultValue(['footprint', 'ratio'])} AS "footprintRatio",
            ${analysisStale('r')} AS stale, (r.id = p.approved_result_id) IS TRUE AS approved
       FROM projects p JOIN analysis_results r ON r.xzqdm = p.xzqdm AND r.project_id = p.id
      WHERE p.xzqdm = ? AND p.id = ?
      ORDER BY r.id DESC LIMIT ?`,
    [project.county, project.id, limit],
  )
  return rows
}
