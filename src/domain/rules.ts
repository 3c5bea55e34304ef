// The reward notice's entry rules and stock-area formulas (鲁自然资字〔2021〕165号), as plain
// functions of measured numbers and recorded attributes. A missing input gives passed = null
// with the reason, never a silent pass. Messages are built from the configured thresholds, in
// English and Chinese (`messageZh` is what the console, CSVs and the printed sheet show).
import type { AnalysisConfig, StockFigure } from './analysis-config.js'
import { applicableApproach, type AppliedApproach, type UseClass } from './approach.js'
import { m2Text, muText, percentText, thresholdMu as muOfThreshold } from './display.js'
import { judgePlannedUse, type PlannedUseArea } from './plan-use.js'
import type { Approach } from './project.js'
import { roundTo } from './units.js'

export interface Measures {
  /** ellipsoidal area of the project */
  areaM2: number
  /** Gauss-Kruger area in the county's plane */
  planarAreaM2: number
  survey2Loaded: boolean
  /** 二调建设用地 inside (gross cut), without the patches changed after the baseline when so configured */
  survey2ConstructionM2: number
  survey2ConstructionPlanarM2: number
  /** the survey's net figure of the same land (patch pieces × TBDLMJ/TBMJ + 线状地物 × KD × KCBL); absent: not measured */
  survey2ConstructionNetM2?: number | null
  /** latest change date (BGRQ, YYYYMMDD) of the second-survey construction patches counted, if any is recorded */
  survey2LatestChange: string | null
  /** construction patches inside changed (BGRQ) after the baseline, and whether they were left out of the land above */
  survey2ChangedAfterBaseline?: { count: number; m2: number; excluded: boolean } | null
  buildingsLoaded: boolean
  footprintM2: number
  footprintPlanarM2: number
  approvedUnsuppliedM2: number | null
  idleLandM2: number | null
  /** null when no plan layer is loaded */
  outsidePlanM2: number | null
  /**
   * 用地用海 codes of the plan inside the project, each with the area of its zones there, and the area of
   * the coded land (their union); null or absent when no plan layer is loaded
   */
  plannedUse?: { areas: readonly PlannedUseArea[]; codedM2: number } | null
  /** part of the project on low-efficiency plots; null when no plots layer is loaded */
  onPlotsM2: number | null
  /**
   * 插花地、边角地、夹心地 the project took in from its bundle (recorded at its creation), inside it; absent
   * or 0: none. 165号 二 lets them join a contiguous project, so on-database-plots and built-before-2010
   * admit them beside the plots and the 2009 construction land: the parts below are what they add.
   */
  scatteredLandM2?: number
  /** of the scattered land, the part off the low-efficiency plots */
  scatteredOffPlotsM2?: number
  /** of the scattered land, the part that is not second-survey construction land (and in the plane) */
  scatteredOffConstructionM2?: number
  scatteredOffConstructionPlanarM2?: number
  /** the other projects of the county drawn on the same land (not drafts or returned ones); absent: none */
  overlaps?: readonly OverlapMeasure[]
  /**
   * part of the project outside its county's administrative boundary (行政区划); null or absent when the
   * county has no admin-divisions layer, and then check within-county is left out (it does not make
   * the verdict unknown: docs/decisions.md, issue 21)
   */
  outsideCountyM2?: number | null
  /** where that part lies: each other county whose boundary is loaded, and (code null) the part in none */
  outsideCountyIn?: readonly OutsideCountyMeasure[]
}

/** Part of a project outside its county lying in one other county (code null: in no county whose boundary is loaded). */
export interface OutsideCountyMeasure {
  code: string | null
  name: string | null
  m2: number
}

/** Another project overlapping this one: the land both cover and the second-survey construction land in it. */
export interface OverlapMeasure {
  code: string
  status: string
  m2: number
  /** project ∩ other project ∩ second-survey construction land: the stock land both would count */
  stockM2: number
}

/**
 * The statuses of a project whose stock is (or will be, once its milestone comes) counted: land
 * they hold cannot be counted again. Every project counted in an earlier reward year is
 * province-approved (an approved project is never returned or edited), so this covers those too.
 */
export const countedStatuses: readonly string[] = ['province-approved']

export interface ProjectFacts {
  approach: Approach
  originalUse: UseClass | null
  newUse: UseClass | null
  plotRatioBefore: number | null
  changedUseFloorArea: number | null
  addedFloorArea: number | null
  newPlotRatio: number | null
  ownershipClear: boolean | null
  seized: boolean | null
  mortgaged: boolean | null
  mortgageeConsent: boolean | null
  /** 提供证明材料中面积 (165号 三): what the 15–30 亩 rule compares the stock with; absent or null: the drawn area stands in */
  evidenceAreaM2?: number | null
}

/** 盘活存量面积核定方式 (165号 三) by name, for tables and spreadsheets. */
export const stockMethodZh = {
  'survey2-construction': '二调建设用地面积',
  'changed-use-floor-area': '改变用途的建筑面积÷新容积率（退二进三）',
  'added-floor-area': '增加的建筑面积÷新容积率（提高容积率）',
} as const

export interface StockArea {
  method: keyof typeof stockMethodZh
  m2: number | null
  approach: AppliedApproach
  /** which reading of 二调建设用地 the stock (or the formula's comparison) takes: the gross cut or the net figure */
  figure?: StockFigure
  /** the formula's value before the cap at the second-survey construction land */
  formulaM2?: number
  capped?: boolean
  /** the formula gives more than the second-survey construction land inside (needs review when not capped) */
  aboveConstruction?: boolean
  reason?: string
  reasonZh?: string
  warning?: string
}

export const checkIds = [
  'min-area',
  'footprint-ratio',
  'stock-half-15-30',
  'no-approved-unsupplied',
  'no-idle-land',
  'in-plan',
  'plan-use',
  'built-before-2010',
  'on-database-plots',
  'ownership',
  'stock-formula',
  'no-double-counting',
  'within-county',
] as const
export type CheckId = (typeof checkIds)[number]

/** What each check is called where people read it (names without numbers: messageZh states the thresholds). */
export const checkNamesZh: Record<CheckId, string> = {
  'min-area': '单个项目面积',
  'footprint-ratio': '上盖建筑物基底面积占比',
  'stock-half-15-30': '15—30亩项目盘活存量占比',
  'no-approved-unsupplied': '不涉及批而未供土地',
  'no-idle-land': '不涉及闲置土地',
  'in-plan': '符合国土空间规划',
  'plan-use': '新用途符合规划用途（用地用海）',
  'built-before-2010': '2009年底前已建设（二调建设用地）',
  'on-database-plots': '位于入库低效用地图斑内',
  ownership: '权属清晰、无查封',
  'stock-formula': '公式核定存量与用地、容积率相符',
  'no-double-counting': '同一土地不重复核定',
  'within-county': '位于本县行政区内',
}

/** The clause each check comes from. */
export const checkClauses: Record<CheckId, string> = {
  'min-area': '165号 三：单个项目面积不足15亩的不计入',
  'footprint-ratio': '165号 二：上盖建筑物基底面积占再开发范围总面积比例30%（含）以上',
  'stock-half-15-30': '165号 三：介于15-30亩但再开发面积不足提供证明材料中面积50%的不计入',
  'no-approved-unsupplied': '165号 二：项目用地不涉及批而未供',
  'no-idle-land': '165号 二：项目用地不涉及闲置土地',
  'in-plan': '165号 二：项目用地符合国土空间规划',
  'plan-use': '165号 二：项目用地符合国土空间规划（规划用地用海分类与新用途相符）；聊城方案 三：移交公益性用地',
  'built-before-2010': '165号 二：项目用地在2009年底之前已经建设；插花地、边角地、夹心地可一并纳入',
  'on-database-plots': '聊城实施方案 一：只有纳入省系统数据库的地块方可再开发；165号 二：插花地、边角地、夹心地可一并纳入',
  ownership: '165号 二：权属清晰，无争议，无设定抵押权（设有抵押权的须经抵押权人同意），无查封',
  'stock-formula': '165号 三：“退二进三”、提高容积率的存量按建筑面积除以地块新的容积率核定；165号 五：错报、虚报',
  'no-double-counting': '165号 三：盘活存量面积以项目区范围内二调建设用地面积核定（同一土地只核定一次）',
  'within-county': '165号 一、四（一）：奖励到县（市、区），县级录入本县项目；聊城方案 五（二）：负责辖区低效用地再开发',
}

export interface Check {
  id: CheckId
  passed: boolean | null
  value: number | boolean | null
  threshold: number | string | null
  message: string
  messageZh: string
  clause: string
  /** passed, but a person should look (an overlap above 0 within the tolerance, a later survey update) */
  needsReview: boolean
  /** the verdict differs between ellipsoidal and planar area, or flips within ±nearThresholdM2 */
  nearThreshold: boolean
}

/** A check before its text: `text` builds [message, messageZh] only for the result itself, not for
 * the dozen variants nearThreshold judges (formatting was 80 % of a batch's JavaScript time). */
type Draft = Omit<Check, 'clause' | 'needsReview' | 'nearThreshold' | 'message' | 'messageZh'> & { needsReview?: boolean; text: () => [string, string] }

/** How the stock is computed besides the approach (analysisDefaults: capFormulaAtConstruction, stockFigure). */
export interface StockOptions {
  /** cap a formula at the second-survey construction land (the text has no cap) */
  capAtConstruction?: boolean
  /** the gross cut (default) or the survey's net figure */
  figure?: StockFigure
}

/** The second-survey construction land the stock reads: the gross cut or the net figure (null: not measured). */
export const constructionLand = (m: Measures, figure: StockFigure = 'gross'): number | null =>
  figure === 'net' ? (m.survey2ConstructionNetM2 ?? null) : m.survey2ConstructionM2

/**
 * 盘活存量面积 by the approach the facts call for (165号 三). The default approach takes the configured
 * figure of the second-survey construction land; a formula is capped at it only when configured
 * (`capAtConstruction`; the text has no cap).
 */
export function stockArea(m: Measures, p: ProjectFacts, approach: AppliedApproach = applicableApproach(p), o: StockOptions = {}): StockArea {
  const figure = o.figure ?? 'gross'
  if (approach.applied === 'default') {
    if (!m.survey2Loaded)
      return {
        method: 'survey2-construction',
        m2: null,
        approach,
        reason: 'no second-survey layer is loaded for the county',
        reasonZh: '本县未加载二调地类图斑',
      }
    const land = constructionLand(m, figure)
    if (land === null)
      return {
        method: 'survey2-construction',
        m2: null,
        figure,
        approach,
        reason: 'the net figure of the second-survey construction land was not measured',
        reasonZh: '未计算二调建设用地净面积',
      }
    return { method: 'survey2-construction', m2: land, figure, approach }
  }
  const retreat = approach.applied === 'retreat-secondary'
  const floor = retreat ? p.changedUseFloorArea : p.addedFloorArea
  const method = retreat ? 'changed-use-floor-area' : 'added-floor-area'
  if (floor === null) {
    return retreat
      ? { method, m2: null, approach, reason: 'changedUseFloorArea (改变用途的建筑面积) is not recorded', reasonZh: '未录入改变用途的建筑面积' }
      : { method, m2: null, approach, reason: 'addedFloorArea (增加的建筑面积) is not recorded', reasonZh: '未录入增加的建筑面积' }
  }
  if (p.newPlotRatio === null || !(p.newPlotRatio > 0))
    return { method, m2: null, approach, reason: 'newPlotRatio (地块新的容积率) is not recorded', reasonZh: '未录入地块新的容积率' }
  const formula = floor / p.newPlotRatio
  const land = m.survey2Loaded ? constructionLand(m, figure) : null
  if (land === null)
    return {
      method,
      m2: formula,
      formulaM2: formula,
      capped: false,
      approach,
      warning: 'no second-survey layer is loaded: the formula could not be capped at the construction land',
    }
  const above = formula > land
  const capped = (o.capAtConstruction ?? false) && above
  return { method, m2: capped ? land : formula, formulaM2: formula, capped, aboveConstruction: above, figure, approach }
}

/**
 * Texts of the configuration's thresholds, kept once made: every check of every variant the
 * nearThreshold judgement builds names them (roundTo formats through strings, not cheap).
 */
function remembered(f: (x: number) => string): (x: number) => string {
  const made = new Map<number, string>()
  return (x) => {
    let text = made.get(x)
    if (text === undefined) {
      if (made.size >= 1000) made.clear()
      made.set(x, (text = f(x)))
    }
    return text
  }
}
const pctNumber = remembered((x) => `${roundTo(x * 100, 2)} %`)
const thresholdMu = remembered(muOfThreshold)

function draftChecks(m: Measures, p: ProjectFacts, stock: StockArea, c: AnalysisConfig): Draft[] {
  const checks: Draft[] = []
  const minMu = thresholdMu(c.minAreaM2)
  const areaThresholds = [c.minAreaM2, c.smallProjectMaxM2]
  const big = m.areaM2 >= c.minAreaM2
  checks.push({
    id: 'min-area',
    passed: big,
    value: m.areaM2,
    threshold: c.minAreaM2,
    text: () => [
      `project area ${m2Text(m.areaM2, areaThresholds)} is ${big ? 'at least' : 'under'} ${minMu} mu`,
      `项目面积${m2Text(m.areaM2, areaThresholds)}（${muText(m.areaM2, areaThresholds)}）${big ? '不小于' : '不足'}${minMu}亩`,
    ],
  })
  if (m.buildingsLoaded) {
    const ratio = m.areaM2 > 0 ? m.footprintM2 / m.areaM2 : 0
    const ok = ratio >= c.footprintRatioMin
    const shown = () => percentText(ratio, c.footprintRatioMin)
    checks.push({
      id: 'footprint-ratio',
      passed: ok,
      value: ratio,
      threshold: c.footprintRatioMin,
      text: () => [
        `building footprint is ${shown()} of the project (needs ≥ ${pctNumber(c.footprintRatioMin)}, inclusive)`,
        `上盖建筑物基底面积占项目面积${shown()}，${ok ? '达到' : '低于'}${pctNumber(c.footprintRatioMin)}（含）`,
      ],
    })
  } else {
    checks.push({
      id: 'footprint-ratio',
      passed: null,
      value: null,
      threshold: c.footprintRatioMin,
      text: () => ['no buildings layer is loaded for the county', '本县未加载建筑物图层，无法判定'],
    })
  }
  checks.push(smallProjectShare(m, p, stock, c))
  checks.push(overlapCheck('no-approved-unsupplied', m.approvedUnsuppliedM2, { en: '批而未供 (approved but unsupplied land)', zh: '批而未供土地' }, c))
  checks.push(overlapCheck('no-idle-land', m.idleLandM2, { en: '闲置土地 (idle land)', zh: '闲置土地' }, c))
  checks.push(
    m.outsidePlanM2 === null
      ? {
          id: 'in-plan',
          passed: null,
          value: null,
          threshold: c.conflictToleranceM2,
          text: () => ['no spatial plan layer is loaded for the county', '本县未加载国土空间规划分区，无法判定'],
        }
      : toleranceCheck('in-plan', m.outsidePlanM2, c, {
          none: { en: 'inside the permitted planning zones', zh: '位于规划允许建设的分区内' },
          some: (t) => ({ en: `${t} outside the permitted planning zones`, zh: `有${t}位于规划允许建设的分区外` }),
        }),
  )
  checks.push(planUse(m, p, c))
  checks.push(builtBefore2010(m, c))
  checks.push(onPlots(m, c))
  checks.push(ownershipCheck(p))
  checks.push(stockFormulaCheck(m, p, stock, c))
  checks.push(noDoubleCounting(m.overlaps ?? [], c))
  const county = withinCounty(m, c)
  if (county) checks.push(county)
  return checks
}

/**
 * 位于本县行政区内 (docs/decisions.md, issue 21): the part of the project outside its county's
 * administrative boundary, against the conflict tolerance, naming the counties it lies in. Left out
 * (null) when the county has no boundary loaded: the verdicts stay what they were without it.
 */
function withinCounty(m: Measures, c: AnalysisConfig): Draft | null {
  if (m.outsideCountyM2 === null || m.outsideCountyM2 === undefined) return null
  const tolerance = [c.conflictToleranceM2]
  const parts = (m.outsideCountyIn ?? []).filter((x) => x.m2 > 0)
  const list = (o: { unknown: string; county: (x: OutsideCountyMeasure) => string; gap: string; sep: string }) =>
    parts.map((x) => `${x.code === null ? o.unknown : o.county(x)}${o.gap}${m2Text(x.m2, tolerance)}`).join(o.sep)
  const where = parts.length
    ? {
        en: ` (${list({ unknown: 'in no county whose boundary is loaded', county: (x) => `${x.code} ${x.name ?? ''}`.trim(), gap: ' ', sep: '; ' })})`,
        zh: `（其中${list({ unknown: '未加载行政区划的区域', county: (x) => `${x.name ?? ''}（${x.code}）`, gap: '', sep: '；' })}）`,
      }
    : { en: '', zh: '' }
  return toleranceCheck('within-county', m.outsideCountyM2, c, {
    none: { en: 'inside the county’s administrative boundary', zh: '位于本县行政区划范围内' },
    some: (t) => ({
      en: `${t} outside the county’s administrative boundary${where.en}`,
      zh: `有${t}位于本县行政区划范围外${where.zh}`,
    }),
  })
}

/**
 * 165号 三: "介于15-30亩但再开发面积不足提供证明材料中面积50%……的不计入在内". The band is the project's own area (单个项目面积:
 * the red line drawn, as min-area reads it); the share is the stock (再开发面积) over the area the evidence states
 * (evidenceAreaM2), or over the drawn area when none is recorded, which the text then says. Evidence stating less
 * land than the stock passes but needs review: the documents should cover the land redeveloped.
 */
function smallProjectShare(m: Measures, p: ProjectFacts, stock: StockArea, c: AnalysisConfig): Draft {
  const minMu = thresholdMu(c.minAreaM2)
  const maxMu = thresholdMu(c.smallProjectMaxM2)
  const base = { id: 'stock-half-15-30' as const, threshold: c.stockShareMin }
  if (!(m.areaM2 >= c.minAreaM2 && m.areaM2 <= c.smallProjectMaxM2))
    return { ...base, passed: true, value: null, text: () => [`applies only to projects of ${minMu}–${maxMu} mu`, `仅适用于${minMu}—${maxMu}亩的项目`] }
  if (stock.m2 === null)
    return { ...base, passed: null, value: null, text: () => [`stock area unknown: ${stock.reason}`, `盘活存量面积未知：${stock.reasonZh}`] }
  const evidence = p.evidenceAreaM2 ?? null
  const denominator = evidence ?? m.areaM2
  const share = denominator > 0 ? stock.m2 / denominator : 0
  const ok = share >= c.stockShareMin
  const shown = () => percentText(share, c.stockShareMin)
  const stockM2 = stock.m2
  const of: [string, string] =
    evidence === null
      ? ['of its drawn area (no evidence area recorded: the red line stands in)', '项目红线面积（未录入证明材料面积，以项目红线面积代替）']
      : [`of the ${m2Text(evidence)} its evidence states`, `证明材料中面积${m2Text(evidence)}`]
  const above = evidence !== null && stockM2 > evidence
  return {
    ...base,
    passed: ok,
    value: share,
    needsReview: above,
    text: () => [
      `a ${minMu}–${maxMu} mu project's stock area ${m2Text(stockM2)} is ${shown()} ${of[0]} (needs ≥ ${pctNumber(c.stockShareMin)})${above ? '; the evidence states less land than the stock: to be reviewed' : ''}`,
      `${minMu}—${maxMu}亩项目的盘活存量面积${m2Text(stockM2)}占${of[1]}的${shown()}，${ok ? '达到' : '不足'}${pctNumber(c.stockShareMin)}${above ? '；证明材料中面积小于盘活存量面积，需人工复核' : ''}`,
    ],
  }
}

/**
 * The formulas' inputs against what the land shows (165号 五 targets 错报、虚报): a formula above the
 * second-survey construction land inside, and a claimed added floor area far from (new − old plot
 * ratio) × area, are passed to a person, not failed: the stock is still what the text's formula gives.
 */
function stockFormulaCheck(m: Measures, p: ProjectFacts, stock: StockArea, c: AnalysisConfig): Draft {
  const base = { id: 'stock-formula' as const, threshold: c.floorAreaGapMax }
  if (stock.method === 'survey2-construction')
    return {
      ...base,
      passed: true,
      value: null,
      text: () => ['the stock is the second-survey construction land: no formula', '按二调建设用地面积核定，不涉及公式'],
    }
  if (stock.m2 === null || stock.formulaM2 === undefined)
    return { ...base, passed: null, value: null, text: () => [`formula inputs missing: ${stock.reason}`, `公式数据不全：${stock.reasonZh}`] }
  const notes: Array<[string, string]> = []
  if (stock.aboveConstruction && m.survey2Loaded) {
    const f = m2Text(stock.formulaM2)
    const land = m2Text(constructionLand(m, stock.figure) ?? 0)
    notes.push(
      stock.capped
        ? [
            `the formula gives ${f}, more than the ${land} of second-survey construction land inside: capped at it (configured)`,
            `公式核定${f}，超过项目范围内二调建设用地${land}，按配置以二调建设用地为上限`,
          ]
        : [
            `the formula gives ${f}, more than the ${land} of second-survey construction land inside`,
            `公式核定${f}，超过项目范围内二调建设用地${land}，需人工复核`,
          ],
    )
  }
  let gap: number | null = null
  if (
    stock.method === 'added-floor-area' &&
    p.addedFloorArea !== null &&
    p.plotRatioBefore !== null &&
    p.newPlotRatio !== null &&
    p.newPlotRatio > p.plotRatioBefore
  ) {
    const expected = (p.newPlotRatio - p.plotRatioBefore) * m.areaM2
    gap = expected > 0 ? (p.addedFloorArea - expected) / expected : null
    if (gap !== null && Math.abs(gap) > c.floorAreaGapMax) {
      const shown = `${roundTo(gap * 100, 2)} %`
      const exp = m2Text(expected)
      notes.push([
        `the claimed added floor area ${m2Text(p.addedFloorArea)} differs by ${shown} from (${p.newPlotRatio} − ${p.plotRatioBefore}) × project area = ${exp} (more than ${pctNumber(c.floorAreaGapMax)})`,
        `填报的增加建筑面积${m2Text(p.addedFloorArea)}与（${p.newPlotRatio} − ${p.plotRatioBefore}）× 项目面积 = ${exp}相差${shown}，超过${pctNumber(c.floorAreaGapMax)}，需核实是否错报`,
      ])
    }
  }
  if (!notes.length)
    return { ...base, passed: true, value: gap, text: () => ['the formula agrees with the land and the plot ratios', '公式核定面积与二调建设用地及容积率相符'] }
  return { ...base, passed: true, value: gap, needsReview: true, text: () => [notes.map((n) => n[0]).join('; '), notes.map((n) => n[1]).join('；')] }
}

/**
 * 同一土地只核定一次 (docs/decisions.md, issue 21): stock land shared with a counted (province-approved)
 * project above the conflict tolerance fails; any other overlap (stock land within the tolerance,
 * land outside the stock, a project still under review) passes but a person must look. The value
 * is the largest stock land shared with one counted project.
 */
function noDoubleCounting(overlaps: readonly OverlapMeasure[], c: AnalysisConfig): Draft {
  const tolerance = c.conflictToleranceM2
  const counted = overlaps.filter((o) => countedStatuses.includes(o.status))
  const worst = counted.reduce((max, o) => Math.max(max, o.stockM2), 0)
  const base = { id: 'no-double-counting' as const, value: worst, threshold: tolerance }
  const list = (os: readonly OverlapMeasure[], key: 'm2' | 'stockM2', sep: string) => os.map((o) => `${o.code} ${m2Text(o[key], [tolerance])}`).join(sep)
  const twice = counted.filter((o) => o.stockM2 > tolerance)
  if (twice.length)
    return {
      ...base,
      passed: false,
      text: () => [
        `second-survey construction land already counted for a province-approved project: ${list(twice, 'stockM2', ', ')} (above the ${tolerance} m² tolerance)`,
        `与已通过省级审核的项目存量用地重叠（${list(twice, 'stockM2', '，')}），超过${tolerance}平方米容差，同一土地不得重复核定`,
      ],
    }
  const others = overlaps.filter((o) => o.m2 > 0)
  if (!others.length) return { ...base, passed: true, text: () => ['no other project of the county covers this land', '未与本县其他项目重叠'] }
  return {
    ...base,
    passed: true,
    needsReview: true,
    text: () => [
      `overlaps other projects of the county (${list(others, 'm2', ', ')}): stock land shared with approved projects is within the ${tolerance} m² tolerance or the others are not yet approved; to be reviewed`,
      `与本县其他项目重叠（${list(others, 'm2', '，')}）：与已通过省级审核项目的存量用地重叠在${tolerance}平方米容差内，或对方尚未通过审核，需人工复核`,
    ],
  }
}

function overlapCheck(id: 'no-approved-unsupplied' | 'no-idle-land', v: number | null, what: { en: string; zh: string }, c: AnalysisConfig): Draft {
  if (v === null)
    return {
      id,
      passed: null,
      value: null,
      threshold: c.conflictToleranceM2,
      text: () => [`no ${what.en} layer is loaded for the county`, `本县未加载${what.zh}图层，无法判定`],
    }
  return toleranceCheck(id, v, c, {
    none: { en: `no ${what.en} inside the project`, zh: `项目范围内无${what.zh}` },
    some: (t) => ({ en: `${t} of ${what.en} inside the project`, zh: `项目范围内有${what.zh}${t}` }),
  })
}

/** Above the tolerance fails; above 0 up to the tolerance passes but needs review: never a silent pass. */
function toleranceCheck(
  id: CheckId,
  v: number,
  c: AnalysisConfig,
  text: { none: { en: string; zh: string }; some: (area: string) => { en: string; zh: string } },
): Draft {
  const base = { id, value: v, threshold: c.conflictToleranceM2 }
  if (v <= 0) return { ...base, passed: true, text: () => [text.none.en, text.none.zh] }
  const some = () => text.some(m2Text(v, [c.conflictToleranceM2]))
  if (v > c.conflictToleranceM2) return { ...base, passed: false, text: () => [some().en, some().zh] }
  return {
    ...base,
    passed: true,
    needsReview: true,
    text: () => [
      `${some().en}: within the ${c.conflictToleranceM2} m² tolerance (digitising), to be reviewed`,
      `${some().zh}，在${c.conflictToleranceM2}平方米容差内（可能为勾绘误差），需人工复核`,
    ],
  }
}

/** 项目用地符合国土空间规划 on the plan's 用地用海 codes: the planned use against the new use (src/domain/plan-use.ts). */
function planUse(m: Measures, p: ProjectFacts, c: AnalysisConfig): Draft {
  const v = judgePlannedUse({ areaM2: m.areaM2, plannedUse: m.plannedUse, newUse: p.newUse, conflictShareMax: c.planUseConflictShareMax })
  return { id: 'plan-use', passed: v.passed, value: v.value, threshold: c.planUseConflictShareMax, needsReview: v.needsReview, text: v.text }
}

/**
 * 项目用地在2009年底之前已经建设 (165号 二), read with the same paragraph's "插花地、边角地、夹心地可一并纳入，
 * 连片开发" (docs/decisions.md, issue 21): the land built by the end of 2009 is the second-survey
 * construction land, without the patches a later update changed after the baseline when the
 * configuration leaves them out (the text names those patches either way); the scattered land the
 * project took in from its bundle stands beside it; what is neither may be at most
 * 1 − builtBefore2010MinShare of the project. Scattered land joins built land and does not replace it:
 * the construction land alone must reach builtBefore2010MinConstructionShare (a sliver where a red line
 * crosses a patch edge shows nothing built).
 */
function builtBefore2010(m: Measures, c: AnalysisConfig): Draft {
  const base = { id: 'built-before-2010' as const, threshold: c.builtBefore2010MinShare }
  if (!m.survey2Loaded)
    return { ...base, passed: null, value: null, text: () => ['no second-survey layer is loaded for the county', '本县未加载二调地类图斑，无法判定'] }
  const scattered = m.scatteredOffConstructionM2 ?? 0
  const share = m.areaM2 > 0 ? (m.survey2ConstructionM2 + scattered) / m.areaM2 : 0
  const constructionShare = m.areaM2 > 0 ? m.survey2ConstructionM2 / m.areaM2 : 0
  const enough = share >= c.builtBefore2010MinShare
  const built = constructionShare >= c.builtBefore2010MinConstructionShare
  const ok = enough && built
  const shown = () => percentText(share, c.builtBefore2010MinShare)
  const shownConstruction = () => percentText(constructionShare, c.builtBefore2010MinConstructionShare)
  const minPct = pctNumber(c.builtBefore2010MinShare)
  const floorPct = pctNumber(c.builtBefore2010MinConstructionShare)
  const baseline = c.survey2BaselineDate.replace(/-/g, '')
  const later = m.survey2LatestChange !== null && m.survey2LatestChange > baseline
  const changed = m.survey2ChangedAfterBaseline
  const countedLater = changed !== undefined && changed !== null && !changed.excluded && changed.count > 0
  const notes = (): { en: string; zh: string } => {
    if (changed && changed.count > 0) {
      const area = m2Text(changed.m2)
      return changed.excluded
        ? {
            en: `; ${changed.count} construction patch(es) inside (${area}) changed (BGRQ) after ${c.survey2BaselineDate}: not land built by the end of 2009, left out`,
            zh: `；另有${changed.count}个二调建设用地图斑（${area}）变更日期（BGRQ）晚于${c.survey2BaselineDate}，不属于2009年底前已建设的土地，未计入`,
          }
        : {
            en: `; ${changed.count} of the construction patches (${area}) changed (BGRQ) after ${c.survey2BaselineDate} and are counted (excludeChangedAfterBaseline is off): check them against the 2009 baseline`,
            zh: `；其中${changed.count}个图斑（${area}）变更日期（BGRQ）晚于${c.survey2BaselineDate}，按配置仍计入，请与2009年基期数据核对`,
          }
    }
    return later
      ? {
          en: `; patches changed on ${m.survey2LatestChange} (BGRQ), after ${c.survey2BaselineDate}: the layer looks like a later annual update, check it against the 2009 baseline`,
          zh: `；所涉二调图斑变更日期（BGRQ）为${m.survey2LatestChange}，晚于${c.survey2BaselineDate}，图层可能为年度变更数据，请与2009年基期数据核对`,
        }
      : { en: '', zh: '' }
  }
  const counted = changed?.excluded ? ` (patches changed after ${c.survey2BaselineDate} left out)` : ''
  const countedZh = changed?.excluded ? `（不含变更日期晚于${c.survey2BaselineDate}的图斑）` : ''
  const text = (): [string, string] => {
    const land = m2Text(scattered)
    const withScattered =
      scattered > 0
        ? {
            en: ` with the 插花地、边角地、夹心地 taken in from its bundle (${land} not construction land)`,
            zh: `及一并纳入的插花地、边角地、夹心地（其中非二调建设用地${land}）`,
          }
        : { en: '', zh: '' }
    const verdictZh = !built
      ? `二调建设用地仅占${shownConstruction()}，不足${floorPct}，不能认定2009年底前已建设（插花地、边角地、夹心地只能随已建设用地一并纳入）`
      : enough
        ? '可认定2009年底前已建设'
        : `不足${minPct}，不能认定2009年底前已建设`
    return [
      `second-survey construction land${counted}${withScattered.en} is ${shown()} of the project (needs ≥ ${minPct}, the construction land alone ≥ ${floorPct}, to show it was built before the end of 2009)${!built ? `: the construction land alone is ${shownConstruction()}` : ''}${notes().en}`,
      `项目范围内二调建设用地${countedZh}${withScattered.zh}占${shown()}，${verdictZh}${notes().zh}`,
    ]
  }
  return { ...base, passed: ok, value: share, needsReview: ok && (later || countedLater), text }
}

/**
 * 只有纳入省系统数据库的地块方可再开发 (聊城 一), with 165号 二 "插花地、边角地、夹心地可一并纳入，连片开发": the
 * scattered land a project took in from its bundle is admitted beside the database plots.
 */
function onPlots(m: Measures, c: AnalysisConfig): Draft {
  const base = { id: 'on-database-plots' as const, threshold: c.onPlotsMinShare }
  if (m.onPlotsM2 === null)
    return { ...base, passed: null, value: null, text: () => ['no low-efficiency plots layer is loaded for the county', '本县未加载低效用地图斑，无法判定'] }
  const share = m.areaM2 > 0 ? (m.onPlotsM2 + (m.scatteredOffPlotsM2 ?? 0)) / m.areaM2 : 0
  const ok = share >= c.onPlotsMinShare
  const shown = () => percentText(share, c.onPlotsMinShare)
  const scattered = m.scatteredLandM2 ?? 0
  const text = (): [string, string] => {
    const verdictZh = `${ok ? '达到' : '不足'}${pctNumber(c.onPlotsMinShare)}`
    if (scattered <= 0)
      return [
        `${shown()} of the project lies on the county's low-efficiency plots (needs ≥ ${pctNumber(c.onPlotsMinShare)})`,
        `项目面积的${shown()}位于已入库的低效用地图斑内，${verdictZh}`,
      ]
    const land = m2Text(scattered)
    return [
      `${shown()} of the project lies on the county's low-efficiency plots or on the 插花地、边角地、夹心地 taken in from its bundle (needs ≥ ${pctNumber(c.onPlotsMinShare)}); of it ${land} is such scattered land`,
      `项目面积的${shown()}位于已入库的低效用地图斑及一并纳入的插花地、边角地、夹心地内，${verdictZh}，其中插花地、边角地、夹心地${land}`,
    ]
  }
  return { ...base, passed: ok, value: share, text }
}

/** 权属清晰，无争议，无查封；设有抵押权的须经抵押权人同意 (165号 二). */
function ownershipCheck(p: ProjectFacts): Draft {
  const base = { id: 'ownership' as const, threshold: 'clear, not seized, mortgage only with consent' }
  if (p.ownershipClear === null || p.seized === null || p.mortgaged === null)
    return { ...base, passed: null, value: null, text: () => ['ownership, seizure and mortgage are not all recorded', '权属、查封、抵押情况未全部录入'] }
  if (!p.ownershipClear) return { ...base, passed: false, value: false, text: () => ['ownership is not clear or is disputed', '权属不清或存在争议'] }
  if (p.seized) return { ...base, passed: false, value: false, text: () => ['the land is seized or its rights restricted', '土地被查封或权利受限'] }
  if (p.mortgaged && p.mortgageeConsent !== true)
    return {
      ...base,
      passed: p.mortgageeConsent === null ? null : false,
      value: false,
      text: () => ['mortgaged without recorded consent of the mortgagee', '设有抵押权，未录入抵押权人同意'],
    }
  return { ...base, passed: true, value: true, text: () => ['ownership clear, not seized', '权属清晰，无查封'] }
}

const areaKeys = [
  'areaM2',
  'survey2ConstructionM2',
  'footprintM2',
  'approvedUnsuppliedM2',
  'idleLandM2',
  'outsidePlanM2',
  'onPlotsM2',
  'scatteredOffPlotsM2',
  'scatteredOffConstructionM2',
  'outsideCountyM2',
] as const

/** The measures as the plane gives them, and each area moved by ±delta (together and against each other). */
function variants(m: Measures, delta: number): Measures[] {
  const out: Measures[] = [
    {
      ...m,
      areaM2: m.planarAreaM2,
      survey2ConstructionM2: m.survey2ConstructionPlanarM2,
      footprintM2: m.footprintPlanarM2,
      ...(m.scatteredOffConstructionPlanarM2 === undefined ? {} : { scatteredOffConstructionM2: m.scatteredOffConstructionPlanarM2 }),
    },
  ]
  // a measure that is absent, or 0 moved down, is m itself: entryChecks skips it (its checks are m's)
  const moved = (k: (typeof areaKeys)[number], d: number): Measures => {
    const v = m[k]
    if (v === null || v === undefined) return m
    const next = Math.max(0, v + d)
    return next === v ? m : { ...m, [k]: next }
  }
  // scattered land only moves where there is some (without it, its absence is exact)
  for (const k of areaKeys) if (!k.startsWith('scattered') || (m[k] ?? 0) > 0) out.push(moved(k, delta), moved(k, -delta))
  // The net figure when the stock may take it (stockFigure 'net').
  const net = m.survey2ConstructionNetM2
  const netMoved = (d: number) => (typeof net === 'number' ? { survey2ConstructionNetM2: Math.max(0, net + d) } : {})
  if (typeof net === 'number') out.push({ ...m, ...netMoved(delta) }, { ...m, ...netMoved(-delta) })
  // The project's area against what is measured inside it (a share moves fastest this way).
  const inside = (d: number): Measures => ({
    ...m,
    areaM2: m.areaM2 + d,
    survey2ConstructionM2: Math.max(0, m.survey2ConstructionM2 - d),
    ...netMoved(-d),
    footprintM2: Math.max(0, m.footprintM2 - d),
  })
  out.push(inside(delta), inside(-delta))
  // The planned uses inside, each moved alike.
  const planned = (d: number): Measures => ({
    ...m,
    plannedUse: m.plannedUse && { ...m.plannedUse, areas: m.plannedUse.areas.map((a) => ({ ...a, m2: Math.max(0, a.m2 + d) })) },
  })
  if (m.plannedUse?.areas.length) out.push(planned(delta), planned(-delta))
  // The stock land shared with other projects, each moved alike.
  const shared = (d: number): Measures => ({ ...m, overlaps: m.overlaps?.map((o) => ({ ...o, stockM2: Math.max(0, o.stockM2 + d) })) })
  if (m.overlaps?.length) out.push(shared(delta), shared(-delta))
  return out
}

/** The stock options a configuration sets. */
export const stockOptions = (c: Pick<AnalysisConfig, 'capFormulaAtConstruction' | 'stockFigure'>): StockOptions => ({
  capAtConstruction: c.capFormulaAtConstruction,
  figure: c.stockFigure,
})

export function entryChecks(m: Measures, p: ProjectFacts, stock: StockArea, c: AnalysisConfig): Check[] {
  const drafts = draftChecks(m, p, stock, c)
  // variants equal to m (an absent measure, or 0 moved down) judge as m does: not judged again
  const others = variants(m, c.nearThresholdM2)
    .filter((v) => v !== m)
    .map((v) => draftChecks(v, p, stockArea(v, p, stock.approach, stockOptions(c)), c))
  return drafts.map(({ text, ...d }, i) => {
    const [message, messageZh] = text()
    return {
      ...d,
      message,
      messageZh,
      clause: checkClauses[d.id],
      needsReview: d.needsReview ?? false,
      nearThreshold: d.passed !== null && others.some((o) => o[i]!.passed !== d.passed),
    }
  })
}

/** Eligible only when every check passed; unknown (null) when none failed but some are unknown. */
export function eligibility(checks: ReadonlyArray<Pick<Check, 'passed'>>): boolean | null {
  if (checks.some((c) => c.passed === false)) return false
  if (checks.some((c) => c.passed === null)) return null
  return true
}

/**
 * 165号 三's area rules ("单个项目面积不足15亩的以及介于15-30亩但再开发面积不足……50%……的不计入在内") say what
 * the reward counts, not what may be entered: 二 lists the entry conditions (入库项目应当符合以下要求) without
 * a size. A project under 15 亩 may be entered and redeveloped; it is 不计入奖励.
 */
export const rewardAreaChecks: readonly CheckId[] = ['min-area', 'stock-half-15-30']

/** 符合入库条件 (165号 二, 聊城方案 一): every check but the reward's area rules. */
export const entryEligibility = (checks: ReadonlyArray<Pick<Check, 'id' | 'passed'>>) => eligibility(checks.filter((c) => !rewardAreaChecks.includes(c.id)))

/** 计入奖励 (165号 三): entered, and the area rules pass too. */
export const rewardCounting = (checks: ReadonlyArray<Pick<Check, 'passed'>>) => eligibility(checks)
