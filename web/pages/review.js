// 审核 on the project page: the steps this key may take (from GET /projects/{id}/actions), the
// history, the due date (overdue highlighted) and the project's filings.
import { api } from '../api.js'
import { clear, h, table } from '../dom.js'
import * as f from '../format.js'
import { ask } from '../dialog.js'
import { checkName, choices, roleName, statusName } from '../settings.js'
import { s } from '../strings.js'
import { problemBox, replaceWhenLoaded } from '../problem.js'
import { pendingMilestoneBox } from './milestone-review.js'

const r = s.review

/**
 * 外业核查 (165号 四（一）): the city's field check, asked for when a step takes one (the API says which:
 * `fieldCheck` of each action). `value()` is null when nothing is filled.
 */
function fieldCheckForm() {
  const fc = r.fieldCheck
  const date = h('input', { type: 'date', id: 'field-check-date' })
  const by = h('input', { id: 'field-check-by', size: 30, maxlength: '200' })
  const findings = h('textarea', { id: 'field-check-findings', rows: 2, cols: 40, maxlength: '2000' })
  const result = h(
    'select',
    { id: 'field-check-result' },
    h('option', { value: '' }, fc.resultNone),
    choices('fieldCheckResults').map(([k, v]) => h('option', { value: k }, v)),
  )
  const el = h(
    'fieldset',
    { id: 'field-check' },
    h('legend', {}, fc.title),
    h('div.row', {}, h('label', {}, fc.date, date), h('label', {}, fc.by, by), h('label', {}, fc.result, result)),
    h('label', {}, fc.findings, findings),
  )
  const value = () => {
    const v = { date: date.value, by: by.value.trim(), findings: findings.value.trim(), result: result.value || null }
    return v.date || v.by || v.findings || v.result ? v : null
  }
  const complete = (v) => Boolean(v?.date && v.by && v.findings)
  return { el, value, complete, focus: () => (date.value ? (by.value.trim() ? findings : by) : date).focus() }
}

/** A field check as one line: date, who, what they found, the result. */
export const fieldCheckText = (c) => r.fieldCheck.text(c, c.resultZh)

/** Steps that pass a project on (the county's submission, the city's check, the province's approval): a failing verdict warns first. */
const passesOn = new Set(['submit', 'check', 'approve'])

/** The project as the dialogs name it: its code and name. */
const projectLabel = (project) => [project.code, project.name].filter(Boolean).join(' ')

/**
 * Before a step that passes the project on: when its latest analysis is not 符合 (不符合 or 无法判定),
 * a warning naming the rules that failed or could not be decided, to be answered 仍要继续.
 * `analysis` is the page's (or null, then read now). True: go on.
 */
async function verdictWarning(project, a, analysis) {
  const w = r.verdictWarning
  let result = analysis?.() ?? null
  let failure = null
  if (!result) {
    try {
      result = await api(`/projects/${project.id}/analysis`)
    } catch (err) {
      failure = err
    }
  }
  if (result?.eligible === true) return true
  const open = (result?.checks ?? []).filter((c) => c.passed !== true)
  const body = result
    ? [
        h('p', {}, w.text(projectLabel(project), result.verdictZh, a.actionZh)),
        h('p', {}, w.failing),
        h(
          'ul',
          { id: 'failing-rules' },
          open.map((c) =>
            h(
              'li',
              { dataset: { check: c.id, passed: String(c.passed) } },
              h('strong', {}, `${c.passed === false ? w.failed : w.undecided}：${checkName(c.id)}`),
              ` — ${c.messageZh ?? c.message}`,
            ),
          ),
        ),
      ]
    : [h('p', {}, w.noAnalysis), problemBox(failure)]
  return ask({ id: 'verdict-warning', title: w.title, body, ok: w.next, cancel: w.cancel, danger: true })
}

/** The confirmation of every step: the project, the action and the comment going with it. */
function confirmStep(project, a, comment) {
  const c = r.confirm
  return ask({
    id: 'review-confirm',
    title: c.title(a.actionZh),
    body: [h('p', {}, c.text(projectLabel(project), a.actionZh)), h('p', { class: 'hint' }, comment ? `${c.comment}${comment}` : c.noComment)],
    ok: c.ok(a.actionZh),
    cancel: c.cancel,
    danger: a.action === 'return',
  })
}

/** `analysis()`: the latest analysis the page shows (null while it loads); the warning before a step reads it. */
export async function renderReview(box, { project, actions, onMoved, notice, analysis }) {
  const message = h('div', { 'aria-live': 'polite', id: 'review-message' }, notice ? h('p', { role: 'status' }, notice) : null)
  // the comment (审核意见) goes with any step; a return needs one
  const reason = h('textarea', { id: 'review-comment', rows: 2, cols: 40, maxlength: '2000' })
  const fieldCheck = actions.actions.some((a) => a.fieldCheck && a.fieldCheck !== 'none') ? fieldCheckForm() : null
  const buttons = actions.actions.map((a) =>
    h('button', { type: 'button', class: a.needsReason ? '' : 'primary', dataset: { action: a.action }, onclick: () => move(a) }, a.actionZh),
  )
  async function move(a) {
    clear(message)
    if (a.needsReason && !reason.value.trim()) {
      message.append(h('p.error', { role: 'alert' }, r.reasonRequired))
      reason.focus()
      return
    }
    const check = a.fieldCheck && a.fieldCheck !== 'none' ? fieldCheck.value() : null
    if (a.fieldCheck === 'required' && !fieldCheck.complete(check)) {
      message.append(h('p.error', { role: 'alert' }, r.fieldCheck.required))
      fieldCheck.focus()
      return
    }
    const comment = reason.value.trim()
    for (const b of buttons) b.disabled = true
    try {
      if (passesOn.has(a.action) && !(await verdictWarning(project, a, analysis))) return
      if (!(await confirmStep(project, a, comment))) return
      const moved = await api(`/projects/${project.id}/transitions`, {
        method: 'POST',
        body: { action: a.action, ...(comment ? { reason: comment } : {}), ...(check ? { fieldCheck: check } : {}) },
      })
      // the navigation's counts of the review queue change with the step
      window.dispatchEvent(new CustomEvent('lowland:reviewed'))
      await onMoved(moved, r.done(a.actionZh))
    } catch (err) {
      message.append(problemBox(err))
    } finally {
      for (const b of buttons) b.disabled = false
    }
  }
  // an absent part (no pending milestone) adds nothing: Element.append would write the text "null"
  clear(box).append(
    ...[
      h('h2', {}, r.actions),
      buttons.length
        ? h('div', { id: 'review-actions' }, fieldCheck?.el, h('label', {}, r.reason, reason), h('div.row', {}, buttons))
        : h('p.hint', { id: 'review-actions' }, r.noActions),
      message,
      // a milestone change after approval: its own small review (the API gives the steps)
      pendingMilestoneBox(project, actions, async (text) => {
        window.dispatchEvent(new CustomEvent('lowland:reviewed'))
        const fresh = await api(`/projects/${project.id}`)
        await onMoved(fresh, text)
      }),
    ].filter(Boolean),
  )
  const [history, reviews, filings] = await Promise.all([
    api(`/projects/${project.id}/transitions`).catch((e) => e),
    api('/reviews', { query: { county: project.county } }).catch(() => ({ items: [] })),
    api('/filings', { query: { projectId: project.id } }).catch((e) => e),
  ])
  const due = reviews.items.find((x) => x.projectId === project.id)
  if (due)
    box.append(
      h(
        'p',
        { id: 'review-due', class: due.overdue ? 'error' : '' },
        `${r.pendingCols.submittedOn}：${due.submittedOn} · ${r.pendingCols.dueOn}：${due.dueOn} `,
        h('span', { class: `badge ${due.overdue ? 'fail' : 'pass'}` }, due.overdue ? r.overdue : r.onTime),
      ),
    )
  const c = r.historyCols
  // the city's latest field check (外业核查), the one its pass recorded
  const latestCheck = history instanceof Error ? null : history.findLast((t) => t.fieldCheck)?.fieldCheck
  box.append(
    h('h2', {}, r.fieldCheck.latest),
    h('p', { id: 'field-check-latest' }, latestCheck ? fieldCheckText(latestCheck) : r.fieldCheck.none),
    h('h2', {}, r.history),
    history instanceof Error
      ? problemBox(history)
      : history.length
        ? table(
            [c.at, c.action, c.from, c.to, c.by, c.reason, c.fieldCheck],
            history.map((t) =>
              h(
                'tr',
                {},
                h('td', {}, f.dateTime(t.at)),
                h('td', {}, t.actionZh),
                h('td', {}, statusName(t.from)),
                h('td', {}, statusName(t.to)),
                h('td', { class: 'actor' }, `${roleName(t.role)} ${f.who(t.byName, t.by)}`),
                h('td', {}, t.reason ?? s.common.dash),
                h('td', { class: 'field-check' }, t.fieldCheck ? fieldCheckText(t.fieldCheck) : s.common.dash),
              ),
            ),
            { id: 'review-history' },
          )
        : h('p.hint', {}, r.noHistory),
  )
  // a failed read says so (never "no filings"); a failed re-read keeps the table shown
  const filingsBox = h('div', { id: 'project-filings' }, filings instanceof Error ? null : filingsTable(filings.items, reload))
  const filingsStatus = h('div', { 'aria-live': 'polite' }, filings instanceof Error ? problemBox(filings) : null)
  box.append(h('h2', {}, r.filings), filingsStatus, filingsBox, filingForm(project, reload))
  async function reload() {
    await replaceWhenLoaded(filingsBox, filingsStatus, async () => filingsTable((await api('/filings', { query: { projectId: project.id } })).items, reload))
  }
}

/** Records a document to file (备案): due one month after its date, as the API computes. */
function filingForm(project, reload) {
  const c = r.filingCols
  const kind = h(
    'select',
    { name: 'kind', id: 'filing-kind' },
    choices('filingKinds').map(([k, v]) => h('option', { value: k }, v)),
  )
  const documentDate = h('input', { type: 'date', name: 'documentDate', id: 'filing-document-date', required: true })
  const title = h('input', { name: 'title', id: 'filing-title', size: 24 })
  const message = h('div', { 'aria-live': 'polite' })
  return h(
    'form',
    {
      id: 'filing-form',
      onsubmit: async (e) => {
        e.preventDefault()
        clear(message)
        try {
          await api(`/projects/${project.id}/filings`, {
            method: 'POST',
            body: { kind: kind.value, documentDate: documentDate.value, ...(title.value.trim() ? { title: title.value.trim() } : {}) },
          })
          await reload()
        } catch (err) {
          message.append(problemBox(err))
        }
      },
    },
    h('h3', {}, r.addFiling),
    h(
      'div.row',
      {},
      h('label', {}, c.kind, kind),
      h('label', {}, c.documentDate, documentDate),
      h('label', {}, r.filingTitle, title),
      h('button', { type: 'submit' }, r.add),
    ),
    message,
  )
}

export function filingsTable(items, reload) {
  if (!items.length) return h('p.hint', {}, r.noFilings)
  const c = r.filingCols
  return table(
    [c.project, c.county, c.kind, c.documentDate, c.dueOn, c.filedOn, c.status, c.createdBy],
    items.map((x) =>
      h(
        'tr',
        { class: x.status === 'overdue' ? 'overdue' : '' },
        h('td', {}, h('a', { href: `#/projects/${x.projectId}` }, x.projectCode)),
        h('td', {}, x.countyName ?? x.county),
        h('td', {}, x.kindZh),
        h('td', {}, x.documentDate),
        h('td', {}, x.dueOn),
        h('td', {}, x.filedOn ?? s.common.dash),
        h(
          'td',
          {},
          h('span', { class: `badge ${x.status === 'filed' ? 'pass' : x.status === 'pending' ? 'unknown' : 'fail'}` }, r.filingStatus[x.status] ?? x.status),
          x.filedOn || !reload ? null : markFiled(x, reload),
        ),
        h('td', { class: 'actor' }, f.who(x.createdByName, x.createdBy), h('div.hint', {}, f.dateTime(x.createdAt))),
      ),
    ),
    { class: 'filings' },
  )
}

function markFiled(filing, reload) {
  const date = h('input', { type: 'date', 'aria-label': r.filedOnLabel, required: true })
  const message = h('span')
  return h(
    'form.row',
    {
      onsubmit: async (e) => {
        e.preventDefault()
        try {
          await api(`/filings/${filing.id}`, { method: 'PATCH', body: { filedOn: date.value } })
          await reload()
        } catch (err) {
          message.replaceChildren(problemBox(err))
        }
      },
    },
    date,
    h('button', { type: 'submit' }, r.markFiled),
    message,
  )
}
