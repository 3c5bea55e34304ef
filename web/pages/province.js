// 省级: county table of projects and certified stock area, reward quotas per county with the
// coefficient and deductions, and the CSV downloads (province and admin keys).
import { api, download } from '../api.js'
import { clear, h, table } from '../dom.js'
import * as f from '../format.js'
import { s } from '../strings.js'
import { problemBox } from '../problem.js'

const pv = s.province

export async function render(el, { principal } = {}) {
  const year = h('input', { type: 'number', id: 'reward-year', value: new Date().getFullYear() - 1, min: 2000, max: 2100 })
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
        h(
          'button',
          {
            type: 'button',
            id: 'csv-projects',
            onclick: () => download('/api/v1/province/projects?format=csv', 'projects.csv').catch((e) => message.append(problemBox(e))),
          },
          pv.csvProjects,
        ),
        h(
          'button',
          {
            type: 'button',
            id: 'csv-counties',
            onclick: () => download('/api/v1/province/counties?format=csv', 'counties.csv').catch((e) => message.append(problemBox(e))),
          },
          pv.csvCounties,
        ),
        h(
          'button',
          {
            type: 'button',
            id: 'csv-rewards',
            onclick: () => download(`/api/v1/province/rewards?format=csv&year=${year.value}`, 'rewards.csv').catch((e) => message.append(problemBox(e))),
          },
          pv.csvRewards,
        ),
      ),
      message,
    ),
    h('section.card', {}, h('h2', {}, pv.countyTable), countyBox),
    h('section.card', {}, h('h2', {}, pv.rewards), stateBox, rewardBox),
  )

  async function load() {
    clear(message)
    try {
      // Totals per county come from the service (one query, every county of the region table), not
      // from summing every project in the page: at province size that was 60 pages of projects.
      const summary = await api('/province/counties')
      const c = pv.countyCols
      const row = (name, r, total = false) =>
        h(
          total ? 'tr.total' : 'tr',
          {},
          h('td', {}, name),
          h('td.num', {}, r.projects),
          h('td.num', {}, r.analysed),
          h('td.num', {}, r.approved),
          h('td.num', {}, r.eligible),
          h('td.num', {}, f.m2(r.eligibleStockArea.m2)),
          h('td.num', {}, f.muOfM2(r.eligibleStockArea.m2)),
        )
      clear(countyBox).append(
        table(
          [c.county, c.projects, c.analysed, c.approved, c.eligible, s.unit.m2(c.stock), s.unit.mu(c.stock)],
          [
            ...summary.counties.filter((r) => r.projects > 0).map((r) => row(r.countyName ? `${r.county} ${r.countyName}` : r.county, r)),
            row(pv.countyTotal, summary.total, true),
          ],
        ),
      )
      const report = await api('/province/rewards', { query: { year: year.value, live: live ? 'true' : undefined } })
      showState(report)
      const rc = pv.rewardCols
      clear(rewardBox).append(
        report.counties.length
          ? table(
              [
                rc.county,
                rc.qualifying,
                s.unit.m2(rc.stock),
                rc.population,
                rc.landSurvey,
                rc.perCapita,
                rc.coefficient,
                s.unit.m2(rc.quota),
                s.unit.m2(rc.deductions),
                s.unit.m2(rc.net),
              ],
              report.counties.map((r) =>
                h(
                  'tr',
                  {},
                  h(
                    'td',
                    {},
                    r.countyName ? `${r.county} ${r.countyName}` : r.county,
                    r.outsideScheme ? h('div.hint', {}, pv.outsideScheme) : null,
                    (r.notes ?? []).map((n) => h('div.hint', {}, n.zh ?? n)),
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
              ),
            )
          : h('p', {}, pv.noRewards),
      )
    } catch (err) {
      message.append(problemBox(err))
    }
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
