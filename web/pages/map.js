// 地图: the service's own vector tiles for every layer, switchable, land use coloured by class, a
// legend; and the tools a GIS user expects: zoom to the data, 定位 by code or coordinates, a hint when a
// switched-on layer waits for a closer zoom, a click that outlines and lists what it hit (top layer
// first, codes named), and 测距 / 测面 on the CGCS2000 ellipsoid.
import { api, ApiError } from '../api.js'
import { basemapPicker } from '../map/basemap.js'
import { currentCounty } from '../county.js'
import { clear, h } from '../dom.js'
import { identifier } from '../map/identify.js'
import { createMap, fitExtent, loaded } from '../map/map.js'
import { measureTool } from '../map/measure.js'
import { searchTool } from '../map/search.js'
import { collectionStyles, landUseColours, layersFor } from '../map/styles.js'
import { zoomHint } from '../map/zoom-hint.js'
import { collectionTitle, loadSettings } from '../settings.js'
import { s } from '../strings.js'
import { problemBox } from '../problem.js'

const layerToCollection = (layer) => (layer === 'projects' ? 'project-boundaries' : layer)
const alwaysOffered = ['project-boundaries', 'bundles']

/** The union of the loaded layers' extents (GET /layers), or null. */
function dataExtent(loadedLayers) {
  const extents = loadedLayers.map((l) => l.active?.extent).filter(Boolean)
  if (!extents.length) return null
  return [
    Math.min(...extents.map((e) => e[0])),
    Math.min(...extents.map((e) => e[1])),
    Math.max(...extents.map((e) => e[2])),
    Math.max(...extents.map((e) => e[3])),
  ]
}

export async function render(el, { principal }) {
  const styles = collectionStyles((await loadSettings()).map)
  const county = currentCounty(principal)
  // Without the list of layers the map still offers the boundaries; the page says why the rest is missing.
  const notice = h('div', { id: 'map-status', 'aria-live': 'polite' })
  const loadedLayers = await api('/layers', { query: { county: county } }).catch((err) => {
    notice.append(problemBox(err))
    return []
  })
  const present = new Set(loadedLayers.map((l) => layerToCollection(l.layer)))
  const order = Object.keys(styles)
  const offered = order.filter((id) => present.has(id) || alwaysOffered.includes(id))
  const extent = dataExtent(loadedLayers)

  const mapDiv = h('div.map', { id: 'map', role: 'region', 'aria-label': s.map.title })
  const switches = h('fieldset', { id: 'layer-switches' }, h('legend', {}, s.map.layers))
  const legend = h('div', { id: 'legend' })
  const attrs = h('div', { id: 'attributes', 'aria-live': 'polite' }, h('p.hint', {}, s.map.clickHint))
  const searchForm = h('form.map-search', { id: 'map-search', role: 'search' })
  const searchResults = h('div.search-results', { id: 'search-results', 'aria-live': 'polite' })
  const hint = h('div.map-hint', { id: 'zoom-hint', role: 'status', hidden: true })
  const measured = h('div.map-measure', { id: 'measure-result', 'aria-live': 'polite', hidden: true })
  const attribution = h('div.map-attribution', { id: 'basemap-attribution', hidden: true })
  const button = (id, text, onclick) => h('button', { type: 'button', id, onclick }, text)
  const tools = h('div.map-tools', { role: 'toolbar', 'aria-label': s.map.tools })
  el.append(
    h('h1', {}, s.map.title),
    notice,
    h(
      'div.map-page',
      {},
      h('div.map-column', {}, h('div.map-toolbar', {}, searchForm, tools), searchResults, h('div.map-wrap', {}, mapDiv, hint, measured, attribution)),
      h('div.panel.layers-panel', {}, switches, h('h2', {}, s.map.legend), legend),
      h('div.panel.attrs-panel', {}, h('h2', {}, s.map.attributes), attrs),
    ),
  )

  let map
  try {
    map = createMap(mapDiv)
  } catch {
    clear(mapDiv).append(problemBox(new Error(s.map.webglMissing)))
    return
  }
  await loaded(map)
  function zoomToData() {
    if (extent) fitExtent(map, extent)
    else clear(searchResults).append(h('p.hint', {}, s.map.noData))
  }
  zoomToData()
  // A tile the service did not give (stopped, or refused): said once; the tiles already drawn stay.
  map.on('error', (e) => {
    if (!e.sourceId || notice.querySelector('[data-tiles]')) return
    const status = e.error?.status
    const box = problemBox(status ? new Error(s.map.tilesFailed(status)) : new ApiError(0, { detailZh: s.problems.network }))
    box.dataset.tiles = '1'
    notice.append(box)
  })

  // Draw order: land-use patches first, boundaries last; the tools' layers above them all.
  const enabled = new Set(offered.filter((id) => id !== 'survey2' || !present.has('survey3')))
  for (const id of offered) {
    map.addSource(id, { type: 'vector', url: `${location.origin}/tiles/${id}.json` })
    for (const layer of layersFor(id, id, styles[id], id)) map.addLayer({ ...layer, layout: { visibility: enabled.has(id) ? 'visible' : 'none' } })
    const box = h('input', { type: 'checkbox', checked: enabled.has(id), dataset: { collection: id }, onchange: () => toggle(id, box.checked) })
    switches.append(h('label', {}, box, swatch(styles[id]), collectionTitle(id)))
  }
  const basemap = basemapPicker(map, attribution)
  if (basemap) switches.after(basemap)
  const identify = identifier(map, attrs, offered)
  searchTool(map, { form: searchForm, results: searchResults, offered, county })
  const measure = measureTool(map, measured, (mode) => {
    for (const b of tools.querySelectorAll('[data-mode]')) b.setAttribute('aria-pressed', String(b.dataset.mode === mode))
    tools.querySelector('#measure-finish').disabled = !mode
  })
  const updateHint = zoomHint(map, hint, () => enabled)
  tools.append(
    button('zoom-data', s.map.fit, zoomToData),
    h(
      'button',
      { type: 'button', id: 'measure-distance', dataset: { mode: 'distance' }, 'aria-pressed': 'false', onclick: () => measure.start('distance') },
      s.map.measure.distance,
    ),
    h(
      'button',
      { type: 'button', id: 'measure-area', dataset: { mode: 'area' }, 'aria-pressed': 'false', onclick: () => measure.start('area') },
      s.map.measure.area,
    ),
    h('button', { type: 'button', id: 'measure-finish', disabled: true, onclick: () => measure.finish() }, s.map.measure.finish),
    button('measure-clear', s.map.measure.clear, () => measure.clear()),
  )
  renderLegend()

  function toggle(id, on) {
    on ? enabled.add(id) : enabled.delete(id)
    for (const suffix of ['fill', 'line']) if (map.getLayer(`${id}-${suffix}`)) map.setLayoutProperty(`${id}-${suffix}`, 'visibility', on ? 'visible' : 'none')
    renderLegend()
    updateHint()
  }

  function renderLegend() {
    clear(legend)
    if ([...enabled].some((id) => styles[id].landUse)) {
      for (const [k, colour] of Object.entries(landUseColours))
        legend.append(h('div', {}, h('span.legend-swatch', { style: `background:${colour}` }), s.map.classes[k]))
    }
    for (const id of enabled) if (!styles[id].landUse) legend.append(h('div', {}, swatch(styles[id]), collectionTitle(id)))
  }

  map.on('click', (e) => {
    if (measure.active) return
    const layers = [...enabled].flatMap((id) => [`${id}-fill`, `${id}-line`]).filter((l) => map.getLayer(l))
    void identify.at(e.point, layers)
  })
  return () => map.remove()
}

function swatch(style) {
  if (style.landUse) return h('span.legend-swatch', { style: `background:linear-gradient(90deg,${Object.values(landUseColours).join(',')})` })
  const colour = typeof style.fill === 'string' ? style.fill : (style.line ?? style.outline ?? '#999')
  return h('span.legend-swatch', {
    style: style.fill ? `background:${colour}` : `background:transparent;border:2px ${style.dash ? 'dashed' : 'solid'} ${colour}`,
  })
}
