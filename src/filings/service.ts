// Filings (备案) of project documents and their one-month deadline. All SQL of filings is here.
import type { Knex } from 'knex'
import { auditedWrite, type Actor } from '../auth/actor.js'
import { actorNameOf } from '../auth/names.js'
import { whereInScope } from '../db/scope.js'
import { chinaMinute, chinaToday, type WorkingDayRules } from '../domain/calendar.js'
import { filingDueOn, filingKinds, filingNominalDueOn, filingStatus, filingStatusZh, type FilingKind } from '../domain/filings.js'
import { countyByCode } from '../domain/regions.js'
import { csvDocument, type CsvColumn, type HeaderLanguage } from '../formats/csv.js'
import { problem } from '../errors/index.js'
import { getProject } from '../projects/service.js'
import { workingDayRules } from '../review/calendar.js'
import type { FilingBody } from '../schemas/review.js'

const columns = (knex: Knex) => ({
  id: 'f.id',
  projectId: 'f.project_id',
  projectCode: 'p.code',
  county: 'f.xzqdm',
  kind: 'f.kind',
  title: 'f.title',
  documentDate: 'f.document_date',
  dueOn: 'f.due_on',
  filedOn: 'f.filed_on',
  createdBy: 'f.created_by',
  createdByName: actorNameOf(knex, 'f.created_by'),
  createdAt: 'f.created_at',
})
type Row = {
  id: number
  projectId: number
  projectCode: string
  county: string
  kind: FilingKind
  title: string | null
  documentDate: string
  dueOn: string
  filedOn: string | null
  createdBy: string
  createdByName: string | null
  createdAt: Date
}

/**
 * The stored `due_on` is the nominal date (one month on); the due date shown moves off weekends and
 * holidays when read, so a holiday arrangement loaded later corrects it, as for review due dates.
 */
function present(r: Row, asOf: string, rules: WorkingDayRules) {
  const due = filingDueOn(r.documentDate, rules)
  const filing = { ...r, county: r.county.trim(), dueOn: due.dueOn, nominalDueOn: due.nominalDueOn, calendarMissingFor: due.yearsWithoutCalendar }
  const status = filingStatus(filing, asOf)
  return {
    ...filing,
    countyName: countyByCode(filing.county)?.name ?? null,
    kindZh: filingKinds[r.kind],
    status,
    statusZh: filingStatusZh[status],
    createdAt: new Date(r.createdAt).toISOString(),
  }
}

function checkDates(documentDate: string, filedOn: string | null | undefined) {
  if (filedOn && filedOn < documentDate)
    throw problem('LR_BAD_REQUEST', `filedOn ${filedOn} is before the document date ${documentDate}`, { detailZh: '备案日期早于文件批准或签订日期' })
}

export async function createFiling(knex: Knex, actor: Actor, projectId: number, body: FilingBody) {
  const project = await getProject(knex, actor, projectId)
  checkDates(body.documentDate, body.filedOn)
  const id = await auditedWrite(
    knex,
    actor,
    async (trx) =>
      (
        await trx('filings')
          .insert({
            project_id: projectId,
            xzqdm: project.county,
            kind: body.kind,
            title: body.title ?? null,
            document_date: body.documentDate,
            due_on: filingNominalDueOn(body.documentDate),
            filed_on: body.filedOn ?? null,
            created_by: actor.principal.prefix,
          })
          .returning('id')
      )[0].id as number,
    (newId) => ({
      action: 'filing.create',
      objectType: 'filing',
      objectId: newId,
      county: project.county,
      detail: { projectId, kind: body.kind, documentDate: body.documentDate },
    }),
  )
  return getFiling(knex, actor, id)
}

/**
 * Filings `f` with their project `p`, joined on the county as well as the id: the co-located join of a
 * database distributed by county (docs/scale-out.md).
 */
const filingsWithProject = (knex: Knex) => knex('filings as f').join('projects as p', (j) => j.on('p.xzqdm', 'f.xzqdm').andOn('p.id', 'f.project_id'))

export async function getFiling(knex: Knex, actor: Actor, id: number) {
  const row = await whereInScope(filingsWithProject(knex).first(columns(knex)).where('f.id', id), actor.scope, 'f.xzqdm')
  if (!row) throw problem('LR_NOT_FOUND', `filing ${id} not found`, { detailZh: `备案 ${id} 不存在或不在权限范围内` })
  return present(row as Row, chinaToday(), await workingDayRules(knex))
}

export async function updateFiling(knex: Knex, actor: Actor, id: number, patch: { filedOn: string | null; title?: string }) {
  const current = await getFiling(knex, actor, id)
  checkDates(current.documentDate, patch.filedOn)
  await auditedWrite(
    knex,
    actor,
    (trx) =>
      trx('filings')
        .where({ id })
        .update({ filed_on: patch.filedOn, ...(patch.title !== undefined ? { title: patch.title } : {}) }),
    () => ({ action: 'filing.update', objectType: 'filing', objectId: id, county: current.county, detail: { ...patch } }),
  )
  return getFiling(knex, actor, id)
}

export async function listFilings(knex: Knex, actor: Actor, q: { county?: string; projectId?: number; year?: number; overdue?: boolean; asOf?: string }) {
  const asOf = q.asOf ?? chinaToday()
  let query = whereInScope(filingsWithProject(knex).select(columns(knex)).orderBy('f.due_on').orderBy('f.id'), actor.scope, 'f.xzqdm')
  if (q.county) query = query.where('f.xzqdm', q.county)
  if (q.projectId) query = query.where('f.project_id', q.projectId)
  // a year's filings: the documents approved or signed in it
  if (q.year) query = query.where('f.document_date', '>=', `${q.year}-01-01`).where('f.document_date', '<=', `${q.year}-12-31`)
  // not filed and the nominal date passed: the shifted due date is never earlier, so this only narrows
  if (q.overdue) query = query.whereNull('f.filed_on').where('f.due_on', '<', asOf)
  const [rows, rules] = await Promise.all([query as Promise<Row[]>, workingDayRules(knex)])
  const items = rows.map((r) => present(r, asOf, rules))
  return { asOf, items: q.overdue ? items.filter((f) => f.status === 'overdue') : items }
}

/** Columns of the filings CSV: the Chinese title, and the name of the same value in the JSON items. */
const csvColumns: CsvColumn[] = [
  { zh: '项目编号', en: 'projectCode' },
  { zh: '县（市、区）代码', en: 'county' },
  { zh: '县（市、区）', en: 'countyName' },
  { zh: '备案事项', en: 'kind' },
  { zh: '文件名称', en: 'title' },
  { zh: '批准或签订日期', en: 'documentDate' },
  { zh: '备案期限', en: 'dueOn' },
  { zh: '备案日期', en: 'filedOn' },
  { zh: '状态', en: 'status' },
  { zh: '登记人', en: 'createdByName' },
  { zh: '登记密钥', en: 'createdBy' },
  { zh: '登记时间（北京时间）', en: 'createdAt' },
]

/** The filings of a list query as a spreadsheet: names in Chinese, times in Beijing time. */
export async function filingsCsv(knex: Knex, actor: Actor, q: Parameters<typeof listFilings>[2], headers: HeaderLanguage = 'zh') {
  const { items } = await listFilings(knex, actor, q)
  return csvDocument(
    csvColumns,
    items.map((f) => [
      f.projectCode,
      f.county,
      f.countyName,
      f.kindZh,
      f.title,
      f.documentDate,
      f.dueOn,
      f.filedOn,
      f.statusZh,
      f.createdByName,
      f.createdBy,
      chinaMinute(f.createdAt),
    ]),
    headers,
  )
}
