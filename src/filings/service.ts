// Filings (备案) of project documents and their one-month deadline. All SQL of filings is here.
import type { Knex } from 'knex'
import { auditedWrite, type Actor } from '../auth/actor.js'
import { whereInScope } from '../db/scope.js'
import { chinaToday, type WorkingDayRules } from '../domain/calendar.js'
import { filingDueOn, filingKinds, filingNominalDueOn, filingStatus, type FilingKind } from '../domain/filings.js'
import { problem } from '../errors/index.js'
import { getProject } from '../projects/service.js'
import { workingDayRules } from '../review/calendar.js'
import type { FilingBody } from '../schemas/review.js'

const columns = {
  id: 'f.id',
  projectId: 'f.project_id',
  projectCode: 'p.code',
  county: 'f.xzqdm',
  kind: 'f.kind',
  title: 'f.title',
  documentDate: 'f.document_date',
  dueOn: 'f.due_on',
  filedOn: 'f.filed_on',
}
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
}

/**
 * The stored `due_on` is the nominal date (one month on); the due date shown moves off weekends and
 * holidays when read, so a holiday arrangement loaded later corrects it, as for review due dates.
 */
function present(r: Row, asOf: string, rules: WorkingDayRules) {
  const due = filingDueOn(r.documentDate, rules)
  const filing = { ...r, dueOn: due.dueOn, nominalDueOn: due.nominalDueOn, calendarMissingFor: due.yearsWithoutCalendar }
  return { ...filing, kindZh: filingKinds[r.kind], status: filingStatus(filing, asOf) }
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
  const row = await whereInScope(filingsWithProject(knex).first(columns).where('f.id', id), actor.scope, 'f.xzqdm')
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

export async function listFilings(knex: Knex, actor: Actor, q: { county?: string; projectId?: number; overdue?: boolean; asOf?: string }) {
  const asOf = q.asOf ?? chinaToday()
  let query = whereInScope(filingsWithProject(knex).select(columns).orderBy('f.due_on').orderBy('f.id'), actor.scope, 'f.xzqdm')
  if (q.county) query = query.where('f.xzqdm', q.county)
  if (q.projectId) query = query.where('f.project_id', q.projectId)
  // not filed and the nominal date passed: the shifted due date is never earlier, so this only narrows
  if (q.overdue) query = query.whereNull('f.filed_on').where('f.due_on', '<', asOf)
  const [rows, rules] = await Promise.all([query as Promise<Row[]>, workingDayRules(knex)])
  const items = rows.map((r) => present(r, asOf, rules))
  return { asOf, items: q.overdue ? items.filter((f) => f.status === 'overdue') : items }
}
