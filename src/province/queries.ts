// All SQL of the province's pull API: projects in change order, with the analysis the numbers come
// from (the one the province approved, else the latest).
import type { Knex } from 'knex'
import { analysisStale, latestAnalysisJoin } from '../db/read-model.js'
import { resultPartColumns } from '../db/result-projections.js'
import { onPostgresServer, statementName } from '../db/server-session.js'
import type { Position, Positions } from './cursor.js'
import { countiesOfFilter, type PullFilter } from './filter.js'

export interface PullRow {
  id: number
  code: string
  name: string | null
  county: string
  developmentMode: string | null
  approach: string
  originalUse: string | null
  newUse: string | null
  status: string
  milestoneType: string | null
  milestoneDate: string | null
  m2: number
  updatedKey: string
  resultId: number | null
  approved: boolean
  stockArea: { method: string; m2: number | null; reason?: string } | null
  footprint: { ratio: number } | null
  checks: Array<{ id: string; passed: boolean | null }> | null
  eligible: boolean | null
  stale: boolean | null
  computedAt: Date | null
  inputs: Record<string, { version: number } | null> | null
}

/** Conditions of the filters other than the county (which picks the streams), as SQL on `p`. */
function filterConditions(f: PullFilter): { sql: string; bindings: Knex.RawBinding[] } {
  const where: string[] = ['true']
  const bindings: Knex.RawBinding[] = []
  const add = (sql: string, ...values: Knex.RawBinding[]) => {
    where.push(sql)
    bindings.push(...values)
  }
  if (f.status) add('p.status = ?', f.status)
  // a milestone's year is a reward year only with its type (a date alone does not count: docs/decisions.md, issue 21)
  if (f.year !== undefined) add('p.milestone_type IS NOT NULL AND extract(year FROM p.milestone_date) = ?', f.year)
  if (f.updatedSince) add('p.updated_at >= ?::timestamptz', f.updatedSince)
  return { sql: where.join(' AND '), bindings }
}

/** The columns of a pull row over the project `p` and its analysis `r` (toPullRow makes the PullRow). */
export const pullColumns = `p.id, p.code, p.name, p.xzqdm AS county, p.development_mode AS "developmentMode", p.approach,
            p.original_use AS "originalUse", p.new_use AS "newUse", p.status,
            p.milestone_type AS "milestoneType", p.milestone_date AS "milestoneDate", p.area_m2 AS m2,
            to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "updatedKey",
            r.id AS "resultId", p.approved_result_id IS NOT NULL AS approved, r.stock_method, r.stock_m2, r.stock_reason,
            r.footprint_ratio, r.check_ids, r.check_passed, r.eligible, r.stale, r.computed_at AS "computedAt", r.inputs`
/** What `columns` reads of a project, taken in each stream so that only the page's rows are read whole. */
const streamColumns =
  'p.id, p.code, p.name, p.xzqdm, p.development_mode, p.approach, p.original_use, p.new_use, p.status, p.milestone_type, p.milestone_date, p.area_m2, p.updated_at, p.approved_result_id'
/**
 * The analysis the numbers come from (the approved one, else the latest), `r`. Its parts are read
 * from the columns generated beside the stored result (resultPartColumns), not from the result:
 * fetching and decompressing ≈ 9 KB of JSON a project for a few values was most of a page's time
 * (bench:pull). A pinned result of an older schema version is read as stored, a part it lacks null.
 */
export const pullAnalysisJoin = latestAnalysisJoin({
  project: 'p',
  as: 'r',
  columns: `r.id, ${Object.keys(resultPartColumns)
    .map((c) => `r.${c}`)
    .join(', ')}, r.eligible, ${analysisStale('r')} AS stale, r.computed_at, r.inputs`,
  preferApproved: true,
})

/** A row as the statement returns it: PullRow with the result's parts as their columns. */
export type PulledRow = Omit<PullRow, 'stockArea' | 'footprint' | 'checks'> & {
  stock_method: string | null
  stock_m2: number | null
  stock_reason: string | null
  footprint_ratio: number | null
  check_ids: string[] | null
  check_passed: Array<boolean | null> | null
}

/** The parts in the shape of the stored result's, as pullItem reads them. Every field written out: a rest-spread copy of the row cost 7 µs a row. */
export function toPullRow(r: PulledRow): PullRow {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    county: r.county,
    developmentMode: r.developmentMode,
    approach: r.approach,
    originalUse: r.originalUse,
    newUse: r.newUse,
    status: r.status,
    milestoneType: r.milestoneType,
    milestoneDate: r.milestoneDate,
    m2: r.m2,
    updatedKey: r.updatedKey,
    resultId: r.resultId,
    approved: r.approved,
    stockArea: r.stock_method === null ? null : { method: r.stock_method, m2: r.stock_m2, ...(r.stock_reason === null ? {} : { reason: r.stock_reason }) },
    footprint: r.footprint_ratio === null ? null : { ratio: r.footprint_ratio },
    checks: r.check_ids === null ? null : r.check_ids.map((id, i) => ({ id, passed: r.check_passed?.[i] ?? null })),
    eligible: r.eligible,
    stale: r.stale,
    computedAt: r.computedAt,
    inputs: r.inputs,
  }
}

/** Every matching row in change order (the CSV). */
export async function pullAll(knex: Knex, f: PullFilter): Promise<PullRow[]> {
  const c = filterConditions(f)
  // bpchar[]: compared with the char(6) column as it is, so the index (and on Citus the shard pruning) applies
  const sql = `SELECT ${pullColumns} FROM projects p ${pullAnalysisJoin}
                WHERE p.xzqdm = ANY(?::bpchar[]) AND ${c.sql}
                ORDER BY p.updated_at, p.id`
  return rowsOf(knex, knex.raw(sql, [countiesOfFilter(f), ...c.bindings]), sql)
}

/**
 * One page: the first `limit` rows of the merge, in (updated_at, id) order, of one stream per county
 * of the filter — the county's rows after its position in `after` (from its beginning when it has
 * none), in the same order. Each stream is a range of the index (xzqdm, updated_at, id) and
 * PostgreSQL merges them lazily (Merge Append), so a page reads about limit + one row per county,
 * wherever the positions are; one scan of the whole table in change order would read every row
 * before the oldest position, on every poll.
 *
 * Why paging this way neither skips nor repeats a row, although stamps are ordered within a county
 * only (migrations/20261201020000_pull_per_county.ts): within a county, a writer stamps after taking
 * the county's lock and keeps it to its commit, so a row stamped before a visible row of the same
 * county committed before that row's writer even stamped — one statement's snapshot that shows a
 * county's row shows every row of that county stamped before it. The rows of one county in a page
 * are therefore all of that county's rows between its old position and its last row in the page, in
 * order (a prefix of its stream), and the next cursor moves each county to its last row in the page
 * (service.ts). A row stamped later than a position is returned by a later page; one at or before it
 * was returned already, or changed since and was stamped anew. Rows of other counties never move a
 * county's position, so a county that commits late, with stamps older than rows already returned
 * from elsewhere, still has its rows returned.
 */
export async function pullPage(knex: Knex, f: PullFilter, after: Positions, limit: number): Promise<PullRow[]> {
  const c = filterConditions(f)
  const counties = countiesOfFilter(f)
  // Every stream has a position (BEGINNING for a county not in the cursor yet), so that every page
  // of a filter is one statement text whatever its positions: the server keeps its plan (below).
  const stream = `(SELECT ${streamColumns} FROM projects p
                    WHERE p.xzqdm = ? AND (p.updated_at, p.id) > (?::timestamptz, ?) AND ${c.sql}
                    ORDER BY p.updated_at, p.id LIMIT ?)`
  const sql = `SELECT ${pullColumns}
                 FROM (SELECT * FROM (${counties.map(() => stream).join(' UNION ALL ')}) stream ORDER BY updated_at, id LIMIT ?) p
                 ${pullAnalysisJoin}
                ORDER BY p.updated_at, p.id`
  const bindings = counties.flatMap((county) => {
    const position = after.get(county) ?? BEGINNING
    return [county, position.updatedKey, position.id, ...c.bindings, limit]
  })
  return rowsOf(knex, knex.raw(sql, [...bindings, limit]), sql)
}

/** A county's position before its first row: every change stamp is later (projects_touch writes clock_timestamp()). */
const BEGINNING: Position = { updatedKey: '-infinity', id: 0 }

/**
 * A pull statement goes to a PostgreSQL server as a named prepared statement (node-pg parses it
 * once per connection, then only binds and executes it): PostgreSQL then plans the 136 streams of a
 * page once and keeps the plan (a generic plan after its first five executions), where planning them
 * took ≈ 10 ms a page (bench:pull). The embedded database shares one session between its clients and
 * drops its statements when it restarts, so there it runs unnamed.
 */
async function rowsOf(knex: Knex, query: Knex.Raw, sql: string): Promise<PullRow[]> {
  const { rows } = await ((await onPostgresServer(knex)) ? query.options({ name: statementName('pull', sql) }) : query)
  return (rows as PulledRow[]).map(toPullRow)
}
