// The province's pull API: projects in change order with a stable cursor, their numbers at fixed
// precision with a checksum, as JSON pages or one CSV for spreadsheets.
import { hash } from 'node:crypto'
import type { Knex } from 'knex'
import { countyByCode } from '../domain/regions.js'
import {
  approaches,
  developmentModes,
  milestoneTypes,
  projectStatusZh,
  type DevelopmentMode,
  type MilestoneType,
  type ProjectStatus,
} from '../domain/project.js'
import { useClasses, type UseClass } from '../domain/approach.js'
import { chinaMinute } from '../domain/calendar.js'
import { rewardCounting, stockMethodZh } from '../domain/rules.js'
import { roundTo, toMu } from '../domain/units.js'
import { csvDocument, type CsvColumn, type HeaderLanguage } from '../formats/csv.js'
import { decodeCursor, encodeCursor, type Position } from './cursor.js'
import type { PullFilter } from './filter.js'
import { pullAll, pullPage, type PullRow } from './queries.js'

const mu = (m2: number) => roundTo(toMu(m2), 4)

/** The checks as an object of verdicts by id, built by assignment: Object.fromEntries made an object JSON.stringify walks slower (bench:pull). */
function verdicts(checks: PullRow['checks']): Record<string, boolean | null> {
  const out: Record<string, boolean | null> = {}
  for (const c of checks ?? []) out[c.id] = c.passed
  return out
}

/** Each input layer's version, in the stored order. */
function inputVersions(inputs: PullRow['inputs']): Record<string, number | null> {
  const out: Record<string, number | null> = {}
  for (const layer in inputs ?? {}) out[layer] = inputs![layer]?.version ?? null
  return out
}

/** One item: fixed-precision numbers, so the same inputs give byte-identical output, and their checksum. */
export function pullItem(r: PullRow) {
  const stock = r.stockArea
  const county = countyByCode(r.county)
  const milestone = r.milestoneType ? { type: r.milestoneType, date: r.milestoneDate } : null
  const reported = {
    code: r.code,
    county: r.county,
    milestone,
    // no type, no milestone: a date alone decides no reward year (docs/decisions.md, issue 21)
    rewardYear: milestone?.date ? Number(milestone.date.slice(0, 4)) : null,
    area: { m2: roundTo(r.m2, 2), mu: mu(r.m2) },
    stockArea: stock ? { method: stock.method, m2: stock.m2 == null ? null : roundTo(stock.m2, 2), mu: stock.m2 == null ? null : mu(stock.m2) } : null,
    footprintRatio: r.footprint ? roundTo(r.footprint.ratio, 6) : null,
    checks: verdicts(r.checks),
    eligible: r.eligible,
  }
  // (objects written out, not spread: a spread copy costs several times a literal)
  const stockArea = reported.stockArea
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    county: r.county,
    countyName: county?.name ?? null,
    city: r.county.slice(0, 4),
    cityName: county?.cityName ?? null,
    mode: r.developmentMode,
    modeZh: r.developmentMode ? developmentModes[r.developmentMode as DevelopmentMode] : null,
    approach: r.approach,
    approachZh: approaches[r.approach as keyof typeof approaches] ?? null,
    // 原用途 / 新用途 (land-use classes of the 退二进三 reading)
    originalUse: r.originalUse,
    originalUseZh: r.originalUse ? (useClasses[r.originalUse as UseClass] ?? null) : null,
    newUse: r.newUse,
    newUseZh: r.newUse ? (useClasses[r.newUse as UseClass] ?? null) : null,
    status: r.status,
    statusZh: projectStatusZh[r.status as ProjectStatus] ?? null,
    milestone: milestone ? { type: milestone.type, date: milestone.date, typeZh: milestoneTypes[r.milestoneType as MilestoneType] } : null,
    rewardYear: reported.rewardYear,
    area: reported.area,
    stockArea: stockArea ? (stock?.reason ? { method: stockArea.method, m2: stockArea.m2, mu: stockArea.mu, reason: stock.reason } : stockArea) : null,
    footprintRatio: reported.footprintRatio,
    checks: reported.checks,
    eligible: r.eligible,
    // 计入奖励 (165号 三) from the checks, so that a result approved before analysis schema 3 reads the same way
    rewardCounted: r.checks ? rewardCounting(r.checks) : null,
    analysis: r.resultId
      ? {
          source: r.approved ? ('approved' as const) : ('latest' as const),
          computedAt: r.computedAt!.toISOString(),
          stale: r.stale,
          inputs: inputVersions(r.inputs),
        }
      : null,
    updatedAt: r.updatedKey,
    // Over exactly the values reported above (rounded as reported, mu included: before, a change of mu alone kept the checksum): it changes when any
    // reported number changes and not when only unreported detail (times, names, input versions) does.
    // (the one-shot hash: half the time of createHash on a value this small)
    checksum: hash('sha256', JSON.stringify(reported)),
  }
}
export type PullItem = ReturnType<typeof pullItem>

export async function pullProjects(knex: Knex, q: PullFilter & { cursor?: string; limit: number }) {
  const filter: PullFilter = { year: q.year, county: q.county, city: q.city, status: q.status, updatedSince: q.updatedSince }
  const after = q.cursor ? decodeCursor(q.cursor, filter) : new Map<string, Position>()
  // one row more than asked says whether another page follows
  const rows = await pullPage(knex, filter, after, q.limit + 1)
  const page = rows.slice(0, q.limit)
  // each county moves to its last row in the page (rows come in order); the others keep their place
  const next = new Map(after)
  for (const r of page) next.set(r.county, { updatedKey: r.updatedKey, id: r.id })
  return {
    items: page.map(pullItem),
    // the last positions are returned even at the end: a client keeps them and asks later for what changed since
    nextCursor: page.length ? encodeCursor(filter, next) : (q.cursor ?? null),
    hasMore: rows.length > q.limit,
  }
}

/** Columns of the CSV: the Chinese title, and the name of the same value in the JSON items. */
const csvColumns: CsvColumn[] = [
  { zh: '项目编号', en: 'code' },
  { zh: '项目名称', en: 'name' },
  { zh: '县（市、区）代码', en: 'county' },
  { zh: '县（市、区）', en: 'countyName' },
  { zh: '设区市', en: 'cityName' },
  { zh: '开发模式', en: 'mode' },
  { zh: '再开发方式', en: 'approach' },
  { zh: '原用途', en: 'originalUse' },
  { zh: '新用途', en: 'newUse' },
  { zh: '审核状态', en: 'status' },
  { zh: '完成节点', en: 'milestoneType' },
  { zh: '完成日期', en: 'milestoneDate' },
  { zh: '奖励年度', en: 'rewardYear' },
  { zh: '项目面积（平方米）', en: 'areaM2' },
  { zh: '项目面积（亩）', en: 'areaMu' },
  { zh: '盘活存量面积核定方式', en: 'stockAreaMethod' },
  { zh: '盘活存量面积（平方米）', en: 'stockAreaM2' },
  { zh: '盘活存量面积（亩）', en: 'stockAreaMu' },
  { zh: '上盖建筑物基底面积占比', en: 'footprintRatio' },
  { zh: '是否符合入库条件', en: 'eligible' },
  { zh: '是否计入奖励', en: 'rewardCounted' },
  { zh: '分析来源', en: 'analysisSource' },
  { zh: '分析时间（北京时间）', en: 'computedAt' },
  { zh: '更新时间（北京时间）', en: 'updatedAt' },
  { zh: '校验码', en: 'checksum' },
]

export async function pullProjectsCsv(knex: Knex, q: PullFilter, headers: HeaderLanguage = 'zh'): Promise<string> {
  const rows = (await pullAll(knex, q)).map(pullItem)
  const yesNo = (b: boolean | null) => (b === null ? '待定' : b ? '是' : '否')
  return csvDocument(
    csvColumns,
    rows.map((i) => [
      i.code,
      i.name,
      i.county,
      i.countyName,
      i.cityName,
      i.modeZh,
      i.approachZh,
      i.originalUseZh,
      i.newUseZh,
      i.statusZh ?? i.status,
      i.milestone?.typeZh,
      i.milestone?.date,
      i.rewardYear,
      i.area.m2.toFixed(2),
      i.area.mu.toFixed(4),
      i.stockArea ? (stockMethodZh[i.stockArea.method as keyof typeof stockMethodZh] ?? i.stockArea.method) : null,
      i.stockArea?.m2?.toFixed(2),
      i.stockArea?.mu?.toFixed(4),
      i.footprintRatio?.toFixed(6),
      yesNo(i.eligible),
      yesNo(i.rewardCounted),
      i.analysis ? (i.analysis.source === 'approved' ? '省级审核时的分析' : '最新分析') : '未分析',
      i.analysis ? chinaMinute(i.analysis.computedAt) : null,
      chinaMinute(i.updatedAt),
      i.checksum,
    ]),
    headers,
  )
}
