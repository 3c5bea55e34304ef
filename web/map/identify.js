// 要素查询: a click lists every feature under the pointer, the top layer first (MapLibre's
// queryRenderedFeatures answers in drawing order, topmost first), each under its layer's title with
// its attributes under their Chinese names (OGC queryables) and coded values named (权属性质 30 →
// 30 集体土地所有权; GET /settings code tables). The hits are outlined on the map by feature id, so a
// feature cut by tile boundaries is outlined whole.
import { request } from '../api.js'
import { clear, h } from '../dom.js'
import { collectionTitle, namedCode } from '../settings.js'
import { s } from '../strings.js'
import { selectionLayers } from './styles.js'

/** The properties that name a feature in a list, by collection (a code with its name where it has one). */
const labelFields = {
  survey3: ['tbbh', 'dlbm'],
  survey2: ['tbbh', 'dlbm'],
  'survey2-lines': ['dlbm'],
  projects: ['code', 'name'],
  'project-boundaries': ['projectCode', 'projectName'],
  plots: ['plotCode', 'plotName'],
  buildings: ['buildingType', 'name'],
  'approved-unsupplied': ['approvalNo', 'name'],
  'idle-land': ['code', 'name'],
  'plan-zones': ['zoneName'],
  'admin-divisions': ['name'],
  bundles: ['bundleNo'],
}

/** "图斑编号 12 · 0103 旱地", "371502-2024-0003 某项目": what a list shows of a feature. */
export function featureLabel(collection, properties) {
  return (labelFields[collection] ?? [])
    .filter((f) => properties[f] !== null && properties[f] !== undefined && properties[f] !== '')
    .map((f) => (f === 'tbbh' ? s.map.search.tbbh(properties[f]) : namedCode(collection, f, properties[f])))
    .join(' · ')
}

/** A property's value as a reader wants it: codes named, yes/no in words, nothing as a dash. */
function shown(collection, field, value) {
  if (value === null || value === undefined || value === '') return s.common.dash
  if (typeof value === 'boolean') return value ? s.common.yes : s.common.no
  return String(namedCode(collection, field, value))
}

const titles = new Map()
/** The Chinese titles of a collection's properties (its OGC queryables), fetched once per page load. */
function titlesOf(collection) {
  if (!titles.has(collection))
    titles.set(
      collection,
      request(`/ogc/collections/${collection}/queryables`)
        .then((q) => Object.fromEntries(Object.entries(q.properties).map(([k, v]) => [k, v.title ?? k])))
        .catch(() => ({})),
    )
  return titles.get(collection)
}

/** Identify on `map` for the vector `sources`, listing into `panel`. */
export function identifier(map, panel, sources) {
  for (const id of sources) for (const layer of selectionLayers(id)) map.addLayer(layer)

  function outline(ids) {
    for (const id of sources) {
      const filter = ['in', ['id'], ['literal', ids.get(id) ?? []]]
      for (const layer of [`${id}-selected-casing`, `${id}-selected`]) map.setFilter(layer, filter)
    }
  }

  let generation = 0
  /** The features under `point` (pixels) in the visible `layers`, listed and outlined. */
  async function at(point, layers) {
    const mine = ++generation
    const pad = 3
    const hits = map.queryRenderedFeatures(
      [
        [point.x - pad, point.y - pad],
        [point.x + pad, point.y + pad],
      ],
      { layers },
    )
    // One entry per feature: a polygon answers for its fill and its outline, and once per tile it spans.
    const seen = new Set()
    const features = hits.filter((f) => {
      const key = `${f.source}:${f.id ?? JSON.stringify(f.properties)}`
      return seen.has(key) ? false : (seen.add(key), true)
    })
    const ids = new Map()
    for (const f of features) if (f.id !== undefined) ids.set(f.source, [...(ids.get(f.source) ?? []), f.id])
    outline(ids)
    clear(panel)
    if (!features.length) {
      panel.append(h('p.hint', {}, s.map.noFeature))
      return
    }
    panel.append(h('p.hint', { id: 'hit-count' }, s.map.identify.count(features.length)))
    const entries = await Promise.all(
      features.map(async (f) => {
        const t = await titlesOf(f.source)
        return h(
          'section.hit',
          { dataset: { collection: f.source, id: f.id ?? '' } },
          h('h3', {}, collectionTitle(f.source), h('span.hit-label', {}, featureLabel(f.source, f.properties))),
          h(
            'dl.attrs',
            {},
            Object.entries(f.properties).flatMap(([k, v]) => [h('dt', {}, t[k] ?? k), h('dd', { translate: 'no' }, shown(f.source, k, v))]),
          ),
        )
      }),
    )
    // A later click has listed its own hits meanwhile.
    if (mine === generation) panel.append(...entries)
  }

  return { at, clear: () => outline(new Map()) }
}
