/// <reference lib="dom" />
// The console's lists (issue 22): sortable columns, filters kept in the page address through a reload,
// county names beside codes, who did something by name, a deep link that survives the sign-in, and the
// province's statistics form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData, transitionBody, withKey } from '../helpers/app.js'
import { accountOfKey, loadSample, screenshot, signInForm, signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
let county: string
let province: string
let submittedId: number
beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  county = await keyFor(w.t.knex, 'county', '371502', '东昌府区自然资源局')
  province = await keyFor(w.t.knex, 'province', null, '省自然资源厅利用处')
  await loadSample(w, county, ['projects'])
  const items = (await w.t.app.inject({ url: '/api/v1/projects?limit=100', headers: withKey(county) })).json().items
  submittedId = items.find((x: { code: string }) => x.code.endsWith('0003')).id
  const moved = await w.t.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${submittedId}/transitions`,
    headers: withKey(county),
    payload: transitionBody('submit'),
  })
  expect(moved.statusCode).toBe(200)
})
afterAll(async () => w?.close())

const codes = (page: import('playwright-core').Page) => page.$$eval('#projects-table tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.code!))

describe('console lists', () => {
  it('sorts by a column title, keeps filters and order in the address through a reload, names counties', async () => {
    const { context, page } = await signedIn(w, county, { width: 1440, height: 900 })
    await page.goto(`${w.baseUrl}/#/projects`)
    await page.waitForSelector('#projects-table tbody tr')
    const ascending = await codes(page)
    expect(ascending).toEqual([...ascending].sort())
    await page.click('#projects-table th[data-sort="code"] button')
    await page.waitForSelector('#projects-table th[data-sort="code"][aria-sort="descending"]')
    expect(await codes(page)).toEqual([...ascending].reverse())
    expect(await page.textContent('#projects-table th[data-sort="code"]')).toContain('▼')
    // 东昌府区 beside 371502, from the region table
    expect(await page.textContent('#projects-table tbody tr td[data-county="371502"]')).toContain('东昌府区')
    await screenshot(page, 'projects-sorted-1440')

    await page.selectOption('#status-filter', 'submitted')
    expect(await codes(page)).toHaveLength(1)
    await page.fill('#project-search', '0003')
    expect(page.url()).toMatch(/#\/projects\?.*status=submitted/)
    expect(page.url()).toContain('sort=code')
    expect(page.url()).toContain('dir=desc')
    await page.reload()
    await page.waitForSelector('#projects-table tbody tr')
    expect(await page.inputValue('#status-filter')).toBe('submitted')
    expect(await page.inputValue('#project-search')).toBe('0003')
    expect(await codes(page)).toHaveLength(1)
    expect(await page.getAttribute('#projects-table th[data-sort="code"]', 'aria-sort')).toBe('descending')

    // the project page and back: the list as it was left
    await page.click('#projects-table tbody a')
    await page.waitForSelector('#review-history')
    // the review history names the key that acted, not its prefix
    const actor = await page.textContent('#review-history td.actor')
    expect(actor).toContain('东昌府区自然资源局')
    expect(actor).not.toMatch(/lr_[A-Za-z0-9]{8}/)
    await page.goBack()
    await page.waitForSelector('#projects-table tbody tr')
    expect(await page.inputValue('#status-filter')).toBe('submitted')
    expect(await codes(page)).toHaveLength(1)

    // the layers list names who imported
    await page.goto(`${w.baseUrl}/#/layers`)
    await page.waitForSelector('#layers-table')
    expect(await page.textContent('#layers-table td.imported-by, #layers-table .imported-by')).toContain('东昌府区自然资源局')
    await context.close()
  })

  it('opens a link given before sign-in after the sign-in', async () => {
    const context = await w.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })
    const page = await context.newPage()
    await page.goto(`${w.baseUrl}/#/projects/${submittedId}`)
    await signInForm(page, await accountOfKey(w, county))
    await page.waitForSelector('#review-history')
    expect(new URL(page.url()).hash).toBe(`#/projects/${submittedId}`)
    await context.close()
  })

  it('records a county’s statistics from the province page, refusing bad input in Chinese', async () => {
    const year = 2025
    const { context, page } = await signedIn(w, province, { width: 1440, height: 900 })
    await page.goto(`${w.baseUrl}/#/province?year=${year}`)
    await page.waitForSelector('#county-table table')
    expect(await page.inputValue('#reward-year')).toBe(String(year))
    await page.fill('#stats-county', '371502')
    await page.dispatchEvent('#stats-county', 'change')
    await page.waitForSelector('#stats-message p')
    expect(await page.textContent('#stats-county-name')).toBe('东昌府区')
    // nothing but the county: each fault said in Chinese, nothing sent
    await page.click('#stats-form button[type=submit]')
    await page.waitForSelector('#stats-message p.error[data-field="population"]')
    expect(await page.textContent('#stats-message')).toContain('人口须为正整数')
    expect(await page.textContent('#stats-message')).toContain('请填写人口数据的发布机构')
    expect(await page.getAttribute('#stats-population', 'aria-invalid')).toBe('true')
    await page.fill('#stats-population', '812345')
    await page.selectOption('#stats-source-kind', 'resident')
    await page.fill('#stats-publisher', '聊城统计年鉴2026')
    await page.fill('#stats-land', '150000000')
    await page.click('#stats-form button[type=submit]')
    await page.waitForSelector('#stats-saved')
    expect(await page.textContent('#stats-saved')).toContain('调整系数')
    const saved = (await w.t.app.inject({ url: `/api/v1/counties/371502/stats/${year}`, headers: withKey(province) })).json()
    expect(saved).toMatchObject({
      population: 812345,
      populationSource: { kind: 'resident', year, publisher: '聊城统计年鉴2026' },
      urbanRuralConstructionLandM2: 150000000,
      landSource: 'given',
    })
    // the reward table drawn again shows it, the county by name
    await page.waitForSelector('#reward-table tr[data-county="371502"] td.population:has-text("812")')
    expect(await page.textContent('#reward-table tr[data-county="371502"] td')).toContain('东昌府区')
    await screenshot(page, 'province-stats-1440')
    await context.close()
  })

  it('keeps what was typed when the county’s figures arrive after it (a slow answer does not overwrite the form)', async () => {
    const year = 2024
    const { context, page } = await signedIn(w, province, { width: 1440, height: 900 })
    await page.goto(`${w.baseUrl}/#/province?year=${year}`)
    await page.waitForSelector('#county-table table')
    // the county's figures held back until the form has been filled
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let asked = 0
    await page.route('**/api/v1/counties/371502/stats/*', async (route) => {
      if (route.request().method() === 'GET') {
        asked++
        await held
      }
      await route.continue()
    })
    await expect.poll(() => page.inputValue('#reward-year')).toBe(String(year))
    await page.fill('#stats-county', '371502')
    await page.dispatchEvent('#stats-county', 'change')
    await expect.poll(() => asked, { timeout: 15_000 }).toBeGreaterThan(0)
    await page.fill('#stats-population', '700001')
    await page.fill('#stats-source-year', String(year))
    await page.fill('#stats-publisher', '聊城市统计公报')
    await page.fill('#stats-land', '120000000')
    const answered = page.waitForResponse((r) => r.url().includes('/counties/371502/stats/') && r.request().method() === 'GET')
    release()
    await answered
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)))
    expect(await page.inputValue('#stats-population')).toBe('700001')
    expect(await page.inputValue('#stats-publisher')).toBe('聊城市统计公报')
    expect(await page.inputValue('#stats-land')).toBe('120000000')
    await page.click('#stats-form button[type=submit]')
    await page.waitForSelector('#stats-saved')
    const saved = (await w.t.app.inject({ url: `/api/v1/counties/371502/stats/${year}`, headers: withKey(province) })).json()
    expect(saved).toMatchObject({ population: 700001, populationSource: { year, publisher: '聊城市统计公报' }, urbanRuralConstructionLandM2: 120000000 })
    await context.close()
  })

  it('a page still loading when the address moves on does not write its filters over the new address (same route, another year)', async () => {
    const { context, page } = await signedIn(w, province, { width: 1440, height: 900 })
    // the province page of the sign-in (the default year) is held while loading its county totals
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let first = true
    await page.route('**/api/v1/province/counties', async (route) => {
      if (first) {
        first = false
        await held
      }
      await route.continue()
    })
    await page.goto(`${w.baseUrl}/#/province`)
    await expect.poll(() => first, { timeout: 15_000 }).toBe(false)
    await page.goto(`${w.baseUrl}/#/province?year=2023`)
    await page.waitForSelector('#county-table table')
    release()
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)))
    expect(await page.inputValue('#reward-year')).toBe('2023')
    expect(new URL(page.url()).hash).toMatch(/year=2023/)
    await context.close()
  })
})
