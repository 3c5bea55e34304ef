// New-construction-land reward quota of a county (鲁自然资字〔2021〕165号 一、三、五): the stock area
// revitalised in year Y ÷ 2 (stock : new = 2 : 1) × a coefficient by per-capita urban-rural
// construction land, less twice what projects found fraudulent the year before had earned.
import { analysisDefaults } from './analysis-config.js'
import { rewardAreaChecks } from './rules.js'
import { roundTo, toMu } from './units.js'

export const HA_M2 = 10_000

/**
 * 165号 一: "人均城乡建设用地面积在200平方米/人以内的调整系数为1.1；……在200-300平方米/人之间的调整系数为1；
 * ……在300平方米/人以上的调整系数为0.9". 以内 / 之间 / 以上 overlap at the ends; 民法典 第1259条 settles it:
 * "民法所称的'以上'、'以下'、'以内'、'届满'，包括本数". So 200 is 以内 (1.1) and 300 is 以上 (0.9); `atLow` and
 * `atHigh` keep the ends configurable (issue 21; docs/decisions.md).
 */
export interface CoefficientBands {
  lowM2: number
  highM2: number
  /** below lowM2 */
  low: number
  /** strictly between lowM2 and highM2 */
  middle: number
  /** above highM2 */
  high: number
  /** exactly lowM2 */
  atLow: number
  /** exactly highM2 */
  atHigh: number
}

/**
 * 城乡建设用地 in third-survey terms: patches inside the 城镇村 range (CZCSXM 201 城市, 202 建制镇, 203 村庄, with
 * their 独立工业用地 201A/202A/203A, and 204 盐田及采矿用地: TD/T 1024 puts 采矿用地 (213) in 城乡建设用地 (21);
 * 205 特殊用地 is 其他建设用地 (23), outside) **and** coded as built-up land. The codes: the third survey's own
 * merged classes (05H1, 08H1, 08H2 and 08H2A 高教用地, 0810A 广场用地 …) and the GB/T 21010-2017 classes they
 * merge (0501–0507, 0801–0808), since annual-update deliveries use either; 0603 盐田 and 1009 管道运输用地, on
 * which sources disagree, included. CZCSXM is also filled on farmland, forest and water inside the range:
 * those patches do not count.
 */
const gb21010 = (prefix: string, last: number) => Array.from({ length: last }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`)
export const rewardDefaults = {
  urbanRuralCzcsxm: ['201', '202', '203', '201A', '202A', '203A', '204'],
  survey3ConstructionCodes: [
    ...['05H1', ...gb21010('05', 8)],
    ...['0601', '0602', '0603', '0604'],
    ...['0701', '0702'],
    ...['08H1', '08H2', '08H2A', ...gb21010('08', 10), '0810A'],
    '09',
    ...['1001', '1002', '1003', '1004', '1005', '1007', '1008', '1009'],
    '1109',
    '1201',
  ],
  coefficientBands: { lowM2: 200, highM2: 300, low: 1.1, middle: 1.0, high: 0.9, atLow: 1.1, atHigh: 0.9 } as CoefficientBands,
}

/** 人均城乡建设用地 (m²/person) → 调整系数, decided on the unrounded value: by default ≤ 200 → 1.1; 200 < x < 300 → 1.0; ≥ 300 → 0.9. */
export function adjustmentCoefficient(perCapitaM2: number, bands: CoefficientBands = rewardDefaults.coefficientBands): number {
  if (perCapitaM2 < bands.lowM2) return bands.low
  if (perCapitaM2 === bands.lowM2) return bands.atLow
  if (perCapitaM2 < bands.highM2) return bands.middle
  if (perCapitaM2 === bands.highM2) return bands.atHigh
  return bands.high
}

/** The bands as a reader sees them, e.g. for the province's table. */
export function describeBands(b: CoefficientBands = rewardDefaults.coefficientBands) {
  const lowEnd = b.atLow === b.low ? '≤' : '<'
  const highEnd = b.atHigh === b.middle ? '≤' : '<'
  return [
    { perCapitaM2: `${lowEnd} ${b.lowM2}`, coefficient: b.low },
    { perCapitaM2: `${b.lowM2} ${lowEnd === '≤' ? '<' : '≤'} x ${highEnd} ${b.highM2}`, coefficient: b.middle },
    { perCapitaM2: `${highEnd === '≤' ? '>' : '≥'} ${b.highM2}`, coefficient: b.high },
  ]
}

export const STOCK_TO_NEW = 2

/** Quota from a stock area, in m² at full precision (round only for display). */
export const quotaM2 = (stockM2: number, coefficient: number) => (stockM2 / STOCK_TO_NEW) * coefficient

/** Fraud: the quota the project earned is deducted twice from the next year's plan. */
export const FRAUD_DEDUCTION_FACTOR = 2

/**
 * The reward table whose quota a finding made in `findingYear` comes off.
 * 165号 五: "对以错报、虚报等方式弄虚作假，骗取奖励指标的地区，省厅将按照对应项目所享受奖励指标额度，双倍扣减下一年度新增建设用地
 * 计划指标，并取消其当年度各类评优评先资格". A finding made in F comes off the next year's (F + 1) plan, which is the
 * quota issued in F + 1 (四（三）: 每年7月底前……下达) for the stock of year F: the table of year F. So the table
 * of year Y takes the findings made in Y itself (issue 21; until then it took Y − 1's, a year late).
 */
export const tableOfFindingYear = (findingYear: number) => findingYear

/**
 * 取消其当年度各类评优评先资格: a county with a fraud finding made in `findingYear` loses its 评优评先 for that year,
 * whatever the project earned (an attempt found before any quota was issued is still 弄虚作假). null without findings.
 */
export function honoursRevoked(findingYear: number, projectCodes: string[]) {
  if (projectCodes.length === 0) return null
  return {
    year: findingYear,
    note: {
      en: `fraud found in ${findingYear} (${projectCodes.join(', ')}): twice the quota earned is deducted, and the county loses its 评优评先 (awards and honours) for ${findingYear}`,
      zh: `${findingYear}年度查实弄虚作假项目（${projectCodes.join('、')}），按所获奖励指标双倍扣减，并取消该县${findingYear}年度各类评优评先资格`,
    },
  }
}

/** Counties of Qingdao (3702xx) are outside the provincial scheme; Qingdao rewards them itself. */
export const outsideProvincialScheme = (county: string) => county.startsWith('3702')

/** Fixed-precision numbers (./units.ts roundTo), so that the same inputs give byte-identical output. */
export const areaUnits = (m2: number) => ({ m2: roundTo(m2, 2), mu: roundTo(toMu(m2), 4), ha: roundTo(m2 / HA_M2, 4) })

/** 青岛市所辖县（市、区）不计入奖励范围 (165号 一). */
export const OUTSIDE_SCHEME_REASON = {
  en: 'Qingdao counties are outside the provincial reward scheme (Qingdao rewards them itself)',
  zh: '青岛市所辖县（市、区）不计入奖励范围',
}

/** Checks whose failure excludes a project by its size (165号 三: 不足15亩；15-30亩再开发面积不足50%): 不计入奖励, not 不符合入库条件. */
export const areaRuleChecks: readonly string[] = rewardAreaChecks

export interface RewardCandidate {
  status: string
  /** the confirmed milestone's type: a date without it is no milestone (165号 三 names the completion by its kind) */
  milestoneType: string | null
  /** the analysis the province approved; null when none is pinned */
  approvedResultId: number | null
  eligible: boolean | null
  stockM2: number | null
  checks: Array<{ id: string; passed: boolean | null; threshold?: number | string | null; message?: string }>
}

const muText = (m2: number) => String(roundTo(toMu(m2), 4))

/** 165号 三's area rules in the words of the notice, with the thresholds the analysis used (its check's threshold, else the configured one). */
function areaRuleZh(id: string, threshold: number | string | null | undefined): string {
  const c = analysisDefaults
  if (id === 'min-area') return `单个项目面积不足${muText(typeof threshold === 'number' ? threshold : c.minAreaM2)}亩`
  const share = typeof threshold === 'number' ? threshold : c.stockShareMin
  return `${muText(c.minAreaM2)}–${muText(c.smallProjectMaxM2)}亩项目再开发面积不足${roundTo(share * 100, 2)}%`
}

export type Exclusion =
  | 'not-province-approved'
  | 'milestone-type-missing'
  | 'no-approved-analysis'
  | 'area-rule'
  | 'not-eligible'
  | 'eligibility-undecided'
  | 'stock-area-unknown'
  | 'milestone-unconfirmed'

export type Verdict = { qualifies: true } | { qualifies: false; exclusion: Exclusion; failedChecks: string[]; en: string; zh: string }

/**
 * Whether a project completed in the year counts toward its county's quota: approved by the province
 * (165号 二：通过省级审核的项目方可纳入奖励范围) on an analysis that found it eligible with a stock area.
 * A project failing only the area rules is named as such, since those are the notice's explicit exclusions.
 */
export function rewardVerdict(c: RewardCandidate): Verdict {
  const no = (exclusion: Exclusion, en: string, zh: string, failedChecks: string[] = []): Verdict => ({ qualifies: false, exclusion, failedChecks, en, zh })
  if (c.status !== 'province-approved') return no('not-province-approved', `not approved by the province (status '${c.status}')`, '未通过省级审核')
  // 165号 三 counts from the completion of a named transaction (土地供应、转移登记及规划许可、规划许可): a date that says
  // not which cannot be judged against its evidence, and does not count.
  if (!c.milestoneType)
    return no(
      'milestone-type-missing',
      'the milestone has a date but no type: it does not count until its type (land-supply, transfer-registration, planning-permits) is recorded',
      '完成节点未录入类型（土地供应、不动产转移登记及规划许可、规划许可），仅有日期不计入奖励',
    )
  if (c.approvedResultId === null) return no('no-approved-analysis', 'no approved analysis is pinned to the project', '缺少省级审核通过的分析结果')
  // Decided on the checks, not the stored flag: until analysis schema 3 `eligible` also held the area rules,
  // and approved (pinned) results keep the shape they were approved in.
  const failed = c.checks.filter((k) => k.passed === false).map((k) => k.id)
  const entryFailed = failed.filter((id) => !areaRuleChecks.includes(id))
  if (entryFailed.length > 0 || (c.eligible === false && failed.length === 0))
    return no('not-eligible', `the approved analysis failed: ${failed.join(', ')}`, `审核通过的分析结果不符合入库条件：${failed.join('、')}`, failed)
  if (failed.length > 0) {
    const zh = failed.map((id) => areaRuleZh(id, c.checks.find((k) => k.id === id)?.threshold)).join('；')
    return no('area-rule', `not counted for the reward by the area rules (165号 三): ${failed.join(', ')}`, `${zh}，不计入奖励`, failed)
  }
  if (c.eligible !== true || c.checks.some((k) => k.passed === null)) {
    const unknown = c.checks.filter((k) => k.passed === null).map((k) => k.id)
    return no('eligibility-undecided', `the approved analysis could not decide: ${unknown.join(', ')}`, `审核通过的分析结果无法判定：${unknown.join('、')}`)
  }
  if (c.stockM2 === null) return no('stock-area-unknown', 'the approved analysis has no certified stock area', '审核通过的分析结果缺少盘活存量面积')
  return { qualifies: true }
}

/** Per-capita urban-rural construction land (m²/person) from a county's statistics. */
export const perCapitaM2 = (landM2: number, population: number) => landM2 / population

/**
 * The quota a project earned in its reward year: its stock area ÷ 2 × its county's coefficient that year.
 * null when the county's statistics for that year are missing (the coefficient is unknown).
 */
export function earnedQuotaM2(stockM2: number, statsOfRewardYear: { landM2: number; population: number } | null): number | null {
  if (!statsOfRewardYear) return null
  return quotaM2(stockM2, adjustmentCoefficient(perCapitaM2(statsOfRewardYear.landM2, statsOfRewardYear.population)))
}

/** 双倍扣减: what a fraud finding takes off the next year's plan. */
export const fraudDeductionM2 = (earnedM2: number) => FRAUD_DEDUCTION_FACTOR * earnedM2

/**
 * A project's stock after the land already counted (issue 21; 165号 一、三 同一土地只核定一次): its stock
 * spread evenly over its stock land (二调建设用地 inside it), less the share of that land counted before.
 * A default-approach project's stock is its stock land, so it loses exactly the land counted before;
 * a formula project (退二进三, 提高容积率) loses the same share of its formula stock. A project without
 * stock land (no second-survey layer in its approved analysis) has nothing to compare and keeps its stock.
 */
export function stockAfterOverlap(stockM2: number, land: { landM2: number; deductedM2: number } | undefined): { countedM2: number; deductedM2: number } {
  if (!land || !(land.landM2 > 0) || !(land.deductedM2 > 0)) return { countedM2: stockM2, deductedM2: 0 }
  const deducted = stockM2 * Math.min(1, land.deductedM2 / land.landM2)
  return { countedM2: stockM2 - deducted, deductedM2: deducted }
}
