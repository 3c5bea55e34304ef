// 测距 / 测面: points clicked on the map, measured on the CGCS2000 ellipsoid (web/map/geodesy.js);
// lengths in 米 and 千米, areas in 平方米 and 亩 (the API's factor), updated at every click. A double
// click or 完成 ends the drawing and keeps the result on the map until 清除 or the next measurement.
import { h, clear } from '../dom.js'
import { kilometres, m2, metres, muOfM2 } from '../format.js'
import { s } from '../strings.js'
import { geodesyOf } from './geodesy.js'
import { measureLayers } from './styles.js'

const source = 'measure'
let geodesy = null

/** GeographicLib from the service (/vendor/geographiclib/): loaded as a module, it sets window.geodesic. */
async function loadGeodesy() {
  if (!geodesy) {
    await import('/vendor/geographiclib/geographiclib-geodesic.min.js')
    geodesy = geodesyOf(window.geodesic)
  }
  return geodesy
}

/** The tool on `map`, writing its result into `output`; `onChange` hears when drawing starts and ends. */
export function measureTool(map, output, onChange = () => {}) {
  let mode = null // 'distance' | 'area' while drawing
  let kind = null // what the points on the map measure (kept after drawing ends)
  let points = []

  map.addSource(source, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } })
  for (const layer of measureLayers(source)) map.addLayer(layer)

  function draw() {
    const features = points.map((p) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: p } }))
    if (kind === 'area' && points.length >= 3)
      features.push({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[...points, points[0]]] } })
    else if (points.length >= 2) features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: points } })
    map.getSource(source).setData({ type: 'FeatureCollection', features })
    clear(output)
    output.hidden = kind === null
    if (kind === null) return
    const lines = []
    if (points.length < (kind === 'area' ? 3 : 2)) lines.push(s.map.measure.start[kind])
    if (kind === 'distance' && points.length >= 2) {
      const m = geodesy.length(points)
      lines.push(h('strong', { dataset: { metres: m } }, s.map.measure.length(metres(m), kilometres(m))))
    }
    if (kind === 'area' && points.length >= 3) {
      const { m2: area, perimeter } = geodesy.area(points)
      lines.push(h('strong', { dataset: { m2: area } }, s.map.measure.areaOf(m2(area), muOfM2(area))), s.map.measure.perimeter(metres(perimeter)))
    }
    output.append(...lines.map((l) => h('div', {}, l)), h('div.hint', {}, s.map.measure.method))
  }

  function setMode(next) {
    mode = next
    map.getCanvas().style.cursor = mode ? 'crosshair' : ''
    // While drawing, a double click ends the drawing instead of zooming in.
    mode ? map.doubleClickZoom.disable() : map.doubleClickZoom.enable()
    onChange(mode)
  }

  map.on('click', (e) => {
    if (!mode) return
    points.push([e.lngLat.lng, e.lngLat.lat])
    draw()
  })
  map.on('dblclick', (e) => {
    if (!mode) return
    e.preventDefault()
    // Both clicks of the double click added a point: the second is the same place.
    const [a, b] = points.slice(-2).map((p) => map.project(p))
    if (a && b && Math.hypot(a.x - b.x, a.y - b.y) < 5) points.pop()
    tool.finish()
  })

  const tool = {
    /** drawing now (the page's click on features stays quiet meanwhile) */
    get active() {
      return mode !== null
    },
    /** the measured points, [lon, lat] */
    get points() {
      return points.map((p) => [...p])
    },
    async start(next) {
      await loadGeodesy()
      kind = next
      points = []
      setMode(next)
      draw()
    },
    finish() {
      if (mode) setMode(null)
      draw()
    },
    clear() {
      kind = null
      points = []
      if (mode) setMode(null)
      draw()
    },
  }
  // Tests (and a curious user's console) reach the tool as they reach the map.
  window.lowlandMeasure = tool
  return tool
}
