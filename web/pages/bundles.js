// 连片: the county's bundles on the map with 夹心地 / 边角地 / 插花地 flags, members and area, and
// "make a project from this bundle".
import { api } from '../api.js'
import { chooseCounty, countiesOf, countyChoices, countyFixed, currentCounty } from '../county.js'
import { clear, h } from '../dom.js'
import * as f from '../format.js'
import { hashPath, hashQuery, setHashQuery } from '../hash-query.js'
import { settings } from '../settings.js'
import { sortableTable } from '../sortable.js'
import { createMap, bboxOf, fitExtent, loaded } from '../map/map.js'
import { layersFor, palette } from '../map/styles.js'
import { s } from '../strings.js'
import { problemBox, replaceWhenLoaded } from '../problem.js'

const b = s.bundles

export async function render(el, { principal }) {
  const countyInput = h('input', { id: 'bundle-county', value: currentCounty(principal), pattern: '[0-9]{6}', size: 8, list: 'bundle-county-names' })
  // the table's order, kept in the page address
  const kept = hashQuery()
  const route = hashPath()
  const state = { sort: kept.get('sort') ?? '', dir: kept.get('dir') === 'desc' ? 'desc' : 'asc' }
  let features = []
  const list = h('div', { id: 'bundle-list' })
  const listStatus = h('div', { id: 'bundle-status', 'aria-live': 'polite' })
  const message = h('div', { 'aria-live': 'polite' })
  const mapDiv = h('div.map', { id: 'bundle-map' })
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
            countyChoices('bundle-county-names', countiesOf(principal, settings()?.counties ?? [])),
            h('button', { type: 'submit' }, s.layers.show),
          ),
        ]),
    h('div.two', {}, h('section.card', {}, mapDiv), h('section.card', {}, message, listStatus, list)),
  )
  const map = createMap(mapDiv)
  await loaded(map)
  map.addSource('bundles', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } })
  for (const layer of layersFor('bundles', 'bundles', { fill: palette.skyBlue, opacity: 0.45, outline: palette.purple, width: 2 })) map.addLayer(layer)

  async function load() {
    if (!countyInput.value) return
    // a failed reload keeps the map and the list shown and says why above the list
    await replaceWhenLoaded(list, listStatus, async () => {
      const fc = await api('/bundles', { query: { county: countyInput.value } })
      map.getSource('bundles').setData(fc)
      fitExtent(map, bboxOf(fc))
      features = fc.features
      return bundlesTable()
    })
  }

  const c = b.cols
  const flagsOf = (p) => [...new Set((p.flags ?? []).map((fl) => fl.flag ?? fl))].map((k) => b.flags[k] ?? k).join('、')
  const columns = [
    { key: 'no', title: c.no, value: (x) => x.properties.bundleId, num: true },
    { key: 'members', title: c.members, value: (x) => x.properties.memberCount },
    { key: 'area', title: s.unit.both(c.area), value: (x) => x.properties.m2, num: true },
    { key: 'meets', title: c.meets, value: (x) => x.properties.meetsMinArea },
    { key: 'flags', title: c.flags, value: (x) => flagsOf(x.properties) },
    { key: 'gaps', title: c.gaps, value: (x) => (x.properties.enclosedGaps ?? []).length, num: true },
    { key: 'make', title: c.make },
  ]

  function bundlesTable() {
    setHashQuery({ sort: state.sort, dir: state.sort && state.dir === 'desc' ? 'desc' : '' }, route)
    if (!features.length) return h('p', {}, b.empty)
    return sortableTable(
      columns,
      features,
      (x) => {
        const p = x.properties
        return h(
          'tr',
          { dataset: { bundle: p.bundleId } },
          h('td', {}, h('button', { type: 'button', onclick: () => fitExtent(map, bboxOf(x.geometry), { padding: 60 }) }, `#${p.bundleId}`)),
          h('td', {}, `${p.memberCount}：${p.members.join('、')}`),
          h('td.num', {}, f.m2(p.m2), h('br'), f.mu(p.mu)),
          h('td', {}, h('span', { class: `badge ${p.meetsMinArea ? 'pass' : 'fail'}` }, p.meetsMinArea ? s.common.yes : s.common.no)),
          h('td', {}, flagsOf(p) || s.common.dash),
          h('td.num', {}, (p.enclosedGaps ?? []).length),
          h('td', {}, h('button', { type: 'button', onclick: () => makeProject(p.bundleId) }, b.makeProject)),
        )
      },
      {
        state,
        onSort: (next) => {
          Object.assign(state, next)
          clear(list).append(bundlesTable())
        },
        attrs: { id: 'bundles-table' },
      },
    )
  }
  async function makeProject(id) {
    clear(message)
    try {
      const project = await api(`/bundles/${id}/project`, { method: 'POST', body: {} })
      message.append(h('p', { role: 'status' }, b.made(project.code), ' ', h('a', { href: `#/projects/${project.id}` }, project.code)))
    } catch (err) {
      message.append(problemBox(err))
    }
  }
  await load()
  return () => map.remove()
}
