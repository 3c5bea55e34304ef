// 项目核查表: one A4 page per project for the file: boundary and pieces, numbers, checks with their
// clauses, layer versions and date. Print with the browser (print CSS hides the console around it).
import { api } from '../api.js'
import { h } from '../dom.js'
import * as f from '../format.js'
import { countyLabel, statusName } from '../settings.js'
import { s } from '../strings.js'
import { checksTable, inputsLine, numbersTable, piecesMap } from './analysis-view.js'
import { problemBox } from '../problem.js'
import { analysisOf } from './project.js'
import { rewardBadge, verdictBadge } from './projects.js'
import { fieldCheckText } from './review.js'

const t = s.sheet

/** The city's latest pass (市级审核通过) with its field check, as one line; else that it has not checked. */
function cityOpinion(history) {
  const check = history.findLast((x) => x.action === 'check')
  if (!check) return t.cityOpinionNone
  return `${check.actionZh}（${f.dateTime(check.at)}）${check.fieldCheck ? `；${s.review.fieldCheck.latest}：${fieldCheckText(check.fieldCheck)}` : ''}`
}

export async function render(el, { params: [id] }) {
  let project, a, pieces, history
  try {
    ;[project, a, pieces, history] = await Promise.all([
      api(`/projects/${id}`),
      analysisOf(id),
      api(`/projects/${id}/analysis/pieces`),
      api(`/projects/${id}/transitions`),
    ])
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
    h(
      'article.sheet',
      { id: 'sheet' },
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
      h('section', {}, mapDiv, mapImage, legend),
      h('section', {}, h('h2', {}, s.project.numbers), numbersTable(a)),
      h('section', {}, h('h2', {}, s.project.checks), checksTable(a)),
      h('section', {}, h('h2', {}, s.project.inputs), inputsLine(a)),
      // 165号 四（一）: the city reviews and organises the field check; its latest pass and what it found
      h('section', { id: 'sheet-city-opinion' }, h('h2', {}, t.cityOpinion), h('p', {}, cityOpinion(history))),
      h('p', {}, `${t.basis}\u3000${t.printedAt}：${f.dateTime(new Date().toISOString())}`),
      h('p', {}, t.signature),
    ),
  )
  const map = await piecesMap(mapDiv, legend, pieces)
  map.once('idle', () => {
    mapImage.src = map.getCanvas().toDataURL('image/png')
    mapImage.decode().then(() => {
      document.body.dataset.sheetReady = '1'
    })
  })
  return () => {
    delete document.body.dataset.sheetReady
    map.remove()
  }
}
