// Review workflow use cases: move a project through county → city → province, list reviews and
// their due dates. Every transition commits with its audit row and its history row.
import type { Knex } from 'knex'
import { analyzeProjects, type ProjectForAnalysis } from '../analysis/service.js'
import { currentResult } from '../analysis/stored-result.js'
import { auditedWrite, type Actor } from '../auth/actor.js'
import { analysisStale, latestAnalysisJoin, latestAnalysisOf } from '../db/read-model.js'
import { resultValue } from '../db/result-projections.js'
import { whereInScope } from '../db/scope.js'
import { addWorkingDays, chinaDate, chinaToday, workingDaysBetween } from '../domain/calendar.js'
import { fieldCheckDefaults, fieldCheckProblems, fieldCheckResults, fieldCheckUse, type FieldCheck, type FieldCheckResult } from '../domain/field-check.js'
import type { ProjectStatus } from '../domain/project.js'
import { inScope } from '../domain/region.js'
import { cityDeadlineNote, PROVINCE_REVIEW_WORKING_DAYS, reviewActions, transition, type ReviewAction } from '../domain/workflow.js'
import { problem } from '../errors/index.js'
import { getProject } from '../projects/service.js'
import type { AnalysisResult } from '../schemas/analysis.js'
import { workingDayRules } from './calendar.js'
import { markNeighboursStale, refuseDoubleCounting } from './double-counting.js'
import { pendingMilestones } from './milestones.js'

const notFound = (id: number) => problem('LR_NOT_FOUND', `project ${id} not found`, { detailZh: `项目 ${id} 不存在或不在本密钥的权限范围内` })

export interface MoveOptions {
  reason?: string
  /** 外业核查: the city's, with its check (required by default) or its return */
  fieldCheck?: FieldCheck
  fieldCheckRequired?: boolean
}

export async function moveProject(knex: Knex, actor: Actor, id: number, action: ReviewAction, o: MoveOptions = {}) {
  const { reason, fieldCheckRequired = fieldCheckDefaults.requiredForCheck } = o
  const fieldCheck = o.fieldCheck && { ...o.fieldCheck, by: o.fieldCheck.by.trim(), findings: o.fieldCheck.findings.trim() }
  const role = actor.principal.role
  // The city's pass and the province's approval are judged on a current analysis (computed first if
  // the latest is stale or missing, outside the transaction: the embedded database has one
  // connection); approval pins the one the province saw.
  let pinned: number | null = null
  const reviewing = (action === 'approve' && role === 'province') || (action === 'check' && role === 'city')
  if (reviewing) {
    const project = await getProject(knex, actor, id)
    if (project.status === (action === 'approve' ? 'city-checked' : 'submitted')) {
      const current = await currentAnalysis(knex, project as ProjectForAnalysis, actor)
      refuseDoubleCounting(project.code, current.result)
      if (action === 'approve') pinned = current.id
    }
  }
  const result = await auditedWrite(
    knex,
    actor,
    async (trx) => {
      const p = await whereInScope(trx('projects').first('id', 'xzqdm', 'status', 'code').where({ id }).forUpdate(), actor.scope)
      if (!p) throw notFound(id)
      const t = transition(p.status as ProjectStatus, action, role, reason)
      if (!t.ok) {
        const zh = { role: '当前角色无权执行此审核步骤', status: '项目当前状态不允许此操作', reason: '退回须说明理由' }[t.reason]
        throw problem(t.reason === 'role' ? 'LR_FORBIDDEN' : t.reason === 'status' ? 'LR_CONFLICT' : 'LR_BAD_REQUEST', t.message, { detailZh: zh })
      }
      const fieldProblems = fieldCheckProblems(fieldCheckUse(p.status as ProjectStatus, action, role, fieldCheckRequired), fieldCheck, chinaToday())
      if (fieldProblems.length)
        throw problem('LR_BAD_REQUEST', fieldProblems.map((x) => x.message).join('; '), {
          detailZh: fieldProblems.map((x) => x.messageZh).join('；'),
          errors: fieldProblems.map((x) => ({ path: `body${x.path}`, message: x.message, messageZh: x.messageZh })),
        })
      const update: Record<string, unknown> = { status: t.to }
      if (action === 'submit') Object.assign(update, { submitted_at: trx.fn.now(), returned_reason: null, approved_result_id: null })
      if (action === 'return') update.returned_reason = reason!.trim()
      if (action === 'approve') {
        // a layer imported since the analysis above would make it stale: approve only current numbers
        const current = pinned === null ? null : await trx('analysis_results').first('stale').where({ id: pinned }).forShare()
        if (!current || current.stale)
          throw problem('LR_CONFLICT', 'the project has no current analysis to approve (an input layer changed meanwhile); try again', {
            detailZh: '项目缺少最新分析结果（输入图层刚刚更新），请重试',
          })
        update.approved_result_id = pinned
      }
      await trx('projects').where({ id }).update(update)
      await markNeighboursStale(trx, { id, county: p.xzqdm })
      await trx('project_transitions').insert({
        project_id: id,
        xzqdm: p.xzqdm,
        action,
        from_status: p.status,
        to_status: t.to,
        reason: reason?.trim() || null,
        role,
        key_prefix: actor.principal.prefix,
        field_check_date: fieldCheck?.date ?? null,
        field_check_by: fieldCheck?.by ?? null,
        field_check_findings: fieldCheck?.findings ?? null,
        field_check_result: fieldCheck?.result ?? null,
      })
      return { county: p.xzqdm as string, from: p.status as string, to: t.to }
    },
    (r) => ({
      action: `project.${action}`,
      objectType: 'project',
      objectId: id,
      county: r.county,
      detail: { from: r.from, to: r.to, ...(reason ? { reason } : {}), ...(fieldCheck ? { fieldCheck } : {}) },
    }),
  )
  return { ...(await getProject(knex, actor, id)), transition: { action, ...result, actionZh: reviewActions[action].zh } }
}

/** The project's latest analysis when current, else a new one. */
async function currentAnalysis(knex: Knex, project: ProjectForAnalysis, actor: Actor): Promise<{ id: number; result: AnalysisResult }> {
  const latest = await latestAnalysisOf(knex, project.id)
  const stored = latest && currentResult(latest)
  if (stored) return { id: latest.id, result: stored }
  const [fresh] = await analyzeProjects(knex, project.county, [project], { triggeredBy: { trigger: 'review', by: actor.principal.prefix } })
  return { id: fresh!.resultId, result: fresh! }
}

export async function transitionsOf(knex: Knex, actor: Actor, id: number) {
  await getProject(knex, actor, id)
  const rows = await knex('project_transitions')
    .select(
      'action',
      'from_status',
      'to_status',
      'reason',
      'role',
      'key_prefix',
      'at',
      'field_check_date',
      'field_check_by',
      'field_check_findings',
      'field_check_result',
    )
    .where({ project_id: id })
    .orderBy('id')
  return rows.map((r) => ({
    action: r.action,
    actionZh: reviewActions[r.action as ReviewAction].zh,
    from: r.from_status,
    to: r.to_status,
    reason: r.reason,
    role: r.role,
    by: r.key_prefix,
    at: (r.at as Date).toISOString(),
    fieldCheck:
      r.field_check_date === null
        ? null
        : {
            date: r.field_check_date as string,
            by: r.field_check_by as string,
            findings: r.field_check_findings as string,
            result: (r.field_check_result ?? null) as FieldCheckResult | null,
            resultZh: r.field_check_result ? fieldCheckResults[r.field_check_result as FieldCheckResult] : null,
          },
  }))
}

/**
 * Projects awaiting review. `items`: waiting for the province (city-checked), due 10 working days after
 * the city's check; `awaitingCity`: submitted and waiting for the city, which has no time limit, so no due date.
 */
export async function pendingReviews(knex: Knex, actor: Actor, q: { county?: string; overdue?: boolean; asOf?: string }) {
  const asOf = q.asOf ?? chinaToday()
  const empty = { asOf, items: [], awaitingCity: [], cityDeadline: { workingDays: null, ...cityDeadlineNote }, milestones: [] }
  if (q.county && !inScope(actor.scope, q.county)) return empty
  // the city's check of the current round: the latest 'check' (a return and resubmission start a new round)
  const checkedAt = knex('project_transitions as t')
    .max('t.at')
    .where('t.action', 'check')
    .whereRaw('t.xzqdm = projects.xzqdm AND t.project_id = projects.id')
    .as('city_checked_at')
  let query = whereInScope(
    knex('projects')
      .select('id', 'code', 'name', 'xzqdm', 'status', 'submitted_at', checkedAt, 'a.overlaps', 'a.overlaps_stale')
      // what the reviewer must see first: the other projects on the same land (issue 21)
      .joinRaw(
        latestAnalysisJoin({
          project: 'projects',
          as: 'a',
          columns: `${resultValue(['overlaps'])} AS overlaps, ${analysisStale('r')} AS overlaps_stale`,
        }),
      )
      .whereIn('status', ['submitted', 'city-checked'])
      .orderBy('submitted_at')
      .orderBy('id'),
    actor.scope,
  )
  if (q.county) query = query.where({ xzqdm: q.county })
  const [rows, rules, milestones] = await Promise.all([query, workingDayRules(knex), pendingMilestones(knex, actor, q.county)])
  const base = (r: (typeof rows)[number]) => ({
    projectId: r.id as number,
    code: r.code as string,
    name: r.name as string | null,
    county: r.xzqdm as string,
    status: r.status as string,
    submittedOn: chinaDate(r.submitted_at as Date),
    // null: not analysed yet, or by a release before overlaps were reported
    overlaps: (r.overlaps ?? null) as AnalysisResult['overlaps'] | null,
    overlapsStale: r.overlaps === null ? null : (r.overlaps_stale as boolean),
  })
  const province = rows
    .filter((r) => r.status === 'city-checked')
    .map((r) => {
      // a project checked before transitions were recorded has no check row: its submission is the best date known
      const cityCheckedOn = chinaDate((r.city_checked_at ?? r.submitted_at) as Date)
      const due = addWorkingDays(cityCheckedOn, PROVINCE_REVIEW_WORKING_DAYS, rules)
      // a due date that crosses a year without a loaded calendar counts weekends only
      return { ...base(r), cityCheckedOn, dueOn: due.date, overdue: asOf > due.date, calendarMissingFor: due.yearsWithoutCalendar }
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
