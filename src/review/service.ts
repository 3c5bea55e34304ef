// Review workflow use cases: move a project through county → city → province (the queue and its due
// dates: ./queue.ts). Every transition commits with its audit row and its history row.
import type { Knex } from 'knex'
import { analyzeProjects, type ProjectForAnalysis } from '../analysis/service.js'
import { currentResult } from '../analysis/stored-result.js'
import { auditedWrite, type Actor } from '../auth/actor.js'
import { latestAnalysisOf } from '../db/read-model.js'
import { whereInScope } from '../db/scope.js'
import { chinaToday } from '../domain/calendar.js'
import { fieldCheckDefaults, fieldCheckProblems, fieldCheckResults, fieldCheckUse, type FieldCheck, type FieldCheckResult } from '../domain/field-check.js'
import type { ProjectStatus } from '../domain/project.js'
import { reviewActions, transition, type ReviewAction } from '../domain/workflow.js'
import { problem } from '../errors/index.js'
import { getProject } from '../projects/service.js'
import type { AnalysisResult } from '../schemas/analysis.js'
import { markNeighboursStale, refuseDoubleCounting } from './double-counting.js'
import { actorNameOf } from '../auth/names.js'

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
      { by_name: actorNameOf(knex, 'project_transitions.key_prefix') },
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
    byName: (r.by_name ?? null) as string | null,
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
