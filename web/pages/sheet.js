// 项目核查表: one A4 page per project for the file: boundary and pieces, numbers, checks with their
// clauses, layer versions and date. Print with the browser (print CSS hides the console around it).
// An approved project's sheet shows the analysis the province approved (the pinned result, as
// stored then), never a later recomputation. ./sheets.js prints several, one page each.
import { api, ApiError } from '../api.js'
import { h } from '../dom.js'
import * as f from '../format.js'
import { countyLabel, statusName } from '../settings.js'
import { s } from '../strings.js'
import { checksTable, inputsLine, numbersTable, piecesMap } from './analysis-view.js'
import { problemBox } from '../problem.js'
import { analysisOf, approvedOf } from './project.js'
import { rewardBadge, verdictBadge } from './projects.js'
import { fieldCheckText } from './review.js'

const t = s.sheet

/** The city's latest pass (市级审核通过) with its field check, as one line; else that it has not checked. */
function cityOpinion(history) {
  const check = history.findLast((x) => x.action === 'check')
  if (!check) return t.cityOpinionNone
  return `${check.actionZh}（${f.dateTime(check.at)}）${check.fieldCheck ? `；${s.review.fieldCheck.latest}：${fieldCheckText(check.fieldCheck)}` : ''}`
}

/** The county's submission and the province's decision, from the history: who, when, and the comment. */
function stepOpinion(history, actions, none) {
  const step = history.findLast((x) => actions.includes(x.action))
  if (!step) return none
  return `${step.actionZh}（${f.who(step.byName, step.by)}，${f.dateTime(step.at)}）${step.reason ? `：${step.reason}` : ''}`
}

/** 县级意见 / 市级意见（外业核查）/ 省级意见, one row each, with room for a signature, a date and the seal (盖章). */
function opinionsTable(history) {
  const row = (id, title, text) =>
    h(
      'tr',
      { id },
      h('th', { scope: 'row' }, title),
      h('td', { class: 'sheet-opinion' }, text),
      h('td', { class: 'sheet-sign' }, t.signature, h('br'), t.signedOn),
    )
  return h(
    'table.sheet-opinions',
    {},
    h(
      'tbody',
      {},
      row('sheet-county-opinion', t.countyOpinion, stepOpinion(history, ['submit'], t.countyOpinionNone)),
      // 165号 四（一）: the city reviews and organises the field check; its latest pass and what it found
      row('sheet-city-opinion', t.cityOpinion, cityOpinion(history)),
      row('sheet-province-opinion', t.provinceOpinion, stepOpinion(history, ['approve'], t.provinceOpinionNone)),
    ),
  )
}

/** The pieces behind the analysis shown: of the approved one (its layer versions) for an approved project. */
async function piecesOf(id, approvedStatus) {
  const current = () => api(`/projects/${id}/analysis/pieces`)
  if (!approvedStatus) return current()
  try {
    return await api(`/projects/${id}/analysis/pieces`, { query: { of: 'approved' } })
  } catch (err) {
    // approved before results were pinned: the current pieces, as the numbers are
    if (err instanceof ApiError && err.status === 404) return current()
    throw err
  }
}

/**
 * What a sheet shows: the project, its review history, the pieces, and the analysis: for an approved
 * project the one the province approved (GET …/analysis/approved, as stored), else the current one.
 */
export async function sheetData(id) {
  const project = await api(`/projects/${id}`)
  const approvedStatus = project.status === 'province-approved'
  const [approved, current, pieces, history] = await Promise.all([
    approvedOf(id, project),
    approvedStatus ? null : analysisOf(id),
    piecesOf(id, approvedStatus),
    api(`/projects/${id}/transitions`),
  ])
  const a = approved?.result ?? current ?? (await analysisOf(id))
  return { project, approved, a, pieces, history }
}

/** Which analysis the sheet shows, in words: the approved one with its date, or the current one. */
function analysisLabel(project, approved) {
  const label = approved ? t.approvedLabel(f.date(approved.approvedAt ?? approved.computedAt)) : t.latestLabel
  const note = approved?.inputsChanged ? t.approvedChanged : !approved && project.status === 'province-approved' ? t.approvedMissing : ''
  return h(
    'p',
    { id: 'sheet-analysis-label', class: 'sheet-label', dataset: { approved: approved ? '1' : '0' } },
    h('strong', {}, label),
    note ? `\u3000${note}` : '',
  )
}

/** The sheet as one article; `map` is the map's box (a live map, or a picture of it) and `legend` its legend. */
export function sheetArticle({ project, approved, a, history }, { map, legend }) {
  return h(
    'article.sheet',
    { id: 'sheet', dataset: { projectId: project.id } },
    h('h1', {}, t.title),
    h('p', { style: 'text-align:center' }, t.subtitle),
    h(
      'table.meta',
      {},
      h(
        'tbody',
        {},
        h(
          'tr',
          {},
          h('td', {}, `${t.code}：`, h('strong', { id: 'sheet-code' }, project.code)),
          h('td', { id: 'sheet-county' }, `${t.county}：${countyLabel(project.county)}`),
        ),
        h('tr', {}, h('td', {}, `${t.name}：${project.name ?? s.common.dash}`), h('td', {}, `${t.status}：${statusName(project.status)}`)),
        h(
          'tr',
          {},
          h('td', {}, `${s.project.verdict}：`, verdictBadge(a.eligible), ' ', rewardBadge(a)),
          h('td', {}, `${s.project.computedAt}：${f.dateTime(a.computedAt)}`),
        ),
      ),
    ),
    analysisLabel(project, approved),
    h('section', {}, map, legend),
    h('section', {}, h('h2', {}, s.project.numbers), numbersTable(a)),
    h('section', {}, h('h2', {}, s.project.checks), checksTable(a)),
    h('section', {}, h('h2', {}, s.project.inputs), inputsLine(a)),
    h('section', { id: 'sheet-opinions' }, opinionsTable(history)),
    h('p', {}, `${t.basis}\u3000${t.printedAt}：${f.dateTime(new Date().toISOString())}`),
  )
}

/** The map has drawn: its picture as a PNG data URL (WebGL canvases do not print). */
export const mapPicture = (map) =>
  new Promise((resolve) => {
    map.once('idle', () => resolve(map.getCanvas().toDataURL('image/png')))
  })

export async function render(el, { params: [id] }) {
  let data
  try {
    data = await sheetData(id)
  } catch (err) {
    el.append(problemBox(err))
    return
  }
  const mapDiv = h('div.map', { id: 'sheet-map' })
  const legend = h('div.row', { id: 'pieces-legend' })
  // WebGL canvases do not print: the map goes on paper as a picture taken once it has drawn.
  const mapImage = h('img', { id: 'sheet-map-image', class: 'print-only', alt: s.map.title })
  el.append(
    h(
      'div.no-print.row',
      {},
      h('a', { href: `#/projects/${id}`, class: 'button' }, s.common.back),
      h('button', { type: 'button', class: 'primary', onclick: () => window.print() }, s.common.print),
    ),
    sheetArticle(data, { map: [mapDiv, mapImage], legend }),
  )
  const map = await piecesMap(mapDiv, legend, data.pieces)
  mapPicture(map).then((png) => {
    mapImage.src = png
    mapImage.decode().then(() => {
      document.body.dataset.sheetReady = '1'
    })
  })
  return () => {
    delete document.body.dataset.sheetReady
    map.remove()
  }
}
