// 图层与导入: the county's layers (active version, count, extent, history) and the upload panel.
import { api } from '../api.js'
import { chooseCounty, countiesOf, countyChoices, countyFixed, currentCounty } from '../county.js'
import { clear, h, table } from '../dom.js'
import * as f from '../format.js'
import { hashPath, hashQuery, setHashQuery } from '../hash-query.js'
import { replaceWhenLoaded } from '../problem.js'
import { countyName, settings } from '../settings.js'
import { sortableTable } from '../sortable.js'
import { s } from '../strings.js'
import { renderUpload } from './upload.js'

export async function render(el, { principal }) {
  const county = { value: currentCounty(principal) }
  const list = h('div', { id: 'layers-list' })
  const listStatus = h('div', { id: 'layers-status', 'aria-live': 'polite' })
  const history = h('div', { id: 'layer-history' })
  const historyStatus = h('div', { 'aria-live': 'polite' })
  const countyInput = h('input', { id: 'county', value: county.value, pattern: '[0-9]{6}', size: 8, inputmode: 'numeric', list: 'county-names' })
  // the list's search and order, kept in the page address
  const kept = hashQuery()
  const route = hashPath()
  const state = { sort: kept.get('sort') ?? '', dir: kept.get('dir') === 'desc' ? 'desc' : 'asc' }
  const search = h('input', { type: 'search', id: 'layer-search', size: 16, value: kept.get('q') ?? '' })
  let layers = []
  const picker = countyFixed(principal)
    ? null
    : h(
        'form.row',
        {
          onsubmit: (e) => {
            e.preventDefault()
            county.value = chooseCounty(countyInput.value)
            const up = document.getElementById('upload-county')
            if (up) up.value = county.value
            refresh()
          },
        },
        h('label', {}, s.layers.countyPrompt, countyInput),
        countyChoices('county-names', countiesOf(principal, settings()?.counties ?? [])),
        h('button', { type: 'submit' }, s.layers.show),
      )
  el.append(
    h('h1', {}, s.layers.title),
    h(
      'div.two.wide-left',
      {},
      h('div', {}, h('section.card', {}, picker, h('div.row', {}, h('label', {}, s.layers.searchLabel, search)), listStatus, list, historyStatus, history)),
      h(
        'div',
        {},
        h(
          'section.card',
          { 'aria-labelledby': 'upload-title' },
          h('h2', { id: 'upload-title' }, s.upload.title),
          renderUpload({ principal, county, onDone: refresh }),
        ),
      ),
    ),
  )

  async function refresh() {
    const shown = await replaceWhenLoaded(list, listStatus, async () => {
      layers = await api('/layers', { query: { county: county.value || undefined } })
      return layers.length ? [layersTable(), downloads()] : h('p', {}, s.layers.empty)
    })
    // the history shown was of the county's layers before: gone with them, kept when the list was kept
    if (shown) clear(history)
  }

  /** One GeoPackage per county listed: its current layers and projects, with Chinese field aliases. */
  function downloads() {
    const counties = [...new Set(layers.map((l) => l.county))].sort()
    return h(
      'p',
      { id: 'layer-downloads' },
      counties.map((code, i) => [
        i ? '　' : '',
        h('a', { href: `/api/v1/layers/${code}.gpkg`, download: '' }, s.layers.downloadGpkg(countyName(code) ?? code)),
      ]),
    )
  }

  const c = s.layers.cols
  const columns = [
    { key: 'layer', title: c.layer, value: (l) => l.titleZh },
    { key: 'county', title: c.county, value: (l) => l.county },
    { key: 'version', title: c.version, value: (l) => l.active.version, num: true },
    { key: 'count', title: c.count, value: (l) => l.active.featureCount, num: true },
    { key: 'crs', title: c.crs, value: (l) => f.crsName(l.active.sourceCrs) },
    { key: 'encoding', title: c.encoding, value: (l) => l.active.encoding?.name },
    { key: 'importedAt', title: c.importedAt, value: (l) => l.active.importedAt },
    { key: 'history', title: c.history },
  ]

  function layersTable() {
    const q = search.value.trim().toLowerCase()
    setHashQuery({ q: search.value.trim(), sort: state.sort, dir: state.sort && state.dir === 'desc' ? 'desc' : '' }, route, el)
    const shown = layers.filter((l) => !q || [l.titleZh, l.layer, l.county, countyName(l.county) ?? ''].some((v) => v.toLowerCase().includes(q)))
    return sortableTable(
      columns,
      shown,
      (l) =>
        h(
          'tr',
          { dataset: { layer: l.layer, county: l.county } },
          h('td', {}, l.titleZh, h('div.hint', {}, extentText(l.active.extent))),
          h('td', {}, countyName(l.county) ?? l.county, h('div.hint', {}, l.county)),
          h('td.num', {}, `v${l.active.version}`),
          h('td.num', { class: 'num count' }, f.int(l.active.featureCount)),
          h('td', {}, f.crsName(l.active.sourceCrs)),
          h('td', {}, l.active.encoding?.name ?? s.common.dash),
          h('td', {}, f.dateTime(l.active.importedAt), h('div.hint.imported-by', {}, f.who(l.active.importedByName, l.active.importedBy, ''))),
          h('td', {}, h('button', { type: 'button', onclick: () => showHistory(l) }, s.layers.historyButton)),
        ),
      {
        state,
        onSort: (next) => {
          Object.assign(state, next)
          clear(list).append(layersTable(), downloads())
        },
        attrs: { id: 'layers-table' },
      },
    )
  }
  search.addEventListener('input', () => {
    if (layers.length) clear(list).append(layersTable(), downloads())
  })

  async function showHistory(l) {
    const shown = await replaceWhenLoaded(history, historyStatus, async () => {
      const d = await api(`/layers/${l.layer}`, { query: { county: l.county } })
      const c = s.layers.cols
      return [
        h('h2', {}, s.layers.historyTitle(d.titleZh)),
        table(
          [c.version, c.count, c.crs, c.encoding, c.importedBy, c.importedAt],
          d.versions.map((v) =>
            h(
              'tr',
              {},
              h(
                'td',
                {},
                `v${v.version} `,
                h('span.badge', { class: v.active ? 'badge pass' : 'badge unknown' }, v.active ? s.layers.active : s.layers.inactive),
                h('div.hint', {}, v.sourceName ?? ''),
              ),
              h('td.num', {}, f.int(v.featureCount)),
              h('td', {}, f.crsName(v.sourceCrs)),
              h('td', {}, v.encoding?.name ?? s.common.dash),
              h('td', {}, f.who(v.importedByName, v.importedBy)),
              h('td', {}, f.dateTime(v.importedAt)),
            ),
          ),
        ),
      ]
    })
    if (shown) history.scrollIntoView({ block: 'nearest' })
  }
  await refresh()
}

const extentText = (e) => (e ? e.map((x) => x.toFixed(4)).join(', ') : s.common.dash)
