// The milestone's evidence against its type and date (165号 三（一）–（三）), and the city's field check (四（一）).
import { describe, expect, it } from 'vitest'
import { fieldCheckProblems, fieldCheckUse } from '../../src/domain/field-check.js'
import { evidenceProblems, evidenceStatus, normalizeEvidence, sameEvidence } from '../../src/domain/milestone-evidence.js'

const supply = { date: '2025-06-30', supervisionNumber: '3715022025B00123' }
const landPermit = { number: '地字第371502202500012号', date: '2025-04-01' }
const worksPermit = { number: '建字第371502202500034号', date: '2025-05-20' }

describe('evidenceStatus', () => {
  it('is null without a type or a date: such a milestone does not count, there is nothing to judge', () => {
    expect(evidenceStatus(null, '2025-06-30', { landSupply: supply })).toBeNull()
    expect(evidenceStatus('land-supply', null, { landSupply: supply })).toBeNull()
  })

  it('land supply: the date and the 电子监管号 of the monitoring system; the milestone is its supply date', () => {
    expect(evidenceStatus('land-supply', '2025-06-30', { landSupply: supply })).toMatchObject({ complete: true, needsReview: false, noteZh: '证明材料已录入' })
    expect(evidenceStatus('land-supply', '2025-06-30', { landSupply: { date: '2025-06-30' } })).toMatchObject({
      complete: false,
      needsReview: true,
      missingZh: ['土地供应电子监管号'],
    })
    const later = evidenceStatus('land-supply', '2025-06-29', { landSupply: supply })!
    expect(later).toMatchObject({ complete: true, needsReview: true })
    expect(later.noteZh).toBe('土地供应日期2025-06-30晚于完成日期2025-06-29，需人工复核')
    const earlier = evidenceStatus('land-supply', '2025-07-01', { landSupply: supply })!
    expect(earlier.noteZh).toMatch(/与部土地利用动态监测监管系统供地时间2025-06-30不一致/)
  })

  it('transfer: the registration and at least one planning permit; the milestone is the later of them', () => {
    const reg = { date: '2025-03-10' }
    expect(evidenceStatus('transfer-registration', '2025-03-10', { transferRegistration: reg })).toMatchObject({
      complete: false,
      missingZh: ['建设用地规划许可证或建设工程规划许可证'],
    })
    // a permit without its number is not a permit recorded
    expect(evidenceStatus('transfer-registration', '2025-05-20', { transferRegistration: reg, constructionPermit: { date: '2025-05-20' } })!.complete).toBe(
      false,
    )
    expect(evidenceStatus('transfer-registration', '2025-05-20', { transferRegistration: reg, constructionPermit: worksPermit })).toMatchObject({
      complete: true,
      needsReview: false,
      documentsDate: '2025-05-20',
    })
    expect(evidenceStatus('transfer-registration', '2025-03-10', { transferRegistration: reg, constructionPermit: worksPermit })!.noteZh).toBe(
      '建设工程规划许可证日期2025-05-20晚于完成日期2025-03-10，需人工复核',
    )
  })

  it('own redevelopment: both permits, the milestone the later one', () => {
    const s = evidenceStatus('planning-permits', '2025-05-20', { landUsePermit: landPermit })!
    expect(s.missingZh).toEqual(['建设工程规划许可证证书编号', '建设工程规划许可证发证日期'])
    expect(evidenceStatus('planning-permits', '2025-05-20', { landUsePermit: landPermit, constructionPermit: worksPermit })).toMatchObject({
      complete: true,
      needsReview: false,
    })
    expect(evidenceStatus('planning-permits', '2025-05-21', { landUsePermit: landPermit, constructionPermit: worksPermit })!.noteZh).toBe(
      '完成日期2025-05-21与证明材料所示办结日期2025-05-20不一致，需人工复核',
    )
  })
})

describe('evidence as sent and stored', () => {
  it('is trimmed, with empty documents dropped; the same values in another order are the same evidence', () => {
    const stored = normalizeEvidence({
      landSupply: { supervisionNumber: ' A1 ', date: '2025-01-01', areaM2: null },
      landUsePermit: {},
      constructionPermit: null,
    })
    expect(stored).toEqual({ landSupply: { date: '2025-01-01', supervisionNumber: 'A1' } })
    expect(normalizeEvidence({ landUsePermit: {} })).toBeNull()
    expect(sameEvidence(stored, { landSupply: { supervisionNumber: 'A1', date: '2025-01-01' } })).toBe(true)
    expect(sameEvidence(stored, { landSupply: { supervisionNumber: 'A2', date: '2025-01-01' } })).toBe(false)
    expect(sameEvidence(null, null)).toBe(true)
  })
  it('refuses empty text, text too long and areas not above 0, naming the field', () => {
    expect(evidenceProblems({ landSupply: { supervisionNumber: '1'.repeat(64), areaM2: 0.01 } })).toEqual([])
    expect(evidenceProblems({ landSupply: { supervisionNumber: '1'.repeat(65), areaM2: 0 } }).map((p) => p.messageZh)).toEqual([
      '土地供应电子监管号超过64个字符',
      '土地供应供地面积（平方米）须为大于0的数值',
    ])
    expect(evidenceProblems({ landUsePermit: { number: 'x'.repeat(100) } })).toEqual([])
    expect(evidenceProblems({ landUsePermit: { number: 'x'.repeat(101) } })[0]!.path).toBe('/milestoneEvidence/landUsePermit/number')
  })
})

describe('the city’s field check (165号 四（一）)', () => {
  it('goes with the city’s pass (required, or optional where configured) and its return (optional), with nothing else', () => {
    expect(fieldCheckUse('submitted', 'check', 'city')).toBe('required')
    expect(fieldCheckUse('submitted', 'check', 'city', false)).toBe('optional')
    expect(fieldCheckUse('submitted', 'return', 'city')).toBe('optional')
    expect(fieldCheckUse('city-checked', 'return', 'province')).toBe('none')
    expect(fieldCheckUse('draft', 'submit', 'county')).toBe('none')
    expect(fieldCheckUse('city-checked', 'approve', 'province')).toBe('none')
  })
  it('is a visit on or before today, by named people, with what they found', () => {
    const fc = { date: '2026-03-16', by: '王敏', findings: '一致' }
    expect(fieldCheckProblems('required', fc, '2026-03-16')).toEqual([])
    expect(fieldCheckProblems('required', fc, '2026-03-15').map((p) => p.messageZh)).toEqual(['外业核查日期2026-03-16晚于今天'])
    expect(fieldCheckProblems('required', undefined, '2026-03-16')).toHaveLength(1)
    expect(fieldCheckProblems('optional', undefined, '2026-03-16')).toEqual([])
    expect(fieldCheckProblems('none', fc, '2026-03-16')[0]!.messageZh).toMatch(/由市级在审核/)
    expect(fieldCheckProblems('optional', { ...fc, by: 'x'.repeat(201) }, '2026-03-16')[0]!.messageZh).toBe('外业核查人员超过200个字符')
  })
})
