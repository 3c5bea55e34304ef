import { describe, expect, it } from 'vitest'
import { allowedActions } from '../../src/domain/workflow-actions.js'

const names = (...args: Parameters<typeof allowedActions>) => allowedActions(...args).map((a) => a.action)

describe('allowedActions', () => {
  it('gives each status its one office (165号 / 88号: county enters, city checks, province reviews)', () => {
    expect(names('draft', 'county')).toEqual(['submit'])
    expect(names('returned', 'county')).toEqual(['submit'])
    expect(names('submitted', 'city')).toEqual(['check', 'return'])
    expect(names('city-checked', 'province')).toEqual(['approve', 'return'])
    expect(names('province-approved', 'province')).toEqual([])
  })
  it('gives admin keys and the wrong office nothing', () => {
    for (const status of ['draft', 'submitted', 'city-checked', 'province-approved', 'returned'] as const) expect(names(status, 'admin')).toEqual([])
    expect(names('submitted', 'county')).toEqual([])
    expect(names('city-checked', 'city')).toEqual([])
    expect(names('draft', 'province')).toEqual([])
  })
  it('marks the return as needing a reason', () => {
    expect(allowedActions('submitted', 'city').find((a) => a.action === 'return')?.needsReason).toBe(true)
  })
})
