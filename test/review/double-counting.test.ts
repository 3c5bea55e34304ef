// The review's guard against counting the same land twice (issue 21), at the tolerance and just above.
import { describe, expect, it } from 'vitest'
import { analysisDefaults } from '../../src/domain/analysis-config.js'
import { blockingOverlaps, refuseDoubleCounting } from '../../src/review/double-counting.js'

const tol = analysisDefaults.conflictToleranceM2
const overlap = (status: string, stockM2: number) => ({ projectId: 7, code: 'P-7', status, m2: 5000, stockM2 })

describe('blockingOverlaps', () => {
  it('blocks stock land shared with an approved project only above the tolerance', () => {
    expect(blockingOverlaps({ overlaps: [overlap('province-approved', tol)] })).toEqual([])
    expect(blockingOverlaps({ overlaps: [overlap('province-approved', tol + 1e-9)] })).toHaveLength(1)
  })
  it('never blocks on a project still under review', () => {
    for (const status of ['submitted', 'city-checked']) expect(blockingOverlaps({ overlaps: [overlap(status, 9000)] })).toEqual([])
  })
})

describe('refuseDoubleCounting', () => {
  it('answers 409 double-counting naming the approved project, in Chinese and English', () => {
    expect(() => refuseDoubleCounting('Q-1', { overlaps: [overlap('province-approved', tol)] })).not.toThrow()
    let err: any
    try {
      refuseDoubleCounting('Q-1', { overlaps: [overlap('submitted', 9000), overlap('province-approved', 1.01)] })
    } catch (e) {
      err = e
    }
    expect(err).toMatchObject({ code: 'LR_DOUBLE_COUNTING', statusCode: 409 })
    expect(err.message).toMatch(/Q-1.*P-7 1\.01 m²/)
    expect(err.extras.detailZh).toMatch(/Q-1.*P-7 1\.01 m².*同一土地不得重复核定/)
    expect(err.extras.errors).toHaveLength(1)
  })
})
