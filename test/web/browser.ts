/// <reference lib="dom" />
// Real Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against the real service
// listening on a free port over the run's test database.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { prefixOf } from '../../src/auth/keys.js'
import type { Config } from '../../src/config.js'
import { accountFor, buildTestApp, type TestApp } from '../helpers/app.js'

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface WebTest {
  t: TestApp & { dataDir: string }
  baseUrl: string
  browser: Browser
  close(): Promise<void>
}

/** `config` reaches the app as a deployment's environment would (e.g. a basemap). */
export async function startWebTest(config: Partial<Config> = {}): Promise<WebTest> {
  const t = await buildTestApp(undefined, { config })
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const address = t.app.server.address()
  if (!address || typeof address === 'string') throw new Error('no TCP address')
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    // Playwright gives each launch a fresh temporary profile (its own --user-data-dir).
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--use-gl=angle',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--lang=zh-CN',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  return {
    t,
    baseUrl: `http://127.0.0.1:${address.port}`,
    browser,
    close: async () => {
      await browser.close()
      await t.close()
    },
  }
}

/**
 * The named account a person of the key's office signs in to the console with: same role, region and
 * name as the key (the tests give offices keys for the API and accounts for the browser). Made once per
 * key and database state.
 */
export async function accountOfKey(w: WebTest, key: string): Promise<{ username: string; password: string }> {
  const known = accounts.get(key)
  if (known && (await w.t.knex('accounts').where({ username: known.username }).first('id'))) return known
  const row = await w.t
    .knex('api_keys')
    .where({ prefix: prefixOf(key) })
    .first('role', 'region', 'name')
  if (!row) throw new Error('no such key')
  const { username, password } = await accountFor(w.t.knex, row.role, row.region, `u${accounts.size}-${Math.random().toString(36).slice(2, 8)}`, row.name)
  const account = { username, password }
  accounts.set(key, account)
  return account
}
const accounts = new Map<string, { username: string; password: string }>()

/** Fills the sign-in form of a page showing it. */
export async function signInForm(page: Page, account: { username: string; password: string }): Promise<void> {
  await page.waitForSelector('#username')
  await page.fill('#username', account.username)
  await page.fill('#password', account.password)
  await page.click('#sign-in button[type=submit]')
}

/** A fresh browser session (its own cookies) at 1366×768 (or the viewport given), signed in as the key's office. */
export async function signedIn(
  w: WebTest,
  key: string,
  viewport: { width: number; height: number } = { width: 1366, height: 768 },
): Promise<{ context: BrowserContext; page: Page }> {
  const account = await accountOfKey(w, key)
  const context = await w.browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await context.newPage()
  page.on('pageerror', (err) => console.error('page error:', err.message))
  await page.goto(`${w.baseUrl}/`)
  await signInForm(page, account)
  // attached, not visible: on a phone the signed-in line sits in the folded menu
  await page.waitForSelector('#principal', { state: 'attached' })
  return { context, page }
}

/** Loads sample layers through the API, as `npm run sample:load` does. */
export async function loadSample(w: WebTest, key: string, layers: string[]): Promise<void> {
  const { importFile } = await import('../helpers/imports.js')
  for (const layer of layers) {
    const job = await importFile(w.t, key, { layer, county: '371502' }, `data/sample/371502_${layer}.zip`)
    if (job.status !== 'succeeded') throw new Error(`${layer}: ${job.status}`)
  }
}

/**
 * Screenshots for the README (docs/img) when WEB_SCREENSHOTS names a folder, e.g.
 * `WEB_SCREENSHOTS=docs/img npx vitest run test/web`; otherwise none are written.
 */
export async function screenshot(page: Page, name: string, scale = 0.75): Promise<Buffer> {
  const dir = process.env.WEB_SCREENSHOTS
  const png = await page.screenshot({ fullPage: false })
  if (dir) {
    // Scaled down in the page itself (no image tool needed) to keep the committed PNGs small.
    const small = await page.evaluate(
      async ({ data, scale }) => {
        const img = new Image()
        img.src = `data:image/png;base64,${data}`
        await img.decode()
        const canvas = document.createElement('canvas')
        canvas.width = Math.round(img.width * scale)
        canvas.height = Math.round(img.height * scale)
        canvas.getContext('2d')!.drawImage(img, 0, 0, canvas.width, canvas.height)
        return canvas.toDataURL('image/png').split(',')[1]!
      },
      { data: png.toString('base64'), scale },
    )
    const fs = await import('node:fs')
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(`${dir}/${name}.png`, Buffer.from(small, 'base64'))
  }
  return png
}

/** Distinct colours on the map canvas (a blank or failed WebGL canvas has one or none). */
export async function canvasColours(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (canvas: HTMLCanvasElement) => {
    const copy = document.createElement('canvas')
    copy.width = canvas.width
    copy.height = canvas.height
    const ctx = copy.getContext('2d')!
    ctx.drawImage(canvas, 0, 0)
    const data = ctx.getImageData(0, 0, copy.width, copy.height).data
    const colours = new Set<number>()
    for (let i = 0; i < data.length; i += 4 * 7) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!)
    return colours.size
  })
}
