// Dense layers (the surveys, buildings) have tiles only from their minimum zoom on (GET /settings
// collections[].minZoom; src/tiles/limits.ts): below it a switched-on layer draws nothing, which looks
// like missing data. The hint says which layers wait for which zoom, with a button to go there.
import { clear, h } from '../dom.js'
import { collectionTitle, settings } from '../settings.js'
import { s } from '../strings.js'

const minZoomOf = (id) => settings()?.collections.find((c) => c.id === id)?.minZoom ?? 0

/** Keeps `el` saying what the switched-on layers (`enabled()`) need; call the returned function after a switch. */
export function zoomHint(map, el, enabled) {
  function update() {
    const zoom = map.getZoom()
    const waiting = [...enabled()].filter((id) => minZoomOf(id) > zoom)
    clear(el)
    el.hidden = waiting.length === 0
    if (!waiting.length) return
    const byZoom = new Map()
    for (const id of waiting) byZoom.set(minZoomOf(id), [...(byZoom.get(minZoomOf(id)) ?? []), collectionTitle(id)])
    const parts = [...byZoom].sort(([a], [b]) => a - b).map(([minZoom, titles]) => ({ minZoom, titles }))
    const first = parts[0].minZoom
    el.append(
      h('span', {}, s.map.zoomHint(Math.floor(zoom), parts)),
      h('button', { type: 'button', id: 'zoom-to-min', onclick: () => map.easeTo({ zoom: first, duration: 300 }) }, s.map.zoomTo(first)),
    )
  }
  map.on('zoom', update)
  update()
  return update
}
