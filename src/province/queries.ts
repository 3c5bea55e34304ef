// All SQL of the province's pull API: projects in change order, with the analysis the numbers come
// from (the one the province approved, else the latest).
import type { Knex } from 'knex'
import { analysisStale, latestAnalysisJoin } from '../db/read-model.js'
import { resultPartsJoin } from '../db/result-projections.js'
import type { Positions } from './cursor.js'
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

/** The columns of a pull row (PullRow) over the project `p`, the analysis `r` and its parts `x`. */
export const pullColumns = `p.id, p.code, p.name, p.xzqdm AS county, p.development_mode AS "developmentMode", p.approach,
            p.original_use AS "originalUse", p.new_use AS "newUse", p.status,
            p.milestone_type AS "milestoneType", p.milestone_date AS "milestoneDate", p.area_m2 AS m2,
            to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "updatedKey",
            r.id AS "resultId", p.approved_result_id IS NOT NULL AS approved, x."stockArea", x.footprint,
            x.checks, r.eligible, r.stale, r.computed_at AS "computedAt", r.inputs`
/** What `columns` reads of a project, taken in each stream so that only the page's rows are read whole. */
const streamColumns =
  'p.id, p.code, p.name, p.xzqdm, p.development_mode, p.approach, p.original_use, p.new_use, p.status, p.milestone_type, p.milestone_date, p.area_m2, p.updated_at, p.approved_result_id'
/** The analysis the numbers come from (the approved one, else the latest), `r`, and its parts, `x`. */
export const pullAnalysisJoin =
  latestAnalysisJoin({
    project: 'p',
    as: 'r',
    columns: `r.id, r.result, r.eligible, ${analysisStale('r')} AS stale, r.computed_at, r.inputs`,
    preferApproved: true,
  }) +
  // The three parts in one call (see resultPartsJoin); a pinned result of an older schema version
  // is read as stored, a part it lacks being null.
  ` ${resultPartsJoin(['stockArea', 'footprint', 'checks'], { from: 'r.result', as: 'x' })}`

/** Every matching row in change order (the CSV). */
export async function pullAll(knex: Knex, f: PullFilter): Promise<PullRow[]> {
  const c = filterConditions(f)
  // bpchar[]: compared with the char(6) column as it is, so the index (and on Citus the shard pruning) applies
  const { rows } = await knex.raw(
    `SELECT ${pullColumns} FROM projects p ${pullAnalysisJoin}
      WHERE p.xzqdm = ANY(?::bpchar[]) AND ${c.sql}
      ORDER BY p.updated_at, p.id`,
    [countiesOfFilter(f), ...c.bindings],
  )
  return rows as PullRow[]
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
  const streams: string[] = []
  const bindings: Knex.RawBinding[] = []
  for (const county of countiesOfFilter(f)) {
    const position = after.get(county)
    streams.push(
      `(SELECT ${streamColumns} FROM projects p
         WHERE p.xzqdm = ?${position ? ' AND (p.updated_at, p.id) > (?::timestamptz, ?)' : ''} AND ${c.sql}
         ORDER BY p.updated_at, p.id LIMIT ?)`,
    )
    bindings.push(county, ...(position ? [position.updatedKey, position.id] : []), ...c.bindings, limit)
  }
  const { rows } = await knex.raw(
    `SELECT ${pullColumns}
       FROM (SELECT * FROM (${streams.join(' UNION ALL ')}) stream ORDER BY updated_at, id LIMIT ?) p
       ${pullAnalysisJoin}
      ORDER BY p.updated_at, p.id`,
    [...bindings, limit],
  )
  return rows as PullRow[]
}
