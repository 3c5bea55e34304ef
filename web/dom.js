// A tiny element builder: h('tag.class', {attrs}, children). Text is always set as text, never as HTML.
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split('.')
  const el = document.createElement(tag || 'div')
  if (classes.length) el.className = classes.join(' ')
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v)
    else if (k === 'dataset') Object.assign(el.dataset, v)
    else if (k in el && typeof v !== 'string') el[k] = v
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  append(el, children)
  return el
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue
    el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  }
}

/**
 * A table from column titles and rows of cells, in a box that scrolls sideways when the table is wider
 * than the screen (a phone): the page itself never scrolls sideways. `attrs` go on the table.
 */
export function table(columns, rows, attrs = {}) {
  const head = h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c))))
  return h('div.table-wrap', {}, h('table', attrs, head, h('tbody', {}, rows)))
}

export const clear = (el) => {
  el.replaceChildren()
  return el
}
