// The reward notice's rules on both sides of every boundary (鲁自然资字〔2021〕165号).
import { describe, expect, it } from 'vitest'
import { analysisDefaults as cfg } from '../../src/domain/analysis-config.js'
import { MU_M2 } from '../../src/domain/units.js'
import {
  checkIds,
  eligibility,
  entryChecks,
  entryEligibility,
  rewardCounting,
  stockArea,
  type Measures,
  type OverlapMeasure,
  type ProjectFacts,
} from '../../src/domain/rules.js'

// Planar areas equal the ellipsoidal ones unless a test sets them.
const measures = (m: Partial<Measures> = {}): Measures => {
  const base = { areaM2: 20000, survey2ConstructionM2: 15000, footprintM2: 8000, ...m }
  return {
    planarAreaM2: base.areaM2,
    survey2ConstructionPlanarM2: base.survey2ConstructionM2,
    footprintPlanarM2: base.footprintM2,
    survey2Loaded: true,
    survey2LatestChange: null,
    buildingsLoaded: true,
    approvedUnsuppliedM2: 0,
    idleLandM2: 0,
    outsidePlanM2: 0,
    onPlotsM2: base.areaM2,
    ...base,
  }
}
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
const check = (m: Measures, p: ProjectFacts, id: string) => {
  const c = entryChecks(m, p, stockArea(m, p), cfg).find((x) => x.id === id)!
  return c.passed
}

describe('units', () => {
  it('15 mu is 10 000 m² and 30 mu 20 000 m²', () => {
    expect(15 * MU_M2).toBeCloseTo(10000, 9)
    expect(cfg.minAreaM2).toBeCloseTo(10000, 9)
    expect(cfg.smallProjectMaxM2).toBeCloseTo(20000, 9)
  })
})

describe('min-area (≥ 15 mu)', () => {
  it('passes at exactly 15 mu and fails just below', () => {
    expect(check(measures({ areaM2: 10000 }), facts(), 'min-area')).toBe(true)
    expect(check(measures({ areaM2: 9999.99 }), facts(), 'min-area')).toBe(false)
  })
})

describe('footprint-ratio (≥ 30 %, inclusive)', () => {
  it('passes at exactly 30 % and fails just below', () => {
    expect(check(measures({ areaM2: 20000, footprintM2: 6000 }), facts(), 'footprint-ratio')).toBe(true)
    expect(check(measures({ areaM2: 20000, footprintM2: 5999.99 }), facts(), 'footprint-ratio')).toBe(false)
  })
  it('is unknown without a buildings layer', () => {
    expect(check(measures({ buildingsLoaded: false }), facts(), 'footprint-ratio')).toBeNull()
  })
})

describe('stock-half-15-30', () => {
  it('needs stock ≥ 50 % of the area for 15–30 mu, both ends included', () => {
    expect(check(measures({ areaM2: 10000, survey2ConstructionM2: 5000 }), facts(), 'stock-half-15-30')).toBe(true)
    expect(check(measures({ areaM2: 10000, survey2ConstructionM2: 4999.99 }), facts(), 'stock-half-15-30')).toBe(false)
    expect(check(measures({ areaM2: 20000, survey2ConstructionM2: 9999.99 }), facts(), 'stock-half-15-30')).toBe(false)
    expect(check(measures({ areaM2: 20000, survey2ConstructionM2: 10000 }), facts(), 'stock-half-15-30')).toBe(true)
  })
  it('does not apply above 30 mu or below 15 mu', () => {
    expect(check(measures({ areaM2: 20000.01, survey2ConstructionM2: 100 }), facts(), 'stock-half-15-30')).toBe(true)
    expect(check(measures({ areaM2: 9000, survey2ConstructionM2: 100 }), facts(), 'stock-half-15-30')).toBe(true)
  })
  it('is unknown when the stock area cannot be computed', () => {
    expect(check(measures({ areaM2: 15000 }), facts({ approach: 'retreat-secondary', changedUseFloorArea: 9000 }), 'stock-half-15-30')).toBeNull()
  })
  // 165号 三: "介于15-30亩但再开发面积不足提供证明材料中面积50%". With the evidence area recorded, the share is over it; the
  // band stays the drawn area's (单个项目面积), as min-area reads it.
  const half = (m: Partial<Measures>, evidenceAreaM2?: number | null) =>
    entryChecks(measures(m), facts({ evidenceAreaM2 }), stockArea(measures(m), facts()), cfg).find((x) => x.id === 'stock-half-15-30')!
  it('compares the stock with the area the evidence states, on both sides of 50 %', () => {
    // a 15 000 m² red line over 7 000 m² of stock: 46.7 % of the drawn area, but 50 % of the 14 000 m² the evidence states
    expect(half({ areaM2: 15000, survey2ConstructionM2: 7000 }).passed).toBe(false)
    expect(half({ areaM2: 15000, survey2ConstructionM2: 7000 }, 14000)).toMatchObject({ passed: true, value: 0.5, needsReview: false })
    expect(half({ areaM2: 15000, survey2ConstructionM2: 7000 }, 14000.02).passed).toBe(false) // 7000 / 14000.02 < 0.5
    // and the other way: 8 000 m² is 53.3 % of the drawn area but under half of 16 000.02 m² in the evidence
    expect(half({ areaM2: 15000, survey2ConstructionM2: 8000 }).passed).toBe(true)
    expect(half({ areaM2: 15000, survey2ConstructionM2: 8000 }, 16000).passed).toBe(true)
    expect(half({ areaM2: 15000, survey2ConstructionM2: 8000 }, 16000.02).passed).toBe(false)
  })
  it('says which area it compared with: the evidence’s, or the drawn one standing in for it', () => {
    const unset = half({ areaM2: 15000, survey2ConstructionM2: 7500 }, null)
    expect(unset).toMatchObject({ passed: true, value: 0.5 })
    expect(unset.messageZh).toBe('15—30亩项目的盘活存量面积7,500.00 m²占项目红线面积（未录入证明材料面积，以项目红线面积代替）的50.00 %，达到50 %')
    expect(half({ areaM2: 15000, survey2ConstructionM2: 7500 }).messageZh).toBe(unset.messageZh) // absent as null
    const set = half({ areaM2: 15000, survey2ConstructionM2: 7499.99 }, 15000)
    expect(set.passed).toBe(false)
    expect(set.messageZh).toBe('15—30亩项目的盘活存量面积7,499.99 m²占证明材料中面积15,000.00 m²的49.99 %，不足50 %')
    expect(set.message).toMatch(/of the 15,000.00 m² its evidence states/)
  })
  it('marks for review evidence that states less land than the stock (the documents should cover it)', () => {
    expect(half({ areaM2: 15000, survey2ConstructionM2: 9000 }, 9000)).toMatchObject({ passed: true, needsReview: false })
    const less = half({ areaM2: 15000, survey2ConstructionM2: 9000 }, 8999.99)
    expect(less).toMatchObject({ passed: true, needsReview: true })
    expect(less.messageZh).toMatch(/证明材料中面积小于盘活存量面积，需人工复核$/)
  })
  it('leaves the band to the drawn area: evidence of 15 亩 does not bring a 14.99 亩 project into it, nor take a 30 亩 one out', () => {
    // min-area reads the drawn area too (单个项目面积: the project is its red line)
    const small = entryChecks(measures({ areaM2: 9999.99 }), facts({ evidenceAreaM2: 10000 }), stockArea(measures({ areaM2: 9999.99 }), facts()), cfg)
    expect(small.find((c) => c.id === 'min-area')!.passed).toBe(false)
    expect(small.find((c) => c.id === 'stock-half-15-30')!.messageZh).toBe('仅适用于15—30亩的项目')
    expect(half({ areaM2: 20000, survey2ConstructionM2: 9000 }, 30000).passed).toBe(false) // in the band by its drawn 30 亩
    expect(half({ areaM2: 20000.01, survey2ConstructionM2: 9000 }, 10000).messageZh).toBe('仅适用于15—30亩的项目')
  })
})

const full = (m: Measures, p: ProjectFacts, id: string) => entryChecks(m, p, stockArea(m, p), cfg).find((x) => x.id === id)!

describe('conflicts and plan', () => {
  it('tolerate up to 1 m² of overlap, not more, and never silently: above 0 needs review', () => {
    expect(full(measures({ approvedUnsuppliedM2: 0 }), facts(), 'no-approved-unsupplied')).toMatchObject({ passed: true, needsReview: false })
    expect(full(measures({ approvedUnsuppliedM2: 0.0001 }), facts(), 'no-approved-unsupplied')).toMatchObject({ passed: true, needsReview: true })
    expect(full(measures({ idleLandM2: 1 }), facts(), 'no-idle-land')).toMatchObject({
      passed: true,
      needsReview: true,
      messageZh: expect.stringMatching(/需人工复核/),
    })
    expect(full(measures({ outsidePlanM2: 0.3 }), facts(), 'in-plan')).toMatchObject({ passed: true, needsReview: true })
    expect(full(measures({ idleLandM2: 1.01 }), facts(), 'no-idle-land')).toMatchObject({
      passed: false,
      needsReview: false,
      messageZh: '项目范围内有闲置土地1.01 m²',
    })
    expect(check(measures({ approvedUnsuppliedM2: 1 }), facts(), 'no-approved-unsupplied')).toBe(true)
    expect(check(measures({ approvedUnsuppliedM2: 1.01 }), facts(), 'no-approved-unsupplied')).toBe(false)
    expect(check(measures({ idleLandM2: 1.01 }), facts(), 'no-idle-land')).toBe(false)
    expect(check(measures({ outsidePlanM2: 1.01 }), facts(), 'in-plan')).toBe(false)
    expect(check(measures({ outsidePlanM2: 0.5 }), facts(), 'in-plan')).toBe(true)
  })
  it('are unknown, not passed, when the layer is missing', () => {
    expect(check(measures({ approvedUnsuppliedM2: null }), facts(), 'no-approved-unsupplied')).toBeNull()
    expect(check(measures({ idleLandM2: null }), facts(), 'no-idle-land')).toBeNull()
    expect(check(measures({ outsidePlanM2: null }), facts(), 'in-plan')).toBeNull()
  })
})

describe('no-double-counting (issue 21: the same land is counted once)', () => {
  const other = (o: Partial<OverlapMeasure> = {}): OverlapMeasure => ({ code: 'P-1', status: 'province-approved', m2: 500, stockM2: 0, ...o })
  const tol = cfg.conflictToleranceM2
  it('stock land shared with an approved project: up to the tolerance needs review, above it fails', () => {
    expect(full(measures({ overlaps: [] }), facts(), 'no-double-counting')).toMatchObject({ passed: true, needsReview: false, value: 0 })
    expect(full(measures(), facts(), 'no-double-counting')).toMatchObject({ passed: true, needsReview: false })
    expect(full(measures({ overlaps: [other({ stockM2: tol })] }), facts(), 'no-double-counting')).toMatchObject({
      passed: true,
      needsReview: true,
      value: tol,
      messageZh: expect.stringMatching(/P-1.*需人工复核/),
    })
    expect(full(measures({ overlaps: [other({ stockM2: tol + 1e-9 })] }), facts(), 'no-double-counting')).toMatchObject({
      passed: false,
      needsReview: false,
      messageZh: expect.stringMatching(/P-1.*同一土地不得重复核定/),
    })
    expect(check(measures({ overlaps: [other({ stockM2: tol + 0.01 })] }), facts(), 'no-double-counting')).toBe(false)
  })
  it('land outside the stock, or a project not yet approved, needs review but does not fail', () => {
    expect(full(measures({ overlaps: [other({ m2: 900, stockM2: 0 })] }), facts(), 'no-double-counting')).toMatchObject({ passed: true, needsReview: true })
    for (const status of ['submitted', 'city-checked'])
      expect(full(measures({ overlaps: [other({ status, stockM2: 800 })] }), facts(), 'no-double-counting')).toMatchObject({
        passed: true,
        needsReview: true,
      })
  })
  it('is near its threshold within ±0.01 m² of the tolerance', () => {
    expect(full(measures({ overlaps: [other({ stockM2: tol - 0.005 })] }), facts(), 'no-double-counting').nearThreshold).toBe(true)
    expect(full(measures({ overlaps: [other({ stockM2: tol - 0.5 })] }), facts(), 'no-double-counting').nearThreshold).toBe(false)
  })
})

describe('within-county (issue 21: a project crossing into another county is reported)', () => {
  const tol = cfg.conflictToleranceM2
  const inYanggu = (m2: number) => [{ code: '371521', name: '阳谷县', m2 }]
  const verdicts = (m: Measures) => {
    const checks = entryChecks(m, facts(), stockArea(m, facts()), cfg)
    return { eligible: entryEligibility(checks), counted: rewardCounting(checks), ids: checks.map((c) => c.id) }
  }
  it('is left out without a county boundary, and the verdicts stay what they were', () => {
    for (const m of [measures(), measures({ outsideCountyM2: null })]) {
      expect(verdicts(m)).toEqual({ eligible: true, counted: true, ids: checkIds.filter((id) => id !== 'within-county') })
    }
    // an unknown check elsewhere is still unknown, and not made so by the missing boundary
    expect(verdicts(measures({ outsidePlanM2: null })).eligible).toBeNull()
  })
  it('inside the boundary passes without review', () => {
    expect(full(measures({ outsideCountyM2: 0 }), facts(), 'within-county')).toMatchObject({
      passed: true,
      needsReview: false,
      value: 0,
      threshold: tol,
      messageZh: '位于本县行政区划范围内',
    })
    expect(verdicts(measures({ outsideCountyM2: 0 })).eligible).toBe(true)
  })
  it('up to the tolerance outside needs review; above it fails, naming the other county and the unknown part', () => {
    expect(full(measures({ outsideCountyM2: tol, outsideCountyIn: inYanggu(tol) }), facts(), 'within-county')).toMatchObject({
      passed: true,
      needsReview: true,
      messageZh: expect.stringMatching(/有1\.00 m²位于本县行政区划范围外（其中阳谷县（371521）1\.00 m²），在1平方米容差内/),
    })
    const above = measures({ outsideCountyM2: tol + 1e-9, outsideCountyIn: [...inYanggu(0.6), { code: null, name: null, m2: 0.4 + 1e-9 }] })
    expect(full(above, facts(), 'within-county')).toMatchObject({
      passed: false,
      needsReview: false,
      message: expect.stringMatching(
        /^1\.01 m² outside the county’s administrative boundary \(371521 阳谷县 0\.60 m²; in no county whose boundary is loaded 0\.40 m²\)$/,
      ),
      messageZh: expect.stringMatching(/^有1\.01 m²位于本县行政区划范围外（其中阳谷县（371521）0\.60 m²；未加载行政区划的区域0\.40 m²）$/),
    })
    expect(verdicts(above)).toMatchObject({ eligible: false, counted: false })
  })
  it('is near its threshold within ±0.01 m² of the tolerance', () => {
    expect(full(measures({ outsideCountyM2: tol + 0.005 }), facts(), 'within-county')).toMatchObject({ passed: false, nearThreshold: true })
    expect(full(measures({ outsideCountyM2: tol - 0.5 }), facts(), 'within-county').nearThreshold).toBe(false)
  })
})

describe('built-before-2010 (issue 21: 2009 construction land and the named scattered land, half by default)', () => {
  it('needs some second-survey construction land inside, and is unknown without the layer', () => {
    expect(check(measures({ survey2ConstructionM2: 0 }), facts(), 'built-before-2010')).toBe(false)
    expect(check(measures({ survey2Loaded: false }), facts(), 'built-before-2010')).toBeNull()
  })
  it('passes at exactly half of the project and fails just below (the old 1 % no longer passes)', () => {
    expect(check(measures({ areaM2: 20000, survey2ConstructionM2: 10000 }), facts(), 'built-before-2010')).toBe(true)
    expect(check(measures({ areaM2: 20000, survey2ConstructionM2: 9999.99 }), facts(), 'built-before-2010')).toBe(false)
    expect(full(measures({ areaM2: 20000, survey2ConstructionM2: 200 }), facts(), 'built-before-2010')).toMatchObject({
      passed: false,
      value: 0.01,
      messageZh: '项目范围内二调建设用地占1.00 %，不足50 %，不能认定2009年底前已建设',
    })
    expect(full(measures({ areaM2: 20000, survey2ConstructionM2: 10000 }), facts(), 'built-before-2010').messageZh).toBe(
      '项目范围内二调建设用地占50.00 %，可认定2009年底前已建设',
    )
  })
  it('counts the scattered land a bundle project took in beside the construction land', () => {
    // 6 000 m² built, 3 999.99 / 4 000 m² of 夹心地 off the construction land: 49.99995 % / 50 %
    const m = (off: number) => measures({ areaM2: 20000, survey2ConstructionM2: 6000, scatteredLandM2: 4500, scatteredOffConstructionM2: off })
    expect(full(m(4000), facts(), 'built-before-2010')).toMatchObject({
      passed: true,
      value: 0.5,
      messageZh: '项目范围内二调建设用地及一并纳入的插花地、边角地、夹心地（其中非二调建设用地4,000.00 m²）占50.00 %，可认定2009年底前已建设',
    })
    expect(full(m(3999.99), facts(), 'built-before-2010')).toMatchObject({ passed: false, nearThreshold: true })
    expect(check(m(3999.99), facts(), 'built-before-2010')).toBe(false)
  })
  it('scattered land joins built land and does not replace it: the construction land alone needs 1 %', () => {
    const m = (built: number) => measures({ areaM2: 20000, survey2ConstructionM2: built, scatteredLandM2: 19000, scatteredOffConstructionM2: 19000 })
    expect(check(m(200), facts(), 'built-before-2010')).toBe(true)
    expect(full(m(199.99), facts(), 'built-before-2010')).toMatchObject({
      passed: false,
      messageZh: expect.stringMatching(/二调建设用地仅占0\.99 %，不足1 %.*只能随已建设用地一并纳入/),
    })
  })
  it('takes both shares from the configuration, and says them', () => {
    const c = { ...cfg, builtBefore2010MinShare: 0.8 }
    const strict = entryChecks(measures({ survey2ConstructionM2: 15999.99 }), facts(), stockArea(measures(), facts()), c)
    expect(strict.find((x) => x.id === 'built-before-2010')).toMatchObject({ passed: false, messageZh: expect.stringMatching(/不足80 %/) })
    expect(check(measures({ survey2ConstructionM2: 16000 }), facts(), 'built-before-2010')).toBe(true)
    const floor = entryChecks(measures({ survey2ConstructionM2: 11000 }), facts(), stockArea(measures(), facts()), {
      ...cfg,
      builtBefore2010MinConstructionShare: 0.6,
    })
    expect(floor.find((x) => x.id === 'built-before-2010')).toMatchObject({ passed: false, messageZh: expect.stringMatching(/仅占55\.00 %，不足60 %/) })
  })
  it('is near its threshold in the plane: the scattered land’s planar part moves with the rest', () => {
    const m = measures({
      areaM2: 20000,
      survey2ConstructionM2: 6000,
      scatteredOffConstructionM2: 4000.5,
      scatteredOffConstructionPlanarM2: 3999.5,
    })
    expect(full(m, facts(), 'built-before-2010')).toMatchObject({ passed: true, nearThreshold: true })
    expect(full({ ...m, scatteredOffConstructionPlanarM2: 4000.4 }, facts(), 'built-before-2010').nearThreshold).toBe(false)
  })
  it('flags patches changed after the 2009 baseline (a later annual update) for review', () => {
    expect(full(measures({ survey2LatestChange: '20091231' }), facts(), 'built-before-2010')).toMatchObject({ passed: true, needsReview: false })
    expect(full(measures({ survey2LatestChange: '20100105' }), facts(), 'built-before-2010')).toMatchObject({
      passed: true,
      needsReview: true,
      messageZh: expect.stringMatching(/20100105.*年度变更/),
    })
  })
})

describe('on-database-plots and ownership', () => {
  it('projects lie on the county’s low-efficiency plots (聊城 一), 95 % by default, unknown without the layer', () => {
    expect(check(measures({ areaM2: 20000, onPlotsM2: 19000 }), facts(), 'on-database-plots')).toBe(true)
    expect(check(measures({ areaM2: 20000, onPlotsM2: 18999.99 }), facts(), 'on-database-plots')).toBe(false)
    expect(check(measures({ onPlotsM2: null }), facts(), 'on-database-plots')).toBeNull()
    expect(full(measures({ areaM2: 20000, onPlotsM2: 19000 }), facts(), 'on-database-plots').messageZh).toBe(
      '项目面积的95.00 %位于已入库的低效用地图斑内，达到95 %',
    )
  })
  it('admits the 插花地、边角地、夹心地 a bundle project took in (165号 二), and says how much', () => {
    // 17 800 m² on plots (89 %), a 2 000 m² 夹心地 of which 1 199.99 / 1 200 m² lies off the plots
    const m = (off: number) => measures({ areaM2: 20000, onPlotsM2: 17800, scatteredLandM2: 2000, scatteredOffPlotsM2: off })
    expect(full(m(1200), facts(), 'on-database-plots')).toMatchObject({
      passed: true,
      value: 0.95,
      messageZh: '项目面积的95.00 %位于已入库的低效用地图斑及一并纳入的插花地、边角地、夹心地内，达到95 %，其中插花地、边角地、夹心地2,000.00 m²',
    })
    expect(full(m(1199.99), facts(), 'on-database-plots')).toMatchObject({ passed: false, nearThreshold: true })
    // without the scattered land the same project fails, as every bundle project with its 夹心地 did before
    expect(check(measures({ areaM2: 20000, onPlotsM2: 17800 }), facts(), 'on-database-plots')).toBe(false)
  })
  it('needs clear ownership, no seizure, and the mortgagee’s consent when mortgaged', () => {
    expect(check(measures(), facts(), 'ownership')).toBe(true)
    expect(check(measures(), facts({ ownershipClear: false }), 'ownership')).toBe(false)
    expect(check(measures(), facts({ seized: true }), 'ownership')).toBe(false)
    expect(check(measures(), facts({ mortgaged: true, mortgageeConsent: false }), 'ownership')).toBe(false)
    expect(check(measures(), facts({ mortgaged: true, mortgageeConsent: true }), 'ownership')).toBe(true)
    expect(check(measures(), facts({ mortgaged: true }), 'ownership')).toBeNull()
    expect(check(measures(), facts({ ownershipClear: null }), 'ownership')).toBeNull()
  })
})

describe('stock area by approach (165号 三)', () => {
  it('default: second-survey construction land', () => {
    expect(stockArea(measures({ survey2ConstructionM2: 12345.6 }), facts())).toMatchObject({ method: 'survey2-construction', m2: 12345.6 })
    expect(stockArea(measures({ survey2Loaded: false }), facts()).m2).toBeNull()
  })
  it('退二进三: changed-use floor area ÷ new plot ratio', () => {
    expect(stockArea(measures(), facts({ approach: 'retreat-secondary', changedUseFloorArea: 24000, newPlotRatio: 2 }))).toMatchObject({
      method: 'changed-use-floor-area',
      m2: 12000,
      capped: false,
    })
  })
  it('plot-ratio increase: added floor area ÷ new plot ratio, not capped by default; capped when configured', () => {
    const p = facts({ approach: 'plot-ratio-increase', addedFloorArea: 40000, newPlotRatio: 2.5 })
    expect(stockArea(measures({ survey2ConstructionM2: 15000 }), p)).toMatchObject({ m2: 16000, formulaM2: 16000, capped: false, aboveConstruction: true })
    const s = stockArea(measures({ survey2ConstructionM2: 15000 }), p, undefined, { capAtConstruction: true })
    expect(s).toMatchObject({ method: 'added-floor-area', m2: 15000, formulaM2: 16000, capped: true })
    const under = stockArea(measures({ survey2ConstructionM2: 16000 }), p, undefined, { capAtConstruction: true })
    expect(under).toMatchObject({ m2: 16000, capped: false, aboveConstruction: false })
  })
  it('stock-formula: a formula above the construction land needs review (at it, not)', () => {
    const p = facts({ approach: 'retreat-secondary', changedUseFloorArea: 24000, newPlotRatio: 2 })
    // 24 000 / 2 = 12 000 m²
    expect(full(measures({ survey2ConstructionM2: 11999.99 }), p, 'stock-formula')).toMatchObject({
      passed: true,
      needsReview: true,
      messageZh: expect.stringMatching(/公式核定12,?000\.00.*超过项目范围内二调建设用地11,?999\.99/),
    })
    expect(full(measures({ survey2ConstructionM2: 12000 }), p, 'stock-formula')).toMatchObject({ passed: true, needsReview: false })
    expect(full(measures(), facts(), 'stock-formula')).toMatchObject({ passed: true, needsReview: false, value: null })
  })
  it('stock-formula: a claimed added floor area more than 5 % off (new − old plot ratio) × area needs review (165号 五)', () => {
    // area 20 000 m² (measures()), plot ratio 1.0 → 1.5: (1.5 − 1.0) × 20 000 = 10 000 m² expected
    const claim = (addedFloorArea: number) =>
      full(measures({ areaM2: 20000, survey2ConstructionM2: 20000 }), facts({ plotRatioBefore: 1, newPlotRatio: 1.5, addedFloorArea }), 'stock-formula')
    expect(claim(10500)).toMatchObject({ passed: true, needsReview: false, value: 0.05 })
    expect(claim(9500)).toMatchObject({ passed: true, needsReview: false })
    expect(claim(10500.01)).toMatchObject({ passed: true, needsReview: true, messageZh: expect.stringMatching(/相差5%?.*需核实是否错报/) })
    expect(claim(15000)).toMatchObject({ needsReview: true, value: 0.5 })
  })
  it('the recorded uses decide: industry → commerce is 退二进三 even when recorded as default', () => {
    const p = facts({ approach: 'default', originalUse: 'industrial', newUse: 'commercial', changedUseFloorArea: 9000, newPlotRatio: 1.5 })
    expect(stockArea(measures(), p)).toMatchObject({
      method: 'changed-use-floor-area',
      m2: 6000,
      approach: { applied: 'retreat-secondary', recorded: 'default', derived: true },
    })
    expect(stockArea(measures(), p).approach.reasonZh).toMatch(/退二进三.*录入的再开发方式为“按二调建设用地面积核定”/)
    // 仓储 is tertiary (《三次产业划分规定》: 交通运输、仓储和邮政业): storage → commerce or housing is not 退二进三,
    // industry → storage is
    expect(stockArea(measures(), facts({ originalUse: 'storage', newUse: 'commercial' })).approach.applied).toBe('default')
    expect(stockArea(measures(), facts({ originalUse: 'storage', newUse: 'residential' })).approach.applied).toBe('default')
    expect(stockArea(measures(), facts({ originalUse: 'industrial', newUse: 'storage' })).approach.applied).toBe('retreat-secondary')
  })
  it('a higher plot ratio calls for the plot-ratio formula; an equal one does not', () => {
    expect(stockArea(measures(), facts({ plotRatioBefore: 0.8, newPlotRatio: 1.2, addedFloorArea: 6000 }))).toMatchObject({
      method: 'added-floor-area',
      m2: 5000,
    })
    expect(
      stockArea(measures(), facts({ approach: 'plot-ratio-increase', plotRatioBefore: 1.2, newPlotRatio: 1.2, addedFloorArea: 6000 })).approach.applied,
    ).toBe('default')
  })
  it('gives null with the reason when an input is missing, never 0', () => {
    expect(stockArea(measures(), facts({ approach: 'retreat-secondary', newPlotRatio: 2 }))).toMatchObject({
      m2: null,
      reason: expect.stringMatching(/changedUseFloorArea/),
    })
    expect(stockArea(measures(), facts({ approach: 'plot-ratio-increase', addedFloorArea: 100 }))).toMatchObject({
      m2: null,
      reason: expect.stringMatching(/newPlotRatio/),
    })
  })
})

describe('eligibility', () => {
  it('is true only when every check passed, false when one failed, null when some are unknown', () => {
    const m = measures()
    const all = (p: ProjectFacts, mm = m) => eligibility(entryChecks(mm, p, stockArea(mm, p), cfg))
    expect(all(facts())).toBe(true)
    expect(all(facts(), measures({ footprintM2: 100 }))).toBe(false)
    expect(all(facts({ ownershipClear: null }))).toBeNull()
    expect(all(facts({ ownershipClear: null }), measures({ footprintM2: 100 }))).toBe(false)
  })
})

describe('near a threshold (nearThreshold)', () => {
  it('marks a verdict that flips within ±0.01 m², and only then', () => {
    expect(full(measures({ areaM2: 10000.005 }), facts(), 'min-area')).toMatchObject({ passed: true, nearThreshold: true })
    expect(full(measures({ areaM2: 9999.995 }), facts(), 'min-area')).toMatchObject({ passed: false, nearThreshold: true })
    expect(full(measures({ areaM2: 10000.02 }), facts(), 'min-area')).toMatchObject({ passed: true, nearThreshold: false })
    expect(full(measures({ areaM2: 20000, footprintM2: 6000.005 }), facts(), 'footprint-ratio')).toMatchObject({ passed: true, nearThreshold: true })
    expect(full(measures({ areaM2: 20000, footprintM2: 6000.05 }), facts(), 'footprint-ratio')).toMatchObject({ passed: true, nearThreshold: false })
  })
  it('marks a verdict that differs between the ellipsoidal and the planar area', () => {
    // 10 000.3 m² on the ellipsoid, 9 999.6 m² in the plane (the GK scale error near the central meridian's edge)
    expect(full(measures({ areaM2: 10000.3, planarAreaM2: 9999.6 }), facts(), 'min-area')).toMatchObject({ passed: true, nearThreshold: true })
    expect(full(measures({ areaM2: 10000.3, planarAreaM2: 10000.9 }), facts(), 'min-area')).toMatchObject({ passed: true, nearThreshold: false })
    expect(
      full(measures({ areaM2: 20000, footprintM2: 6000.2, footprintPlanarM2: 5999.9, planarAreaM2: 20000 }), facts(), 'footprint-ratio').nearThreshold,
    ).toBe(true)
  })
  it('never shows a number rounded across the threshold it fails', () => {
    const c = full(measures({ areaM2: 9999.996 }), facts(), 'min-area')
    expect(c.passed).toBe(false)
    expect(c.messageZh).toMatch(/9,999\.99 m²（14\.9999 亩）不足15亩/)
    const f = full(measures({ areaM2: 20000, footprintM2: 5999.9999 }), facts(), 'footprint-ratio')
    expect(f.passed).toBe(false)
    expect(f.messageZh).toMatch(/29\.99 %/)
  })
})

describe('messages use the configured thresholds', () => {
  it('a 20-mu minimum says 20 亩, a 40 % footprint says 40 %', () => {
    const c = { ...cfg, minAreaM2: 20 * MU_M2, smallProjectMaxM2: 40 * MU_M2, footprintRatioMin: 0.4 }
    const checks = entryChecks(measures({ areaM2: 12000, footprintM2: 1000 }), facts(), stockArea(measures(), facts()), c)
    expect(checks.find((x) => x.id === 'min-area')!.messageZh).toMatch(/不足20亩/)
    expect(checks.find((x) => x.id === 'min-area')!.message).toMatch(/under 20 mu/)
    expect(checks.find((x) => x.id === 'footprint-ratio')!.messageZh).toMatch(/低于40 %/)
    expect(checks.find((x) => x.id === 'stock-half-15-30')!.messageZh).toMatch(/仅适用于20—40亩/)
    expect(checks.every((x) => x.clause.length > 0)).toBe(true)
  })
})
