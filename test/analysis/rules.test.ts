// The reward notice's rules on both sides of every boundary (鲁自然资字〔2021〕165号).
import { describe, expect, it } from 'vitest'
import { analysisDefaults as cfg, MU_M2 } from '../../src/domain/analysis-config.js'
import { eligibility, entryChecks, stockArea, type Measures, type ProjectFacts } from '../../src/domain/rules.js'

const measures = (m: Partial<Measures> = {}): Measures => ({
  areaM2: 20000,
  survey2ConstructionM2: 15000,
  survey2Loaded: true,
  footprintM2: 8000,
  buildingsLoaded: true,
  approvedUnsuppliedM2: 0,
  idleLandM2: 0,
  outsidePlanM2: 0,
  ...m,
})
const facts = (p: Partial<ProjectFacts> = {}): ProjectFacts => ({
  approach: 'default',
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
})

describe('conflicts and plan', () => {
  it('tolerate up to 1 m² of overlap, not more', () => {
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

describe('built-before-2010 and ownership', () => {
  it('needs some second-survey construction land inside', () => {
    expect(check(measures({ survey2ConstructionM2: 0 }), facts(), 'built-before-2010')).toBe(false)
    expect(check(measures({ survey2Loaded: false }), facts(), 'built-before-2010')).toBeNull()
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
    expect(stockArea(measures({ survey2ConstructionM2: 12345.6 }), facts())).toEqual({ method: 'survey2-construction', m2: 12345.6 })
    expect(stockArea(measures({ survey2Loaded: false }), facts()).m2).toBeNull()
  })
  it('退二进三: changed-use floor area ÷ new plot ratio', () => {
    expect(stockArea(measures(), facts({ approach: 'retreat-secondary', changedUseFloorArea: 24000, newPlotRatio: 2 }))).toEqual({ method: 'changed-use-floor-area', m2: 12000 })
  })
  it('plot-ratio increase: added floor area ÷ new plot ratio, warning above the construction land', () => {
    const s = stockArea(measures({ survey2ConstructionM2: 15000 }), facts({ approach: 'plot-ratio-increase', addedFloorArea: 40000, newPlotRatio: 2.5 }))
    expect(s).toMatchObject({ method: 'added-floor-area', m2: 16000, warning: expect.stringMatching(/more than the 15000\.00 m²/) })
  })
  it('gives null with the reason when an input is missing, never 0', () => {
    expect(stockArea(measures(), facts({ approach: 'retreat-secondary', newPlotRatio: 2 }))).toMatchObject({ m2: null, reason: expect.stringMatching(/changedUseFloorArea/) })
    expect(stockArea(measures(), facts({ approach: 'plot-ratio-increase', addedFloorArea: 100 }))).toMatchObject({ m2: null, reason: expect.stringMatching(/newPlotRatio/) })
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
