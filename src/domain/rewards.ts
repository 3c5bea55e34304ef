// New-construction-land reward quota of a county (鲁自然资字〔2021〕165号 一、三、五): the stock area
// revitalised in year Y ÷ 2 (stock : new = 2 : 1) × a coefficient by per-capita urban-rural
// construction land, less twice what projects found fraudulent the year before had earned.
import { MU_M2 } from './analysis-config.js'

export const HA_M2 = 10_000

/** 人均城乡建设用地 (m²/person) → 调整系数: ≤ 200 → 1.1; 200 < x ≤ 300 → 1.0; > 300 → 0.9. */
export function adjustmentCoefficient(perCapitaM2: number): number {
  if (perCapitaM2 <= 200) return 1.1
  if (perCapitaM2 <= 300) return 1.0
  return 0.9
}

export const STOCK_TO_NEW = 2

/** Quota from a stock area, in m² at full precision (round only for display). */
export const quotaM2 = (stockM2: number, coefficient: number) => (stockM2 / STOCK_TO_NEW) * coefficient

/** Fraud: the quota the project earned is deducted twice from the next year's plan. */
export const FRAUD_DEDUCTION_FACTOR = 2

/** Counties of Qingdao (3702xx) are outside the provincial scheme; Qingdao rewards them itself. */
export const outsideProvincialScheme = (county: string) => county.startsWith('3702')

/** 城乡建设用地: third-survey patches of 城市, 建制镇 and 村庄, with their 独立工业用地 (A). */
export const urbanRuralCzcsxm = ['201', '202', '203', '201A', '202A', '203A'] as const

/** Fixed-precision numbers so that the same inputs give byte-identical output. */
export const round = (x: number, digits: number) => Number(x.toFixed(digits))
export const areaUnits = (m2: number) => ({ m2: round(m2, 2), mu: round(m2 / MU_M2, 4), ha: round(m2 / HA_M2, 4) })

/** 青岛市所辖县（市、区）不计入奖励范围 (165号 一). */
export const OUTSIDE_SCHEME_REASON = { en: 'Qingdao counties are outside the provincial reward scheme (Qingdao rewards them itself)', zh: '青岛市所辖县（市、区）不计入奖励范围' }

/** Checks whose failure excludes a project by its size (165号 三: 不足15亩；15-30亩再开发面积不足50%). */
export const areaRuleChecks = ['min-area', 'stock-half-15-30'] as const

export interface RewardCandidate {
  status: string
  /** the analysis the province approved; null when none is pinned */
  approvedResultId: number | null
  eligible: boolean | null
  stockM2: number | null
  checks: Array<{ id: string; passed: boolean | null; message?: string }>
}

export type Exclusion =
  | 'not-province-approved'
  | 'no-approved-analysis'
  | 'area-rule'
  | 'not-eligible'
  | 'eligibility-undecided'
  | 'stock-area-unknown'

export type Verdict = { qualifies: true } | { qualifies: false; exclusion: Exclusion; failedChecks: string[]; en: string; zh: string }

/**
 * Whether a project completed in the year counts toward its county's quota: approved by the province
 * (165号 二：通过省级审核的项目方可纳入奖励范围) on an analysis that found it eligible with a stock area.
 * A project failing only the area rules is named as such, since those are the notice's explicit exclusions.
 */
export function rewardVerdict(c: RewardCandidate): Verdict {
  const no = (exclusion: Exclusion, en: string, zh: string, failedChecks: string[] = []): Verdict => ({ qualifies: false, exclusion, failedChecks, en, zh })
  if (c.status !== 'province-approved') return no('not-province-approved', `not approved by the province (status '${c.status}')`, '未通过省级审核')
  if (c.approvedResultId === null) return no('no-approved-analysis', 'no approved analysis is pinned to the project', '缺少省级审核通过的分析结果')
  const failed = c.checks.filter((k) => k.passed === false).map((k) => k.id)
  if (c.eligible === false) {
    if (failed.length > 0 && failed.every((id) => (areaRuleChecks as readonly string[]).includes(id))) {
      const zh = failed.map((id) => (id === 'min-area' ? '单个项目面积不足15亩' : '15–30亩项目再开发面积不足50%')).join('；')
      return no('area-rule', `excluded by the area rules: ${failed.join(', ')}`, `${zh}，不计入`, failed)
    }
    return no('not-eligible', `the approved analysis failed: ${failed.join(', ')}`, `审核通过的分析结果不符合入库条件：${failed.join('、')}`, failed)
  }
  if (c.eligible !== true) {
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
