// 底图: a basemap under the data when the deployment configured one (GET /settings map.basemaps, from
// TIANDITU_TOKEN): 天地图 vector or imagery with its place-name layer. None until a user picks one (the
// console works without internet); the choice is remembered in this browser. Tiles come straight
// from the basemap's servers, without the service's key (web/map/map.js sends it to the service only).
import { h } from '../dom.js'
import { settings } from '../settings.js'
import { s } from '../strings.js'

const CHOSEN = 'lowland.basemap'

/** A picker (or null when none is configured) that draws the chosen basemap under every layer of `map`. */
export function basemapPicker(map, attribution) {
  const basemaps = settings()?.map.basemaps ?? []
  if (!basemaps.length) return null
  // Under the lowest layer of data: each basemap layer is added right below it, labels after base.
  const below = () => map.getStyle().layers.find((l) => l.id !== 'background' && !l.id.startsWith('basemap-'))?.id

  function show(id) {
    for (const b of basemaps)
      for (const suffix of ['', '-labels'])
        if (map.getLayer(`basemap-${b.id}${suffix}`)) map.setLayoutProperty(`basemap-${b.id}${suffix}`, 'visibility', 'none')
    const chosen = basemaps.find((b) => b.id === id)
    attribution.hidden = !chosen
    if (!chosen) return
    attribution.textContent = s.map.basemap.attribution(chosen.attributionZh)
    for (const [suffix, tiles] of [
      ['', chosen.tiles],
      ['-labels', chosen.labels],
    ]) {
      const layer = `basemap-${chosen.id}${suffix}`
      if (!map.getSource(layer)) map.addSource(layer, { type: 'raster', tiles, tileSize: 256, maxzoom: 18 })
      if (!map.getLayer(layer)) map.addLayer({ id: layer, type: 'raster', source: layer }, below())
      map.setLayoutProperty(layer, 'visibility', 'visible')
    }
  }

  const select = h(
    'select',
    {
      id: 'basemap',
      onchange: () => {
        localStorage.setItem(CHOSEN, select.value)
        show(select.value)
      },
    },
    h('option', { value: '' }, s.map.basemap.none),
    basemaps.map((b) => h('option', { value: b.id }, b.nameZh)),
  )
  const remembered = localStorage.getItem(CHOSEN) ?? ''
  select.value = basemaps.some((b) => b.id === remembered) ? remembered : ''
  show(select.value)
  return h('label', {}, s.map.basemap.label, select)
}
