// 完成节点变更审核: a milestone recorded or changed after the province's approval waits for the city's check
// and the province's confirmation (the API decides who may act: `milestoneActions` of GET /projects/{id}/actions).
// Shown on the project page and in the review list.
import { api } from '../api.js'
import { clear, h, table } from '../dom.js'
import { countyName, milestoneName } from '../settings.js'
import { s } from '../strings.js'
import { problemBox } from '../problem.js'
import { evidenceStatusLine } from './evidence.js'

const m = s.review.milestone

const valueText = (type, date) => (type || date ? `${type ? milestoneName(type) : s.common.dash} ${date ?? s.common.dash}` : m.none)

/** The pending change of one project with the buttons this key may use; onDone(text) after a step. */
export function pendingMilestoneBox(project, actions, onDone) {
  const pending = project.pendingMilestone
  if (!pending) return null
  const message = h('div', { 'aria-live': 'polite' })
  const reason = h('textarea', { id: 'milestone-return-reason', rows: 2, cols: 40 })
  const steps = actions.milestoneActions ?? []
  async function step(a) {
    clear(message)
    if (a.needsReason && !reason.value.trim()) {
      message.append(h('p.error', { role: 'alert' }, s.review.reasonRequired))
      reason.focus()
      return
    }
    try {
      await api(`/projects/${project.id}/milestone/transitions`, {
        method: 'POST',
        body: { action: a.action, ...(a.needsReason ? { reason: reason.value.trim() } : {}) },
      })
      await onDone(s.review.done(a.actionZh))
    } catch (err) {
      message.append(problemBox(err))
    }
  }
  return h(
    'div',
    { id: 'pending-milestone', dataset: { stage: pending.stage } },
    h('h3', {}, m.title),
    h(
      'p',
      {},
      `${m.proposed}：${valueText(pending.milestoneType, pending.milestoneDate)} · ${m.confirmed}：${valueText(project.milestoneType, project.milestoneDate)} · `,
      h('span.badge.unknown', {}, m.stages[pending.stage] ?? pending.stage),
    ),
    h('p.hint', {}, m.note),
    // the evidence that goes with the proposal (165号 三), as the API judges it
    evidenceStatusLine(pending.evidenceStatus, 'pending-evidence-status'),
    steps.length
      ? h(
          'div',
          { id: 'milestone-actions' },
          steps.some((a) => a.needsReason) ? h('label', {}, s.review.reason, reason) : null,
          h(
            'div.row',
            {},
            steps.map((a) =>
              h('button', { type: 'button', class: a.needsReason ? '' : 'primary', dataset: { action: a.action }, onclick: () => step(a) }, a.actionZh),
            ),
          ),
        )
      : null,
    message,
  )
}

/** The review list's table of milestone changes waiting for the city or the province. */
export function pendingMilestonesTable(items) {
  const c = m.cols
  return table(
    [c.code, c.name, c.county, c.confirmed, c.proposed, c.stage],
    items.map((x) =>
      h(
        'tr',
        { dataset: { id: x.projectId, stage: x.stage } },
        h('td', {}, h('a', { href: `#/projects/${x.projectId}` }, x.code)),
        h('td', {}, x.name ?? s.common.dash),
        h('td', {}, countyName(x.county) ?? x.county),
        h('td', {}, valueText(x.confirmed.milestoneType, x.confirmed.milestoneDate)),
        h('td', {}, valueText(x.proposed.milestoneType, x.proposed.milestoneDate)),
        h('td', {}, m.stages[x.stage] ?? x.stage),
      ),
    ),
    { id: 'pending-milestones' },
  )
}
