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
  if (role !== needed) return { ok: false, reason: 'role', message: `only a ${needed} key may ${action} a project in status '${status}'; this is a ${role} key` }
  if (action === 'return' && !reason?.trim()) return { ok: false, reason: 'reason', message: 'a return needs a reason' }
  return { ok: true, to: a.to }
}
