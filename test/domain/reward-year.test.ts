// The calendar of a reward table and what the table says about its statistics (issue 21; 165号 一、四（二）（三）).
import { describe, expect, it } from 'vitest'
import { populationNotes, surveyVersionChoice } from '../../src/domain/reward-statistics.js'
import { deadlinePassed, extractionRefusal, issueDeadline } from '../../src/domain/reward-year.js'
import { parseSjnf, surveyYearFromSjnf } from '../../src/import/survey-year.js'

describe('每年初提取、每年7月底前下达', () => {
  it('the table of 2025 is issued by 2026-07-31: in time on that day, late the next', () => {
    expect(issueDeadline(2025)).toBe('2026-07-31')
    expect(deadlinePassed(2025, '2026-07-31')).toBe(false)
    expect(deadlinePassed(2025, '2026-08-01')).toBe(true)
    expect(deadlinePassed(2025, '2025-12-31')).toBe(false)
  })
  it('the table of 2025 is extracted from 2026-01-01, not on 2025-12-31', () => {
    expect(extractionRefusal(2025, '2025-12-31')?.zh).toBe('2025年度尚未结束，自2026-01-01起方可提取（每年初提取上一年度项目清单）')
    expect(extractionRefusal(2025, '2026-01-01')).toBeNull()
    expect(extractionRefusal(2025, '2027-03-01')).toBeNull()
  })
})

describe('the statistics behind the coefficient', () => {
  const source = { kind: 'resident' as const, year: 2025, publisher: '山东统计年鉴2026' }
  it('says nothing of 常住人口 of the year, and names a missing source, 户籍人口 and another year', () => {
    expect(populationNotes(2025, source)).toEqual([])
    expect(populationNotes(2025, null).map((n) => n.zh)).toEqual(['2025年度人口数据未注明来源（常住人口口径、年份及发布机构）'])
    expect(populationNotes(2025, { ...source, kind: 'registered', year: 2024 }).map((n) => n.zh)).toEqual([
      '人口为户籍人口，非常住人口',
      '人口为2024年数据，非2025年度',
    ])
  })
  it('a version of the year is the year’s survey; another year or none is the fallback, said', () => {
    expect(surveyVersionChoice(2025, { datasetId: 1, version: 4, surveyYear: 2025 }).how).toBe('survey-year')
    expect(surveyVersionChoice(2025, { datasetId: 1, version: 4, surveyYear: 2024 })).toMatchObject({
      how: 'active-fallback',
      zh: '未导入2025年度变更调查数据，按当前三调图层第4版（2024年度）计算',
    })
    expect(surveyVersionChoice(2025, { datasetId: 1, version: 4, surveyYear: null }).how).toBe('active-fallback')
  })
})

describe('a delivery’s survey year from SJNF', () => {
  it('reads a 4-digit year as text or number', () => {
    expect(['2023', ' 2023 ', '2023.0', '2023.00'].map(parseSjnf)).toEqual([2023, 2023, 2023, 2023])
    expect(['', '23', '20231', '2023年', 'abcd', '1899'].map(parseSjnf)).toEqual([null, null, null, null, null, null])
  })
  it('dates a delivery whose records all give one year, and no other', () => {
    expect(surveyYearFromSjnf([{ value: '2024', n: 37000 }])).toEqual({ year: 2024 })
    expect(
      surveyYearFromSjnf([
        { value: '2024', n: 36999 },
        { value: '2023', n: 1 },
      ]).year,
    ).toBeNull()
    expect(
      surveyYearFromSjnf([
        { value: '2024', n: 10 },
        { value: 'x', n: 1 },
      ]).year,
    ).toBeNull()
    expect(surveyYearFromSjnf([])).toMatchObject({ year: null, said: { messageZh: expect.stringMatching(/无数据年份/) } })
    expect(
      surveyYearFromSjnf([
        { value: '', n: 5 },
        { value: null, n: 2 },
      ]).year,
    ).toBeNull()
  })
})
