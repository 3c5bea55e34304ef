// 审核: projects awaiting review with their due dates (overdue highlighted) and the filings.
import { api } from '../api.js'
import { clear, h, table } from '../dom.js'
import { s } from '../strings.js'
import { problemBox } from './layers.js'
import { filingsTable } from './review.js'

const r = s.review

export async function render(el) {
  const overdueOnly = h('input', { type: 'checkbox', id: 'overdue-only' })
  const pending = h('div', { id: 'pending-reviews' })
  const filings = h('div', { id: 'filings' })
  el.append(h('h1', {}, r.title), h('section.card', {}, h('h2', {}, r.pending), h('label', { style: 'flex-direction:row;gap:6px' }, overdueOnly, r.overdueOnly), pending),
    h('section.card', {}, h('h2', {}, r.filings), filings))
  async function load() {
    const overdue = overdueOnly.checked ? 'true' : undefined
    try {
      const list = await api('/reviews', { query: { overdue } })
      const c = r.pendingCols
      clear(pending).append(h('p.hint', {}, list.asOf), table([c.code, c.name, c.county, c.status, c.submittedOn, c.dueOn, c.overdue], list.items.map((x) => h('tr', { class: x.overdue ? 'overdue' : '', dataset: { id: x.projectId } },
        h('td', {}, h('a', { href: `#/projects/${x.projectId}` }, x.code)), h('td', {}, x.name ?? s.common.dash), h('td', {}, x.county), h('td', {}, s.statuses[x.status] ?? x.status),
        h('td', {}, x.submittedOn), h('td', {}, x.dueOn), h('td', {}, h('span', { class: `badge ${x.overdue ? 'fail' : 'pass'}` }, x.overdue ? r.overdue : r.onTime))))))
      const fl = await api('/filings', { query: { overdue } })
      clear(filings).append(filingsTable(fl.items))
    } catch (err) {
      clear(pending).append(problemBox(err))
    }
  }
  overdueOnly.addEventListener('change', load)
  await load()
}
