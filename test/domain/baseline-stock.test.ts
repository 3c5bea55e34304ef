// The 2009 baseline and the stock figure as plain rules (src/domain/rules.ts, analysis-config.ts):
// which figure the stock takes (gross | net), a formula compared with that figure, the
// built-before-2010 text naming the patches changed after the baseline, and the configured
// baseline read as the date BGRQ is compared with.
import { describe, expect, it } from 'vitest'
import { analysisDefaults as cfg, survey2LandOf } from '../../src/domain/analysis-config.js'
import { entryChecks, stockArea, stockOptions, type Measures, type ProjectFacts } from '../../src/domain/rules.js'

const measures = (m: Partial<Measures> = {}): Measures => ({
  areaM2: 20000,
  planarAreaM2: 20000,
  survey2Loaded: true,
  survey2ConstructionM2: 15000,
  survey2ConstructionPlanarM2: 15000,
  survey2ConstructionNetM2: 13500,
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
const checkOf = (m: Measures, id: string, c = cfg) => entryChecks(m, facts(), stockArea(m, facts(), undefined, stockOptions(c)), c).find((x) => x.id === id)!

describe('stockFigure', () => {
  it('gross by default: the stock is the gross cut', () => {
    expect(cfg.stockFigure).toBe('gross')
    expect(stockArea(measures(), facts(), undefined, stockOptions(cfg))).toMatchObject({ m2: 15000, figure: 'gross' })
  })
  it('net: the stock is the net figure', () => {
    expect(stockArea(measures(), facts(), undefined, { figure: 'net' })).toMatchObject({ m2: 13500, figure: 'net' })
  })
  it('net, not measured: the stock is unknown and says why, never the gross cut in its place', () => {
    expect(stockArea(measures({ survey2ConstructionNetM2: null }), facts(), undefined, { figure: 'net' })).toMatchObject({
      m2: null,
      reasonZh: '未计算二调建设用地净面积',
    })
  })
  it('the 15–30 亩 rule reads the figure the stock takes, on both sides of 50 %', () => {
    const net = { ...cfg, stockFigure: 'net' as const }
    const at = (gross: number, netM2: number) => measures({ areaM2: 15000, survey2ConstructionM2: gross, survey2ConstructionNetM2: netM2 })
    expect(checkOf(at(9000, 7500), 'stock-half-15-30', net).passed).toBe(true)
    expect(checkOf(at(9000, 7499.99), 'stock-half-15-30', net).passed).toBe(false)
    expect(checkOf(at(9000, 7499.99), 'stock-half-15-30').passed).toBe(true)
    // within ±0.01 m² of the threshold on the net figure: near it
    expect(checkOf(at(9000, 7500.005), 'stock-half-15-30', net).nearThreshold).toBe(true)
  })
  it('a formula is compared with (and capped at, when so configured) the figure the stock takes', () => {
    const p = facts({ approach: 'plot-ratio-increase', addedFloorArea: 35000, newPlotRatio: 2.5 }) // 14 000 m²
    expect(stockArea(measures(), p, undefined, { figure: 'gross' })).toMatchObject({ m2: 14000, aboveConstruction: false })
    expect(stockArea(measures(), p, undefined, { figure: 'net' })).toMatchObject({ m2: 14000, aboveConstruction: true, capped: false })
    expect(stockArea(measures(), p, undefined, { figure: 'net', capAtConstruction: true })).toMatchObject({ m2: 13500, capped: true })
  })
})

describe('built-before-2010 names the patches changed after the baseline', () => {
  it('left out (the default): its value is the land without them, the text says so, no review', () => {
    const c = checkOf(measures({ survey2ChangedAfterBaseline: { count: 3, m2: 2500, excluded: true } }), 'built-before-2010')
    expect(c).toMatchObject({ passed: true, needsReview: false, value: 15000 / 20000 })
    expect(c.messageZh).toMatch(/二调建设用地（不含变更日期晚于2009-12-31的图斑）占75\.00 %/)
    expect(c.messageZh).toMatch(/另有3个二调建设用地图斑（2,500\.00 m²）变更日期（BGRQ）晚于2009-12-31，不属于2009年底前已建设的土地，未计入/)
  })
  it('kept (flag off): the text says they are counted, and a person checks them', () => {
    const c = checkOf(measures({ survey2ChangedAfterBaseline: { count: 1, m2: 100, excluded: false } }), 'built-before-2010')
    expect(c).toMatchObject({ passed: true, needsReview: true })
    expect(c.messageZh).toMatch(/其中1个图斑（100\.00 m²）变更日期（BGRQ）晚于2009-12-31，按配置仍计入/)
  })
  it('none after the baseline: no note, no review', () => {
    const c = checkOf(measures({ survey2ChangedAfterBaseline: { count: 0, m2: 0, excluded: true } }), 'built-before-2010')
    expect(c).toMatchObject({ passed: true, needsReview: false })
    expect(c.messageZh).not.toMatch(/BGRQ/)
  })
})

describe('the baseline BGRQ is compared with', () => {
  it('is survey2BaselineDate as YYYYMMDD; the flag and the codes come from the configuration', () => {
    expect(survey2LandOf(cfg)).toEqual({ codes: cfg.survey2ConstructionCodes, baseline: '20091231', excludeChangedAfter: true })
    expect(survey2LandOf({ ...cfg, survey2BaselineDate: '2009年12月31日', excludeChangedAfterBaseline: false })).toMatchObject({
      baseline: '20091231',
      excludeChangedAfter: false,
    })
  })
  it('refuses a baseline that is not a date', () => {
    expect(() => survey2LandOf({ ...cfg, survey2BaselineDate: '2009-13-31' })).toThrow(/survey2BaselineDate/)
  })
})
