// 审核 on the project page: the steps this key may take (from GET /projects/{id}/actions), the
// history, the due date (overdue highlighted) and the project's filings.
import { api } from '../api.js'
import { clear, h, table } from '../dom.js'
import * as f from '../format.js'
import { s } from '../strings.js'
import { problemBox } from './layers.js'

const r = s.review

export async function renderReview(box, { project, actions, onMoved, notice }) {
  const message = h('div', { 'aria-live': 'polite', id: 'review-message' }, notice ? h('p', { role: 'status' }, notice) : null)
  const reason = h('textarea', { id: 'return-reason', rows: 2, cols: 40 })
  const buttons = actions.actions.map((a) => h('button', { type: 'button', class: a.needsReason ? '' : 'primary', dataset: { action: a.action }, onclick: () => move(a) }, a.actionZh))
  async function move(a) {
    clear(message)
    if (a.needsReason && !reason.value.trim()) { message.append(h('p.error', { role: 'alert' }, r.reasonRequired)); reason.focus(); return }
    try {
      const moved = await api(`/projects/${project.id}/transitions`, { method: 'POST', body: { action: a.action, ...(a.needsReason ? { reason: reason.value.trim() } : {}) } })
      await onMoved(moved, r.done(a.actionZh))
    } catch (err) {
      message.append(problemBox(err))
    }
  }
  clear(box).append(h('h2', {}, r.actions),
    buttons.length ? h('div', { id: 'review-actions' }, actions.actions.some((a) => a.needsReason) ? h('label', {}, r.reason, reason) : null, h('div.row', {}, buttons)) : h('p.hint', { id: 'review-actions' }, r.noActions),
    message)
  const [history, reviews, filings] = await Promise.all([
    api(`/projects/${project.id}/transitions`).catch((e) => e),
    api('/reviews', { query: { county: project.county } }).catch(() => ({ items: [] })),
    api('/filings', { query: { projectId: project.id } }).catch(() => ({ items: [] })),
  ])
  const due = reviews.items.find((x) => x.projectId === project.id)
  if (due) box.append(h('p', { id: 'review-due', class: due.overdue ? 'error' : '' }, `${r.pendingCols.submittedOn}：${due.submittedOn} · ${r.pendingCols.dueOn}：${due.dueOn} `, h('span', { class: `badge ${due.overdue ? 'fail' : 'pass'}` }, due.overdue ? r.overdue : r.onTime)))
  const c = r.historyCols
  box.append(h('h2', {}, r.history), history instanceof Error ? problemBox(history) : history.length ? table([c.at, c.action, c.from, c.to, c.by, c.reason], history.map((t) => h('tr', {},
    h('td', {}, f.dateTime(t.at)), h('td', {}, t.actionZh), h('td', {}, s.statuses[t.from] ?? t.from), h('td', {}, s.statuses[t.to] ?? t.to), h('td', {}, `${s.roles[t.role] ?? t.role} ${t.by}`), h('td', {}, t.reason ?? s.common.dash))), { id: 'review-history' }) : h('p.hint', {}, r.noHistory))
  box.append(h('h2', {}, r.filings), filingsTable(filings.items))
}

export function filingsTable(items) {
  if (!items.length) return h('p.hint', {}, r.noFilings)
  const c = r.filingCols
  return table([c.project, c.kind, c.documentDate, c.dueOn, c.filedOn, c.status], items.map((x) => h('tr', { class: x.status === 'overdue' ? 'overdue' : '' },
    h('td', {}, h('a', { href: `#/projects/${x.projectId}` }, x.projectCode)), h('td', {}, x.kindZh), h('td', {}, x.documentDate), h('td', {}, x.dueOn), h('td', {}, x.filedOn ?? s.common.dash),
    h('td', {}, h('span', { class: `badge ${x.status === 'filed' ? 'pass' : x.status === 'pending' ? 'unknown' : 'fail'}` }, r.filingStatus[x.status] ?? x.status)))), { class: 'filings' })
}
