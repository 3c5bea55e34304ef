// Per-county totals for the provincial system and the province page: every county a key may see
// (by the region table, with zeros where nothing is filed), its projects by status, and the areas
// summed from exactly the numbers the project pull reports, so the two reconcile to the cent.
import { createHash } from 'node:crypto'
import type { Knex } from 'knex'
import { latestAnalysisJoin } from '../db/read-model.js'
import { resultValue } from '../db/result-projections.js'
import { countiesInScope } from '../db/scope.js'
import { projectStatuses, projectStatusZh, type ProjectStatus } from '../domain/project.js'
import type { Scope } from '../domain/region.js'
import { countyByCode } from '../domain/regions.js'
import { roundTo, toMu } from '../domain/units.js'
import { csvDocument, type CsvColumn, type HeaderLanguage } from '../formats/csv.js'

export interface CountySummaryFilter {
  year?: number
  city?: string
}

interface Row {
  county: string
  status: ProjectStatus
  m2: number
  analysed: boolean
  eligible: boolean | null
  stock: number | null
}

/** An area as the pull reports it: square metres at 0.01, mu derived from them. */
const area = (cents: number) => ({ m2: cents / 100, mu: roundTo(toMu(cents / 100), 4) })
/** Whole hundredths of the reported (rounded) value: integer sums cannot drift. */
const cents = (m2: number) => Math.round(roundTo(m2, 2) * 100)

function emptyCounts() {
  return {
    projects: 0,
    byStatus: Object.fromEntries(projectStatuses.map((s) => [s, 0])) as Record<ProjectStatus, number>,
    analysed: 0,
    eligible: 0,
    approved: 0,
    areaCents: 0,
    stockCents: 0,
    eligibleStockCents: 0,
    approvedStockCents: 0,
  }
}
type Counts = ReturnType<typeof emptyCounts>

function add(c: Counts, r: Row) {
  c.projects++
  c.byStatus[r.status]++
  c.areaCents += cents(r.m2)
  if (r.analysed) c.analysed++
  if (r.stock !== null) c.stockCents += cents(r.stock)
  if (r.eligible === true) {
    c.eligible++
    if (r.stock !== null) c.eligibleStockCents += cents(r.stock)
  }
  if (r.status === 'province-approved') {
    c.approved++
    // The numbers of the analysis the province approved (the pull prefers it too).
    if (r.eligible === true && r.stock !== null) c.approvedStockCents += cents(r.stock)
  }
}

const reported = (c: Counts) => ({
  projects: c.projects,
  byStatus: c.byStatus,
  analysed: c.analysed,
  eligible: c.eligible,
  approved: c.approved,
  area: area(c.areaCents),
  stockArea: area(c.stockCents),
  eligibleStockArea: area(c.eligibleStockCents),
  approvedStockArea: area(c.approvedStockCents),
})

export async function countySummary(knex: Knex, scope: Scope, f: CountySummaryFilter) {
  // The key's counties (its scope), narrowed to a city's counties (by the region table) if asked, in
  // code order: the rows listed and the only counties read.
  const ofCity = !f.city ? null : new Set(countiesInScope({ kind: 'city', prefix: f.city }))
  const counties = countiesInScope(scope)
    .filter((c) => !ofCity || ofCity.has(c))
    .sort()
  const where = [{ sql: 'p.xzqdm = ANY(?::bpchar[])', bindings: [counties] as unknown[] }]
  // a milestone's year is a reward year only with its type (a date alone does not count: docs/decisions.md, issue 21)
  if (f.year !== undefined) where.push({ sql: 'p.milestone_type IS NOT NULL AND extract(year FROM p.milestone_date) = ?', bindings: [f.year] })
  // One row per project, with only what is summed; rounding and summing happen below, exactly as
  // the pull rounds each project, in whole cents so that sums cannot drift.
  const { rows } = await knex.raw(
    `SELECT p.xzqdm AS county, p.status, p.area_m2 AS m2, r.id IS NOT NULL AS analysed, r.eligible,
            ${resultValue(['stockArea', 'm2'])} AS stock
       FROM projects p
       ${latestAnalysisJoin({ project: 'p', as: 'r', columns: 'r.id, r.result, r.eligible', preferApproved: true })}
      WHERE ${where.map((w) => w.sql).join(' AND ')}`,
    where.flatMap((w) => w.bindings) as Knex.RawBinding[],
  )
  const byCounty = new Map(counties.map((c) => [c, emptyCounts()]))
  const total = emptyCounts()
  for (const r of rows as Row[]) {
    add(byCounty.get(r.county.trim())!, r)
    add(total, r)
  }
  const items = counties.map((code) => {
    const c = countyByCode(code)
    return { county: code, countyName: c?.name ?? null, city: code.slice(0, 4), cityName: c?.cityName ?? null, ...reported(byCounty.get(code)!) }
  })
  const totals = reported(total)
  return {
    year: f.year ?? null,
    counties: items,
    total: totals,
    // Over every reported number: a provincial system compares it to see whether anything changed.
    checksum: createHash('sha256')
      .update(JSON.stringify([items, totals]))
      .digest('hex'),
  }
}

const csvColumns: CsvColumn[] = [
  { zh: '县（市、区）代码', en: 'county' },
  { zh: '县（市、区）', en: 'countyName' },
  { zh: '设区市', en: 'cityName' },
  { zh: '项目数', en: 'projects' },
  ...projectStatuses.map((s) => ({ zh: `其中：${projectStatusZh[s]}`, en: `status_${s}` })),
  { zh: '已分析项目数', en: 'analysed' },
  { zh: '符合入库条件项目数', en: 'eligible' },
  { zh: '项目面积（平方米）', en: 'areaM2' },
  { zh: '已分析项目盘活存量面积（平方米）', en: 'stockAreaM2' },
  { zh: '符合条件项目盘活存量面积（平方米）', en: 'eligibleStockAreaM2' },
  { zh: '符合条件项目盘活存量面积（亩）', en: 'eligibleStockAreaMu' },
  { zh: '省级审核通过项目盘活存量面积（平方米）', en: 'approvedStockAreaM2' },
  { zh: '省级审核通过项目盘活存量面积（亩）', en: 'approvedStockAreaMu' },
]

export async function countySummaryCsv(knex: Knex, scope: Scope, f: CountySummaryFilter, headers: HeaderLanguage = 'zh'): Promise<string> {
  const s = await countySummary(knex, scope, f)
  const line = (name: [string, string | null, string | null], c: ReturnType<typeof reported>) => [
    ...name,
    c.projects,
    ...projectStatuses.map((st) => c.byStatus[st]),
    c.analysed,
    c.eligible,
    c.area.m2.toFixed(2),
    c.stockArea.m2.toFixed(2),
    c.eligibleStockArea.m2.toFixed(2),
    c.eligibleStockArea.mu.toFixed(4),
    c.approvedStockArea.m2.toFixed(2),
    c.approvedStockArea.mu.toFixed(4),
  ]
  return csvDocument(csvColumns, [...s.counties.map((c) => line([c.county, c.countyName, c.cityName], c)), line(['合计', null, null], s.total)], headers)
}
