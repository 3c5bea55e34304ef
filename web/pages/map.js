// 地图: the service's own vector tiles for every layer, switchable, land use coloured by class, a
// legend, and the attributes of a clicked feature under their Chinese names (OGC queryables).
import { api, ApiError, request } from '../api.js'
import { currentCounty } from '../county.js'
import { clear, h } from '../dom.js'
import * as f from '../format.js'
import { createMap, fitExtent, loaded } from '../map/map.js'
import { collectionStyles, landUseColours, layersFor } from '../map/styles.js'
import { collectionTitle, loadSettings } from '../settings.js'
import { s } from '../strings.js'
import { problemBox } from '../problem.js'

const layerToCollection = (layer) => (layer === 'projects' ? 'project-boundaries' : layer)
const alwaysOffered = ['project-boundaries', 'bundles']

export async function render(el, { principal }) {
  const styles = collectionStyles((await loadSettings()).map)
  // Without the list of layers the map still offers the boundaries; the page says why the rest is missing.
  const notice = h('div', { id: 'map-status', 'aria-live': 'polite' })
  const loadedLayers = await api('/layers', { query: { county: currentCounty(principal) } }).catch((err) => {
    notice.append(problemBox(err))
    return []
  })
  const present = new Set(loadedLayers.map((l) => layerToCollection(l.layer)))
  const order = Object.keys(styles)
  const offered = order.filter((id) => present.has(id) || alwaysOffered.includes(id))

  const mapDiv = h('div.map', { id: 'map', role: 'region', 'aria-label': s.map.title })
  const switches = h('fieldset', { id: 'layer-switches' }, h('legend', {}, s.map.layers))
  const legend = h('div', { id: 'legend' })
  const attrs = h('div', { id: 'attributes', 'aria-live': 'polite' }, h('p.hint', {}, s.map.clickHint))
  el.append(
    h('h1', {}, s.map.title),
    notice,
    h(
      'div.map-page',
      {},
      h('div.panel', {}, switches, h('h2', {}, s.map.legend), legend),
      mapDiv,
      h('div.panel.attrs-panel', {}, h('h2', {}, s.map.attributes), attrs),
    ),
  )

  let map
  try {
    map = createMap(mapDiv)
  } catch (err) {
    clear(mapDiv).append(problemBox(new Error(s.map.webglMissing)))
    return
  }
  await loaded(map)
  // A tile the service did not give (stopped, or refused): said once; the tiles already drawn stay.
  map.on('error', (e) => {
    if (!e.sourceId || notice.querySelector('[data-tiles]')) return
    const status = e.error?.status
    const box = problemBox(status ? new Error(s.map.tilesFailed(status)) : new ApiError(0, { detailZh: s.problems.network }))
    box.dataset.tiles = '1'
    notice.append(box)
  })
  const extents = loadedLayers.map((l) => l.active.extent).filter(Boolean)
  if (extents.length)
    fitExtent(map, [
      Math.min(...extents.map((e) => e[0])),
      Math.min(...extents.map((e) => e[1])),
      Math.max(...extents.map((e) => e[2])),
      Math.max(...extents.map((e) => e[3])),
    ])

  // Draw order: land-use patches first, boundaries last.
  const enabled = new Set(offered.filter((id) => id !== 'survey2' || !present.has('survey3')))
  for (const id of offered) {
    map.addSource(id, { type: 'vector', url: `${location.origin}/tiles/${id}.json` })
    for (const layer of layersFor(id, id, styles[id], id)) map.addLayer({ ...layer, layout: { visibility: enabled.has(id) ? 'visible' : 'none' } })
    const box = h('input', { type: 'checkbox', checked: enabled.has(id), dataset: { collection: id }, onchange: () => toggle(id, box.checked) })
    switches.append(h('label', {}, box, swatch(styles[id]), collectionTitle(id)))
  }
  renderLegend()

  function toggle(id, on) {
    on ? enabled.add(id) : enabled.delete(id)
    for (const suffix of ['fill', 'line']) if (map.getLayer(`${id}-${suffix}`)) map.setLayoutProperty(`${id}-${suffix}`, 'visibility', on ? 'visible' : 'none')
    renderLegend()
  }

  function renderLegend() {
    clear(legend)
    if ([...enabled].some((id) => styles[id].landUse)) {
      for (const [k, colour] of Object.entries(landUseColours))
        legend.append(h('div', {}, h('span.legend-swatch', { style: `background:${colour}` }), s.map.classes[k]))
    }
    for (const id of enabled) if (!styles[id].landUse) legend.append(h('div', {}, swatch(styles[id]), collectionTitle(id)))
  }

  const titles = new Map()
  async function titlesOf(collection) {
    if (!titles.has(collection))
      titles.set(
        collection,
        request(`/ogc/collections/${collection}/queryables`)
          .then((q) => Object.fromEntries(Object.entries(q.properties).map(([k, v]) => [k, v.title ?? k])))
          .catch(() => ({})),
      )
    return titles.get(collection)
  }

  // Values are the county's data as delivered (codes such as 耕地类型 PD): marked translate="no", never rewritten.
  map.on('click', async (e) => {
    const layers = [...enabled].flatMap((id) => [`${id}-fill`, `${id}-line`]).filter((l) => map.getLayer(l))
    const hits = map.queryRenderedFeatures(
      [
        [e.point.x - 3, e.point.y - 3],
        [e.point.x + 3, e.point.y + 3],
      ],
      { layers },
    )
    clear(attrs)
    if (!hits.length) {
      attrs.append(h('p.hint', {}, s.map.noFeature))
      return
    }
    const seen = new Set()
    for (const hit of hits) {
      const key = `${hit.source}:${hit.id ?? JSON.stringify(hit.properties)}`
      if (seen.has(key)) continue
      seen.add(key)
      const t = await titlesOf(hit.source)
      attrs.append(
        h('h3', {}, collectionTitle(hit.source)),
        h(
          'dl.attrs',
          {},
          Object.entries(hit.properties).flatMap(([k, v]) => [
            h('dt', {}, t[k] ?? k),
            h('dd', { translate: typeof v === 'boolean' ? undefined : 'no' }, typeof v === 'boolean' ? f.yesNo(v) : String(v)),
          ]),
        ),
      )
    }
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
