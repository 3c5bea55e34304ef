/// <reference lib="dom" />
// The console's shell (issue 22, item 6): a favicon, a title per page, MapLibre's controls in
// Chinese, and a page that cannot be fetched says 无法连接服务 instead of staying blank.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData, withKey } from '../helpers/app.js'
import { accountOfKey, signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
let county: string
beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  county = await keyFor(w.t.knex, 'county', '371502')
})
afterAll(async () => w?.close())

describe('console shell', () => {
  it('serves a favicon the page links', async () => {
    const icon = await fetch(`${w.baseUrl}/favicon.svg`)
    expect(icon.status).toBe(200)
    expect(icon.headers.get('content-type')).toMatch(/image\/svg\+xml/)
    expect(await (await fetch(`${w.baseUrl}/`)).text()).toContain('<link rel="icon" href="/favicon.svg"')
  })

  it('names each page in the title and shows the map controls in Chinese', async () => {
    const { context, page } = await signedIn(w, county)
    await page.goto(`${w.baseUrl}/#/map`)
    await page.waitForSelector('.maplibregl-ctrl-zoom-in')
    expect(await page.title()).toBe('地图 · 城镇低效用地再开发 · 工作台')
    expect(await page.getAttribute('.maplibregl-ctrl-zoom-in', 'title')).toBe('放大')
    expect(await page.getAttribute('.maplibregl-ctrl-zoom-out', 'title')).toBe('缩小')
    await expect.poll(() => page.textContent('.maplibregl-ctrl-scale'), { timeout: 30_000 }).toMatch(/\d+\s*(米|千米)/)
    await page.goto(`${w.baseUrl}/#/projects`)
    await page.waitForSelector('#projects-table')
    expect(await page.title()).toBe('项目 · 城镇低效用地再开发 · 工作台')
    await context.close()
  })

  it('says the service cannot be reached on a page it could not fetch, instead of a blank page', async () => {
    const { context, page } = await signedIn(w, county)
    await page.goto(`${w.baseUrl}/#/layers`)
    await page.waitForSelector('#main .view')
    // The browser's own offline mode: every request fails as with a stopped service.
    await context.setOffline(true)
    await page.evaluate(() => (location.hash = '#/bundles')) // a page not visited yet: its module must be fetched
    await page.waitForSelector('#main [role="alert"]', { timeout: 30_000 })
    expect(await page.textContent('#main [role="alert"]')).toContain('无法连接服务')
    await context.close()
  })

  it('goes back to sign-in, saying why, once the account is disabled', async () => {
    const doomed = await keyFor(w.t.knex, 'county', '371502', '将被停用的账号')
    const admin = await keyFor(w.t.knex, 'admin')
    const { context, page } = await signedIn(w, doomed)
    await page.goto(`${w.baseUrl}/#/layers`)
    await page.waitForSelector('#principal')
    const { username } = await accountOfKey(w, doomed)
    const disabled = await w.t.app.inject({ method: 'DELETE', url: `/api/v1/users/${username}`, headers: withKey(admin) })
    expect(disabled.statusCode, disabled.body).toBe(200)
    await page.evaluate(() => (location.hash = '#/projects'))
    await page.waitForSelector('#sign-in', { timeout: 30_000 })
    expect(await page.textContent('#sign-in [role="alert"]')).toContain('登录已失效')
    expect(await page.$('#principal')).toBeNull()
    await context.close()
  })
})
