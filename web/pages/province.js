// 省级: county table of projects and certified stock area, reward quotas per county with the
// coefficient and deductions, and the CSV downloads (province and admin keys).
import { api, download } from '../api.js'
import { clear, h, table } from '../dom.js'
import * as f from '../format.js'
import { s } from '../strings.js'
import { problemBox } from './layers.js'

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

  async function allProjects() {
    const items = []
    let cursor
    do {
      const page = await api('/province/projects', { query: { limit: 1000, cursor } })
      items.push(...page.items)
      cursor = page.hasMore ? page.nextCursor : undefined
    } while (cursor)
    return items
  }

  async function load() {
    clear(message)
    try {
      const byCounty = new Map()
      for (const p of await allProjects()) {
        const row = byCounty.get(p.county) ?? { county: p.county, name: p.countyName, projects: 0, approved: 0, eligible: 0, stockM2: 0 }
        row.projects++
        if (p.status === 'province-approved') row.approved++
        if (p.eligible === true) {
          row.eligible++
          row.stockM2 += p.stockArea?.m2 ?? 0
        }
        byCounty.set(p.county, row)
      }
      const c = pv.countyCols
      clear(countyBox).append(
        table(
          [c.county, c.projects, c.approved, c.eligible, s.unit.m2(c.stock), s.unit.mu(c.stock)],
          [...byCounty.values()]
            .sort((a, b) => a.county.localeCompare(b.county))
            .map((r) =>
              h(
                'tr',
                {},
                h('td', {}, r.name ? `${r.county} ${r.name}` : r.county),
                h('td.num', {}, r.projects),
                h('td.num', {}, r.approved),
                h('td.num', {}, r.eligible),
                h('td.num', {}, f.m2(r.stockM2)),
                h('td.num', {}, f.muOfM2(r.stockM2)),
              ),
            ),
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
