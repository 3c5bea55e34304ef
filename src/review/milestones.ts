// The review of a milestone recorded or changed after the province's approval (issue 21): the county
// proposes, the city checks, the province confirms; either reviewer returns it with a reason. The
// proposal waits beside the confirmed milestone, which alone decides the reward year until the
// province confirms. Every step commits with its audit row and its history row.
import type { Knex } from 'knex'
import { auditedWrite, type Actor } from '../auth/actor.js'
import { whereInScope } from '../db/scope.js'
import { normalizeEvidence, sameEvidence, type MilestoneEvidence } from '../domain/milestone-evidence.js'
import { milestoneActions, milestoneStep, type MilestoneAction, type MilestoneStage } from '../domain/milestone-review.js'
import { milestoneMismatch, type DevelopmentMode, type MilestoneType } from '../domain/project.js'
import { problem } from '../errors/index.js'
import { actorNameOf } from '../auth/names.js'

const notFound = (id: number) => problem('LR_NOT_FOUND', `project ${id} not found`, { detailZh: `项目 ${id} 不存在或不在本密钥的权限范围内` })

interface Locked {
  xzqdm: string
  status: string
  development_mode: DevelopmentMode | null
  milestone_type: MilestoneType | null
  milestone_date: string | null
  milestone_evidence: MilestoneEvidence | null
  milestone_pending_type: MilestoneType | null
  milestone_pending_date: string | null
  milestone_pending_evidence: MilestoneEvidence | null
  milestone_pending_stage: MilestoneStage | null
}

async function lockProject(trx: Knex.Transaction, actor: Actor, id: number): Promise<Locked> {
  const p = await whereInScope(
    trx('projects')
      .first(
        'xzqdm',
        'status',
        'development_mode',
        'milestone_type',
        'milestone_date',
        'milestone_evidence',
        'milestone_pending_type',
        'milestone_pending_date',
        'milestone_pending_evidence',
        'milestone_pending_stage',
      )
      .where({ id })
      .forUpdate(),
    actor.scope,
  )
  if (!p) throw notFound(id)
  return p as Locked
}

async function history(
  trx: Knex.Transaction,
  actor: Actor,
  row: { id: number; county: string; action: string; type: string | null; date: string | null; evidence: MilestoneEvidence | null; reason?: string | null },
) {
  await trx('milestone_reviews').insert({
    project_id: row.id,
    xzqdm: row.county,
    action: row.action,
    milestone_type: row.type,
    milestone_date: row.date,
    milestone_evidence: row.evidence === null ? null : JSON.stringify(row.evidence),
    reason: row.reason ?? null,
    role: actor.principal.role,
    key_prefix: actor.principal.prefix,
  })
}

/**
 * A county's milestone change on a province-approved project becomes a proposal for the city and the
 * province (the confirmed milestone stays until then). A proposal replaces one still pending and starts
 * again at the city. Both type and date are needed: a milestone without its type does not count. The
 * evidence goes with it (165号 三: the documents are "认定是否达到奖励标准的依据"): evidence alone recorded or
 * changed is a proposal too, and confirming the proposal makes its evidence the project's.
 */
export async function proposeMilestone(
  knex: Knex,
  actor: Actor,
  id: number,
  attrs: { milestoneType?: MilestoneType | null; milestoneDate?: string | null; milestoneEvidence?: MilestoneEvidence | null },
) {
  if (actor.principal.role !== 'county') {
    throw problem(
      'LR_FORBIDDEN',
      `only a county key records a milestone of an approved project (it then goes to the city and the province); this is a ${actor.principal.role} key`,
      {
        detailZh: '已通过省级审核项目的完成节点由县级登记，报市级审核、省级确认',
      },
    )
  }
  await auditedWrite(
    knex,
    actor,
    async (trx) => {
      const p = await lockProject(trx, actor, id)
      const base = p.milestone_pending_stage
        ? { type: p.milestone_pending_type, date: p.milestone_pending_date, evidence: p.milestone_pending_evidence }
        : { type: p.milestone_type, date: p.milestone_date, evidence: p.milestone_evidence }
      const type = attrs.milestoneType !== undefined ? attrs.milestoneType : base.type
      const date = attrs.milestoneDate !== undefined ? attrs.milestoneDate : base.date
      const evidence = attrs.milestoneEvidence !== undefined ? normalizeEvidence(attrs.milestoneEvidence) : normalizeEvidence(base.evidence)
      if (!type || !date) {
        throw problem(
          'LR_BAD_REQUEST',
          'a milestone of an approved project needs both milestoneType and milestoneDate; it goes to the city and the province to confirm',
          {
            detailZh: '已通过省级审核的项目登记或变更完成节点，须同时填写完成节点类型和完成日期，报市级审核、省级确认',
          },
        )
      }
      const mismatch = milestoneMismatch(p.development_mode, type)
      if (mismatch) throw problem('LR_BAD_REQUEST', mismatch.en, { detailZh: mismatch.zh })
      const pendingSame =
        p.milestone_pending_stage &&
        type === p.milestone_pending_type &&
        date === p.milestone_pending_date &&
        sameEvidence(evidence, normalizeEvidence(p.milestone_pending_evidence))
      const confirmedSame =
        !p.milestone_pending_stage && type === p.milestone_type && date === p.milestone_date && sameEvidence(evidence, normalizeEvidence(p.milestone_evidence))
      if (pendingSame || confirmedSame) return { county: p.xzqdm, type, date, evidence, proposed: false }
      await trx('projects')
        .where({ id })
        .update({
          milestone_pending_type: type,
          milestone_pending_date: date,
          milestone_pending_evidence: evidence === null ? null : JSON.stringify(evidence),
          milestone_pending_stage: 'submitted',
          milestone_pending_by: actor.principal.prefix,
          milestone_pending_at: trx.fn.now(),
        })
      await history(trx, actor, { id, county: p.xzqdm, action: 'propose', type, date, evidence })
      return { county: p.xzqdm, type, date, evidence, proposed: true }
    },
    (r) => ({
      action: r.proposed ? 'milestone.propose' : 'milestone.propose-unchanged',
      objectType: 'project',
      objectId: id,
      county: r.county,
      detail: { milestoneType: r.type, milestoneDate: r.date, milestoneEvidence: r.evidence },
    }),
  )
}

/** The city checks, the province confirms, the reviewer of the current stage returns. */
export async function reviewMilestone(knex: Knex, actor: Actor, id: number, action: MilestoneAction, reason?: string) {
  return auditedWrite(
    knex,
    actor,
    async (trx) => {
      const p = await lockProject(trx, actor, id)
      const step = milestoneStep(p.milestone_pending_stage, action, actor.principal.role, reason)
      if (!step.ok)
        throw problem(step.reason === 'role' ? 'LR_FORBIDDEN' : step.reason === 'status' ? 'LR_CONFLICT' : 'LR_BAD_REQUEST', step.message, {
          detailZh: step.messageZh,
        })
      const proposal = { type: p.milestone_pending_type, date: p.milestone_pending_date, evidence: normalizeEvidence(p.milestone_pending_evidence) }
      const cleared = {
        milestone_pending_type: null,
        milestone_pending_date: null,
        milestone_pending_evidence: null,
        milestone_pending_stage: null,
        milestone_pending_by: null,
        milestone_pending_at: null,
      }
      if (step.confirms)
        await trx('projects')
          .where({ id })
          .update({
            milestone_type: proposal.type,
            milestone_date: proposal.date,
            milestone_evidence: proposal.evidence === null ? null : JSON.stringify(proposal.evidence),
            ...cleared,
          })
      else if (step.to === null) await trx('projects').where({ id }).update(cleared)
      else await trx('projects').where({ id }).update({ milestone_pending_stage: step.to })
      await history(trx, actor, {
        id,
        county: p.xzqdm,
        action,
        type: proposal.type,
        date: proposal.date,
        evidence: proposal.evidence,
        reason: reason?.trim() || null,
      })
      return {
        county: p.xzqdm,
        from: p.milestone_pending_stage,
        to: step.to,
        milestoneType: proposal.type,
        milestoneDate: proposal.date,
        confirmed: step.confirms,
      }
    },
    (r) => ({
      action: `milestone.${action}`,
      objectType: 'project',
      objectId: id,
      county: r.county,
      detail: { from: r.from, to: r.to, milestoneType: r.milestoneType, milestoneDate: r.milestoneDate, ...(reason ? { reason } : {}) },
    }),
  ).then(({ county: _, ...r }) => ({ action, actionZh: milestoneActions[action].zh, ...r }))
}

/** The history of a project's milestone reviews, oldest first (the caller has checked the project is visible). */
export async function milestoneHistory(knex: Knex, id: number) {
  const rows = await knex('milestone_reviews')
    .select('action', 'milestone_type', 'milestone_date', 'milestone_evidence', 'reason', 'role', 'key_prefix', 'at', {
      by_name: actorNameOf(knex, 'milestone_reviews.key_prefix'),
    })
    .where({ project_id: id })
    .orderBy('id')
  return rows.map((r) => ({
    action: r.action as string,
    actionZh: r.action === 'propose' ? '县级登记完成节点变更' : milestoneActions[r.action as MilestoneAction].zh,
    milestoneType: r.milestone_type as string | null,
    milestoneDate: r.milestone_date as string | null,
    milestoneEvidence: (r.milestone_evidence ?? null) as MilestoneEvidence | null,
    reason: r.reason as string | null,
    role: r.role as string,
    by: r.key_prefix as string,
    byName: (r.by_name ?? null) as string | null,
    at: (r.at as Date).toISOString(),
  }))
}

/** Milestone changes waiting for review in the key's region, oldest first: the review list shows them. */
export async function pendingMilestones(knex: Knex, actor: Actor, county?: string) {
  let query = whereInScope(
    knex('projects')
      .select(
        'id',
        'code',
        'name',
        'xzqdm',
        'milestone_type',
        'milestone_date',
        'milestone_pending_type',
        'milestone_pending_date',
        'milestone_pending_stage',
        'milestone_pending_at',
      )
      .whereNotNull('milestone_pending_stage')
      .orderBy('milestone_pending_at')
      .orderBy('id'),
    actor.scope,
  )
  if (county) query = query.where({ xzqdm: county })
  return (await query).map((r) => ({
    projectId: r.id as number,
    code: r.code as string,
    name: r.name as string | null,
    county: r.xzqdm as string,
    stage: r.milestone_pending_stage as MilestoneStage,
    proposed: { milestoneType: r.milestone_pending_type as string, milestoneDate: r.milestone_pending_date as string },
    confirmed: { milestoneType: r.milestone_type as string | null, milestoneDate: r.milestone_date as string | null },
    proposedAt: (r.milestone_pending_at as Date).toISOString(),
  }))
}
