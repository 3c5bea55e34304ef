/// <reference lib="dom" />
// Security headers (issue 25): the console and /docs carry a Content-Security-Policy without inline
// script, nosniff, no framing and no referrer; the console and Swagger UI still work under them in
// Chromium (every CSP violation the pages report fails the test).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { basemapSource, consolePolicy } from '../../src/plugins/security-headers.js'
import { keyFor, resetData } from '../helpers/app.js'
import { signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
let county: string
beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  county = await keyFor(w.t.knex, 'county', '371502')
})
afterAll(async () => w?.close())

describe('security headers', () => {
  it('are sent on the console, its scripts, the API and /docs', async () => {
    for (const url of ['/', '/app.js', '/api/v1/projects', '/docs/', '/health']) {
      const res = await fetch(`${w.baseUrl}${url}`)
      expect(res.headers.get('x-content-type-options'), url).toBe('nosniff')
      expect(res.headers.get('x-frame-options'), url).toBe('DENY')
      expect(res.headers.get('referrer-policy'), url).toBe('no-referrer')
      const csp = res.headers.get('content-security-policy') ?? ''
      expect(csp, url).toContain("frame-ancestors 'none'")
      expect(csp, url).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/)
      expect(csp, url).not.toContain('upgrade-insecure-requests')
    }
    expect(basemapSource('https://t{0-7}.tianditu.gov.cn')).toBe('https://*.tianditu.gov.cn')
    expect(consolePolicy('https://*.tianditu.gov.cn')).toMatch(/connect-src 'self' https:\/\/\*\.tianditu\.gov\.cn/)
  })

  it('leave the console and its map working: no policy violation while signing in and drawing the map', async () => {
    const { context, page } = await signedIn(w, county)
    const violations: string[] = []
    await page.exposeFunction('reportViolation', (v: string) => violations.push(v))
    await page.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as unknown as { reportViolation: (v: string) => void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`),
      ),
    )
    await page.goto(`${w.baseUrl}/#/map`)
    await page.waitForSelector('.maplibregl-canvas')
    // The map ran (its worker started, the style loaded): the scale bar reads a distance.
    await expect.poll(() => page.textContent('.maplibregl-ctrl-scale'), { timeout: 30_000 }).toMatch(/\d+\s*(米|千米)/)
    await page.goto(`${w.baseUrl}/#/projects`)
    await page.waitForSelector('#projects-table')
    await page.goto(`${w.baseUrl}/docs/`)
    await page.waitForSelector('.swagger-ui .opblock', { timeout: 30_000 })
    expect(violations).toEqual([])
    await context.close()
  })
})
