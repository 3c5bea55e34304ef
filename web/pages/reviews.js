// 审核: projects awaiting review with their due dates (overdue highlighted) and the filings.
import { api } from '../api.js'
import { clear, h, table } from '../dom.js'
import { statusName } from '../settings.js'
import { s } from '../strings.js'
import { problemBox } from '../problem.js'
import { filingsTable } from './review.js'
import { pendingMilestonesTable } from './milestone-review.js'
import { sheetSelection } from './sheet-selection.js'

const r = s.review

export async function render(el) {
  const overdueOnly = h('input', { type: 'checkbox', id: 'overdue-only' })
  const pending = h('div', { id: 'pending-reviews' })
  const city = h('div', { id: 'awaiting-city' })
  const milestones = h('div', { id: 'milestone-reviews' })
  const filings = h('div', { id: 'filings' })
  // a failed reload (the overdue filter, with the service stopped) keeps the tables shown and says why
  const status = h('div', { id: 'reviews-status', 'aria-live': 'polite' })
  // 批量打印核查表: the projects ticked in either table, one sheet each
  const selection = sheetSelection()
  el.append(
    h('h1', {}, r.title),
    status,
    h(
      'section.card',
      {},
      h('h2', {}, r.pending),
      h('div.row', {}, h('label', { style: 'flex-direction:row;gap:6px' }, overdueOnly, r.overdueOnly), selection.button),
      pending,
    ),
    h('section.card', {}, h('h2', {}, r.awaitingCity), city),
    h('section.card', {}, h('h2', {}, r.milestone.list), milestones),
    h('section.card', {}, h('h2', {}, r.filings), filings),
  )
  async function load() {
    const overdue = overdueOnly.checked ? 'true' : undefined
    try {
      const [list, fl] = await Promise.all([api('/reviews', { query: { overdue } }), api('/filings', { query: { overdue } })])
      clear(status)
      const c = r.pendingCols
      const link = (x) => h('td', {}, h('a', { href: `#/projects/${x.projectId}` }, x.code))
      // the other projects on the same land, from the latest analysis: what a reviewer must see first
      const overlaps = (x) =>
        h(
          'td',
          { class: 'overlaps' },
          x.overlaps === null
            ? r.overlapsNotAnalysed
            : x.overlaps.length
              ? x.overlaps.map((o) => r.overlapItem(o.code, statusName(o.status), o.stockM2)).join('；')
              : r.noOverlaps,
        )
      // The province's 10 working days count from the city's check (165号 四（一）).
      clear(pending).append(
        h('p.hint', {}, list.asOf),
        table(
          [selection.header(), c.code, c.name, c.county, c.status, c.cityCheckedOn, c.dueOn, c.overdue, c.overlaps],
          list.items.map((x) =>
            h(
              'tr',
              { class: x.overdue ? 'overdue' : '', dataset: { id: x.projectId } },
              selection.cell(x.projectId, x.code),
              link(x),
              h('td', {}, x.name ?? s.common.dash),
              h('td', {}, x.county),
              h('td', {}, statusName(x.status)),
              h('td', {}, x.cityCheckedOn),
              h('td', {}, x.dueOn),
              h('td', {}, h('span', { class: `badge ${x.overdue ? 'fail' : 'pass'}` }, x.overdue ? r.overdue : r.onTime)),
              overlaps(x),
            ),
          ),
        ),
      )
      // Waiting for the city: no time limit is set for the city (the API says why), so days waited instead of a due date.
      clear(city).append(
        h('p.hint', {}, list.cityDeadline?.zh ?? ''),
        table(
          [selection.header(), c.code, c.name, c.county, c.submittedOn, c.waiting, c.overlaps],
          (list.awaitingCity ?? []).map((x) =>
            h(
              'tr',
              { dataset: { id: x.projectId } },
              selection.cell(x.projectId, x.code),
              link(x),
              h('td', {}, x.name ?? s.common.dash),
              h('td', {}, x.county),
              h('td', {}, x.submittedOn),
              h('td', {}, r.workingDays(x.workingDaysWaiting)),
              overlaps(x),
            ),
          ),
        ),
      )
      // milestone changes after approval: the project page offers the city's and the province's buttons
      clear(milestones).append(pendingMilestonesTable(list.milestones ?? []))
      clear(filings).append(filingsTable(fl.items))
    } catch (err) {
      clear(status).append(problemBox(err))
    }
  }
  overdueOnly.addEventListener('change', load)
  await load()
}
