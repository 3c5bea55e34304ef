// Real Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against the real service
// listening on a free port over the run's test database.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { buildTestApp, type TestApp } from '../helpers/app.js'

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface WebTest {
  t: TestApp & { dataDir: string }
  baseUrl: string
  browser: Browser
  close(): Promise<void>
}

export async function startWebTest(): Promise<WebTest> {
  const t = await buildTestApp()
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const address = t.app.server.address()
  if (!address || typeof address === 'string') throw new Error('no TCP address')
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    // Playwright gives each launch a fresh temporary profile (its own --user-data-dir).
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
      '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
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

/** A fresh browser session (its own sessionStorage) at 1366×768, signed in with the key. */
export async function signedIn(w: WebTest, key: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await w.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await context.newPage()
  page.on('pageerror', (err) => console.error('page error:', err.message))
  await page.goto(`${w.baseUrl}/`)
  await page.fill('#key', key)
  await page.click('#sign-in button[type=submit]')
  await page.waitForSelector('#principal')
  return { context, page }
}
