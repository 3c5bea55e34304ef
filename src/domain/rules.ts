// The reward notice's entry rules and stock-area formulas (鲁自然资字〔2021〕165号), as plain
// functions of measured numbers and recorded attributes. A missing input gives passed = null
// with the reason, never a silent pass.
import type { AnalysisConfig } from './analysis-config.js'
import type { Approach } from './project.js'

export interface Measures {
  areaM2: number
  survey2ConstructionM2: number
  /** null when no second-survey layer is loaded for the county */
  survey2Loaded: boolean
  footprintM2: number
  buildingsLoaded: boolean
  approvedUnsuppliedM2: number | null
  idleLandM2: number | null
  /** null when no plan layer is loaded */
  outsidePlanM2: number | null
}

export interface ProjectFacts {
  approach: Approach
  changedUseFloorArea: number | null
  addedFloorArea: number | null
  newPlotRatio: number | null
  ownershipClear: boolean | null
  seized: boolean | null
  mortgaged: boolean | null
  mortgageeConsent: boolean | null
}

export interface StockArea {
  method: 'survey2-construction' | 'changed-use-floor-area' | 'added-floor-area'
  m2: number | null
  reason?: string
  warning?: string
}

export interface Check {
  id: 'min-area' | 'footprint-ratio' | 'stock-half-15-30' | 'no-approved-unsupplied' | 'no-idle-land' | 'in-plan' | 'built-before-2010' | 'ownership'
  passed: boolean | null
  value: number | boolean | null
  threshold: number | string | null
  message: string
}

/** 盘活存量面积 by redevelopment approach (165号 三). */
export function stockArea(m: Measures, p: ProjectFacts): StockArea {
  if (p.approach === 'default') {
    if (!m.survey2Loaded) return { method: 'survey2-construction', m2: null, reason: 'no second-survey layer is loaded for the county' }
    return { method: 'survey2-construction', m2: m.survey2ConstructionM2 }
  }
  const floor = p.approach === 'retreat-secondary' ? p.changedUseFloorArea : p.addedFloorArea
  const method = p.approach === 'retreat-secondary' ? 'changed-use-floor-area' : 'added-floor-area'
  const what = p.approach === 'retreat-secondary' ? 'changedUseFloorArea (改变用途的建筑面积)' : 'addedFloorArea (增加的建筑面积)'
  if (floor === null) return { method, m2: null, reason: `${what} is not recorded` }
  if (p.newPlotRatio === null || !(p.newPlotRatio > 0)) return { method, m2: null, reason: 'newPlotRatio (地块新的容积率) is not recorded' }
  const m2 = floor / p.newPlotRatio
  const out: StockArea = { method, m2 }
  if (m.survey2Loaded && m2 > m.survey2ConstructionM2) {
    out.warning = `the formula gives ${m2.toFixed(2)} m², more than the ${m.survey2ConstructionM2.toFixed(2)} m² of second-survey construction land in the project`
  }
  return out
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`

export function entryChecks(m: Measures, p: ProjectFacts, stock: StockArea, c: AnalysisConfig): Check[] {
  const checks: Check[] = []
  checks.push({
    id: 'min-area',
    passed: m.areaM2 >= c.minAreaM2,
    value: m.areaM2,
    threshold: c.minAreaM2,
    message: m.areaM2 >= c.minAreaM2 ? 'project area is at least 15 mu' : 'project area is under 15 mu (单个项目面积不足15亩不计入)',
  })
  const ratio = m.areaM2 > 0 ? m.footprintM2 / m.areaM2 : 0
  checks.push(
    m.buildingsLoaded
      ? { id: 'footprint-ratio', passed: ratio >= c.footprintRatioMin, value: ratio, threshold: c.footprintRatioMin, message: `building footprint is ${pct(ratio)} of the project (needs ≥ 30 %, inclusive)` }
      : { id: 'footprint-ratio', passed: null, value: null, threshold: c.footprintRatioMin, message: 'no buildings layer is loaded for the county' },
  )
  const inBand = m.areaM2 >= c.minAreaM2 && m.areaM2 <= c.smallProjectMaxM2
  if (!inBand) {
    checks.push({ id: 'stock-half-15-30', passed: true, value: null, threshold: c.stockShareMin, message: 'applies only to projects of 15–30 mu' })
  } else if (stock.m2 === null) {
    checks.push({ id: 'stock-half-15-30', passed: null, value: null, threshold: c.stockShareMin, message: `stock area unknown: ${stock.reason}` })
  } else {
    const share = stock.m2 / m.areaM2
    checks.push({ id: 'stock-half-15-30', passed: share >= c.stockShareMin, value: share, threshold: c.stockShareMin, message: `a 15–30 mu project's stock area is ${pct(share)} of its area (needs ≥ 50 %)` })
  }
  const conflict = (id: 'no-approved-unsupplied' | 'no-idle-land', v: number | null, zh: string): Check =>
    v === null
      ? { id, passed: null, value: null, threshold: c.conflictToleranceM2, message: `no ${zh} layer is loaded for the county` }
      : { id, passed: v <= c.conflictToleranceM2, value: v, threshold: c.conflictToleranceM2, message: v <= c.conflictToleranceM2 ? `no ${zh} inside the project` : `${v.toFixed(2)} m² of ${zh} inside the project` }
  checks.push(conflict('no-approved-unsupplied', m.approvedUnsuppliedM2, '批而未供 (approved but unsupplied land)'))
  checks.push(conflict('no-idle-land', m.idleLandM2, '闲置土地 (idle land)'))
  checks.push(
    m.outsidePlanM2 === null
      ? { id: 'in-plan', passed: null, value: null, threshold: c.conflictToleranceM2, message: 'no spatial plan layer is loaded for the county' }
      : { id: 'in-plan', passed: m.outsidePlanM2 <= c.conflictToleranceM2, value: m.outsidePlanM2, threshold: c.conflictToleranceM2, message: m.outsidePlanM2 <= c.conflictToleranceM2 ? 'inside the permitted planning zones' : `${m.outsidePlanM2.toFixed(2)} m² outside the permitted planning zones` },
  )
  checks.push(
    m.survey2Loaded
      ? { id: 'built-before-2010', passed: m.survey2ConstructionM2 > c.conflictToleranceM2, value: m.survey2ConstructionM2, threshold: c.conflictToleranceM2, message: m.survey2ConstructionM2 > c.conflictToleranceM2 ? 'second-survey construction land inside: built before the end of 2009' : 'no second-survey construction land inside' }
      : { id: 'built-before-2010', passed: null, value: null, threshold: c.conflictToleranceM2, message: 'no second-survey layer is loaded for the county' },
  )
  checks.push(ownershipCheck(p))
  return checks
}

/** 权属清晰，无争议，无查封；设有抵押权的须经抵押权人同意 (165号 二). */
function ownershipCheck(p: ProjectFacts): Check {
  const base = { id: 'ownership' as const, threshold: 'clear, not seized, mortgage only with consent' }
  if (p.ownershipClear === null || p.seized === null || p.mortgaged === null) return { ...base, passed: null, value: null, message: 'ownership, seizure and mortgage are not all recorded' }
  if (!p.ownershipClear) return { ...base, passed: false, value: false, message: 'ownership is not clear or is disputed' }
  if (p.seized) return { ...base, passed: false, value: false, message: 'the land is seized or its rights restricted' }
  if (p.mortgaged && p.mortgageeConsent !== true) return { ...base, passed: p.mortgageeConsent === null ? null : false, value: false, message: 'mortgaged without recorded consent of the mortgagee' }
  return { ...base, passed: true, value: true, message: 'ownership clear, not seized' }
}

/** Eligible only when every check passed; unknown (null) when none failed but some are unknown. */
export function eligibility(checks: Check[]): boolean | null {
  if (checks.some((c) => c.passed === false)) return false
  if (checks.some((c) => c.passed === null)) return null
  return true
}
