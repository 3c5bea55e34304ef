// All SQL of the province's pull API: projects in change order, with the analysis the numbers come
// from (the one the province approved, else the latest).
import type { Knex } from 'knex'
import { latestAnalysisJoin } from '../db/shared-sql.js'

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

/** One page after (updatedKey, id), or all rows when limit is null. */
export async function pullPage(knex: Knex, f: PullFilter, after: { updatedKey: string; id: number } | null, limit: number | null): Promise<PullRow[]> {
  const where: string[] = []
  const params: Knex.RawBinding[] = []
  const add = (sql: string, ...values: Knex.RawBinding[]) => {
    where.push(sql)
    params.push(...values)
  }
  if (f.county) add('p.xzqdm = ?', f.county)
  if (f.city) add('left(p.xzqdm, 4) = ?', f.city)
  if (f.status) add('p.status = ?', f.status)
  if (f.year !== undefined) add('extract(year FROM p.milestone_date) = ?', f.year)
  if (f.updatedSince) add('p.updated_at >= ?::timestamptz', f.updatedSince)
  if (after) add('(p.updated_at, p.id) > (?::timestamptz, ?)', after.updatedKey, after.id)
  const { rows } = await knex.raw(
    `SELECT p.id, p.code, p.name, p.xzqdm AS county, p.development_mode AS "developmentMode", p.approach, p.status,
            p.milestone_type AS "milestoneType", p.milestone_date AS "milestoneDate", ST_Area(p.geom::geography) AS m2,
            to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "updatedKey",
            r.id AS "resultId", p.approved_result_id IS NOT NULL AS approved, r.result->'stockArea' AS "stockArea", r.result->'footprint' AS footprint,
            r.result->'checks' AS checks, r.eligible, r.stale, r.computed_at AS "computedAt", r.inputs
       FROM projects p
       ${latestAnalysisJoin({ project: 'p', as: 'r', columns: 'r.id, r.result, r.eligible, r.stale, r.computed_at, r.inputs', preferApproved: true })}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY p.updated_at, p.id
      ${limit === null ? '' : 'LIMIT ?'}`,
    limit === null ? params : [...params, limit],
  )
  return rows as PullRow[]
}
