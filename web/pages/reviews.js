// 审核: the review queue, what a reviewer decides on (the latest analysis's verdict, the areas, the
// other projects on the same land), how long each has waited and the province's due date (overdue
// highlighted); sortable by any column, the sort kept in the hash (#/reviews?sort=dueOn&dir=desc).
// Then the milestone changes waiting for review and the filings.
import { api } from '../api.js'
import { clear, h, table } from '../dom.js'
import * as f from '../format.js'
import { countyName, statusName } from '../settings.js'
import { s } from '../strings.js'
import { problemBox } from '../problem.js'
import { filingsTable } from './review.js'
import { pendingMilestonesTable } from './milestone-review.js'
import { sheetSelection } from './sheet-selection.js'

const r = s.review
const c = r.pendingCols

/** 不符合 first: what most needs a reviewer's eye; a project not analysed yet last. */
const verdictRank = { 不符合: 0, 无法判定: 1, 符合: 2 }

/**
 * The queue's columns: a key for the hash, the title (by table: the province's clock starts at the
 * city's check, the city's at the submission), the value sorted on (null sorts last either way) and the cell.
 */
const columns = [
  { key: 'code', title: () => c.code, value: (x) => x.code, cell: (x) => h('td', {}, h('a', { href: `#/projects/${x.projectId}` }, x.code)) },
  { key: 'name', title: () => c.name, value: (x) => x.name, cell: (x) => h('td', {}, x.name ?? s.common.dash) },
  {
    key: 'county',
    title: () => c.county,
    value: (x) => countyName(x.county) ?? x.county,
    cell: (x) => h('td', { class: 'county' }, countyName(x.county) ?? x.county, h('div.hint', {}, x.county)),
  },
  {
    key: 'verdict',
    title: () => c.verdict,
    value: (x) => (x.verdictZh === null ? null : verdictRank[x.verdictZh]),
    cell: (x) => h('td', { class: 'verdict' }, verdictBadge(x)),
  },
  { key: 'area', title: () => s.unit.both(c.area), value: (x) => x.areaM2, cell: (x) => areaCell(x.areaM2, x.areaMu) },
  { key: 'stock', title: () => s.unit.both(c.stock), value: (x) => x.stockAreaM2, cell: (x) => areaCell(x.stockAreaM2, x.stockAreaMu) },
  { key: 'overlaps', title: () => c.overlaps, value: (x) => x.overlapCount, cell: (x) => overlapsCell(x) },
  {
    key: 'since',
    title: (province) => (province ? c.cityCheckedOn : c.submittedOn),
    value: (x) => x.cityCheckedOn ?? x.submittedOn,
    cell: (x) => h('td', {}, x.cityCheckedOn ?? x.submittedOn),
  },
  { key: 'waited', title: () => c.waiting, value: (x) => x.workingDaysWaiting, cell: (x) => h('td.num', {}, f.int(x.workingDaysWaiting)) },
  {
    key: 'dueOn',
    title: () => c.dueOn,
    value: (x) => x.dueOn,
    // The province's 10 working days count from the city's check (165号 四（一）); the city has no time limit.
    cell: (x) =>
      x.dueOn === null
        ? h('td', { class: 'hint' }, r.noDueDate)
        : h('td', {}, `${x.dueOn} `, h('span', { class: `badge ${x.overdue ? 'fail' : 'pass'}` }, x.overdue ? r.overdue : r.onTime)),
  },
]

function verdictBadge(x) {
  if (x.verdictZh === null) return h('span', { class: 'badge unknown verdict', dataset: { verdict: 'none' } }, r.notAnalysed)
  const cls = x.eligible === true ? 'pass' : x.eligible === false ? 'fail' : 'unknown'
  return h('span', { class: `badge ${cls} verdict`, dataset: { verdict: String(x.eligible) } }, x.verdictZh)
}

/** m² above, 亩 below: both as the API rounded them. */
const areaCell = (m2, mu) => h('td.num', {}, f.m2(m2), m2 === null ? null : h('div.hint', {}, r.areaMu(f.mu(mu))))

/** The count first, then which projects and how much stock land each shares: what a reviewer must see first (issue 21). */
function overlapsCell(x) {
  if (x.overlaps === null) return h('td', { class: 'overlaps', dataset: { count: '' } }, r.overlapsNotAnalysed)
  if (!x.overlaps.length) return h('td', { class: 'overlaps', dataset: { count: '0' } }, r.noOverlaps)
  return h(
    'td',
    { class: 'overlaps', dataset: { count: String(x.overlapCount) } },
    h('strong', {}, r.overlapCount(x.overlapCount)),
    h('div.hint', {}, x.overlaps.map((o) => r.overlapItem(o.code, statusName(o.status), f.m2(o.stockM2))).join('；')),
  )
}

/** The sort in the hash: a known column and a direction, else none (the API's order). */
function sortOfHash() {
  const q = new URLSearchParams(location.hash.split('?')[1] ?? '')
  const key = q.get('sort')
  return columns.some((col) => col.key === key) ? { key, dir: q.get('dir') === 'desc' ? 'desc' : 'asc' } : null
}

function sorted(items, sort) {
  const col = sort && columns.find((x) => x.key === sort.key)
  if (!col) return items
  const sign = sort.dir === 'desc' ? -1 : 1
  // stable: equal values keep the API's order (the province's by due date, the city's by submission)
  return [...items].sort((a, b) => {
    const [va, vb] = [col.value(a), col.value(b)]
    if (va === null || va === undefined) return vb === null || vb === undefined ? 0 : 1
    if (vb === null || vb === undefined) return -1
    return sign * (typeof va === 'string' ? va.localeCompare(vb, 'zh-CN') : va - vb)
  })
}

export async function render(el) {
  const overdueOnly = h('input', { type: 'checkbox', id: 'overdue-only' })
  const pending = h('div', { id: 'pending-reviews' })
  const city = h('div', { id: 'awaiting-city' })
  const milestones = h('div', { id: 'milestone-reviews' })
  const filings = h('div', { id: 'filings' })
  // a failed reload (the overdue filter, with the service stopped) keeps the tables shown and says why
  const status = h('div', { id: 'reviews-status', 'aria-live': 'polite' })
  // 批量打印核查表: the projects ticked in either table, one sheet each
  const selection = sheetSelection()
  el.append(
    h('h1', {}, r.title),
    status,
    h(
      'section.card',
      {},
      h('h2', {}, r.pending),
      h('div.row', {}, h('label', { style: 'flex-direction:row;gap:6px' }, overdueOnly, r.overdueOnly), selection.button),
      pending,
    ),
    h('section.card', {}, h('h2', {}, r.awaitingCity), city),
    h('section.card', {}, h('h2', {}, r.milestone.list), milestones),
    h('section.card', {}, h('h2', {}, r.filings), filings),
  )
  let list = null
  let sort = sortOfHash()

  /** A column header: a button that sorts by it (again: the other way), ▲ ascending, ▼ descending. */
  const header = (col, province) => {
    const on = sort?.key === col.key
    return h(
      'button',
      { type: 'button', class: 'sort', title: r.sortHint, dataset: { sort: col.key, dir: on ? sort.dir : '' }, onclick: () => sortBy(col.key) },
      col.title(province),
      on ? h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, sort.dir === 'asc' ? ' ▲' : ' ▼') : null,
    )
  }
  const queueTable = (items, province) => {
    if (!items.length) return h('p.hint', {}, r.emptyQueue)
    const t = table(
      // the first column: the sheets' checkboxes (批量打印核查表)
      [selection.header(), ...columns.map((col) => header(col, province))],
      sorted(items, sort).map((x) =>
        h(
          'tr',
          { class: x.overdue ? 'overdue' : '', dataset: { id: x.projectId } },
          selection.cell(x.projectId, x.code),
          columns.map((col) => col.cell(x)),
        ),
      ),
      { class: 'queue' },
    )
    // aria-sort on the column sorted by, for screen readers
    t.querySelectorAll('th').forEach((th, i) => {
      if (i > 0 && columns[i - 1].key === sort?.key) th.setAttribute('aria-sort', sort.dir === 'asc' ? 'ascending' : 'descending')
    })
    return t
  }
  function showQueue() {
    clear(pending).append(h('p.hint', {}, list.asOf), queueTable(list.items, true))
    // Waiting for the city: no time limit is set for the city (the API says why), so days waited instead of a due date.
    clear(city).append(h('p.hint', {}, list.cityDeadline?.zh ?? ''), queueTable(list.awaitingCity ?? [], false))
  }
  function sortBy(key) {
    sort = { key, dir: sort?.key === key && sort.dir === 'asc' ? 'desc' : 'asc' }
    // kept in the hash without reloading the page (replaceState fires no hashchange)
    history.replaceState(null, '', `#/reviews?sort=${key}&dir=${sort.dir}`)
    if (list) showQueue()
    el.querySelector(`#pending-reviews button.sort[data-sort="${key}"], #awaiting-city button.sort[data-sort="${key}"]`)?.focus()
  }

  async function load() {
    const overdue = overdueOnly.checked ? 'true' : undefined
    try {
      const [fresh, fl] = await Promise.all([api('/reviews', { query: { overdue } }), api('/filings', { query: { overdue } })])
      clear(status)
      list = fresh
      showQueue()
      // milestone changes after approval: the project page offers the city's and the province's buttons
      clear(milestones).append(pendingMilestonesTable(list.milestones ?? []))
      clear(filings).append(filingsTable(fl.items))
    } catch (err) {
      clear(status).append(problemBox(err))
    }
  }
  overdueOnly.addEventListener('change', load)
  await load()
}
