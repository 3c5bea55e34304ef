// Review workflow of a project (鲁自然资字〔2021〕88号/165号: county enters, city checks, province
// reviews). Each step belongs to one role; nobody else may take it, not even admin keys, so that the
// audit trail always names the office that decided.
import type { Role } from './region.js'
import type { ProjectStatus } from './project.js'

export const reviewActions = {
  submit: { role: 'county', from: ['draft', 'returned'], to: 'submitted', zh: '县级提交' },
  check: { role: 'city', from: ['submitted'], to: 'city-checked', zh: '市级审核通过' },
  approve: { role: 'province', from: ['city-checked'], to: 'province-approved', zh: '省级审核通过' },
  /** a return needs a reason; the city returns what the county submitted, the province what the city checked */
  return: { role: null, from: ['submitted', 'city-checked'], to: 'returned', zh: '退回' },
} as const satisfies Record<string, { role: Role | null; from: readonly ProjectStatus[]; to: ProjectStatus; zh: string }>
export type ReviewAction = keyof typeof reviewActions

// Written out: appending 'ed' gave "approveed" and "submited".
const pastTense: Record<ReviewAction, string> = { submit: 'submitted', check: 'checked', approve: 'approved', return: 'returned' }

/** Which role reviews a project in this status (and so may return it). */
const reviewerOf: Partial<Record<ProjectStatus, Role>> = { submitted: 'city', 'city-checked': 'province' }

/** Statuses in which the boundary and the stock-area inputs are frozen: a reviewer is looking at them. */
export const lockedStatuses: readonly ProjectStatus[] = ['submitted', 'city-checked', 'province-approved']

export type TransitionResult = { ok: true; to: ProjectStatus } | { ok: false; reason: 'role' | 'status' | 'reason'; message: string }

export function transition(status: ProjectStatus, action: ReviewAction, role: Role, reason?: string | null): TransitionResult {
  const a = reviewActions[action]
  if (!(a.from as readonly string[]).includes(status)) {
    return { ok: false, reason: 'status', message: `a project in status '${status}' cannot be ${pastTense[action]} (allowed from: ${a.from.join(', ')})` }
  }
  const needed = action === 'return' ? reviewerOf[status]! : a.role
  if (role !== needed)
    return { ok: false, reason: 'role', message: `only a ${needed} key may ${action} a project in status '${status}'; this is a ${role} key` }
  if (action === 'return' && !reason?.trim()) return { ok: false, reason: 'reason', message: 'a return needs a reason' }
  return { ok: true, to: a.to }
}

/**
 * The province's review period (165号 四（一）: "省厅……及时组织对各地实时上报的……证明材料进行审核，10个工作日内完成审核工作").
 * It is the province's clock: it starts when the city has checked the project (`city-checked`), since
 * the province cannot review what the city has not yet passed on.
 */
export const PROVINCE_REVIEW_WORKING_DAYS = 10

/**
 * The city's review period: neither the Liaocheng plan nor 165号 gives one (165号 四（一）: "各市自然资源主管部门
 * 通过系统对再开发项目进行审核，组织对项目进行外业核查工作", no time limit), so projects waiting for the city
 * are listed without a due date, with the working days they have waited.
 */
export const CITY_REVIEW_WORKING_DAYS: number | null = null

export const cityDeadlineNote = {
  en: 'neither the Liaocheng implementation plan nor 鲁自然资字〔2021〕165号 sets a time limit for the city’s check; listed with the working days waited, without a due date',
  zh: '聊城市实施方案及鲁自然资字〔2021〕165号均未规定市级审核时限，仅列出已等待的工作日数，不设截止日期',
}
