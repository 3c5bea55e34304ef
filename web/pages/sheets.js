// 批量打印核查表: the one-page sheet (./sheet.js) of each project chosen on the project or review list,
// a page break between them, so the browser prints one PDF of one page per project. The maps are
// drawn one at a time off screen and kept as pictures (a browser allows only a few WebGL maps at once).
import { clear, h } from '../dom.js'
import { s } from '../strings.js'
import { problemBox } from '../problem.js'
import { piecesMap } from './analysis-view.js'
import { hashQuery } from '../hash-query.js'
import { mapPicture, sheetArticle, sheetData } from './sheet.js'

const t = s.sheets
/** The most sheets one print takes (each is a request set and a map drawn in turn). */
export const maxSheets = 100

export async function render(el) {
  const ids = [...new Set((hashQuery().get('ids') ?? '').split(',').filter((x) => /^\d+$/.test(x)))]
  const status = h('p.hint', { id: 'sheets-status', 'aria-live': 'polite' })
  const sheets = h('div.sheets', { id: 'sheets' })
  el.append(
    h(
      'div.no-print.row',
      {},
      h('button', { type: 'button', onclick: () => history.back() }, s.common.back),
      h('button', { type: 'button', class: 'primary', id: 'print', onclick: () => window.print() }, s.common.print),
      h('h1', {}, t.title),
    ),
    h('div.no-print', {}, status),
    sheets,
  )
  if (ids.length > maxSheets) {
    status.textContent = t.tooMany(maxSheets)
    return
  }
  let map = null
  // one project at a time: its data, then its map drawn off screen and kept as a picture
  const stage = h('div.map.sheet-stage', { 'aria-hidden': 'true' })
  document.body.append(stage)
  let printed = 0
  try {
    for (const [i, id] of ids.entries()) {
      // the user went to another page meanwhile
      if (!el.isConnected) return
      status.textContent = t.preparing(i, ids.length)
      try {
        const data = await sheetData(id)
        const legend = h('div.row.pieces-legend')
        const image = h('img', { class: 'sheet-map-image', alt: s.map.title })
        map = await piecesMap(clear(stage), legend, data.pieces)
        image.src = await mapPicture(map)
        await image.decode()
        const article = sheetArticle(data, { map: image, legend })
        // several sheets on one page: no element ids (each sheet says its project in data-project-id)
        for (const e of [article, ...article.querySelectorAll('[id]')]) e.removeAttribute('id')
        sheets.append(article)
        printed += 1
      } catch (err) {
        sheets.append(h('div.no-print', { dataset: { failed: id } }, h('p', {}, t.failed(id)), problemBox(err)))
      } finally {
        map?.remove()
        map = null
      }
    }
  } finally {
    stage.remove()
  }
  status.textContent = t.count(printed)
  document.body.dataset.sheetsReady = '1'
  return () => delete document.body.dataset.sheetsReady
}
