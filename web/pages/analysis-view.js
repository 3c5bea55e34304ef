// The pieces of an analysis result shown on the project page and on the printable sheet: the
// numbers (m² and 亩), the checks with their 165号 clause, the layer versions used, the pieces map.
import { h, table } from '../dom.js'
import * as f from '../format.js'
import { bboxOf, createMap, fitExtent, loaded } from '../map/map.js'
import { layersFor, pieceStyles } from '../map/styles.js'
import { checkName, layerTitle, statusName } from '../settings.js'
import { s } from '../strings.js'

const p = s.project

/** Rows of the numbers table: label, m² and 亩 (the API's own mu where it gives one). */
export function numberRows(a) {
  // the figure of 二调建设用地 the stock is (usedForStock, the API's word: gross by default, net when so configured)
  const used = (key) => (a[key]?.usedForStock ? h('span.hint', { dataset: { usedForStock: key } }, p.usedForStock) : null)
  const row = (key, m2, mu, field, label = p.rows[key]) =>
    h(
      'tr',
      { dataset: { row: key } },
      h('th', { scope: 'row' }, label, used(key)),
      h('td.num', { dataset: { field: `${field}.m2` } }, f.m2(m2)),
      h('td.num', { dataset: { field: `${field}.mu` } }, mu === undefined ? f.muOfM2(m2) : f.mu(mu)),
    )
  const rows = [
    row('area', a.area?.m2, a.area?.mu, 'area'),
    row('survey2Construction', a.survey2Construction?.m2, a.survey2Construction?.mu, 'survey2Construction'),
    row('survey2ConstructionNet', a.survey2ConstructionNet?.m2, a.survey2ConstructionNet?.mu, 'survey2ConstructionNet'),
    row('footprint', a.footprint?.m2, a.footprint?.mu, 'footprint'),
    h(
      'tr',
      { dataset: { row: 'footprintRatio' } },
      h('th', { scope: 'row' }, p.rows.footprintRatio),
      h('td.num', { colspan: 2, dataset: { field: 'footprint.ratio' } }, f.percent(a.footprint?.ratio)),
    ),
  ]
  if (a.stockArea && a.stockArea.m2 !== null && a.stockArea.m2 !== undefined) rows.push(row('stockArea', a.stockArea.m2, a.stockArea.mu, 'stockArea'))
  else
    rows.push(
      h(
        'tr',
        { dataset: { row: 'stockArea' } },
        h('th', { scope: 'row' }, p.rows.stockArea),
        h('td', { colspan: 2, dataset: { field: 'stockArea.m2' } }, p.stockNull(a.stockArea?.reasonZh ?? a.stockArea?.reason ?? a.stockAreaReason)),
      ),
    )
  const c = a.conflicts ?? {}
  for (const k of ['approvedUnsupplied', 'idleLand', 'outsidePlan']) if (c[k]) rows.push(row(k, c[k].m2, undefined, `conflicts.${k}`))
  if (a.onPlots) rows.push(row('onPlots', a.onPlots.m2, undefined, 'onPlots'))
  // a project made from a bundle: the 插花地、边角地、夹心地 it took in, which the checks admit beside the plots
  if (a.scatteredLand) rows.push(row('scatteredLand', a.scatteredLand.m2, a.scatteredLand.mu, 'scatteredLand'))
  // 跨县: the part outside the county's administrative boundary, then where it lies
  if (a.outsideCounty) {
    rows.push(row('outsideCounty', a.outsideCounty.m2, undefined, 'outsideCounty'))
    for (const c of a.outsideCounty.counties)
      rows.push(row('outsideCountyIn', c.m2, undefined, `outsideCounty.counties.${c.code}`, p.inCounty(`${c.name ?? ''}（${c.code}）`)))
    if (a.outsideCounty.unknownM2 > 0) rows.push(row('outsideCountyUnknown', a.outsideCounty.unknownM2, undefined, 'outsideCounty.unknownM2'))
  }
  return rows
}

/** Which stock-area formula applied and why (the API's own words). */
export const approachNote = (a) => (a.stockArea?.approach ? h('p.hint', { id: 'approach' }, `${p.approach}：${a.stockArea.approach.reasonZh}`) : null)

export const numbersTable = (a) => table([p.cols.item, s.unit.m2(p.cols.m2), p.cols.mu], numberRows(a), { id: 'numbers' })

export function checkBadge(passed) {
  const cls = passed === true ? 'pass' : passed === false ? 'fail' : 'unknown'
  return h('span', { class: `badge ${cls}` }, p.passed[String(passed ?? null)])
}

const checkFlags = (c) => [
  c.needsReview ? h('span', { class: 'badge stale' }, p.needsReview) : null,
  c.nearThreshold ? h('span', { class: 'badge stale', title: p.nearThresholdTitle }, p.nearThreshold) : null,
]

export const checksTable = (a) =>
  table(
    [p.cols.check, p.cols.result, p.cols.explanation, p.cols.clause],
    (a.checks ?? []).map((c) =>
      h(
        'tr',
        { dataset: { check: c.id, passed: String(c.passed) } },
        h('td', {}, checkName(c.id)),
        h('td', {}, checkBadge(c.passed), ...checkFlags(c)),
        h('td', {}, c.messageZh ?? c.message),
        h('td', {}, c.clause ?? s.common.dash),
      ),
    ),
    { id: 'checks' },
  )

/** The other projects of the county on the same land (同一土地不重复核定): the land both cover and the stock land in it. */
export const overlapsTable = (a) =>
  a.overlaps?.length
    ? table(
        [p.overlapCols.code, p.overlapCols.status, p.overlapCols.m2, p.overlapCols.stockM2],
        a.overlaps.map((o) =>
          h(
            'tr',
            { dataset: { project: o.projectId, status: o.status } },
            h('td', {}, h('a', { href: `#/projects/${o.projectId}` }, o.code)),
            h('td', {}, statusName(o.status)),
            h('td.num', {}, f.m2(o.m2)),
            h('td.num', {}, f.m2(o.stockM2)),
          ),
        ),
        { id: 'overlaps' },
      )
    : h('p.hint', { id: 'overlaps' }, p.noOverlaps)

/**
 * 二调 construction patches changed (BGRQ) after the 2009 baseline: whether the stock left them out,
 * the API's Chinese note (undated or unreadable BGRQ kept), and the patches it lists. Results approved
 * before schema 5 have no such field: nothing is shown.
 */
export function changedAfterBaselineTable(a) {
  const c = a.survey2ChangedAfterBaseline
  if (!c) return null
  const note = h('p.hint', { id: 'changed-after-baseline-note' }, c.noteZh)
  if (!c.count) return h('div', { id: 'changed-after-baseline' }, note)
  const cols = p.changedCols
  return h(
    'div',
    { id: 'changed-after-baseline', dataset: { excluded: String(c.excluded) } },
    note,
    table(
      [cols.tbbh, cols.bsm, cols.dlbm, cols.bgrq, cols.m2, cols.counted],
      c.items.map((x) =>
        h(
          'tr',
          { dataset: { feature: x.featureId } },
          h('td', {}, x.tbbh ?? s.common.dash),
          h('td.num', {}, x.bsm === null || x.bsm === undefined ? s.common.dash : String(x.bsm)),
          h('td', {}, x.dlbm ?? s.common.dash),
          h('td', { title: x.bgrqText }, f.yyyymmdd(x.bgrq)),
          h('td.num', {}, f.m2(x.m2)),
          h('td', {}, c.excluded ? p.changedExcluded : p.changedKept),
        ),
      ),
    ),
    c.count > c.items.length ? h('p.hint', {}, p.changedMore(c.items.length, c.count)) : null,
  )
}

/** The building types found inside the project and whether each counted toward the footprint. */
export const buildingTypesTable = (a) =>
  a.footprint?.types?.length
    ? table(
        [p.buildingTypeCols.type, p.buildingTypeCols.buildings, p.buildingTypeCols.class, p.buildingTypeCols.category],
        a.footprint.types.map((t) =>
          h(
            'tr',
            { dataset: { type: t.type ?? '' } },
            h('td', {}, t.type ?? p.noType),
            h('td.num', {}, String(t.buildings)),
            h('td', {}, p.buildingClass[t.class] ?? t.class),
            h('td', {}, t.category),
          ),
        ),
        { id: 'building-types' },
      )
    : null

export const inputsTable = (a) =>
  table(
    [p.inputCols.layer, p.inputCols.version, p.inputCols.dataset],
    Object.entries(a.inputs ?? {}).map(([layer, v]) =>
      h(
        'tr',
        { dataset: { layer } },
        h('td', {}, layerTitle(layer)),
        h('td', {}, v ? `v${v.version}` : p.notLoaded),
        h('td.num', {}, v?.datasetId ?? s.common.dash),
      ),
    ),
    { id: 'inputs' },
  )

/** The same on one line, for the printed sheet. */
export const inputsLine = (a) =>
  h(
    'p',
    { id: 'inputs' },
    Object.entries(a.inputs ?? {})
      .map(([layer, v]) => `${layerTitle(layer)} ${v ? `v${v.version}（${p.inputCols.dataset} ${v.datasetId}）` : p.notLoaded}`)
      .join('；'),
  )

/** A piece cut from a layer (批而未供, 闲置土地) is named as its layer; the others by the page's own texts. */
const pieceName = (role) => s.pieces[role] ?? layerTitle(role)

/** The boundary and the analysis pieces, each role in its own colour, with a legend. */
export async function piecesMap(container, legend, pieces) {
  const map = createMap(container, { interactive: true })
  await loaded(map)
  map.addSource('pieces', { type: 'geojson', data: pieces })
  const roles = [...new Set(pieces.features.map((x) => x.properties.role))]
  // Large pieces under small ones; the boundary on top.
  const order = [
    'survey3',
    'survey2-construction',
    'survey2-changed',
    'idle-land',
    'approved-unsupplied',
    'outside-plan',
    'outside-county',
    'footprint',
    'scattered-land',
    'project',
  ]
  for (const role of order.filter((r) => roles.includes(r)).concat(roles.filter((r) => !order.includes(r)))) {
    const style = pieceStyles[role] ?? { line: '#333' }
    for (const layer of layersFor(`piece-${role}`, 'pieces', style)) map.addLayer({ ...layer, filter: ['==', ['get', 'role'], role] })
    const colour = style.fill ?? style.line
    legend.append(
      h(
        'div',
        {},
        h('span.legend-swatch', {
          style: `${style.fill ? `background:${colour};` : ''}border:2px ${style.dash ? 'dashed' : 'solid'} ${style.outline ?? style.line ?? '#333'}`,
        }),
        pieceName(role),
      ),
    )
  }
  fitExtent(map, bboxOf(pieces), { padding: 30 })
  return map
}

/** The approved (pinned) result beside the latest: the figures a reviewer compares, each row marked where they differ. */
export function approvedVsLatestTable(approved, latest) {
  const c = p.compareCols
  const rows = [
    ['area', s.unit.m2(p.rows.area), (a) => f.m2(a.area?.m2)],
    ['survey2Construction', s.unit.m2(p.rows.survey2Construction), (a) => f.m2(a.survey2Construction?.m2)],
    ['footprint', s.unit.m2(p.rows.footprint), (a) => f.m2(a.footprint?.m2)],
    ['footprintRatio', p.rows.footprintRatio, (a) => f.percent(a.footprint?.ratio)],
    ['stockArea', s.unit.m2(p.rows.stockArea), (a) => f.m2(a.stockArea?.m2)],
    ['verdict', p.verdict, (a) => a.verdictZh ?? s.projects.verdict[String(a.eligible ?? null)]],
  ]
  return table(
    [c.item, c.approved, c.latest],
    rows.map(([key, label, value]) => {
      const [was, now] = [value(approved), value(latest)]
      return h(
        'tr',
        { dataset: { row: key, differs: String(was !== now) } },
        h('th', { scope: 'row' }, label),
        h('td.num', { dataset: { field: 'approved' } }, was),
        h('td.num', { dataset: { field: 'latest' } }, now),
      )
    }),
    { id: 'approved-vs-latest' },
  )
}

/** The project's stored analyses, newest first (GET /projects/{id}/analyses): when, what started it, the figures. */
export const analysisHistoryTable = (items) => {
  const c = p.historyCols
  const m = p.historyMarks
  return table(
    [c.computedAt, c.trigger, c.by, c.verdict, c.stock, c.ratio, c.mark],
    items.map((x) =>
      h(
        'tr',
        { dataset: { resultId: x.resultId, approved: String(x.approved), latest: String(x.latest) } },
        h('td', {}, f.dateTime(x.computedAt)),
        h('td', {}, x.triggerZh ?? p.triggerUnknown),
        h('td', { translate: 'no' }, x.triggeredBy ?? s.common.dash),
        h('td', {}, x.verdictZh),
        h('td.num', { dataset: { field: 'stockAreaM2' } }, f.m2(x.stockAreaM2)),
        h('td.num', { dataset: { field: 'footprintRatio' } }, f.percent(x.footprintRatio)),
        h(
          'td',
          {},
          x.approved ? h('span.badge.pass', {}, m.approved) : null,
          ' ',
          x.latest ? h('span.badge', {}, m.latest) : null,
          ' ',
          x.stale ? h('span.badge.stale', {}, m.stale) : null,
        ),
      ),
    ),
    { id: 'analysis-history' },
  )
}
