// 连片: the county's bundles on the map with 夹心地 / 边角地 / 插花地 flags, members and area; a bundle
// chosen shows its plots by flag with the reason for each; a re-run with another distance and minimum
// area (the job's progress shown); "make a project from this bundle" with the user's code and name.
import { api } from '../api.js'
import { chooseCounty, countyFixed, currentCounty } from '../county.js'
import { clear, h, table } from '../dom.js'
import { hashPath, hashQuery, setHashQuery } from '../hash-query.js'
import { sortableTable } from '../sortable.js'
import * as f from '../format.js'
import { createMap, bboxOf, fitExtent, loaded } from '../map/map.js'
import { bundleStyles, layersFor } from '../map/styles.js'
import { s } from '../strings.js'
import { problemBox, replaceWhenLoaded } from '../problem.js'

const b = s.bundles
const empty = { type: 'FeatureCollection', features: [] }

/** The fill a piece is drawn with: 夹心地, else 边角地, else a plain member (插花地 is an outline over it). */
const fillOf = (flags) => (flags.includes('enclave') ? 'enclave' : flags.includes('corner') ? 'corner' : 'member')

export async function render(el, { principal }) {
  const countyInput = h('input', { id: 'bundle-county', value: currentCounty(principal), pattern: '[0-9]{6}', size: 8 })
  const list = h('div', { id: 'bundle-list' })
  const listStatus = h('div', { id: 'bundle-status', 'aria-live': 'polite' })
  const message = h('div', { id: 'bundle-message', 'aria-live': 'polite' })
  const detail = h('div', { id: 'bundle-detail' }, h('p.hint', {}, b.selectHint))
  const mapDiv = h('div.map', { id: 'bundle-map' })
  const legend = h('div.row', { id: 'bundle-legend' }, ...Object.keys(b.legend).map((k) => legendItem(k)))
  const gapInput = h('input', { id: 'bundle-gap', type: 'number', min: 0, max: 1000, step: 'any', value: '0', required: true, size: 6 })
  const minInput = h('input', { id: 'bundle-min-mu', type: 'number', min: 0, step: 'any', value: '15', required: true, size: 6 })
  const runButton = h('button', { type: 'submit' }, b.run.submit)
  const runStatus = h('div', { id: 'bundle-run-status', 'aria-live': 'polite' })
  const runForm = h(
    'form.row',
    { id: 'bundle-run', onsubmit: (e) => (e.preventDefault(), rerun()) },
    h('label', { title: b.run.gapHint }, b.run.gap, ' ', gapInput),
    h('label', {}, b.run.minMu, ' ', minInput),
    runButton,
  )
  // no picker for a county key: nothing appended (Element.append would write the text "null")
  el.append(
    h('h1', {}, b.title),
    ...(countyFixed(principal)
      ? []
      : [
          h(
            'form.row',
            {
              onsubmit: (e) => {
                e.preventDefault()
                chooseCounty(countyInput.value)
                load()
              },
            },
            h('label', {}, s.layers.countyPrompt, countyInput),
            h('button', { type: 'submit' }, s.layers.show),
          ),
        ]),
    h(
      'div.two',
      {},
      h('div', {}, h('section.card', {}, mapDiv, legend), h('section.card', {}, detail)),
      h('section.card', {}, h('h2', {}, b.run.legend), runForm, runStatus, message, listStatus, list),
    ),
  )
  const map = createMap(mapDiv)
  await loaded(map)
  map.addSource('bundles', { type: 'geojson', data: empty })
  map.addSource('bundle-pieces', { type: 'geojson', data: empty })
  for (const layer of layersFor('bundles', 'bundles', bundleStyles.bundle)) map.addLayer(layer)
  for (const kind of ['member', 'corner', 'enclave'])
    for (const layer of layersFor(`bundle-${kind}`, 'bundle-pieces', bundleStyles[kind])) map.addLayer({ ...layer, filter: ['==', ['get', 'fill'], kind] })
  for (const layer of layersFor('bundle-interspersed', 'bundle-pieces', bundleStyles.interspersed))
    map.addLayer({ ...layer, filter: ['==', ['get', 'interspersed'], true] })

  let selected = null
  let rows = []
  // the table's order, kept in the page address (#/bundles?sort=mu&dir=desc)
  const kept = hashQuery()
  const route = hashPath()
  const state = { sort: kept.get('sort') ?? '', dir: kept.get('dir') === 'desc' ? 'desc' : 'asc' }

  async function load() {
    if (!countyInput.value) return
    // a failed reload keeps the map and the list shown and says why above the list
    await replaceWhenLoaded(list, listStatus, async () => {
      const fc = await api('/bundles', { query: { county: countyInput.value } })

      map.getSource('bundles').setData(fc)
      if (fc.features.length) {
        // the form offers the current bundles' own parameters
        gapInput.value = String(fc.features[0].properties.gapMeters)
        minInput.value = String(fc.features[0].properties.minBundleMu)
      }
      const still = selected && fc.features.find((x) => x.properties.bundleId === selected)
      if (still) void select(still, { fit: false })
      else {
        selected = null
        map.getSource('bundle-pieces').setData(empty)
        clear(detail).append(h('p.hint', {}, b.selectHint))
        fitExtent(map, bboxOf(fc))
      }
      rows = fc.features
      return rows.length ? bundleTable() : h('p', {}, b.empty)
    })
  }

  /** Flags of a bundle as its table shows them: 边角地、插花地 … */
  const flagText = (p) => [...new Set((p.flags ?? []).map((fl) => fl.flag ?? fl))].map((k) => b.flags[k] ?? k).join('、')

  function bundleTable() {
    const c = b.cols
    setHashQuery({ sort: state.sort, dir: state.sort && state.dir === 'desc' ? 'desc' : '' }, route, el)
    const columns = [
      { key: 'no', title: c.no, value: (x) => x.properties.bundleId },
      { key: 'members', title: c.members, value: (x) => x.properties.memberCount, num: true },
      { key: 'mu', title: s.unit.both(c.area), value: (x) => x.properties.m2, num: true },
      { key: 'meets', title: c.meets(rows[0].properties.minBundleMu ?? 15), value: (x) => x.properties.meetsMinArea },
      { key: 'flags', title: c.flags, value: (x) => flagText(x.properties) },
      { key: 'gaps', title: c.gaps, value: (x) => (x.properties.enclosedGaps ?? []).length, num: true },
      { key: 'made', title: c.make, value: (x) => (x.properties.projects ?? []).length },
    ]
    return sortableTable(
      columns,
      rows,
      (x) => {
        const p = x.properties
        const made = p.projects ?? []
        return h(
          'tr',
          { dataset: { bundle: p.bundleId }, class: p.bundleId === selected ? 'selected' : undefined },
          h('td', {}, h('button', { type: 'button', class: 'select-bundle', onclick: () => select(x) }, `#${p.bundleId}`)),
          h('td', {}, `${p.memberCount}：${p.members.join('、')}`),
          h('td.num', {}, f.m2(p.m2), h('br'), f.mu(p.mu)),
          h('td', {}, h('span', { class: `badge ${p.meetsMinArea ? 'pass' : 'fail'}` }, p.meetsMinArea ? s.common.yes : s.common.no)),
          h('td', {}, flagText(p) || s.common.dash),
          h('td.num', {}, (p.enclosedGaps ?? []).length),
          h(
            'td',
            { class: 'made' },
            made.length
              ? [h('span.badge.pass', {}, b.madeBadge), ' ', made.map((m, i) => [i ? '、' : '', h('a', { href: `#/projects/${m.id}` }, m.code)]), h('br')]
              : null,
            h('button', { type: 'button', class: 'make-project', onclick: () => select(x, { form: true }) }, b.makeProject),
          ),
        )
      },
      {
        state,
        onSort: (next) => {
          Object.assign(state, next)
          clear(list).append(bundleTable())
        },
        attrs: { id: 'bundles-table' },
      },
    )
  }

  /** Shows a bundle piece by piece on the map, zoomed to it, with each piece's flags and reasons. */
  async function select(x, { fit = true, form = false } = {}) {
    const p = x.properties
    selected = p.bundleId
    for (const row of list.querySelectorAll('tr[data-bundle]')) row.classList.toggle('selected', row.dataset.bundle === String(p.bundleId))
    if (fit) fitExtent(map, bboxOf(x.geometry), { padding: 60 })
    let pieces
    try {
      pieces = await api(`/bundles/${p.bundleId}/pieces`)
    } catch (err) {
      clear(detail).append(problemBox(err))
      return
    }
    if (selected !== p.bundleId) return
    map.getSource('bundle-pieces').setData({
      type: 'FeatureCollection',
      features: pieces.features.map((pc) => ({
        type: 'Feature',
        geometry: pc.geometry,
        properties: { fill: fillOf(pc.properties.flags), interspersed: pc.properties.flags.includes('interspersed') },
      })),
    })
    const d = b.detail
    clear(detail).append(
      h('h2', {}, d.title(p.bundleId)),
      h('p', {}, d.summary(p.memberCount, p.gapMeters, p.minBundleMu)),
      ...(form ? [projectForm(p)] : []), // Element.append would write the text "null"
      table(
        [d.cols.piece, d.cols.kind, d.cols.area, d.cols.flags, d.cols.reasons],
        pieces.features.map(({ properties: pc }) =>
          h(
            'tr',
            { dataset: { piece: pc.piece, ref: pc.plot ?? pc.patch?.tbbh ?? '' } },
            h('td', {}, pc.plot ?? d.patch(pc.patch)),
            h('td', {}, d.kinds[pc.piece] ?? pc.piece),
            h('td.num', {}, f.muOfM2(pc.m2)),
            h('td', {}, pc.flags.length ? pc.flags.map((k) => b.flags[k] ?? k).join('、') : d.unflagged),
            h('td.reasons', {}, pc.reasons.length ? pc.reasons.map((r) => h('div', {}, r.reasonZh ?? r.reason)) : s.common.dash),
          ),
        ),
        { id: 'bundle-pieces' },
      ),
    )
    if (form) detail.querySelector('#project-code')?.focus()
  }

  /** 项目编号 and 项目名称 chosen by the user; 夹心地 included unless unticked. */
  function projectForm(p) {
    const t = b.project
    const code = h('input', { id: 'project-code', required: true, maxlength: 100, size: 18 })
    const name = h('input', { id: 'project-name', maxlength: 500, size: 28, placeholder: t.namePlaceholder })
    const gaps = h('input', { id: 'project-gaps', type: 'checkbox', checked: true })
    const status = h('div', { 'aria-live': 'polite' })
    const form = h(
      'form',
      {
        id: 'bundle-project-form',
        onsubmit: async (e) => {
          e.preventDefault()
          clear(status)
          try {
            const body = { code: code.value.trim(), includeEnclosedGaps: gaps.checked, ...(name.value.trim() ? { name: name.value.trim() } : {}) }
            const project = await api(`/bundles/${p.bundleId}/project`, { method: 'POST', body })
            clear(message).append(h('p', { role: 'status' }, b.made(project.code), ' ', h('a', { href: `#/projects/${project.id}` }, project.code)))
            form.remove()
            await load()
          } catch (err) {
            status.append(problemBox(err))
          }
        },
      },
      h('h3', {}, t.title(p.bundleId)),
      h(
        'div.row',
        {},
        h('label', {}, t.code, ' ', code),
        h('label', {}, t.name, ' ', name),
        h('label', { style: 'flex-direction:row;align-items:center;gap:6px' }, gaps, t.includeGaps),
        h('button', { type: 'submit' }, t.submit),
        h('button', { type: 'button', onclick: () => form.remove() }, t.cancel),
      ),
      status,
    )
    return form
  }

  /** A bundle run with the form's distance and minimum area, followed to its end as other jobs are. */
  async function rerun() {
    const r = b.run
    const bar = h('progress', { id: 'bundle-run-progress', max: 1, value: 0 })
    const pct = h('span', { id: 'bundle-run-percent' }, r.progress('0 %'))
    clear(runStatus).append(h('p', {}, bar, ' ', pct))
    runButton.disabled = true
    try {
      const body = { gapMeters: Number(gapInput.value), minBundleMu: Number(minInput.value), ...(countyInput.value ? { county: countyInput.value } : {}) }
      const { url } = await api('/bundles/runs', { method: 'POST', body })
      let job
      for (;;) {
        job = await api(url.replace('/api/v1', ''))
        bar.value = job.progress
        pct.textContent = r.progress(`${Math.round(job.progress * 100)} %`)
        if (!['queued', 'running'].includes(job.status)) break
        await new Promise((res) => setTimeout(res, 300))
      }
      if (job.status === 'succeeded') {
        runStatus.append(h('p', { role: 'status' }, r.done(job.bundleCount ?? 0)))
        await load()
      } else
        runStatus.append(
          h(
            'div.error-box',
            { role: 'alert' },
            h('p', {}, r.failed(r.status[job.status] ?? job.status)),
            (job.errors ?? []).map((e) => h('p', {}, e.messageZh ?? e.message)),
          ),
        )
    } catch (err) {
      runStatus.append(problemBox(err))
    } finally {
      runButton.disabled = false
    }
  }

  await load()
  return () => map.remove()
}

function legendItem(kind) {
  const style = bundleStyles[kind]
  const colour = style.outline ?? style.line
  return h(
    'span',
    { dataset: { legend: kind } },
    h('span.legend-swatch', {
      style: `${style.fill ? `background:${style.fill};` : 'background:transparent;'}border:2px ${style.dash ? 'dashed' : 'solid'} ${colour}`,
    }),
    b.legend[kind],
  )
}
