// 项目: the list with verdict (符合 / 不符合 / 无法判定), stale flag, filters by verdict, status and county,
// search by XMBH or name, sortable columns; the filters and the order are kept in the page address.
import { api } from '../api.js'
import { countyFixed, currentCounty } from '../county.js'
import { clear, h } from '../dom.js'
import * as f from '../format.js'
import { hashPath, hashQuery, setHashQuery } from '../hash-query.js'
import { choices, countyLabel, countyName, statusName } from '../settings.js'
import { sortableTable } from '../sortable.js'
import { s } from '../strings.js'
import { problemBox } from '../problem.js'
import { sheetSelection } from './sheet-selection.js'

const p = s.projects

export const verdictOf = (analysis) => (analysis ? String(analysis.eligible) : 'none')
export function verdictBadge(eligible) {
  const cls = eligible === true ? 'pass' : eligible === false ? 'fail' : 'unknown'
  return h('span', { class: `badge ${cls} verdict`, dataset: { verdict: String(eligible) } }, p.verdict[String(eligible)])
}

/** 计入奖励 beside the entry verdict (165号 三): only for an eligible project, the others fail already. */
export function rewardBadge(analysis) {
  if (!analysis || analysis.eligible !== true || typeof analysis.rewardCounted !== 'boolean') return null
  const counted = analysis.rewardCounted
  const text = analysis.rewardVerdictZh ?? p.reward[String(counted)]
  return h('span', { class: `badge ${counted ? 'pass' : 'fail'} reward`, dataset: { rewardCounted: String(counted) } }, text)
}

export async function render(el, { principal }) {
  const county = currentCounty(principal)
  // the list's filters and order, from the page address (reload, back and a copied link keep them)
  const kept = hashQuery()
  const route = hashPath()
  const state = { sort: kept.get('sort') ?? 'code', dir: kept.get('dir') === 'desc' ? 'desc' : 'asc' }
  const search = h('input', { type: 'search', id: 'project-search', size: 24, value: kept.get('q') ?? '' })
  const verdict = h(
    'select',
    { id: 'verdict-filter' },
    h('option', { value: '' }, s.common.all),
    Object.entries(p.verdict).map(([k, v]) => h('option', { value: k }, v)),
  )
  verdict.value = kept.get('verdict') ?? ''
  const status = h(
    'select',
    { id: 'status-filter' },
    h('option', { value: '' }, s.common.all),
    choices('projectStatuses').map(([k, v]) => h('option', { value: k }, v)),
  )
  status.value = kept.get('status') ?? ''
  // the counties of the loaded projects (a county key has one: no picker)
  const countyFilter = countyFixed(principal) ? null : h('select', { id: 'county-filter' }, h('option', { value: '' }, s.common.allCounties))
  const staleOnly = h('input', { type: 'checkbox', id: 'stale-only', checked: kept.get('stale') === '1' })
  const count = h('p.hint', { id: 'project-count', 'aria-live': 'polite' })
  const list = h('div', { id: 'project-list' })
  const listStatus = h('div', { id: 'project-list-status', 'aria-live': 'polite' })
  const run = h('div', { id: 'analysis-run', 'aria-live': 'polite' })
  const runButton = countyFixed(principal) ? h('button', { type: 'button', id: 'analyse-all', onclick: analyseAll }, p.analyseAll) : null
  // 批量打印核查表: the projects ticked, one sheet each
  const selection = sheetSelection()
  el.append(
    h('h1', {}, p.title),
    h(
      'section.card',
      {},
      h(
        'div.row',
        {},
        h('label', {}, p.searchLabel, search),
        h('label', {}, p.verdictLabel, verdict),
        h('label', {}, s.common.statusFilter, status),
        countyFilter ? h('label', {}, s.common.countyFilter, countyFilter) : null,
        h('label', { style: 'flex-direction:row;align-items:center;gap:6px' }, staleOnly, p.staleOnly),
        runButton,
        selection.button,
      ),
      run,
      listStatus,
      count,
      list,
    ),
  )

  let items = []
  let total = 0
  let countyTotal = 0
  /** A failed load keeps the list shown (filtering in the page still works on it) and says why. */
  async function load(q) {
    try {
      const res = await api('/projects', { query: { county, limit: 1000, q: q || undefined } })
      clear(listStatus)
      items = res.items
      total = res.total
      if (!q) countyTotal = res.total
      if (countyFilter) fillCounties()
      show()
    } catch (err) {
      clear(listStatus).append(problemBox(err))
    }
  }

  function fillCounties() {
    const chosen = countyFilter.value || kept.get('county') || ''
    const codes = [...new Set([...items.map((x) => x.county), ...(chosen ? [chosen] : [])])].sort()
    clear(countyFilter).append(
      h('option', { value: '' }, s.common.allCounties),
      codes.map((c) => h('option', { value: c }, countyLabel(c))),
    )
    countyFilter.value = chosen
  }

  const c = p.cols
  const verdictRank = (x) => (x.analysis ? (x.analysis.eligible === true ? 0 : x.analysis.eligible === false ? 2 : 1) : 3)
  const columns = [
    // the sheets' checkboxes: no sorting on them
    { key: 'select', title: selection.header() },
    { key: 'code', title: c.code, value: (x) => x.code },
    { key: 'name', title: c.name, value: (x) => x.name },
    { key: 'county', title: c.county, value: (x) => x.county },
    { key: 'status', title: c.status, value: (x) => statusName(x.status) },
    { key: 'area', title: s.unit.m2(c.area), value: (x) => x.areaM2, num: true },
    { key: 'stock', title: s.unit.m2(c.stock), value: (x) => x.analysis?.stockAreaM2, num: true },
    { key: 'verdict', title: c.verdict, value: verdictRank },
    { key: 'analysed', title: c.analysed, value: (x) => x.analysis?.computedAt },
  ]

  function show() {
    const q = search.value.trim().toLowerCase()
    setHashQuery(
      {
        q: search.value.trim(),
        verdict: verdict.value,
        status: status.value,
        county: countyFilter?.value,
        stale: staleOnly.checked ? '1' : '',
        sort: state.sort === 'code' && state.dir === 'asc' ? '' : state.sort,
        dir: state.dir === 'desc' ? 'desc' : '',
      },
      route,
      el,
    )
    const rows = items.filter(
      (x) =>
        (!q || x.code.toLowerCase().includes(q) || (x.name ?? '').toLowerCase().includes(q)) &&
        (!verdict.value || verdictOf(x.analysis) === verdict.value) &&
        (!status.value || x.status === status.value) &&
        (!countyFilter?.value || x.county === countyFilter.value) &&
        (!staleOnly.checked || x.analysis?.stale),
    )
    count.textContent = p.count(rows.length, total)
    clear(list).append(
      sortableTable(
        columns,
        rows,
        (x) =>
          h(
            'tr',
            { dataset: { id: x.id, code: x.code } },
            selection.cell(x.id, x.code),
            h('td', {}, h('a', { href: `#/projects/${x.id}` }, x.code)),
            h('td', {}, x.name ?? s.common.dash),
            h('td', { dataset: { county: x.county } }, countyName(x.county) ?? x.county, h('div.hint', {}, x.county)),
            h('td', {}, statusName(x.status)),
            h('td.num', {}, f.m2(x.areaM2)),
            h('td.num', {}, f.m2(x.analysis?.stockAreaM2)),
            h(
              'td',
              {},
              x.analysis ? verdictBadge(x.analysis.eligible) : h('span.badge.unknown', {}, p.verdict.none),
              ' ',
              rewardBadge(x.analysis),
              ' ',
              x.analysis?.stale ? h('span.badge.stale', {}, p.stale) : null,
            ),
            h('td', {}, f.dateTime(x.analysis?.computedAt)),
          ),
        {
          state,
          onSort: (next) => {
            Object.assign(state, next)
            show()
          },
          attrs: { id: 'projects-table' },
        },
      ),
    )
  }

  async function analyseAll() {
    runButton.disabled = true
    try {
      const { url } = await api('/analysis/runs', { method: 'POST', body: { county } })
      for (;;) {
        const r = await api(url.replace('/api/v1', ''))
        clear(run).append(h('p', {}, p.analyseRunning(`${Math.round(r.progress * 100)} %`)))
        if (!['queued', 'running'].includes(r.status)) break
        await new Promise((res) => setTimeout(res, 400))
      }
      await load()
    } catch (err) {
      clear(run).append(problemBox(err))
    } finally {
      runButton.disabled = false
    }
  }

  for (const input of [verdict, status, staleOnly, countyFilter].filter(Boolean)) input.addEventListener('input', show)
  // Up to 1 000 projects are searched in the page; a larger county is searched by the service.
  let searching
  search.addEventListener('input', () => {
    if (countyTotal <= 1000) return show()
    clearTimeout(searching)
    searching = setTimeout(() => load(search.value.trim()), 300)
  })
  await load()
  // a search kept in the address, in a county too large to search in the page, asks the service
  if (search.value.trim() && countyTotal > 1000) await load(search.value.trim())
}
