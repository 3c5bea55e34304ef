// The basemaps a deployment offers under the data in the console's maps: 天地图 vector (vec + cva
// labels) and imagery (img + cia labels) in its Web Mercator tile matrix set (w), with the
// deployment's own key, when TIANDITU_TOKEN is set; none otherwise, so the console works without
// internet. WMTS GetTile in KVP form, as 天地图's service documentation gives it: TILEMATRIX is the
// zoom, TILEROW the y and TILECOL the x of an XYZ tile, so MapLibre asks for them as raster tiles.
import type { BasemapConfig } from '../config.js'
import type { Settings } from '../schemas/settings.js'

type Basemap = Settings['map']['basemaps'][number]

const layers = [
  { id: 'tianditu-vector', nameZh: '天地图矢量', base: 'vec', labels: 'cva' },
  { id: 'tianditu-imagery', nameZh: '天地图影像', base: 'img', labels: 'cia' },
] as const

/** One layer's tile URL templates, one per server ({0-7} → t0 … t7). */
function tiles(config: BasemapConfig, layer: string): string[] {
  const servers = config.tiandituUrl.includes('{0-7}')
    ? [0, 1, 2, 3, 4, 5, 6, 7].map((i) => config.tiandituUrl.replace('{0-7}', String(i)))
    : [config.tiandituUrl]
  const query = new URLSearchParams({
    SERVICE: 'WMTS',
    REQUEST: 'GetTile',
    VERSION: '1.0.0',
    LAYER: layer,
    STYLE: 'default',
    TILEMATRIXSET: 'w',
    FORMAT: 'tiles',
    tk: config.tiandituToken ?? '',
  })
  // The placeholders stay unescaped: MapLibre fills them in.
  return servers.map((server) => `${server}/${layer}_w/wmts?${query}&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}`)
}

export function basemaps(config: BasemapConfig | undefined): Basemap[] {
  if (!config?.tiandituToken) return []
  return layers.map((l) => ({ id: l.id, nameZh: l.nameZh, tiles: tiles(config, l.base), labels: tiles(config, l.labels), attributionZh: '天地图' }))
}
