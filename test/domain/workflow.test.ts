// Every review transition and who may make it.
import { describe, expect, it } from 'vitest'
import type { ProjectStatus } from '../../src/domain/project.js'
import { projectStatuses } from '../../src/domain/project.js'
import { roles } from '../../src/domain/region.js'
import { transition, type ReviewAction } from '../../src/domain/workflow.js'

const allowed: Array<[ProjectStatus, ReviewAction, string, ProjectStatus]> = [
  ['draft', 'submit', 'county', 'submitted'],
  ['returned', 'submit', 'county', 'submitted'],
  ['submitted', 'check', 'city', 'city-checked'],
  ['submitted', 'return', 'city', 'returned'],
  ['city-checked', 'approve', 'province', 'province-approved'],
  ['city-checked', 'return', 'province', 'returned'],
]

describe('review transitions', () => {
  it.each(allowed)('%s --%s by %s--> %s', (from, action, role, to) => {
    expect(transition(from, action, role as never, 'reason')).toEqual({ ok: true, to })
  })

  it('refuses every other (status, action, role), by role or by status', () => {
    let refused = 0
    for (const status of projectStatuses) {
      for (const action of ['submit', 'check', 'approve', 'return'] as const) {
        for (const role of roles) {
          if (allowed.some(([f, a, r]) => f === status && a === action && r === role)) continue
          const t = transition(status, action, role, 'reason')
          expect(t.ok, `${status} ${action} ${role}`).toBe(false)
          refused++
        }
      }
    }
    expect(refused).toBe(projectStatuses.length * 4 * roles.length - allowed.length)
  })

  it('says why: wrong role, wrong status, or a return without a reason', () => {
    expect(transition('submitted', 'approve', 'province')).toMatchObject({ ok: false, reason: 'status' })
    expect(transition('city-checked', 'approve', 'admin')).toMatchObject({ ok: false, reason: 'role' })
    expect(transition('submitted', 'return', 'province', 'x')).toMatchObject({ ok: false, reason: 'role' })
    expect(transition('submitted', 'return', 'city', '  ')).toMatchObject({ ok: false, reason: 'reason' })
  })
})
