// 定位: one box for a 项目编号 or name, a 图斑编号 (TBBH) or 标识码 (BSM), or coordinates (web/map/coordinates.js).
// Features are found through the OGC API's items with a CQL2 filter, so the key's region scope applies
// as everywhere; the page's county narrows them. One hit is zoomed to and outlined at once; several are
// listed to choose from.
import { request } from '../api.js'
import { clear, h } from '../dom.js'
import { collectionTitle } from '../settings.js'
import { s } from '../strings.js'
import { problemBox } from '../problem.js'
import { gaussKrugerToDegrees, readCoordinates } from './coordinates.js'
import { featureLabel } from './identify.js'
import { bboxOf, fitExtent } from './map.js'
import { foundLayers } from './styles.js'

const source = 'found'
const perCollection = 10
/** Shandong's 3° zones (DOMAIN.md): the central meridians an easting without a zone number may use. */
const meridians = [114, 117, 120, 123]

/** proj4 from the service (/vendor/proj4/): loaded as a module, it sets globalThis.proj4. */
async function loadProj4() {
  if (!globalThis.proj4) await import('/vendor/proj4/proj4.js')
  return globalThis.proj4
}

const property = (name) => ({ property: name })
/** LIKE's own wildcards in the typed text match themselves (PostgreSQL's default escape is \). */
const contains = (text) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/** CQL2 JSON filters per collection for a typed code or name; the collections the map offers only. */
function queriesFor(text, offered) {
  const like = (...fields) => ({ op: 'or', args: fields.map((f) => ({ op: 'like', args: [property(f), contains(text)] })) })
  const patch = /^[0-9]{1,15}$/.test(text)
    ? {
        op: 'or',
        args: [
          { op: '=', args: [property('tbbh'), text] },
          { op: '=', args: [property('bsm'), Number(text)] },
        ],
      }
    : { op: '=', args: [property('tbbh'), text] }
  return [
    ['projects', like('code', 'name')],
    ['project-boundaries', like('projectCode', 'projectName')],
    ['plots', { op: '=', args: [property('plotCode'), text] }],
    ['survey3', patch],
    ['survey2', patch],
  ].filter(([id]) => id === 'projects' || offered.includes(id))
}

async function findFeatures(text, { offered, county }) {
  const pages = await Promise.all(
    queriesFor(text, offered).map(async ([collection, filter]) => {
      const page = await request(`/ogc/collections/${collection}/items`, {
        query: { filter: JSON.stringify(filter), 'filter-lang': 'cql2-json', limit: perCollection, county },
      })
      return page.features.map((f) => ({ collection, ...f }))
    }),
  )
  const hits = pages.flat()
  // A project made from a boundary of the projects layer is the same place under the same code: listed once, as the project.
  const projectCodes = new Set(hits.filter((f) => f.collection === 'projects').map((f) => f.properties.code))
  return {
    hits: hits.filter((f) => f.collection !== 'project-boundaries' || !projectCodes.has(f.properties.projectCode)),
    cut: pages.some((p) => p.length === perCollection),
  }
}

/**
 * The search form (into `form`) and its answers (into `results`) on `map`; `offered` are the
 * collections the map draws, `county` the page's county ('' for all the key may see).
 */
export function searchTool(map, { form, results, offered, county }) {
  map.addSource(source, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } })
  for (const layer of foundLayers(source)) map.addLayer(layer)

  const input = h('input', {
    id: 'search-text',
    type: 'search',
    placeholder: s.map.search.placeholder,
    'aria-label': s.map.search.placeholder,
    title: s.map.search.hint,
  })
  const centre = map.getCenter().lng
  const nearest = meridians.reduce((best, m) => (Math.abs(m - centre) < Math.abs(best - centre) ? m : best))
  const meridian = h(
    'select',
    { id: 'search-meridian', 'aria-label': s.map.search.centralMeridian, title: s.map.search.centralMeridian },
    meridians.map((m) => h('option', { value: m, selected: m === nearest }, s.map.search.meridian(m))),
  )
  form.append(input, meridian, h('button.primary', { type: 'submit', id: 'search-go' }, s.map.search.go))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    void run(input.value.trim())
  })
  showHelp()

  function showHelp() {
    clear(results).append(h('p.hint', {}, s.map.search.hint))
  }

  function show(geometry) {
    map.getSource(source).setData(geometry ? { type: 'Feature', properties: {}, geometry } : { type: 'FeatureCollection', features: [] })
  }

  function choose(hit, row) {
    for (const r of results.querySelectorAll('[aria-current]')) r.removeAttribute('aria-current')
    row?.setAttribute('aria-current', 'true')
    show(hit.geometry)
    fitExtent(map, bboxOf(hit.geometry), { padding: 60, maxZoom: 18 })
  }

  async function run(text) {
    if (!text) return showHelp()
    clear(results)
    const coordinates = readCoordinates(text)
    try {
      if (coordinates) return await goTo(coordinates)
      const { hits, cut } = await findFeatures(text, { offered, county })
      if (!hits.length) {
        show(null)
        results.append(h('p', { role: 'status' }, s.map.search.none(text)))
        return
      }
      results.append(h('p.hint', { role: 'status' }, s.map.search.results(hits.length), cut ? ` ${s.map.search.more(perCollection)}` : ''))
      const list = h('ul.search-hits')
      for (const hit of hits) {
        const row = h(
          'li',
          { dataset: { collection: hit.collection, id: hit.id } },
          h(
            'button.link',
            { type: 'button', onclick: () => choose(hit, row) },
            h('span.hint', {}, collectionTitle(hit.collection)),
            ' ',
            featureLabel(hit.collection, hit.properties),
          ),
          hit.collection === 'projects' ? h('a', { href: `#/projects/${hit.id}` }, s.map.search.openProject) : null,
        )
        list.append(row)
      }
      results.append(list)
      if (hits.length === 1) choose(hits[0], list.firstChild)
    } catch (err) {
      results.append(problemBox(err))
    }
  }

  async function goTo(reading) {
    const place = reading.kind === 'gk' ? gaussKrugerToDegrees(await loadProj4(), reading, Number(meridian.value)) : reading
    if (place.kind === 'invalid') {
      show(null)
      const why = s.map.search[place.reason]
      results.append(h('p.error', { role: 'alert' }, typeof why === 'function' ? why(reading.zone) : why))
      return
    }
    show({ type: 'Point', coordinates: [place.lon, place.lat] })
    map.jumpTo({ center: [place.lon, place.lat], zoom: Math.max(map.getZoom(), 16) })
    results.append(
      h(
        'p',
        { role: 'status', id: 'search-place', dataset: { lon: place.lon, lat: place.lat } },
        s.map.search.degrees(place.lon.toFixed(6), place.lat.toFixed(6)),
        reading.kind === 'gk' ? h('br') : null,
        reading.kind === 'gk' ? s.map.search.gk(reading.zoneWidth, reading.zone, place.centralMeridian) : null,
      ),
    )
  }
}
