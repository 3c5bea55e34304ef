// Sortable tables: a click on a column title sorts by it (▲ ascending, ▼ descending, a second click turns
// it round); the state is the caller's (kept in the page address by web/hash-query.js). Text sorts as
// Chinese readers expect (zh-CN collation), numbers as numbers; a missing value goes last either way.
import { h } from './dom.js'
import { s } from './strings.js'

const collator = new Intl.Collator('zh-CN', { numeric: true })

const missing = (v) => v === null || v === undefined || v === '' || Number.isNaN(v)

/** Compares two values of one column; missing values last whatever the direction. */
export function compareValues(a, b, dir = 'asc') {
  if (missing(a) || missing(b)) return missing(a) === missing(b) ? 0 : missing(a) ? 1 : -1
  const sign = dir === 'desc' ? -1 : 1
  if (typeof a === 'number' && typeof b === 'number') return sign * (a - b)
  if (typeof a === 'boolean' || typeof b === 'boolean') return sign * (Number(a) - Number(b))
  return sign * collator.compare(String(a), String(b))
}

/** The items sorted by the column `sort` (its `value`), keeping the given order among equals. */
export function sortItems(items, columns, { sort, dir }) {
  const col = columns.find((c) => c.key === sort && c.value)
  if (!col) return items
  return items
    .map((x, i) => [x, i])
    .sort(([a, i], [b, j]) => compareValues(col.value(a), col.value(b), dir) || i - j)
    .map(([x]) => x)
}

/** The next state after a click on column `key`: a new column sorts ascending, the same one turns round. */
export const nextSort = (state, key) => ({ sort: key, dir: state.sort === key && state.dir === 'asc' ? 'desc' : 'asc' })

/**
 * A table whose titles sort it. `columns`: [{ key, title, value?(item), num? }] (a column without
 * `value` does not sort); `rowOf(item)` gives its <tr>; `state` { sort, dir }; `onSort(next)` after a click
 * (the caller stores the state and draws the table again). `attrs` go on the table. Wrapped like
 * dom.js's table(): the box scrolls sideways on a phone.
 */
export function sortableTable(columns, items, rowOf, { state, onSort, attrs = {}, foot = [] }) {
  const sorted = sortItems(items, columns, state)
  const head = h(
    'tr',
    {},
    columns.map((c) => {
      if (!c.value) return h('th', { scope: 'col', class: c.num ? 'num' : undefined }, c.title)
      const active = state.sort === c.key
      const mark = active ? (state.dir === 'desc' ? '▼' : '▲') : ''
      return h(
        'th',
        {
          scope: 'col',
          class: c.num ? 'num' : undefined,
          'aria-sort': active ? (state.dir === 'desc' ? 'descending' : 'ascending') : 'none',
          dataset: { sort: c.key },
        },
        h(
          'button',
          { type: 'button', class: 'sort', title: s.common.sortBy(c.title), onclick: () => onSort(nextSort(state, c.key)) },
          c.title,
          h('span.sort-mark', { 'aria-hidden': 'true' }, mark),
        ),
      )
    }),
  )
  return h('div.table-wrap', {}, h('table', attrs, h('thead', {}, head), h('tbody', {}, sorted.map(rowOf), foot)))
}
