// 省级: county table of projects and certified stock area, reward quotas per county with the
// coefficient and deductions, and the CSV downloads (province and admin keys).
import { api, download } from '../api.js'
import { clear, h, table } from '../dom.js'
import * as f from '../format.js'
import { s } from '../strings.js'
import { problemBox } from '../problem.js'

const pv = s.province

export async function render(el) {
  const year = h('input', { type: 'number', id: 'reward-year', value: new Date().getFullYear() - 1, min: 2000, max: 2100 })
  const countyBox = h('div', { id: 'county-table' })
  const rewardBox = h('div', { id: 'reward-table' })
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
    h('section.card', {}, h('h2', {}, pv.rewards), rewardBox),
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
      const report = await api('/province/rewards', { query: { year: year.value } })
      const rc = pv.rewardCols
      clear(rewardBox).append(
        report.counties.length
          ? table(
              [rc.county, rc.qualifying, s.unit.m2(rc.stock), rc.perCapita, rc.coefficient, s.unit.m2(rc.quota), s.unit.m2(rc.deductions), s.unit.m2(rc.net)],
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
  await load()
}
