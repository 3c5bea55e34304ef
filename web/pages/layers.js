// 图层与导入: the county's layers (active version, count, extent, history) and the upload panel.
import { api } from '../api.js'
import { chooseCounty, countyFixed, currentCounty } from '../county.js'
import { clear, h, table } from '../dom.js'
import * as f from '../format.js'
import { replaceWhenLoaded } from '../problem.js'
import { s } from '../strings.js'
import { renderUpload } from './upload.js'

export async function render(el, { principal }) {
  const county = { value: currentCounty(principal) }
  const list = h('div', { id: 'layers-list' })
  const listStatus = h('div', { id: 'layers-status', 'aria-live': 'polite' })
  const history = h('div', { id: 'layer-history' })
  const historyStatus = h('div', { 'aria-live': 'polite' })
  const countyInput = h('input', { id: 'county', value: county.value, pattern: '[0-9]{6}', size: 8, inputmode: 'numeric' })
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
        h('button', { type: 'submit' }, s.layers.show),
      )
  el.append(
    h('h1', {}, s.layers.title),
    h(
      'div.two.wide-left',
      {},
      h('div', {}, h('section.card', {}, picker, listStatus, list, historyStatus, history)),
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
      const layers = await api('/layers', { query: { county: county.value || undefined } })
      return layers.length ? layersTable(layers) : h('p', {}, s.layers.empty)
    })
    // the history shown was of the county's layers before: gone with them, kept when the list was kept
    if (shown) clear(history)
  }

  function layersTable(layers) {
    const c = s.layers.cols
    return table(
      [c.layer, c.version, c.count, c.crs, c.encoding, c.importedAt, c.history],
      layers.map((l) =>
        h(
          'tr',
          { dataset: { layer: l.layer, county: l.county } },
          h('td', {}, l.titleZh, h('div.hint', {}, `${l.county} · ${extentText(l.active.extent)}`)),
          h('td.num', {}, `v${l.active.version}`),
          h('td.num', { class: 'num count' }, f.int(l.active.featureCount)),
          h('td', {}, f.crsName(l.active.sourceCrs)),
          h('td', {}, l.active.encoding?.name ?? s.common.dash),
          h('td', {}, f.dateTime(l.active.importedAt), h('div.hint', {}, l.active.importedBy ?? '')),
          h('td', {}, h('button', { type: 'button', onclick: () => showHistory(l) }, s.layers.historyButton)),
        ),
      ),
      { id: 'layers-table' },
    )
  }

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
              h('td', {}, v.importedBy ?? s.common.dash),
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
