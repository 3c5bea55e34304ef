// 省级: county table of projects and certified stock area, reward quotas per county with the
// coefficient and deductions, and the CSV downloads (province and admin keys).
import { api, download } from '../api.js'
import { clear, h } from '../dom.js'
import * as f from '../format.js'
import { hashPath, hashQuery, setHashQuery } from '../hash-query.js'
import { countyName } from '../settings.js'
import { sortableTable } from '../sortable.js'
import { s } from '../strings.js'
import { problemBox } from '../problem.js'
import { statsForm } from './stats-form.js'

const pv = s.province

/** A county cell: its name, the code under it. */
const countyCell = (code, name, ...more) => h('td', { dataset: { county: code } }, name ?? countyName(code) ?? code, h('div.hint', {}, code), ...more)

export async function render(el, { principal } = {}) {
  // the year, the county filter and each table's order are kept in the page address
  const kept = hashQuery()
  const route = hashPath()
  const year = h('input', { type: 'number', id: 'reward-year', value: kept.get('year') ?? new Date().getFullYear() - 1, min: 2000, max: 2100 })
  const countySearch = h('input', { type: 'search', id: 'county-search', size: 14, value: kept.get('q') ?? '' })
  const countyState = { sort: kept.get('sort') ?? '', dir: kept.get('dir') === 'desc' ? 'desc' : 'asc' }
  const rewardState = { sort: kept.get('rsort') ?? '', dir: kept.get('rdir') === 'desc' ? 'desc' : 'asc' }
  const keep = () =>
    setHashQuery(
      {
        year: year.value,
        q: countySearch.value.trim(),
        sort: countyState.sort,
        dir: countyState.sort && countyState.dir === 'desc' ? 'desc' : '',
        rsort: rewardState.sort,
        rdir: rewardState.sort && rewardState.dir === 'desc' ? 'desc' : '',
      },
      route,
      el,
    )
  const matches = (code, name) => {
    const q = countySearch.value.trim()
    return !q || code.includes(q) || (name ?? countyName(code) ?? '').includes(q)
  }
  const csv = (id, text, url, name) =>
    h('button', { type: 'button', id, onclick: () => download(url(), name()).catch((e) => message.append(problemBox(e))) }, text)
  const stats = statsForm({ year: () => year.value, onSaved: () => load() })
  const countyBox = h('div', { id: 'county-table' })
  const rewardBox = h('div', { id: 'reward-table' })
  // freeze state, deadline and the extraction (issue 21); the service decides them, the page shows them
  const stateBox = h('div', { id: 'reward-state' })
  let live = false
  const message = h('div', { 'aria-live': 'polite' })
  el.append(
    h('h1', {}, pv.title),
    h(
      'section.card',
      {},
      h(
        'form.row',
        {
          onsubmit: (e) => {
            e.preventDefault()
            load()
          },
        },
        h('label', {}, pv.year, year),
        h('button', { type: 'submit' }, s.common.refresh),
        h('label', {}, pv.countySearch, countySearch),
        csv(
          'csv-projects',
          pv.csvProjects,
          () => `/api/v1/province/projects?format=csv&year=${year.value}`,
          () => `projects-${year.value}.csv`,
        ),
        csv(
          'csv-counties',
          pv.csvCounties,
          () => '/api/v1/province/counties?format=csv',
          () => 'counties.csv',
        ),
        csv(
          'csv-rewards',
          pv.csvRewards,
          () => `/api/v1/province/rewards?format=csv&year=${year.value}`,
          () => `rewards-${year.value}.csv`,
        ),
        csv(
          'csv-filings',
          pv.csvFilings,
          () => `/api/v1/filings?format=csv&year=${year.value}`,
          () => `filings-${year.value}.csv`,
        ),
      ),
      message,
    ),
    h('section.card', {}, h('h2', {}, pv.countyTable), countyBox),
    h('section.card', {}, h('h2', {}, pv.rewards), stateBox, rewardBox),
    h('section.card', { 'aria-labelledby': 'stats-title' }, h('h2', { id: 'stats-title' }, pv.stats.title), stats.el),
  )
  countySearch.addEventListener('input', () => {
    drawCounties()
    drawRewards()
  })
  let summary = null
  let report = null

  async function load() {
    clear(message)
    keep()
    try {
      // Totals per county come from the service (one query, every county of the region table), not
      // from summing every project in the page: at province size that was 60 pages of projects.
      summary = await api('/province/counties')
      drawCounties()
      report = await api('/province/rewards', { query: { year: year.value, live: live ? 'true' : undefined } })
      showState(report)
      drawRewards()
    } catch (err) {
      message.append(problemBox(err))
    }
  }

  function drawCounties() {
    keep()
    if (!summary) return
    const c = pv.countyCols
    const cells = (r) => [
      h('td.num', {}, r.projects),
      h('td.num', {}, r.analysed),
      h('td.num', {}, r.approved),
      h('td.num', {}, r.eligible),
      h('td.num', {}, f.m2(r.eligibleStockArea.m2)),
      h('td.num', {}, f.muOfM2(r.eligibleStockArea.m2)),
    ]
    const columns = [
      { key: 'county', title: c.county, value: (r) => r.county },
      { key: 'projects', title: c.projects, value: (r) => r.projects, num: true },
      { key: 'analysed', title: c.analysed, value: (r) => r.analysed, num: true },
      { key: 'approved', title: c.approved, value: (r) => r.approved, num: true },
      { key: 'eligible', title: c.eligible, value: (r) => r.eligible, num: true },
      { key: 'stock', title: s.unit.m2(c.stock), value: (r) => r.eligibleStockArea.m2, num: true },
      { key: 'stockMu', title: s.unit.mu(c.stock), value: (r) => r.eligibleStockArea.m2, num: true },
    ]
    clear(countyBox).append(
      sortableTable(
        columns,
        summary.counties.filter((r) => r.projects > 0 && matches(r.county, r.countyName)),
        (r) => h('tr', { dataset: { county: r.county } }, countyCell(r.county, r.countyName), cells(r)),
        {
          state: countyState,
          onSort: (next) => {
            Object.assign(countyState, next)
            drawCounties()
          },
          foot: [h('tr.total', {}, h('td', {}, pv.countyTotal), cells(summary.total))],
        },
      ),
    )
  }

  function drawRewards() {
    keep()
    if (!report) return
    const rc = pv.rewardCols
    const columns = [
      { key: 'county', title: rc.county, value: (r) => r.county },
      { key: 'qualifying', title: rc.qualifying, value: (r) => r.qualifyingProjects.length, num: true },
      { key: 'stock', title: s.unit.m2(rc.stock), value: (r) => r.stockArea.m2, num: true },
      { key: 'population', title: rc.population, value: (r) => r.population },
      { key: 'landSurvey', title: rc.landSurvey },
      { key: 'perCapita', title: rc.perCapita, value: (r) => r.perCapitaM2, num: true },
      { key: 'coefficient', title: rc.coefficient, value: (r) => r.coefficient, num: true },
      { key: 'quota', title: s.unit.m2(rc.quota), value: (r) => r.quota?.m2, num: true },
      { key: 'deductions', title: s.unit.m2(rc.deductions), value: (r) => r.deductions.total?.m2, num: true },
      { key: 'net', title: s.unit.m2(rc.net), value: (r) => r.netQuota?.m2, num: true },
    ]
    clear(rewardBox).append(
      report.counties.length
        ? sortableTable(
            columns,
            report.counties.filter((r) => matches(r.county, r.countyName)),
            (r) =>
              h(
                'tr',
                { dataset: { county: r.county } },
                countyCell(
                  r.county,
                  r.countyName,
                  r.outsideScheme ? h('div.hint', {}, pv.outsideScheme) : null,
                  (r.notes ?? []).map((n) => h('div.hint', {}, n.zh ?? n)),
                  h('button', { type: 'button', class: 'edit-stats', onclick: () => editStats(r.county) }, pv.stats.edit),
                ),
                h('td.num', {}, r.qualifyingProjects.length),
                h('td.num', {}, f.m2(r.stockArea.m2)),
                h(
                  'td.population',
                  {},
                  r.population === null ? s.common.dash : f.int(r.population),
                  r.population === null ? null : h('div.hint', {}, r.populationSource ? pv.populationSource(r.populationSource) : pv.populationSourceMissing),
                ),
                h('td.land-survey', {}, r.landSurvey ? pv.landSurvey(r.landSurvey) : r.landSource === 'given' ? pv.landGiven : s.common.dash),
                h('td.num', {}, f.m2(r.perCapitaM2)),
                h('td.num', {}, r.coefficient ?? s.common.dash),
                h('td.num', {}, f.m2(r.quota?.m2)),
                h('td.num', {}, f.m2(r.deductions.total?.m2)),
                h('td.num', {}, f.m2(r.netQuota?.m2)),
              ),
            {
              state: rewardState,
              onSort: (next) => {
                Object.assign(rewardState, next)
                drawRewards()
              },
            },
          )
        : h('p', {}, pv.noRewards),
    )
  }

  async function editStats(code) {
    await stats.show(code)
    document.getElementById('stats-form')?.scrollIntoView({ block: 'nearest' })
    document.getElementById('stats-population')?.focus()
  }

  /** Frozen or live, the deadline and whether it has passed, and (province keys) the extraction. */
  function showState(report) {
    const e = report.extraction
    const reason = h('input', { id: 'extract-reason', placeholder: pv.extractReason, 'aria-label': pv.extractReason })
    const extract = h(
      'button',
      {
        type: 'button',
        id: 'extract',
        onclick: async () => {
          clear(message)
          try {
            const body = e ? { reason: reason.value } : {}
            const done = await api(`/province/rewards/${report.year}/extractions`, { method: 'POST', body })
            live = false
            message.append(h('p.ok', {}, pv.extracted(done)))
            await load()
          } catch (err) {
            message.append(problemBox(err))
          }
        },
      },
      e ? pv.extractAgain : pv.extract,
    )
    const toggle = e
      ? h(
          'button',
          {
            type: 'button',
            id: 'reward-source',
            onclick: () => {
              live = !live
              load()
            },
          },
          live ? pv.showFrozen : pv.showLive,
        )
      : null
    clear(stateBox).append(
      h(
        'p',
        { id: 'reward-source-state', dataset: { source: report.source } },
        report.source === 'frozen' ? pv.frozen(e) : e ? pv.liveBeside(e) : pv.live,
        e?.afterDeadline ? pv.extractedAfterDeadline : null,
      ),
      h('p', { id: 'reward-deadline', dataset: { passed: String(report.deadlinePassed) } }, pv.deadline(report.issueDeadline, report.deadlinePassed)),
      h('div.row', {}, toggle, principal?.role === 'province' ? [e ? reason : null, extract] : null),
    )
  }
  await load()
}
