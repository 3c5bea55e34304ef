// Extractions of a year's reward table (165号 四（二）: "每年初，省厅从系统中提取各地上一年度低效用地再开发
// 项目清单，汇总核定各地上一年度城镇低效用地再开发规模", issue 21). An extraction freezes the table: the
// whole table as computed that day, with what it was computed from, its date and who made it. From then
// on the year's table is the latest extraction, read as stored: later approvals, statistics or findings
// change the live computation (?live=true), never a frozen table. A second extraction of a year is a
// correction: it needs a reason, gets the next number and becomes the year's table; the earlier ones stay.
import type { Knex } from 'knex'
import Compile from 'typebox/compile'
import { auditedWrite, type Actor } from '../auth/actor.js'
import { chinaDate, chinaToday } from '../domain/calendar.js'
import { deadlinePassed, extractionRefusal } from '../domain/reward-year.js'
import { problem } from '../errors/index.js'
import { RewardsReportBody, type ExtractionBody } from '../schemas/rewards.js'
import * as q from './queries.js'
import { computeRewards } from './report.js'

/**
 * The shape of a stored extraction (reward_extractions.report). A change to the table's schema
 * (RewardsReportBody) that an extraction stored before it would not pass must bump this and add an
 * upgrade below from the older version: a frozen table is never recomputed.
 */
export const extractionSchemaVersion = 1

/** Upgrades of tables stored in an older schema version to the current one, by version (none yet). */
const upgrades: Record<number, (report: unknown) => unknown> = {}

let validator: { Check(value: unknown): boolean } | undefined

/** The stored table as this code reads it; a problem (409) naming the extraction when it cannot be read. */
function storedReport(row: q.ExtractionRow): RewardsReportBody {
  const report = row.schema_version === extractionSchemaVersion ? row.report : upgrades[row.schema_version]?.(row.report)
  validator ??= Compile(RewardsReportBody)
  if (report !== undefined && validator.Check(report)) return report as RewardsReportBody
  throw problem(
    'LR_CONFLICT',
    `extraction ${row.number} of ${row.year} was stored in schema version ${row.schema_version}, which this service cannot read as version ${extractionSchemaVersion}`,
    { detailZh: `${row.year}年度第${row.number}次提取的奖励指标表为第${row.schema_version}版格式，本服务无法读取（当前为第${extractionSchemaVersion}版）` },
  )
}

/** An extraction without its table: number, date, who, why, and whether a later one replaced it. */
function summary(row: Omit<q.ExtractionRow, 'report' | 'inputs'>, latestNumber: number) {
  const extractedOn = chinaDate(new Date(row.extracted_at))
  return {
    number: row.number,
    extractedAt: new Date(row.extracted_at).toISOString(),
    extractedOn,
    extractedBy: row.extracted_by,
    extractedByName: row.extracted_by_name ?? null,
    reason: row.reason,
    afterDeadline: deadlinePassed(row.year, extractedOn),
    latest: row.number === latestNumber,
    schemaVersion: row.schema_version,
  }
}

const deadline = (year: number, asOf: string) => ({ asOf, deadlinePassed: deadlinePassed(year, asOf) })

/** 每年初提取 (province keys only): freezes the year's table as computed now. */
export async function extractRewards(knex: Knex, actor: Actor, year: number, body: ExtractionBody) {
  if (actor.principal.role !== 'province')
    throw problem('LR_FORBIDDEN', `only a province key may extract the reward table; this is a ${actor.principal.role} key`, {
      detailZh: '仅省级密钥可提取奖励指标表',
    })
  const today = chinaToday()
  const early = extractionRefusal(year, today)
  if (early) throw problem('LR_CONFLICT', early.en, { detailZh: early.zh })
  const reason = body.reason?.trim() || null
  // Computed before the transaction: the embedded database has one connection.
  const { report, inputs } = await computeRewards(knex, year)
  const row = await auditedWrite(
    knex,
    actor,
    async (trx) => {
      const before = await q.lockedExtractionsOf(trx, year)
      const last = before[0]
      if (last && !reason) {
        const on = chinaDate(new Date(last.extracted_at))
        throw problem('LR_CONFLICT', `the table of ${year} was extracted already (extraction ${last.number}, ${on}): a further extraction needs a reason`, {
          detailZh: `${year}年度奖励指标表已于${on}提取（第${last.number}次），不可改动；如需重新提取，请说明理由（reason）`,
          errors: [{ path: '/reason', message: 'required: the year has an extraction' }],
        })
      }
      const row = await q.insertExtraction(trx, {
        year,
        number: (last?.number ?? 0) + 1,
        schemaVersion: extractionSchemaVersion,
        report,
        inputs,
        reason,
        extractedBy: actor.principal.prefix,
      })
      return { ...row, extracted_by_name: actor.principal.name }
    },
    (r) => ({
      action: 'rewards.extract',
      objectType: 'reward-extraction',
      objectId: `${year}/${r.number}`,
      detail: { year, number: r.number, reason, counties: report.counties.length },
    }),
  )
  return { ...summary(row, row.number), report, inputs, ...deadline(year, today) }
}

/** The year's extractions, newest first. */
export async function listExtractions(knex: Knex, year: number) {
  const rows = await q.extractionsOf(knex, year)
  return rows.map((r) => summary(r, rows[0]!.number))
}

/** One extraction whole: its table as stored and what it was computed from. */
export async function getExtraction(knex: Knex, year: number, number: number, asOf = chinaToday()) {
  const [row, all] = await Promise.all([q.extractionOf(knex, year, number), q.extractionsOf(knex, year)])
  if (!row) throw problem('LR_NOT_FOUND', `no extraction ${number} of ${year}`, { detailZh: `${year}年度没有第${number}次提取` })
  return { ...summary(row, all[0]!.number), report: storedReport(row), inputs: row.inputs as Record<string, unknown>, ...deadline(year, asOf) }
}

/**
 * The year's table: the latest extraction as stored when there is one (frozen), else computed from
 * today's data (live); `live` computes it whatever, the latest extraction named beside it.
 */
export async function yearTable(knex: Knex, year: number, o: { live?: boolean; asOf?: string } = {}) {
  const asOf = o.asOf ?? chinaToday()
  const latest = await q.extractionOf(knex, year)
  const extraction = latest ? summary(latest, latest.number) : null
  if (latest && !o.live) return { ...storedReport(latest), source: 'frozen' as const, extraction, ...deadline(year, asOf) }
  return { ...(await computeRewards(knex, year)).report, source: 'live' as const, extraction, ...deadline(year, asOf) }
}
