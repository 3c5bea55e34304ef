// The province's reward quota table for year Y (鲁自然资字〔2021〕165号 一、三、四（二）（三）、五):
// per county, the stock area of qualifying projects completed in Y ÷ 2 × the coefficient by
// per-capita urban-rural construction land, less twice the quota earned by projects found
// fraudulent in Y (the table for Y is issued in Y + 1: 165号 五's 下一年度 after the finding).
// Every number at fixed precision: the same inputs give the same bytes.
import type { Knex } from 'knex'
import { evidenceStatus } from '../domain/milestone-evidence.js'
import { unconfirmedMilestoneReason, type MilestoneStage } from '../domain/milestone-review.js'
import type { MilestoneType } from '../domain/project.js'
import { countyByCode } from '../domain/regions.js'
import {
  adjustmentCoefficient,
  describeBands,
  areaUnits,
  earnedQuotaM2,
  FRAUD_DEDUCTION_FACTOR,
  fraudDeductionM2,
  honoursRevoked,
  OUTSIDE_SCHEME_REASON,
  outsideProvincialScheme,
  perCapitaM2,
  quotaM2,
  rewardVerdict,
  stockAfterOverlap,
  type Exclusion,
  type RewardCandidate,
} from '../domain/rewards.js'
import { analysisDefaults, survey2LandOf } from '../domain/analysis-config.js'
import { roundTo, toMu } from '../domain/units.js'
import { csvDocument, type CsvColumn, type HeaderLanguage } from '../formats/csv.js'
import type { RewardsReportBody } from '../schemas/rewards.js'
import { populationNotes, surveyVersionChoice } from '../domain/reward-statistics.js'
import { issueDeadline } from '../domain/reward-year.js'
import * as q from './queries.js'
import { landSurveyOf, populationSourceOf } from './stats-view.js'
import { stockLandCounted, type StockLandRow } from './stock-land.js'
import { rewardInputs, type RewardInputs } from './inputs.js'

type Note = { en: string; zh: string }
type Stats = {
  landM2: number
  population: number
  landSource: string
  populationSource: ReturnType<typeof populationSourceOf>
  landSurvey: ReturnType<typeof landSurveyOf>
}

const candidateOf = (r: Partial<q.RewardProjectRow>): RewardCandidate => ({
  status: r.status ?? 'deleted',
  milestoneType: r.milestone_type ?? null,
  approvedResultId: r.approved_result_id ?? null,
  eligible: r.eligible ?? null,
  stockM2: r.stock_m2 ?? null,
  checks: r.checks ?? [],
})
const yearOf = (date: string | null | undefined) => (date ? Number(date.slice(0, 4)) : null)
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

interface Deduction {
  findingIds: number[]
  projectId: number | null
  projectCode: string
  rewardYear: number | null
  stockAreaM2: number | null
  earnedQuotaM2: number | null
  deductionM2: number | null
  reason: string
  reasonZh: string
  /** full precision, for the total; not in the response */
  earnedFullM2: number | null
}

/** What one project found fraudulent takes off: FRAUD_DEDUCTION_FACTOR × the quota it earned in its reward year. */
function deductionOf(rows: Awaited<ReturnType<typeof q.fraudFindingsOf>>, stats: Map<string, Stats>): Deduction {
  const r = rows[0]!
  const base = { findingIds: rows.map((x) => x.finding_id), projectId: r.project_id, projectCode: r.code ?? r.project_code_at_finding }
  if (r.id == null) {
    // A project under review or approved cannot be deleted (src/projects/service.ts), so a deleted one never qualified.
    return {
      ...base,
      rewardYear: null,
      stockAreaM2: null,
      earnedQuotaM2: 0,
      deductionM2: 0,
      earnedFullM2: 0,
      reason: 'the project was deleted before any approval: it never qualified and earned 0',
      reasonZh: '项目已删除（未经省级审核通过），未获得奖励指标，扣减为0',
    }
  }
  const rewardYear = yearOf(r.milestone_date)
  const verdict = rewardVerdict(candidateOf(r))
  if (!verdict.qualifies || rewardYear === null) {
    const why = verdict.qualifies ? 'it has no milestone date' : verdict.en
    return {
      ...base,
      rewardYear,
      stockAreaM2: null,
      earnedQuotaM2: 0,
      deductionM2: 0,
      earnedFullM2: 0,
      reason: `the project never qualified for a quota (${why}): it earned 0`,
      reasonZh: '该项目未获得奖励指标，扣减为0',
    }
  }
  const stock = r.stock_m2!
  const s = stats.get(`${r.xzqdm}/${rewardYear}`)
  const earned = earnedQuotaM2(stock, s ?? null)
  if (earned === null) {
    return {
      ...base,
      rewardYear,
      stockAreaM2: roundTo(stock, 2),
      earnedQuotaM2: null,
      deductionM2: null,
      earnedFullM2: null,
      reason: `no statistics of county ${r.xzqdm} for the project's reward year ${rewardYear}: the quota it earned is unknown`,
      reasonZh: `缺少该县${rewardYear}年度统计数据，无法确定项目所获奖励指标及扣减额`,
    }
  }
  return {
    ...base,
    rewardYear,
    stockAreaM2: roundTo(stock, 2),
    earnedQuotaM2: roundTo(earned, 2),
    deductionM2: roundTo(fraudDeductionM2(earned), 2),
    earnedFullM2: earned,
    reason: `${FRAUD_DEDUCTION_FACTOR} × the quota earned in ${rewardYear}`,
    reasonZh: `按${rewardYear}年度所获奖励指标双倍扣减`,
  }
}

const publicDeduction = ({ earnedFullM2: _, ...d }: Deduction) => d

/** A qualifying project's milestone with how its evidence stands (it counts by its date; the evidence is for review). */
function milestoneEvidenceOf(p: q.RewardProjectRow) {
  const type = p.milestone_type as MilestoneType
  const { complete, needsReview, note, noteZh } = evidenceStatus(type, p.milestone_date, p.milestone_evidence)!
  return { milestoneType: type, evidence: { complete, needsReview, note, noteZh } }
}

/** A milestone proposed in the year and not yet confirmed does not count (issue 21); listed so the county sees why. */
function withUnconfirmed<R extends { excludedProjects: Array<Record<string, unknown>> }>(
  row: R,
  pending: Awaited<ReturnType<typeof q.milestonesUnconfirmedIn>>,
): R {
  for (const p of pending) {
    const why = unconfirmedMilestoneReason(p.pending_stage as MilestoneStage)
    row.excludedProjects.push({
      id: p.id,
      code: p.code,
      status: p.status,
      milestoneDate: p.pending_date,
      exclusion: 'milestone-unconfirmed',
      failedChecks: [],
      reason: why.en,
      reasonZh: why.zh,
    })
  }
  return row
}

/** The table of `year` computed from today's data (live). */
export async function rewardsReport(knex: Knex, year: number) {
  return (await computeRewards(knex, year)).report
}

/** The table of `year` and what it was computed from (an extraction stores both: ./extractions.ts). */
export async function computeRewards(knex: Knex, year: number): Promise<{ report: RewardsReportBody; inputs: RewardInputs }> {
  // the findings made in the table's own year come off it (tableOfFindingYear, 165号 五)
  const [completed, findings, unconfirmed] = await Promise.all([
    q.projectsCompletedIn(knex, year),
    q.fraudFindingsOf(knex, year),
    q.milestonesUnconfirmedIn(knex, year),
  ])
  const years = new Set([year, ...findings.map((f) => yearOf(f.milestone_date)).filter((y): y is number => y !== null)])
  const statsRows = await q.statsOfYears(knex, [...years].sort())
  const stats = new Map<string, Stats>(
    statsRows.map((s) => [
      `${s.xzqdm}/${s.year}`,
      {
        landM2: Number(s.urban_rural_construction_land_m2),
        population: Number(s.population),
        landSource: s.land_source,
        populationSource: populationSourceOf(s),
        landSurvey: landSurveyOf(s),
      },
    ]),
  )

  // One deduction per project, however many findings it has in the year.
  const byProject = new Map<string, typeof findings>()
  for (const f of findings) {
    const k = f.project_id === null ? `finding:${f.finding_id}` : `project:${f.project_id}`
    byProject.set(k, [...(byProject.get(k) ?? []), f])
  }
  const deductions = new Map<string, Deduction[]>()
  for (const rows of byProject.values()) {
    const county = rows[0]!.finding_county.trim()
    deductions.set(county, [...(deductions.get(county) ?? []), deductionOf(rows, stats)])
  }

  const counties = new Set<string>([...completed.map((p) => p.xzqdm.trim()), ...deductions.keys(), ...unconfirmed.map((p) => p.xzqdm.trim())])
  const land = new Map<string, CountedLand>()
  for (const county of counties) land.set(county, await countedLand(knex, county, year, completed))
  for (const key of stats.keys()) if (key.endsWith(`/${year}`)) counties.add(key.slice(0, 6))

  const report = {
    year,
    rules: {
      stockToNew: '2:1',
      coefficients: describeBands(),
      fraudDeductionFactor: FRAUD_DEDUCTION_FACTOR,
      deductionsFromFindingsOf: year,
      issuedIn: year + 1,
    },
    // 165号 四（三）: 每年7月底前……下达
    issueDeadline: issueDeadline(year),
    counties: [...counties].sort().map((county) =>
      withUnconfirmed(
        countyRow(
          county,
          year,
          completed.filter((p) => p.xzqdm.trim() === county),
          stats.get(`${county}/${year}`) ?? null,
          deductions.get(county) ?? [],
          land.get(county)!,
        ),
        unconfirmed.filter((p) => p.xzqdm.trim() === county),
      ),
    ),
  }
  const earlier = [...land.values()].flatMap((l) => l.earlier)
  return { report, inputs: rewardInputs({ completed, earlier, findings, unconfirmed, statsRows }) }
}

/** What the county's stock land looks like once land counted before is taken off: per project of the year, and who counted it before. */
interface CountedLand {
  rows: Map<number, StockLandRow>
  /** every project in the counting order: its code and reward year */
  named: Map<number, { code: string; year: number }>
  /** the projects of earlier years whose land was taken off (inputs of the table) */
  earlier: q.RewardProjectRow[]
}

const qualifies = (p: q.RewardProjectRow) => rewardVerdict(candidateOf(p)).qualifies
const byMilestone = (a: q.RewardProjectRow, b: q.RewardProjectRow) =>
  a.milestone_date! < b.milestone_date! ? -1 : a.milestone_date! > b.milestone_date! ? 1 : a.id - b.id

/**
 * The counting order of a county (issue 21): projects counted in earlier reward years, then the
 * year's qualifying projects by milestone date (the first completed keeps the land), and the stock
 * land each of the year's projects shares with those before it.
 */
async function countedLand(knex: Knex, county: string, year: number, completed: q.RewardProjectRow[]): Promise<CountedLand> {
  const mine = completed.filter((p) => p.xzqdm.trim() === county && qualifies(p)).sort(byMilestone)
  if (!mine.length) return { rows: new Map(), named: new Map(), earlier: [] }
  const earlier = (await q.projectsCompletedBefore(knex, county, year)).filter(qualifies)
  const order = [...earlier, ...mine]
  const rows = await stockLandCounted(knex, county, {
    order: order.map((p) => p.id),
    from: earlier.length,
    land: survey2LandOf(analysisDefaults),
  })
  return { rows, named: new Map(order.map((p) => [p.id, { code: p.code, year: yearOf(p.milestone_date)! }])), earlier }
}

function countyRow(county: string, year: number, completed: q.RewardProjectRow[], stats: Stats | null, deductions: Deduction[], land: CountedLand) {
  const notes: Note[] = []
  const qualifying: Array<{
    id: number
    code: string
    milestoneDate: string
    stockAreaM2: number
    countedStockM2: number
    overlapDeductionM2: number
    milestoneType: string
    evidence: { complete: boolean; needsReview: boolean; note: string; noteZh: string }
  }> = []
  const overlapItems: Array<{ projectId: number; code: string; countedBeforeBy: { projectId: number; code: string; year: number }; m2: number }> = []
  let overlapM2 = 0
  const excluded: Array<{
    id: number
    code: string
    status: string
    milestoneDate: string
    exclusion: Exclusion
    failedChecks: string[]
    reason: string
    reasonZh: string
  }> = []
  for (const p of completed) {
    const v = rewardVerdict(candidateOf(p))
    if (v.qualifies) {
      const stock = p.stock_m2!
      const l = land.rows.get(p.id)
      const after = stockAfterOverlap(stock, l)
      overlapM2 += after.deductedM2
      qualifying.push({
        id: p.id,
        code: p.code,
        milestoneDate: p.milestone_date!,
        stockAreaM2: roundTo(stock, 2),
        countedStockM2: roundTo(after.countedM2, 2),
        overlapDeductionM2: roundTo(after.deductedM2, 2),
        ...milestoneEvidenceOf(p),
      })
      // each earlier project sharing its land, in the project's stock (its stock spread over its land)
      const perLandM2 = l && l.landM2 > 0 ? stock / l.landM2 : 0
      for (const pair of l?.pairs ?? []) {
        if (!(pair.m2 > 0) || !(after.deductedM2 > 0)) continue
        const before = land.named.get(pair.id)!
        overlapItems.push({ projectId: p.id, code: p.code, countedBeforeBy: { projectId: pair.id, ...before }, m2: roundTo(pair.m2 * perLandM2, 2) })
      }
    } else
      excluded.push({
        id: p.id,
        code: p.code,
        status: p.status,
        milestoneDate: p.milestone_date!,
        exclusion: v.exclusion,
        failedChecks: v.failedChecks,
        reason: v.en,
        reasonZh: v.zh,
      })
  }
  // the area of the union of the year's stock land, less land counted in earlier years (issue 21)
  const stockM2 = sum(qualifying.map((p) => p.countedStockM2))
  const toReview = qualifying.filter((p) => p.evidence.needsReview)
  if (toReview.length)
    notes.push({
      en: `milestone evidence missing or not matching its date (counted by the milestone date, to be reviewed): ${toReview.map((p) => p.code).join(', ')}`,
      zh: `完成节点证明材料未录入或与完成日期不一致（按完成日期计入，需人工复核）：${toReview.map((p) => p.code).join('、')}`,
    })
  if (overlapItems.length)
    notes.push({
      en: `land already counted (by an earlier project of the year or an earlier year) is counted once: ${roundTo(overlapM2, 2)} m² deducted`,
      zh: `同一土地只核定一次：扣减已由本年度在先项目或以前年度项目核定的存量用地${roundTo(overlapM2, 2)}平方米`,
    })
  const perCapita = stats ? perCapitaM2(stats.landM2, stats.population) : null
  const outside = outsideProvincialScheme(county)
  const common = {
    county,
    countyName: countyByCode(county)?.name ?? null,
    cityName: countyByCode(county)?.cityName ?? null,
    outsideScheme: outside,
    qualifyingProjects: qualifying,
    excludedProjects: excluded,
    stockArea: { m2: roundTo(stockM2, 2), mu: roundTo(toMu(stockM2), 4) },
    overlapDeductions: { m2: roundTo(overlapM2, 2), items: overlapItems },
    population: stats?.population ?? null,
    populationSource: stats?.populationSource ?? null,
    urbanRuralConstructionLandM2: stats ? roundTo(stats.landM2, 2) : null,
    landSource: stats?.landSource ?? null,
    landSurvey: stats?.landSurvey ?? null,
    perCapitaM2: perCapita === null ? null : roundTo(perCapita, 4),
  }
  if (outside) {
    return {
      ...common,
      coefficient: null,
      quota: null,
      deductions: { total: null, items: [] as ReturnType<typeof publicDeduction>[] },
      netQuota: null,
      honoursRevoked: null,
      notes: [OUTSIDE_SCHEME_REASON],
    }
  }
  const coefficient = perCapita === null ? null : adjustmentCoefficient(perCapita)
  // No qualifying project: nothing to multiply, the quota is 0 whatever the coefficient.
  const quota = qualifying.length === 0 ? 0 : coefficient === null ? null : quotaM2(stockM2, coefficient)
  if (quota === null) {
    notes.push({
      en: `no population / urban-rural construction land statistics for ${year}: coefficient and quota unknown`,
      zh: `缺少${year}年度人口和城乡建设用地统计数据，无法确定调整系数和奖励指标`,
    })
  }
  if (stats) notes.push(...statisticsNotes(year, stats))
  const unknown = deductions.filter((d) => d.deductionM2 === null)
  const deducted = unknown.length ? null : sum(deductions.map((d) => fraudDeductionM2(d.earnedFullM2!)))
  const honours = honoursRevoked(
    year,
    deductions.map((d) => d.projectCode),
  )
  if (honours) notes.push(honours.note)
  for (const d of unknown) notes.push({ en: `deduction for ${d.projectCode} unknown: ${d.reason}`, zh: `项目${d.projectCode}：${d.reasonZh}` })
  const net = quota === null || deducted === null ? null : quota - deducted
  if (net !== null && net < 0) {
    notes.push({
      en: 'the deductions exceed the quota: the rest comes off the county\u2019s new construction land plan',
      zh: '扣减额超过本年度奖励指标，超出部分从新增建设用地计划指标中扣减',
    })
  }
  return {
    ...common,
    coefficient,
    quota: quota === null ? null : areaUnits(quota),
    deductions: { total: deducted === null ? null : areaUnits(deducted), items: deductions.map(publicDeduction) },
    netQuota: net === null ? null : areaUnits(net),
    honoursRevoked: honours?.year ?? null,
    notes,
  }
}

/** What the table says about the statistics behind the coefficient: the population's source and the survey measured on (issue 21). */
function statisticsNotes(year: number, stats: Stats): Note[] {
  const notes = populationNotes(year, stats.populationSource)
  const v = stats.landSurvey
  if (v?.how === 'active-fallback') {
    const choice = surveyVersionChoice(year, v)
    notes.push({ en: `urban-rural construction land: ${choice.en}`, zh: `城乡建设用地${choice.zh}` })
  } else if (v?.how === 'not-recorded')
    notes.push({
      en: `urban-rural construction land measured on third-survey version ${v.version}; its survey year was not recorded then`,
      zh: `城乡建设用地按三调图层第${v.version}版计算（计算时未记录调查年度）`,
    })
  return notes
}

export type RewardsReport = RewardsReportBody

/** 各县奖励指标 as a spreadsheet: one row per county, the notes (说明) in Chinese. */
export const rewardsCsvColumns: CsvColumn[] = [
  { zh: '县（市、区）代码', en: 'county' },
  { zh: '县（市、区）', en: 'countyName' },
  { zh: '设区市', en: 'cityName' },
  { zh: '合格项目数', en: 'qualifyingProjectCount' },
  { zh: '盘活存量面积（平方米）', en: 'stockAreaM2' },
  { zh: '盘活存量面积（亩）', en: 'stockAreaMu' },
  { zh: '人口', en: 'population' },
  { zh: '城乡建设用地面积（平方米）', en: 'urbanRuralConstructionLandM2' },
  { zh: '人均城乡建设用地（平方米/人）', en: 'perCapitaM2' },
  { zh: '调整系数', en: 'coefficient' },
  { zh: '奖励指标（平方米）', en: 'quotaM2' },
  { zh: '奖励指标（亩）', en: 'quotaMu' },
  { zh: '奖励指标（公顷）', en: 'quotaHa' },
  { zh: '扣减（平方米）', en: 'deductionsM2' },
  { zh: '净奖励指标（平方米）', en: 'netQuotaM2' },
  { zh: '说明', en: 'notes' },
  { zh: '合格项目', en: 'qualifyingProjects' },
  { zh: '不计入项目', en: 'excludedProjects' },
  // 同一土地只核定一次 (issue 21): already out of 盘活存量面积, listed so the sum of the projects ties to it
  { zh: '重复用地扣减（平方米）', en: 'overlapDeductionsM2' },
  { zh: '重复用地扣减明细', en: 'overlapDeductions' },
  { zh: '取消评优评先资格年度', en: 'honoursRevoked' },
  // issue 21: what the coefficient rests on
  { zh: '人口口径及来源', en: 'populationSource' },
  { zh: '城乡建设用地计算图层', en: 'landSurvey' },
]

export function rewardsCsv(report: RewardsReport, headers: HeaderLanguage = 'zh'): string {
  const rows = report.counties.map((c) => [
    c.county,
    c.countyName,
    c.cityName,
    c.qualifyingProjects.length,
    c.stockArea.m2,
    c.stockArea.mu,
    c.population,
    c.urbanRuralConstructionLandM2,
    c.perCapitaM2,
    c.coefficient,
    c.quota?.m2,
    c.quota?.mu,
    c.quota?.ha,
    c.deductions.total?.m2,
    c.netQuota?.m2,
    c.notes.map((n) => n.zh).join('；'),
    c.qualifyingProjects.map((p) => (p.evidence.needsReview ? `${p.code}（${p.evidence.noteZh}）` : p.code)).join('；'),
    c.excludedProjects.map((p) => `${p.code}（${p.reasonZh}）`).join('；'),
    c.overlapDeductions.m2,
    c.overlapDeductions.items.map((i) => `${i.code}与${i.countedBeforeBy.code}（${i.countedBeforeBy.year}年）重叠${i.m2}平方米`).join('；'),
    c.honoursRevoked,
    c.populationSource ? `${c.populationSource.kindZh}（${c.populationSource.year}年，${c.populationSource.publisher}）` : null,
    landSurveyZh(c.landSurvey),
  ])
  return csvDocument(rewardsCsvColumns, rows, headers)
}

/** The survey version of a computed land area in words, for the CSV. */
function landSurveyZh(v: RewardsReportBody['counties'][number]['landSurvey']): string | null {
  if (!v) return null
  const year = v.surveyYear === null ? '调查年度未注明' : `${v.surveyYear}年度`
  const how = v.how === 'survey-year' ? '本年度变更调查' : v.how === 'active-fallback' ? '未导入本年度变更调查，用当前版本' : '未记录选用方式'
  return `三调图层第${v.version}版（${year}；${how}）`
}
