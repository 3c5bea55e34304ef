// All SQL of the province's pull API: projects in change order, with the analysis the numbers come
// from (the one the province approved, else the latest).
import type { Knex } from 'knex'
import { latestAnalysisJoin } from '../db/shared-sql.js'
import { countiesOfCity } from '../domain/regions.js'
import type { Positions } from './cursor.js'

export interface PullFilter {
  year?: number
  county?: string
  city?: string
  status?: string
  updatedSince?: string
}

export interface PullRow {
  id: number
  code: string
  name: string | null
  county: string
  developmentMode: string | null
  approach: string
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

/**
 * One page: the rows after each county's position (a county not in `after` from its beginning), in
 * (updated_at, id) order, at most `limit` of them; every row when limit is null.
 *
 * Why paging this way neither skips nor repeats a row, although stamps are ordered within a county
 * only (migrations/20261201020000_pull_per_county.ts): within a county, a writer stamps after taking
 * the county's lock and keeps it to its commit, so a row stamped before a visible row of the same
 * county committed before that row's writer even stamped — one statement's snapshot that shows a
 * county's row shows every row of that county stamped before it. The rows of one county in a page
 * are therefore all of that county's rows between its old position and its last row in the page, in
 * order (the page's order restricted to a county is the county's order), and the next cursor moves
 * each county to its last row in the page (service.ts). A row stamped later than a position is
 * returned by a later page; one at or before it was returned already, or changed since and was
 * stamped anew. Rows of other counties never move a county's position, so a county that commits
 * late, with stamps older than rows already returned from elsewhere, still has its rows returned.
 */
export async function pullPage(knex: Knex, f: PullFilter, after: Positions | null, limit: number | null): Promise<PullRow[]> {
  const where: string[] = []
  const params: Knex.RawBinding[] = []
  const add = (sql: string, ...values: Knex.RawBinding[]) => {
    where.push(sql)
    params.push(...values)
  }
  if (f.county) add('p.xzqdm = ?', f.county)
  // a city's counties by the region table: a list Citus prunes to their shards (db/scope.ts does the same)
  if (f.city) add('p.xzqdm = ANY(?::text[])', countiesOfCity(f.city))
  if (f.status) add('p.status = ?', f.status)
  if (f.year !== undefined) add('extract(year FROM p.milestone_date) = ?', f.year)
  if (f.updatedSince) add('p.updated_at >= ?::timestamptz', f.updatedSince)
  const seen = after?.size ? [...after] : null
  if (seen) where.push('(seen.county IS NULL OR (p.updated_at, p.id) > (seen.updated_at, seen.id))')
  const { rows } = await knex.raw(
    `SELECT p.id, p.code, p.name, p.xzqdm AS county, p.development_mode AS "developmentMode", p.approach, p.status,
            p.milestone_type AS "milestoneType", p.milestone_date AS "milestoneDate", ST_Area(p.geom::geography) AS m2,
            to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "updatedKey",
            r.id AS "resultId", p.approved_result_id IS NOT NULL AS approved, r.result->'stockArea' AS "stockArea", r.result->'footprint' AS footprint,
            r.result->'checks' AS checks, r.eligible, r.stale, r.computed_at AS "computedAt", r.inputs
       FROM projects p
       ${seen ? 'LEFT JOIN unnest(?::text[], ?::timestamptz[], ?::bigint[]) AS seen (county, updated_at, id) ON seen.county = p.xzqdm' : ''}
       ${latestAnalysisJoin({ project: 'p', as: 'r', columns: 'r.id, r.result, r.eligible, r.stale, r.computed_at, r.inputs', preferApproved: true })}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY p.updated_at, p.id
      ${limit === null ? '' : 'LIMIT ?'}`,
    [
      ...(seen ? [seen.map(([county]) => county), seen.map(([, p]) => p.updatedKey), seen.map(([, p]) => p.id)] : []),
      ...params,
      ...(limit === null ? [] : [limit]),
    ],
  )
  return rows as PullRow[]
}
