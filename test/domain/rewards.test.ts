import { describe, expect, it } from 'vitest'
import {
  adjustmentCoefficient,
  describeBands,
  areaUnits,
  earnedQuotaM2,
  fraudDeductionM2,
  honoursRevoked,
  tableOfFindingYear,
  outsideProvincialScheme,
  quotaM2,
  rewardVerdict,
  stockAfterOverlap,
  type RewardCandidate,
} from '../../src/domain/rewards.js'
import { entryEligibility, rewardCounting, type CheckId } from '../../src/domain/rules.js'

describe('adjustment coefficient by per-capita urban-rural construction land (165号 一)', () => {
  it('is 1.1 up to and including 200 m²/person', () => {
    expect(adjustmentCoefficient(0)).toBe(1.1)
    expect(adjustmentCoefficient(150)).toBe(1.1)
    expect(adjustmentCoefficient(200)).toBe(1.1)
  })
  it('is 1.0 just above 200 and just below 300', () => {
    expect(adjustmentCoefficient(200.0000001)).toBe(1.0)
    expect(adjustmentCoefficient(250)).toBe(1.0)
    expect(adjustmentCoefficient(299.9999999)).toBe(1.0)
  })
  it('is 0.9 at exactly 300: 以上 includes the number (民法典 第1259条)', () => {
    expect(adjustmentCoefficient(300)).toBe(0.9)
  })
  it('takes the values at exactly 200 and exactly 300 from the configuration, the bands around them unchanged', () => {
    const bands = { lowM2: 200, highM2: 300, low: 1.1, middle: 1.0, high: 0.9, atLow: 1.0, atHigh: 1.0 }
    expect(adjustmentCoefficient(199.9999999, bands)).toBe(1.1)
    expect(adjustmentCoefficient(200, bands)).toBe(1.0)
    expect(adjustmentCoefficient(299.9999999, bands)).toBe(1.0)
    expect(adjustmentCoefficient(300, bands)).toBe(1.0)
    expect(describeBands(bands).map((b) => b.perCapitaM2)).toEqual(['< 200', '200 ≤ x ≤ 300', '> 300'])
    expect(describeBands().map((b) => b.perCapitaM2)).toEqual(['≤ 200', '200 < x < 300', '≥ 300'])
  })
  it('is 0.9 just above 300', () => {
    expect(adjustmentCoefficient(300.0000001)).toBe(0.9)
    expect(adjustmentCoefficient(1000)).toBe(0.9)
  })
})

describe('land counted before comes off (issue 21)', () => {
  it('a default-approach project loses exactly the land counted before', () => {
    expect(stockAfterOverlap(20000, { landM2: 20000, deductedM2: 5000 })).toEqual({ countedM2: 15000, deductedM2: 5000 })
    expect(stockAfterOverlap(20000, { landM2: 20000, deductedM2: 20000 })).toEqual({ countedM2: 0, deductedM2: 20000 })
  })
  it('a formula project loses the same share of its formula stock', () => {
    // 退二进三: 6 000 m² of stock on 20 000 m² of construction land, a quarter of it counted before
    expect(stockAfterOverlap(6000, { landM2: 20000, deductedM2: 5000 })).toEqual({ countedM2: 4500, deductedM2: 1500 })
  })
  it('nothing counted before, or no stock land to compare: the stock stands', () => {
    expect(stockAfterOverlap(6000, { landM2: 20000, deductedM2: 0 })).toEqual({ countedM2: 6000, deductedM2: 0 })
    expect(stockAfterOverlap(6000, { landM2: 0, deductedM2: 0 })).toEqual({ countedM2: 6000, deductedM2: 0 })
    expect(stockAfterOverlap(6000, undefined)).toEqual({ countedM2: 6000, deductedM2: 0 })
  })
})

describe('quota arithmetic', () => {
  it('stock : new = 2 : 1, times the coefficient', () => {
    expect(quotaM2(20000, 1.1)).toBeCloseTo(11000, 9)
    expect(quotaM2(20000, 0.9)).toBeCloseTo(9000, 9)
  })
  it('earned quota uses the reward year’s statistics, or is unknown without them', () => {
    expect(earnedQuotaM2(20000, { landM2: 200_000, population: 1000 })).toBeCloseTo(11000, 9)
    expect(earnedQuotaM2(20000, { landM2: 300_001, population: 1000 })).toBeCloseTo(9000, 9)
    expect(earnedQuotaM2(20000, null)).toBeNull()
  })
  it('fraud takes twice the earned quota', () => expect(fraudDeductionM2(11000)).toBe(22000))
  it('a finding made in F comes off the table of F (issued in F + 1: 下一年度), not F + 1’s', () => {
    expect(tableOfFindingYear(2025)).toBe(2025)
    expect(tableOfFindingYear(2026)).toBe(2026)
  })
  it('a finding costs the county its 评优评先 for the finding’s year (取消其当年度各类评优评先资格); none without findings', () => {
    expect(honoursRevoked(2025, [])).toBeNull()
    const h = honoursRevoked(2025, ['X-1', 'X-2'])!
    expect(h.year).toBe(2025)
    expect(h.note.zh).toBe('2025年度查实弄虚作假项目（X-1、X-2），按所获奖励指标双倍扣减，并取消该县2025年度各类评优评先资格')
  })
  it('units at fixed precision: 1 mu = 10000/15 m², 1 ha = 10000 m²', () => {
    expect(areaUnits(10000)).toEqual({ m2: 10000, mu: 15, ha: 1 })
    expect(areaUnits(1234.5678)).toEqual({ m2: 1234.57, mu: 1.8519, ha: 0.1235 })
  })
  it('Qingdao counties (3702xx) are outside the scheme', () => {
    expect(outsideProvincialScheme('370211')).toBe(true)
    expect(outsideProvincialScheme('370102')).toBe(false)
    expect(outsideProvincialScheme('371502')).toBe(false)
  })
})

describe('which approved projects qualify', () => {
  const passing = [
    'min-area',
    'footprint-ratio',
    'stock-half-15-30',
    'no-approved-unsupplied',
    'no-idle-land',
    'in-plan',
    'built-before-2010',
    'ownership',
  ].map((id) => ({ id, passed: true as boolean | null }))
  const base: RewardCandidate = {
    status: 'province-approved',
    milestoneType: 'land-supply',
    approvedResultId: 1,
    eligible: true,
    stockM2: 12000,
    checks: passing,
  }
  const failing = (...ids: string[]) => passing.map((c) => (ids.includes(c.id) ? { ...c, passed: false } : c))

  it('an approved, eligible project with a stock area qualifies', () => expect(rewardVerdict(base)).toEqual({ qualifies: true }))
  it('not yet approved by the province: excluded', () =>
    expect(rewardVerdict({ ...base, status: 'city-checked' })).toMatchObject({ qualifies: false, exclusion: 'not-province-approved' }))
  it('failing only the area rules: excluded by name', () => {
    expect(rewardVerdict({ ...base, eligible: false, checks: failing('min-area') })).toMatchObject({ exclusion: 'area-rule', failedChecks: ['min-area'] })
    expect(rewardVerdict({ ...base, eligible: false, checks: failing('stock-half-15-30') })).toMatchObject({
      exclusion: 'area-rule',
      failedChecks: ['stock-half-15-30'],
    })
  })
  it('names the area rule with the threshold the analysis used, not a number typed into the text', () => {
    const with20 = passing.map((c) => (c.id === 'min-area' ? { ...c, passed: false, threshold: 20 * (10000 / 15) } : c))
    expect(rewardVerdict({ ...base, eligible: false, checks: with20 })).toMatchObject({ zh: '单个项目面积不足20亩，不计入奖励' })
    expect(rewardVerdict({ ...base, eligible: false, checks: failing('min-area') })).toMatchObject({ zh: '单个项目面积不足15亩，不计入奖励' })
    const share60 = passing.map((c) => (c.id === 'stock-half-15-30' ? { ...c, passed: false, threshold: 0.6 } : c))
    expect(rewardVerdict({ ...base, eligible: false, checks: share60 })).toMatchObject({ zh: '15–30亩项目再开发面积不足60%，不计入奖励' })
  })
  it('failing only the area rules on a result of schema 3 (eligible: entered, 符合入库条件) is still 不计入奖励, never counted', () => {
    expect(rewardVerdict({ ...base, eligible: true, checks: failing('min-area') })).toMatchObject({
      qualifies: false,
      exclusion: 'area-rule',
      zh: '单个项目面积不足15亩，不计入奖励',
    })
    expect(rewardVerdict({ ...base, eligible: true, checks: failing('stock-half-15-30') })).toMatchObject({ exclusion: 'area-rule' })
    const undecidedShare = passing.map((c) => (c.id === 'stock-half-15-30' ? { ...c, passed: null } : c))
    expect(rewardVerdict({ ...base, eligible: true, checks: undecidedShare })).toMatchObject({ exclusion: 'eligibility-undecided' })
  })
  it('failing another check too: not eligible, with every failed check', () => {
    expect(rewardVerdict({ ...base, eligible: false, checks: failing('min-area', 'in-plan') })).toMatchObject({
      exclusion: 'not-eligible',
      failedChecks: ['min-area', 'in-plan'],
    })
  })
  it('undecided or without stock area: excluded', () => {
    expect(rewardVerdict({ ...base, eligible: null })).toMatchObject({ exclusion: 'eligibility-undecided' })
    expect(rewardVerdict({ ...base, stockM2: null })).toMatchObject({ exclusion: 'stock-area-unknown' })
    expect(rewardVerdict({ ...base, approvedResultId: null })).toMatchObject({ exclusion: 'no-approved-analysis' })
  })
})

describe('符合入库条件 and 计入奖励 (165号 二 and 三)', () => {
  const checks = (over: Record<string, boolean | null>) =>
    ['min-area', 'footprint-ratio', 'stock-half-15-30', 'in-plan', 'ownership'].map((id) => ({ id: id as CheckId, passed: id in over ? over[id]! : true }))
  it('a project under 15 亩 (or of 15–30 亩 with too little stock) may be entered and is not counted for the reward', () => {
    expect(entryEligibility(checks({ 'min-area': false }))).toBe(true)
    expect(rewardCounting(checks({ 'min-area': false }))).toBe(false)
    expect(entryEligibility(checks({ 'stock-half-15-30': false }))).toBe(true)
    expect(rewardCounting(checks({ 'stock-half-15-30': false }))).toBe(false)
  })
  it('a project of at least 15 亩 passing everything is entered and counted; an entry failure fails both', () => {
    expect([entryEligibility(checks({})), rewardCounting(checks({}))]).toEqual([true, true])
    expect([entryEligibility(checks({ 'in-plan': false })), rewardCounting(checks({ 'in-plan': false }))]).toEqual([false, false])
    expect([entryEligibility(checks({ ownership: null })), rewardCounting(checks({ ownership: null }))]).toEqual([null, null])
    expect([entryEligibility(checks({ 'stock-half-15-30': null })), rewardCounting(checks({ 'stock-half-15-30': null }))]).toEqual([true, null])
  })
})
