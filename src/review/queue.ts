// The review queue (issue 22): the projects awaiting the city and the province with what a reviewer
// decides on (the latest analysis's verdict, the project and stock areas, the other projects on the
// same land), the working days waited and the province's due date; and the counts the console's
// navigation shows beside 审核.
import type { Knex } from 'knex'
import { verdictZh } from '../analysis/service.js'
import type { Actor } from '../auth/actor.js'
import { analysisStale, latestAnalysisJoin } from '../db/read-model.js'
import { resultValue } from '../db/result-projections.js'
import { whereInScope } from '../db/scope.js'
import { addWorkingDays, chinaDate, chinaToday, workingDaysBetween, type WorkingDayRules } from '../domain/calendar.js'
import { inScope, type Role } from '../domain/region.js'
import { roundSql, toMuSql } from '../domain/units.js'
import { cityDeadlineNote, PROVINCE_REVIEW_WORKING_DAYS } from '../domain/workflow.js'
import type { AnalysisResult } from '../schemas/analysis.js'
import { workingDayRules } from './calendar.js'
import { pendingMilestones } from './milestones.js'

/**
 * `max(at)` of the city's 'check' of the project row `projects`: the check of the current round (a
 * return and a resubmission start a new one), from which the province's working days count.
 */
const cityCheckedAt = (knex: Knex) =>
  knex('project_transitions as t').max('t.at').where('t.action', 'check').whereRaw('t.xzqdm = projects.xzqdm AND t.project_id = projects.id')

/** The province's due date for a project the city checked on `cityCheckedOn` (a China date). */
const provinceDue = (cityCheckedOn: string, rules: WorkingDayRules) => addWorkingDays(cityCheckedOn, PROVINCE_REVIEW_WORKING_DAYS, rules)

/**
 * Projects awaiting review. `items`: waiting for the province (city-checked), due 10 working days after
 * the city's check; `awaitingCity`: submitted and waiting for the city, which has no time limit, so no due date.
 * Each with the latest analysis's verdict, areas and overlaps, read in the same statement.
 */
export async function pendingReviews(knex: Knex, actor: Actor, q: { county?: string; overdue?: boolean; asOf?: string }) {
  const asOf = q.asOf ?? chinaToday()
  const empty = { asOf, items: [], awaitingCity: [], cityDeadline: { workingDays: null, ...cityDeadlineNote }, milestones: [] }
  if (q.county && !inScope(actor.scope, q.county)) return empty
  const analysis = [
    'r.id AS analysis_id',
    'r.eligible',
    `${analysisStale('r')} AS stale`,
    `${resultValue(['stockArea', 'm2'])} AS stock_m2`,
    `${resultValue(['stockArea', 'mu'])} AS stock_mu`,
    `${resultValue(['overlaps'])} AS overlaps`,
  ].join(', ')
  let query = whereInScope(
    knex('projects')
      .select('id', 'code', 'name', 'xzqdm', 'status', 'submitted_at', cityCheckedAt(knex).as('city_checked_at'))
      .select({
        area_m2: knex.raw(roundSql('projects.area_m2', 2)),
        area_mu: knex.raw(roundSql(toMuSql('projects.area_m2'), 4)),
      })
      .select('a.analysis_id', 'a.eligible', 'a.stale', 'a.stock_m2', 'a.stock_mu', 'a.overlaps')
      // what the reviewer must see first: the verdict and the other projects on the same land (issues 21, 22)
      .joinRaw(latestAnalysisJoin({ project: 'projects', as: 'a', columns: analysis }))
      .whereIn('status', ['submitted', 'city-checked'])
      .orderBy('submitted_at')
      .orderBy('id'),
    actor.scope,
  )
  if (q.county) query = query.where({ xzqdm: q.county })
  const [rows, rules, milestones] = await Promise.all([query, workingDayRules(knex), pendingMilestones(knex, actor, q.county)])
  const base = (r: (typeof rows)[number]) => {
    const analysed = r.analysis_id !== null
    const overlaps = (r.overlaps ?? null) as AnalysisResult['overlaps'] | null
    return {
      projectId: r.id as number,
      code: r.code as string,
      name: r.name as string | null,
      county: r.xzqdm as string,
      status: r.status as string,
      submittedOn: chinaDate(r.submitted_at as Date),
      eligible: analysed ? (r.eligible as boolean | null) : null,
      verdictZh: analysed ? verdictZh(r.eligible as boolean | null) : null,
      analysisStale: analysed ? (r.stale as boolean) : null,
      areaM2: r.area_m2 as number,
      areaMu: r.area_mu as number,
      stockAreaM2: analysed ? ((r.stock_m2 ?? null) as number | null) : null,
      stockAreaMu: analysed ? ((r.stock_mu ?? null) as number | null) : null,
      // null: not analysed yet, or by a release before overlaps were reported
      overlaps,
      overlapCount: overlaps === null ? null : overlaps.length,
      overlapsStale: overlaps === null ? null : (r.stale as boolean),
    }
  }
  const province = rows
    .filter((r) => r.status === 'city-checked')
    .map((r) => {
      // a project checked before transitions were recorded has no check row: its submission is the best date known
      const cityCheckedOn = chinaDate((r.city_checked_at ?? r.submitted_at) as Date)
      const due = provinceDue(cityCheckedOn, rules)
      // a due date that crosses a year without a loaded calendar counts weekends only
      return {
        ...base(r),
        cityCheckedOn,
        workingDaysWaiting: workingDaysBetween(cityCheckedOn, asOf, rules),
        dueOn: due.date,
        overdue: asOf > due.date,
        calendarMissingFor: due.yearsWithoutCalendar,
      }
    })
    .sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : a.projectId - b.projectId))
  const city = rows
    .filter((r) => r.status === 'submitted')
    .map((r) => {
      const b = base(r)
      return { ...b, dueOn: null, workingDaysWaiting: workingDaysBetween(b.submittedOn, asOf, rules) }
    })
  return {
    asOf,
    items: q.overdue ? province.filter((i) => i.overdue) : province,
    // nothing waiting for the city can be overdue: it has no due date
    awaitingCity: q.overdue ? [] : city,
    cityDeadline: { workingDays: null, ...cityDeadlineNote },
    // a milestone change has no due date either: nothing of it is overdue
    milestones: q.overdue ? [] : milestones,
  }
}

/**
 * What each role's queue holds: the city reviews what the county submitted, the province what the
 * city checked (projects, and milestone changes at the same stage); a county or an admin key has no
 * step of its own and follows everything under review in its scope.
 */
const queueOf: Record<Role, { projects: string[]; milestones: string[] }> = {
  city: { projects: ['submitted'], milestones: ['submitted'] },
  province: { projects: ['city-checked'], milestones: ['city-checked'] },
  county: { projects: ['submitted', 'city-checked'], milestones: ['submitted', 'city-checked'] },
  admin: { projects: ['submitted', 'city-checked'], milestones: ['submitted', 'city-checked'] },
}

/**
 * The counts beside 审核 in the navigation: what waits in the key's queue and how much of it is past
 * the province's due date. One grouped statement (by status and the China date of the city's check)
 * and the holiday calendar; no analysis is read.
 */
export async function reviewCounts(knex: Knex, actor: Actor, q: { asOf?: string } = {}) {
  const asOf = q.asOf ?? chinaToday()
  const role = actor.principal.role
  const queue = queueOf[role]
  // the China date of the city's check, as chinaDate makes it (UTC+8, no daylight saving)
  const checkedOn = knex.raw(
    `CASE WHEN projects.status = 'city-checked'
          THEN to_char((coalesce((?), projects.submitted_at) AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD') END`,
    [cityCheckedAt(knex)],
  )
  const [rows, rules] = await Promise.all([
    whereInScope(
      knex('projects')
        .select({
          status: knex.raw(`CASE WHEN projects.status IN ('submitted', 'city-checked') THEN projects.status END`),
          milestone: 'projects.milestone_pending_stage',
          checked_on: checkedOn,
        })
        .count<Array<{ status: string | null; milestone: string | null; checked_on: string | null; n: number | string }>>({ n: '*' })
        .where((w) => w.whereIn('projects.status', queue.projects).orWhereIn('projects.milestone_pending_stage', queue.milestones))
        .groupByRaw('1, 2, 3'),
      actor.scope,
      'projects.xzqdm',
    ),
    workingDayRules(knex),
  ])
  let projects = 0
  let milestones = 0
  let overdue = 0
  for (const r of rows) {
    const n = Number(r.n)
    if (r.status && queue.projects.includes(r.status)) {
      projects += n
      if (r.checked_on && asOf > provinceDue(r.checked_on, rules).date) overdue += n
    }
    if (r.milestone && queue.milestones.includes(r.milestone)) milestones += n
  }
  return { asOf, role, pending: projects + milestones, projects, milestones, overdue }
}
