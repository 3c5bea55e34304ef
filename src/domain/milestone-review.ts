// Review of a completion milestone (完成标志, 165号 三（一）–（三）) recorded or changed after the province's
// approval. Its year decides the reward year (and what a fraud deduction takes back, 165号 五), so the
// county cannot set it alone: the same offices as the project's review check it (165号 四（一）: 县级录入、
// 市级审核、省厅审核), and until the province confirms it the confirmed milestone (or none) stands.
import type { Role } from './region.js'

export const milestoneStages = ['submitted', 'city-checked'] as const
export type MilestoneStage = (typeof milestoneStages)[number]
export const milestoneStageZh: Record<MilestoneStage, string> = { submitted: '待市级审核', 'city-checked': '待省级确认' }

export const milestoneActions = {
  check: { role: 'city', from: 'submitted', to: 'city-checked', zh: '市级审核通过完成节点' },
  confirm: { role: 'province', from: 'city-checked', to: null, zh: '省级确认完成节点' },
  /** the reviewer of the current stage returns the proposal, with a reason; the confirmed milestone stays */
  return: { role: null, from: null, to: null, zh: '退回完成节点' },
} as const satisfies Record<string, { role: Role | null; from: MilestoneStage | null; to: MilestoneStage | null; zh: string }>
export type MilestoneAction = keyof typeof milestoneActions

/** Who reviews a proposal at each stage (and so may return it). */
const reviewerOf: Record<MilestoneStage, Role> = { submitted: 'city', 'city-checked': 'province' }

export type MilestoneStep =
  { ok: true; to: MilestoneStage | null; confirms: boolean } | { ok: false; reason: 'status' | 'role' | 'reason'; message: string; messageZh: string }

/** One step of a milestone's review from `stage` (null: nothing pending), by `role`. */
export function milestoneStep(stage: MilestoneStage | null, action: MilestoneAction, role: Role, reason?: string | null): MilestoneStep {
  if (stage === null) return { ok: false, reason: 'status', message: 'no milestone change is waiting for review', messageZh: '没有待审核的完成节点变更' }
  const a = milestoneActions[action]
  if (a.from !== null && a.from !== stage) {
    return {
      ok: false,
      reason: 'status',
      message: `the milestone change is ${stage}; '${action}' needs it ${a.from}`,
      messageZh: `完成节点变更当前${milestoneStageZh[stage]}，不能执行“${a.zh}”`,
    }
  }
  const needed = action === 'return' ? reviewerOf[stage] : a.role
  if (role !== needed) {
    return {
      ok: false,
      reason: 'role',
      message: `only a ${needed} key may ${action} a milestone change that is ${stage}; this is a ${role} key`,
      messageZh: `完成节点变更${milestoneStageZh[stage]}，当前角色无权执行此操作`,
    }
  }
  if (action === 'return' && !reason?.trim()) return { ok: false, reason: 'reason', message: 'a return needs a reason', messageZh: '退回须说明理由' }
  return { ok: true, to: a.to, confirms: action === 'confirm' }
}

/** Why a proposed milestone does not decide the reward year yet (the reward table lists it as excluded). */
export function unconfirmedMilestoneReason(stage: MilestoneStage) {
  return {
    en: `the milestone was recorded after the province's approval and is waiting for the ${stage === 'submitted' ? 'city' : 'province'} (${stage}): it counts once the province confirms it`,
    zh: `完成节点于省级审核通过后登记，${milestoneStageZh[stage]}，经省级确认后方计入`,
  }
}

/** The steps a role may take on a pending milestone now (the console shows exactly these). */
export function allowedMilestoneActions(stage: MilestoneStage | null, role: Role) {
  return (Object.keys(milestoneActions) as MilestoneAction[])
    .filter((action) => milestoneStep(stage, action, role, 'reason given').ok)
    .map((action) => ({ action, actionZh: milestoneActions[action].zh, needsReason: action === 'return' }))
}
