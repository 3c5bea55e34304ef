// MapLibre GL JS from the npm package the service serves; tile requests carry the session cookie
// (same origin), as every request of the page does.
import * as maplibregl from '/vendor/maplibre-gl/maplibre-gl.mjs'
import { zhLocale } from './locale.js'
import { emptyStyle } from './styles.js'

/** Chinese labels would come from the system fonts (localIdeographFontFamily): no glyph server is used. */
export function createMap(container, opts = {}) {
  const map = new maplibregl.Map({
    container,
    style: emptyStyle(),
    center: [116, 36.4],
    zoom: 11,
    localIdeographFontFamily: '"WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif',
    attributionControl: false,
    locale: zhLocale,
    canvasContextAttributes: { preserveDrawingBuffer: true },
    transformRequest: (url) => {
      const u = new URL(url, location.href)
      // TileJSON names the service's PUBLIC_URL or the address it was reached at, which may differ
      // from the page's own (localhost and 127.0.0.1): the service's tiles are read from this page's origin.
      const tiles = u.pathname.indexOf('/tiles/')
      if (u.origin !== location.origin && tiles !== -1) return { url: `${location.origin}${u.pathname.slice(tiles)}${u.search}` }
      return { url }
    },
    ...opts,
  })
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right')
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left')
  // The tests (and a curious user's console) reach the map through window.
  window.lowlandMap = map
  return map
}

export const loaded = (map) => new Promise((resolve) => (map.loaded() ? resolve() : map.once('load', resolve)))

export function fitExtent(map, bbox, opts = {}) {
  if (bbox)
    map.fitBounds(
      [
        [bbox[0], bbox[1]],
        [bbox[2], bbox[3]],
      ],
      { padding: 24, duration: 0, ...opts },
    )
}

/** Bounds of a GeoJSON geometry or FeatureCollection, [minX, minY, maxX, maxY]. */
export function bboxOf(geojson) {
  const b = [Infinity, Infinity, -Infinity, -Infinity]
  const walk = (c) =>
    typeof c[0] === 'number'
      ? ((b[0] = Math.min(b[0], c[0])), (b[1] = Math.min(b[1], c[1])), (b[2] = Math.max(b[2], c[0])), (b[3] = Math.max(b[3], c[1])))
      : c.forEach(walk)
  const geoms = geojson.type === 'FeatureCollection' ? geojson.features.map((f) => f.geometry).filter(Boolean) : [geojson]
  geoms.forEach((g) => walk(g.coordinates))
  return b[0] === Infinity ? null : b
}
