// 项目: boundary and analysis pieces on the map, numbers in m² and 亩, checks with their 165号 clause,
// layer versions used, recompute; the attributes the rules need; the review steps this key may take.
import { api, ApiError } from '../api.js'
import { clear, h } from '../dom.js'
import * as f from '../format.js'
import { choices, countyLabel, statusName } from '../settings.js'
import { s } from '../strings.js'
import {
  analysisHistoryTable,
  approachNote,
  approvedVsLatestTable,
  buildingTypesTable,
  changedAfterBaselineTable,
  checksTable,
  inputsTable,
  numbersTable,
  overlapsTable,
  piecesMap,
} from './analysis-view.js'
import { problemBox, replaceWhenLoaded } from '../problem.js'
import { rewardBadge, verdictBadge } from './projects.js'
import { renderReview } from './review.js'
import { evidenceFieldset, evidenceStatusLine } from './evidence.js'
import { attachmentsSection } from './attachments.js'

const p = s.project

/** The stored (or, before the lead's change, freshly computed) analysis; force = recompute. */
export async function analysisOf(id, force = false) {
  if (force) {
    try {
      return await api(`/projects/${id}/analysis`, { method: 'POST' })
    } catch (err) {
      if (!(err instanceof ApiError && (err.status === 404 || err.status === 405))) throw err
    }
  }
  return api(`/projects/${id}/analysis`)
}

/** The analysis the province approved (as stored then), for an approved project; null before, or if none was pinned. */
export async function approvedOf(id, project) {
  if (project.status !== 'province-approved') return null
  try {
    return await api(`/projects/${id}/analysis/approved`)
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null
    throw err
  }
}

export async function render(el, { params: [id] }) {
  let project
  try {
    project = await api(`/projects/${id}`)
  } catch (err) {
    // 不存在 only when the service said so: a stopped service is not a missing project
    if (err instanceof ApiError && [403, 404].includes(err.status)) el.append(h('h1', {}, p.notFound))
    el.append(problemBox(err))
    return
  }
  const head = h('div')
  const analysisBox = h('div', { id: 'analysis' })
  // Failures of a part show above it; the part keeps what it showed (a failed recompute keeps the last result).
  const analysisStatus = h('div', { id: 'analysis-status', 'aria-live': 'polite' })
  const reviewStatus = h('div', { id: 'review-status', 'aria-live': 'polite' })
  const formStatus = h('div', { id: 'attributes-status', 'aria-live': 'polite' })
  const mapDiv = h('div.map', { id: 'project-map', role: 'region', 'aria-label': s.map.title })
  const legend = h('div', { id: 'pieces-legend' })
  const formBox = h('section.card', { id: 'attributes-card' })
  const reviewBox = h('section.card', { id: 'review' })
  const attachments = attachmentsSection(id)
  el.append(
    head,
    h(
      'div.two',
      {},
      h('div', {}, h('section.card', {}, mapDiv, h('div.row', {}, legend)), reviewStatus, reviewBox, attachments.el),
      h('div', {}, h('section.card', {}, analysisStatus, analysisBox), formStatus, formBox),
    ),
  )

  let map = null
  let analysis = null
  // the verdict shown stays after a review step or a save, until a new analysis replaces it
  const showHead = (proj, a = analysis) =>
    clear(head).append(
      h('h1', {}, `${proj.code} ${proj.name ?? ''}`),
      h(
        'p',
        {},
        `${s.projects.cols.status}：${statusName(proj.status)} · ${s.projects.cols.county}：${countyLabel(proj.county)} · `,
        a ? verdictBadge(a.eligible) : null,
        ' ',
        rewardBadge(a),
        ' ',
        a?.stale ? h('span.badge.stale', {}, s.projects.stale) : null,
        ' ',
        h('a', { href: `#/projects/${proj.id}/sheet`, class: 'button' }, p.sheet),
      ),
    )

  async function showAnalysis(force) {
    let a, pieces
    const shown = await replaceWhenLoaded(analysisBox, analysisStatus, async () => {
      a = await analysisOf(id, force)
      if (force || !map) pieces = await api(`/projects/${id}/analysis/pieces`)
      // after approval: the result the province approved (pinned), shown beside the latest when they differ
      const [approved, history] = await Promise.all([approvedOf(id, project), api(`/projects/${id}/analyses`)])
      const differs = approved && approved.resultId !== a.resultId
      const approvedDate = approved && f.date(approved.approvedAt ?? approved.computedAt)
      const recompute = h(
        'button',
        {
          type: 'button',
          id: 'recompute',
          onclick: async () => {
            recompute.disabled = true
            await showAnalysis(true)
            recompute.disabled = false
          },
        },
        p.recompute,
      )
      return [
        ...(differs
          ? [
              h(
                'section',
                { id: 'approved-analysis', dataset: { resultId: approved.resultId } },
                h('h2', {}, p.approvedAnalysis(approvedDate)),
                h('p.hint', {}, p.approvedDiffers),
                approvedVsLatestTable(approved.result, a),
              ),
            ]
          : []),
        h('h2', { id: 'numbers-title' }, differs ? `${p.numbers}（${p.latestAnalysis}）` : p.numbers),
        approved && !differs ? h('p.hint', { id: 'approved-same' }, p.approvedSame(approvedDate)) : null,
        numbersTable(a),
        approachNote(a),
        h(
          'p.hint',
          {},
          `${p.computedAt}：${f.dateTime(a.computedAt)}`,
          typeof a.computedNow === 'boolean' ? `（${a.computedNow ? p.computedNow : p.stored}）` : '',
          ' ',
          recompute,
        ),
        h('h2', {}, p.checks),
        checksTable(a),
        h('h2', {}, p.overlaps),
        overlapsTable(a),
        ...(a.survey2ChangedAfterBaseline ? [h('h2', {}, p.changedAfterBaseline), changedAfterBaselineTable(a)] : []),
        ...(a.footprint?.types?.length ? [h('h2', {}, p.buildingTypes), buildingTypesTable(a)] : []),
        h('h2', {}, p.inputs),
        inputsTable(a),
        h('h2', {}, p.history),
        analysisHistoryTable(history.items),
      ]
    })
    if (!shown) return
    analysis = a
    showHead(project)
    if (pieces) {
      map?.remove()
      clear(legend)
      clear(mapDiv)
      try {
        map = await piecesMap(mapDiv, legend, pieces)
      } catch (err) {
        clear(analysisStatus).append(problemBox(err))
      }
    }
  }

  async function showReview(notice) {
    let actions
    try {
      actions = await api(`/projects/${id}/actions`)
    } catch (err) {
      clear(reviewStatus).append(problemBox(err))
      return
    }
    clear(reviewStatus)
    await renderReview(reviewBox, {
      project,
      actions,
      notice,
      analysis: () => analysis,
      onMoved: async (moved, text) => {
        project = { ...project, ...moved }
        showHead(project)
        await showReview(text)
        await showForm()
        // whether the county may still delete documents follows the status
        await attachments.refresh()
        // approved now: the analysis card shows the result the province approved beside the latest
        if (project.status === 'province-approved') await showAnalysis(false)
      },
    })
    return actions
  }

  async function showForm(notice) {
    let actions
    try {
      actions = await api(`/projects/${id}/actions`)
    } catch (err) {
      clear(formStatus).append(problemBox(err))
      return
    }
    clear(formStatus)
    renderForm(formBox, {
      project,
      actions,
      notice,
      onSaved: async (saved) => {
        project = saved
        // the form again, with what the API now says of the evidence (milestoneEvidenceStatus)
        await showForm(p.saved)
        // a milestone saved after approval is a proposal: the review card shows it with its steps
        if (saved.pendingMilestone) await showReview()
        await showAnalysis(true)
      },
    })
  }

  showHead(project)
  await Promise.all([showAnalysis(false), showReview(), showForm(), attachments.refresh()])
  return () => map?.remove()
}

/** The attributes the rules need, validated as the API schema does (types, minimum, >0 plot ratio). */
function renderForm(box, { project, actions, onSaved, notice }) {
  const fl = p.fields
  const message = h('div', { 'aria-live': 'polite' }, notice ? h('p', { role: 'status' }, notice) : null)
  const locked = (name) => actions.attributesLocked && !actions.editableWhenLocked.includes(name)
  const select = (name, options) =>
    h(
      'select',
      { name, id: `f-${name}`, disabled: locked(name) },
      h('option', { value: '' }, s.common.unknown),
      options.map(([k, v]) => h('option', { value: k, selected: project[name] === k }, v)),
    )
  const number = (name, min, exclusive) =>
    h('input', {
      type: 'number',
      name,
      id: `f-${name}`,
      step: 'any',
      min,
      value: project[name] ?? '',
      disabled: locked(name),
      dataset: { exclusive: exclusive ? '1' : '' },
    })
  const bool = (name) =>
    h(
      'select',
      { name, id: `f-${name}`, disabled: locked(name) },
      [
        ['', s.common.unknown],
        ['true', s.common.yes],
        ['false', s.common.no],
      ].map(([v, t]) => h('option', { value: v, selected: String(project[name] ?? '') === v }, t)),
    )
  const fields = {
    approach: h(
      'select',
      { name: 'approach', id: 'f-approach', disabled: locked('approach') },
      choices('approaches').map(([k, v]) => h('option', { value: k, selected: project.approach === k }, v)),
    ),
    developmentMode: select('developmentMode', choices('developmentModes')),
    changedUseFloorArea: number('changedUseFloorArea', 0),
    addedFloorArea: number('addedFloorArea', 0),
    newPlotRatio: number('newPlotRatio', 0, true),
    ownershipClear: bool('ownershipClear'),
    seized: bool('seized'),
    mortgaged: bool('mortgaged'),
    mortgageeConsent: bool('mortgageeConsent'),
    milestoneType: select('milestoneType', choices('milestoneTypes')),
    milestoneDate: h('input', {
      type: 'date',
      name: 'milestoneDate',
      id: 'f-milestoneDate',
      value: project.milestoneDate ?? '',
      disabled: locked('milestoneDate'),
    }),
    // 提供证明材料中面积 (165号 三): a stock-rule input, frozen under review like the others
    evidenceAreaM2: number('evidenceAreaM2', 0, true),
  }
  const evidence = evidenceFieldset(project.milestoneEvidence, locked('milestoneEvidence'))
  const form = h(
    'form',
    {
      id: 'attributes-form',
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault()
        clear(message)
        const body = {}
        for (const [name, input] of Object.entries(fields)) {
          if (input.disabled) continue
          const v = input.value.trim()
          if (input.type === 'number') {
            const n = v === '' ? null : Number(v)
            if (n !== null && (!Number.isFinite(n) || n < 0 || (input.dataset.exclusive && n <= 0))) {
              message.append(h('p.error', { role: 'alert' }, `${fl[name]}：${input.dataset.exclusive ? p.mustBePositive : p.mustBeNonNegative}`))
              input.focus()
              return
            }
            body[name] = n
          } else if (['ownershipClear', 'seized', 'mortgaged', 'mortgageeConsent'].includes(name)) body[name] = v === '' ? null : v === 'true'
          else if (name === 'approach') body[name] = v
          else body[name] = v === '' ? null : v
        }
        if (!evidence.disabled) {
          try {
            body.milestoneEvidence = evidence.value()
          } catch (bad) {
            message.append(h('p.error', { role: 'alert' }, bad.text))
            bad.input.focus()
            return
          }
        }
        try {
          const saved = await api(`/projects/${project.id}`, { method: 'PATCH', body })
          await onSaved(saved)
        } catch (err) {
          message.append(problemBox(err))
        }
      },
    },
    actions.attributesLocked ? h('p.hint', {}, p.editLocked) : null,
    // after approval a saved milestone is a proposal for the city and the province (the API decides; this only says so)
    project.status === 'province-approved' ? h('p.hint', { id: 'milestone-after-approval' }, s.review.milestone.note) : null,
    Object.entries(fields).map(([name, input]) => h('label', {}, fl[name], input)),
    h('p.hint', { id: 'evidence-area-hint' }, p.evidenceAreaHint),
    evidenceStatusLine(project.milestoneEvidenceStatus, 'evidence-status'),
    evidence.el,
    h('div', {}, h('button', { type: 'submit', class: 'primary' }, s.common.save)),
    message,
  )
  clear(box).append(h('h2', {}, p.edit), form)
}
