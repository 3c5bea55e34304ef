/// <reference lib="dom" />
// Bundles and province pages, the role-dependent navigation, and sign-in by keyboard alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData, withKey } from '../helpers/app.js'
import { ellipsoidalRingArea } from '../helpers/geometry.js'
import { accountOfKey, loadSample, screenshot, signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
let county: string
let province: string
beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  county = await keyFor(w.t.knex, 'county', '371502')
  province = await keyFor(w.t.knex, 'province')
  await loadSample(w, county, ['survey3', 'survey2', 'projects', 'plots'])
  // Bundles are computed by the bundle run that follows a plots import, which loadSample waited for.
  const fc = (await w.t.app.inject({ url: '/api/v1/bundles?county=371502', headers: withKey(county) })).json()
  expect(fc.features.length).toBeGreaterThan(0)
})
afterAll(async () => w?.close())

describe('console pages', () => {
  it('signs in and moves between pages with the keyboard alone', async () => {
    const context = await w.browser.newContext({ viewport: { width: 1366, height: 768 } })
    const page = await context.newPage()
    await page.goto(`${w.baseUrl}/`)
    const account = await accountOfKey(w, county)
    await page.waitForSelector('#username')
    await page.keyboard.type(account.username) // the user name field has the focus
    await page.keyboard.press('Tab')
    await page.keyboard.type(account.password)
    await page.keyboard.press('Enter')
    await page.waitForSelector('#principal')
    // The page's main region has the focus after sign-in; the navigation is before it.
    for (let i = 0; i < 15 && (await page.evaluate(() => document.activeElement?.textContent)) !== '项目'; i++) await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Enter')
    await page.waitForSelector('#projects-table')
    expect(await page.$$eval('#projects-table tbody tr', (r) => r.length)).toBe(18)
    // Status names come from GET /settings (web/settings.js), in Chinese.
    expect(await page.textContent('#projects-table tbody')).toContain('草稿')
    // The county key is offered no province page.
    expect(await page.$('nav a[href="#/province"]')).toBeNull()
    await page.fill('#project-search', '0003')
    expect(await page.$$eval('#projects-table tbody tr', (r) => r.length)).toBe(1)
    await context.close()
  })

  it('lists bundles with their area and flags, and makes a project from one', async () => {
    const { context, page } = await signedIn(w, county)
    await page.goto(`${w.baseUrl}/#/bundles`)
    await page.waitForSelector('#bundles-table')
    const fc = (await w.t.app.inject({ url: '/api/v1/bundles?county=371502', headers: withKey(county) })).json()
    expect(await page.$$eval('#bundles-table tbody tr', (r) => r.length)).toBe(fc.features.length)
    const first = fc.features[0].properties
    expect(await page.textContent(`#bundles-table tr[data-bundle="${first.bundleId}"]`)).toContain(
      first.m2.toLocaleString('en-US', { minimumFractionDigits: 2 }),
    )
    await page.click(`#bundles-table tr[data-bundle="${first.bundleId}"] button:text("生成项目")`)
    // the user names the project (issue 22)
    await page.fill('#project-code', 'LP-PAGES-1')
    await page.click('#bundle-project-form button[type=submit]')
    await page.waitForSelector(':text("已生成项目")')
    // its page shows the scattered land it took in (issue 21), as the API measured it
    const made = (await w.t.app.inject({ url: '/api/v1/projects?q=LP-PAGES-1', headers: withKey(county) })).json().items[0]
    const a = (await w.t.app.inject({ url: `/api/v1/projects/${made.id}/analysis`, headers: withKey(county) })).json()
    expect(a.scatteredLand.fromBundle.bundleId).toBe(first.bundleId)
    await page.goto(`${w.baseUrl}/#/projects/${made.id}`)
    await page.waitForSelector('#numbers td[data-field="scatteredLand.m2"]')
    expect(Number((await page.textContent('#numbers td[data-field="scatteredLand.m2"]'))!.replace(/,/g, ''))).toBe(a.scatteredLand.m2)
    await context.close()
  })

  it('shows the province the county table and the reward table, with CSV downloads', async () => {
    const { context, page } = await signedIn(w, province)
    await page.goto(`${w.baseUrl}/#/province`)
    await page.waitForSelector('#county-table table')
    expect(await page.textContent('#county-table')).toContain('371502')
    // the total row shows the service's own per-county sums
    const summary = (await w.t.app.inject({ url: '/api/v1/province/counties', headers: withKey(province) })).json()
    expect(summary.total.projects).toBeGreaterThan(0)
    expect(await page.textContent('#county-table tr.total')).toContain(`合计${summary.total.projects}`)
    await page.waitForSelector('#reward-table table, #reward-table p')
    await screenshot(page, 'province')
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#csv-projects')])
    const text = Buffer.concat(await (await csv.createReadStream()).toArray()).toString('utf8')
    // the year's projects (by the year of their milestone): as many rows as the pull API gives for that year
    const year = await page.inputValue('#reward-year')
    const pulled = (await w.t.app.inject({ url: `/api/v1/province/projects?year=${year}&limit=1000`, headers: withKey(province) })).json()
    expect(text.startsWith('\ufeff项目编号,')).toBe(true)
    expect(text.trim().split('\n').length - 1).toBe(pulled.items.length)
    const [counties] = await Promise.all([page.waitForEvent('download'), page.click('#csv-counties')])
    const countiesCsv = Buffer.concat(await (await counties.createReadStream()).toArray()).toString('utf8')
    expect(countiesCsv).toMatch(/\n合计,,,\d+,/)
    await context.close()
  })

  it('shows the reward table’s population source, survey version, freeze state and deadline, and extracts it (issue 21)', async () => {
    const { context, page } = await signedIn(w, province)
    await page.goto(`${w.baseUrl}/#/province`)
    await page.waitForSelector('#reward-state p')
    const year = Number(await page.inputValue('#reward-year'))
    const populationSource = { kind: 'resident', year, publisher: '山东统计年鉴' }
    const put = await w.t.app.inject({
      method: 'PUT',
      url: `/api/v1/counties/371502/stats/${year}`,
      headers: withKey(province),
      payload: { population: 1_000_000, populationSource },
    })
    expect(put.statusCode, put.body).toBe(200)
    await page.click('form.row button[type=submit]')
    await page.waitForSelector('#reward-table td.population')
    expect(await page.textContent('#reward-state')).toContain('未提取')
    expect(await page.textContent('#reward-deadline')).toContain(`下达期限：${year + 1}-07-31前`)
    const cells = await page.textContent('#reward-table tbody')
    expect(cells).toContain(`常住人口，${year}年，山东统计年鉴`)
    // measured on the sample's third survey: the version the service chose, and how
    const { landSurvey } = put.json()
    const of = landSurvey.surveyYear === null ? '调查年度未注明' : `${landSurvey.surveyYear}年度`
    const how = landSurvey.how === 'survey-year' ? '' : '：未导入本年度变更调查，用当前版本'
    expect(cells).toContain(`三调图层第${landSurvey.version}版（${of}）${how}`)
    await page.click('#extract')
    await page.waitForSelector('#reward-source-state[data-source="frozen"]')
    expect(await page.textContent('#reward-state')).toMatch(/已提取（冻结）：第1次提取，\d{4}-\d{2}-\d{2}，提取人/)
    expect(await page.$('#extract-reason')).not.toBeNull()
    await screenshot(page, 'province-frozen')
    await context.close()
  })
})

describe('the current county (web/county.js)', () => {
  it('follows ?county= in the URL, then the county last chosen in the tab, else every county of the scope', async () => {
    const { context, page } = await signedIn(w, province)
    await expect.poll(() => page.textContent('#principal')).toContain('省级')
    await page.goto(`${w.baseUrl}/#/bundles`)
    await page.waitForSelector('#bundle-county')
    expect(await page.inputValue('#bundle-county')).toBe('')
    await page.goto(`${w.baseUrl}/?county=371502#/layers`)
    await page.waitForSelector('#layers-list table')
    expect(await page.inputValue('#county')).toBe('371502')
    expect(await page.$$eval('#layers-list tr[data-county]', (rows) => [...new Set(rows.map((r) => (r as HTMLElement).dataset.county))])).toEqual(['371502'])
    // The layer titles are the catalogue's, from GET /settings.
    expect(await page.textContent('#layers-list')).toContain('三调地类图斑')
    // A county chosen with a page's picker becomes the other pages' county.
    await page.goto(`${w.baseUrl}/#/layers`)
    await page.waitForSelector('#layers-list')
    await page.fill('#county', '371503')
    await page.press('#county', 'Enter')
    await page.waitForSelector('#layers-list :text("该县尚未导入任何图层")')
    await page.goto(`${w.baseUrl}/#/bundles`)
    await page.waitForSelector('#bundle-county')
    expect(await page.inputValue('#bundle-county')).toBe('371503')
    await context.close()
  })
})

describe('filings on the project page', () => {
  it('records a filing, shows its due date one month on, overdue highlighted, then its filing date', async () => {
    const { context, page } = await signedIn(w, county)
    const list = (await w.t.app.inject({ url: '/api/v1/projects?code=371502-0002', headers: withKey(county) })).json()
    await page.goto(`${w.baseUrl}/#/projects/${list.items[0].id}`)
    await page.waitForSelector('#filing-form')
    await page.selectOption('#filing-kind', 'scheme')
    await page.fill('#filing-document-date', '2026-01-31')
    await page.click('#filing-form button[type=submit]')
    const row = page.locator('#project-filings tbody tr')
    await expect.poll(() => row.count()).toBe(1)
    const text = await row.textContent()
    expect(text).toContain('实施方案')
    // 2026-01-31 + one month: a day February lacks becomes its last day (02-28, a Saturday), moved to the next working day (rule 8)
    expect(text).toContain('2026-03-02')
    expect(text).toContain('逾期未备案')
    expect(await row.getAttribute('class')).toContain('overdue')
    await row.locator('input[type=date]').fill('2026-03-03')
    await row.locator('button').click()
    await expect.poll(() => page.locator('#project-filings tbody tr').textContent()).toContain('逾期备案')
    await context.close()
  })

  it('serves every sample project and analysis piece with coordinates whose ellipsoidal area is within 0.005 m² of the stored one (issue 23)', async () => {
    const areaOf = (g: { type: string; coordinates: number[][][] | number[][][][] }) =>
      (g.type === 'Polygon' ? [g.coordinates as number[][][]] : (g.coordinates as number[][][][])).reduce(
        (sum, rings) => sum + ellipsoidalRingArea(rings[0]!) - rings.slice(1).reduce((h, r) => h + ellipsoidalRingArea(r), 0),
        0,
      )
    const fc = (path: string) => w.t.app.inject({ url: `/ogc/collections/${path}`, headers: withKey(county) }).then((r) => r.json())
    const projects = await fc('projects/items?limit=10000')
    const { rows } = await w.t.knex.raw('SELECT id, ST_Area(geom::geography) AS m2 FROM projects')
    const stored = new Map((rows as Array<{ id: string; m2: number }>).map((r) => [String(r.id), Number(r.m2)]))
    expect(projects.features.length).toBe(stored.size)
    for (const f of projects.features) expect(Math.abs(areaOf(f.geometry) - stored.get(String(f.id))!), `project ${f.id}`).toBeLessThan(0.005)
    // Pieces are computed per request: their served m2 is rounded to 0.01 m² (±0.005), so the bound is that plus 0.005.
    const pieces = await fc('analysis-pieces/items?limit=10000')
    expect(pieces.features.length).toBeGreaterThan(50)
    for (const f of pieces.features.filter((x: { geometry: unknown }) => x.geometry))
      expect(Math.abs(areaOf(f.geometry) - f.properties.m2), `piece ${f.id}`).toBeLessThan(0.0101)
  })
})
