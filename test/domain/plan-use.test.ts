// The planned use (用地用海, 自然资发〔2023〕234号) against the project's new use: the pairs written out here
// from the guide's first-level classes, not read from the table under test; the check on both sides of its
// 5 % boundary; not applicable where nothing can be compared.
import { describe, expect, it } from 'vitest'
import { analysisDefaults as cfg } from '../../src/domain/analysis-config.js'
import type { UseClass } from '../../src/domain/approach.js'
import { comparePlannedUse, judgePlannedUse, landUseClassesOf, planUseRelation } from '../../src/domain/plan-use.js'
import { eligibility, entryChecks, stockArea, type Measures, type ProjectFacts } from '../../src/domain/rules.js'

describe('first-level classes of a planned code', () => {
  it('reads 2-, 4- and 6-digit codes by their first two digits', () => {
    expect(landUseClassesOf('07')).toEqual(['07'])
    expect(landUseClassesOf('0701')).toEqual(['07'])
    expect(landUseClassesOf(' 090101 ')).toEqual(['09'])
    expect(landUseClassesOf('1207')).toEqual(['12'])
    expect(landUseClassesOf('24')).toEqual(['24'])
  })
  it('reads a mixed zone as each of its classes, in any usual separator', () => {
    expect(landUseClassesOf('0701/0901')).toEqual(['07', '09'])
    expect(landUseClassesOf('090101+070102')).toEqual(['07', '09'])
    expect(landUseClassesOf('0701、0702')).toEqual(['07'])
  })
  it('does not guess other classifications or malformed codes', () => {
    for (const c of ['R2', 'B1', '211', '25', '00', '07011', '0701/R2', '', 'x']) expect(landUseClassesOf(c), c).toEqual([])
  })
})

describe('the new use against the planned first-level class', () => {
  const own: Record<UseClass, string> = { residential: '07', public: '08', commercial: '09', industrial: '10', storage: '11', other: '' }
  it('conforms where the plan gives the land the new use’s own class', () => {
    for (const [use, cls] of Object.entries(own)) if (cls) expect(planUseRelation(use as UseClass, cls as never), use).toBe('conforms')
  })
  it('conflicts where the plan gives another 经营性 use: 商业 on 07, 住宅 on 09, 工业 on 11, 仓储 on 10, 住宅 on 15', () => {
    expect(planUseRelation('commercial', '07')).toBe('conflicts')
    expect(planUseRelation('residential', '09')).toBe('conflicts')
    expect(planUseRelation('industrial', '11')).toBe('conflicts')
    expect(planUseRelation('storage', '10')).toBe('conflicts')
    expect(planUseRelation('residential', '15')).toBe('conflicts')
    expect(planUseRelation('public', '09')).toBe('conflicts')
  })
  it('conflicts on land the plan keeps for farming, forest, water or sea (01–06, 17–24), whatever the new use', () => {
    for (const cls of ['01', '02', '03', '04', '05', '06', '17', '18', '23', '24'])
      for (const use of Object.keys(own)) expect(planUseRelation(use as UseClass, cls as never), `${use} on ${cls}`).toBe('conflicts')
  })
  it('takes 08 public services and 12 交通, 13 公用设施, 14 绿地与开敞空间 as public-benefit land for a 经营性 use', () => {
    for (const cls of ['12', '13', '14']) expect(planUseRelation('commercial', cls as never), cls).toBe('public-benefit')
    expect(planUseRelation('residential', '08')).toBe('public-benefit')
    expect(planUseRelation('public', '14')).toBe('public-benefit')
  })
  it('leaves 16 留白 undecided for every use, and 12–15 for 其他 (a park, a road, a utility: a person compares)', () => {
    for (const use of Object.keys(own)) expect(planUseRelation(use as UseClass, '16'), use).toBe('undecided')
    for (const cls of ['12', '13', '14', '15']) expect(planUseRelation('other', cls as never), cls).toBe('undecided')
    expect(planUseRelation('other', '07')).toBe('conflicts')
    expect(planUseRelation('other', '08')).toBe('public-benefit')
  })
  it('gives a mixed zone the best of its parts: 商业 conforms on 0701/0901, 工业 does not', () => {
    const c = comparePlannedUse([{ code: '0701/0901', m2: 100 }], 'commercial')
    expect(c.groups[0]).toMatchObject({ classes: ['07', '09'], nameZh: '居住用地/商业服务业用地', relation: 'conforms' })
    expect(comparePlannedUse([{ code: '0701/0901', m2: 100 }], 'industrial').groups[0]!.relation).toBe('conflicts')
  })
})

describe('grouping the codes found inside', () => {
  it('adds the codes of one first-level class, and sums the area per relation', () => {
    const c = comparePlannedUse(
      [
        { code: '070102', m2: 300 },
        { code: '0701', m2: 200 },
        { code: '0901', m2: 50 },
        { code: '1207', m2: 25 },
        { code: 'R2', m2: 5 },
      ],
      'residential',
    )
    expect(c.groups.map((g) => [g.nameZh, g.codes, g.m2, g.relation])).toEqual([
      ['居住用地', ['0701', '070102'], 500, 'conforms'],
      ['商业服务业用地', ['0901'], 50, 'conflicts'],
      ['交通运输用地', ['1207'], 25, 'public-benefit'],
      ['非用地用海分类代码', ['R2'], 5, 'unread'],
    ])
    expect(c.m2).toEqual({ conforms: 500, 'public-benefit': 25, undecided: 0, conflicts: 50, unread: 5 })
  })
  it('compares nothing without a new use (unreadable codes are still unreadable)', () => {
    const c = comparePlannedUse(
      [
        { code: '0701', m2: 10 },
        { code: 'B1', m2: 1 },
      ],
      null,
    )
    expect(c.groups.map((g) => g.relation)).toEqual([null, 'unread'])
    expect(c.m2).toEqual({ conforms: 0, 'public-benefit': 0, undecided: 0, conflicts: 0, unread: 1 })
  })
})

describe('check plan-use', () => {
  const judge = (areas: Array<{ code: string; m2: number }> | null, newUse: UseClass | null, areaM2 = 20000) =>
    judgePlannedUse({ areaM2, plannedUse: areas && { areas }, newUse, conflictShareMax: 0.05 })

  it('fails above 5 % of the project planned for another use, passes at exactly 5 % with review', () => {
    // 20 000 m² project: 5 % is 1 000 m²
    const at = judge(
      [
        { code: '0901', m2: 19000 },
        { code: '0701', m2: 1000 },
      ],
      'commercial',
    )
    expect(at).toMatchObject({ passed: true, needsReview: true, value: 0.05 })
    expect(at.text()[1]).toMatch(/与新用途不符的用地共1,000\.00 m²，占项目面积5\.00 %，未超过5 %.*需人工复核/)
    const above = judge(
      [
        { code: '0901', m2: 18999.99 },
        { code: '0701', m2: 1000.01 },
      ],
      'commercial',
    )
    expect(above).toMatchObject({ passed: false, needsReview: false })
    expect(above.value).toBeCloseTo(1000.01 / 20000, 12)
    expect(above.text()[1]).toMatch(/居住用地（0701）1,000\.01 m²，与新用途不符；与新用途不符的用地共1,000\.01 m²，占项目面积5\.01 %，超过5 %/)
  })
  it('passes without review when all the coded land is planned for the new use', () => {
    const v = judge([{ code: '090101', m2: 20000 }], 'commercial')
    expect(v).toMatchObject({ passed: true, needsReview: false, value: 0 })
    expect(v.text()[1]).toMatch(/新用途为“商业服务业”.*商业服务业用地（090101）20,000\.00 m²，与新用途相符；均与新用途相符/)
  })
  it('passes public-benefit land (a planned road, a park) with review, whatever its share, and says the scheme must name it', () => {
    const v = judge(
      [
        { code: '0701', m2: 12000 },
        { code: '1207', m2: 3000 },
        { code: '1401', m2: 5000 },
      ],
      'residential',
    )
    expect(v).toMatchObject({ passed: true, needsReview: true, value: 0 })
    expect(v.text()[1]).toMatch(/规划为公益性用地8,000\.00 m²，应在项目实施方案中明确需移交公益性用地的类型和比例（聊城方案 三）/)
  })
  it('says when nothing inside is planned for the new use', () => {
    expect(judge([{ code: '1401', m2: 20000 }], 'commercial').text()[1]).toMatch(/项目范围内无规划为商业服务业用地的用地/)
  })
  it('passes a park recorded as 其他 on 14 with review: 其他 cannot be compared', () => {
    expect(judge([{ code: '1401', m2: 20000 }], 'other')).toMatchObject({ passed: true, needsReview: true, value: 0 })
  })
  it('is not applicable without a plan layer, without codes inside, or without a new use', () => {
    expect(judge(null, 'commercial')).toMatchObject({ passed: true, value: null, needsReview: false })
    expect(judge([], 'commercial')).toMatchObject({ passed: true, value: null, needsReview: false })
    const noUse = judge([{ code: '0701', m2: 20000 }], null)
    expect(noUse).toMatchObject({ passed: true, value: null, needsReview: false })
    expect(noUse.text()[1]).toMatch(/未录入新用途，未与项目范围内的规划用途（居住用地（0701）20,000\.00 m²）比对，不适用/)
  })
})

describe('plan-use among the entry checks', () => {
  const measures = (m: Partial<Measures> = {}): Measures => ({
    areaM2: 20000,
    planarAreaM2: 20000,
    survey2Loaded: true,
    survey2ConstructionM2: 15000,
    survey2ConstructionPlanarM2: 15000,
    survey2LatestChange: null,
    buildingsLoaded: true,
    footprintM2: 8000,
    footprintPlanarM2: 8000,
    approvedUnsuppliedM2: 0,
    idleLandM2: 0,
    outsidePlanM2: 0,
    onPlotsM2: 20000,
    ...m,
  })
  const facts = (p: Partial<ProjectFacts> = {}): ProjectFacts => ({
    approach: 'default',
    originalUse: null,
    newUse: null,
    plotRatioBefore: null,
    changedUseFloorArea: null,
    addedFloorArea: null,
    newPlotRatio: null,
    ownershipClear: true,
    seized: false,
    mortgaged: false,
    mortgageeConsent: null,
    ...p,
  })
  const checks = (m: Measures, p: ProjectFacts) => entryChecks(m, p, stockArea(m, p), cfg)
  const planUse = (m: Measures, p: ProjectFacts) => checks(m, p).find((c) => c.id === 'plan-use')!

  it('leaves a project without codes as it was: eligible, nothing to review', () => {
    const cs = checks(measures(), facts({ newUse: 'commercial' }))
    expect(eligibility(cs)).toBe(true)
    expect(cs.filter((c) => c.needsReview)).toEqual([])
    expect(cs.find((c) => c.id === 'plan-use')).toMatchObject({ passed: true, value: null, clause: expect.stringMatching(/165号 二/) })
  })
  it('makes a commerce project with 6 % planned for housing ineligible; with 5 % eligible, to be reviewed', () => {
    const m = (housing: number) =>
      measures({
        plannedUse: {
          areas: [
            { code: '0901', m2: 20000 - housing },
            { code: '0701', m2: housing },
          ],
          codedM2: 20000,
        },
      })
    expect(eligibility(checks(m(1200), facts({ newUse: 'commercial' })))).toBe(false)
    const five = checks(m(1000), facts({ newUse: 'commercial' }))
    expect(eligibility(five)).toBe(true)
    expect(five.filter((c) => c.needsReview).map((c) => c.id)).toEqual(['plan-use'])
  })
  it('is near its threshold within ±0.01 m² of 5 %, and not 0.1 m² away', () => {
    const at = (conflict: number) =>
      planUse(
        measures({
          plannedUse: {
            areas: [
              { code: '0901', m2: 20000 - conflict },
              { code: '0701', m2: conflict },
            ],
            codedM2: 20000,
          },
        }),
        facts({ newUse: 'commercial' }),
      )
    expect(at(999.995)).toMatchObject({ passed: true, nearThreshold: true })
    expect(at(1000.005)).toMatchObject({ passed: false, nearThreshold: true })
    expect(at(999.9)).toMatchObject({ passed: true, nearThreshold: false })
    expect(at(1000.1)).toMatchObject({ passed: false, nearThreshold: false })
  })
})
