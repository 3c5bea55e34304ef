/// <reference lib="dom" />
// Sign in with a county key, upload the sample survey layer through the page (progress to 100 %),
// see it in the list with the count the API gives; a broken zip shows the service's own error text, in Chinese.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData, withKey } from '../helpers/app.js'
import { signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
let key: string
beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  key = await keyFor(w.t.knex, 'county', '371502', '东昌府区自然资源局')
})
afterAll(async () => w?.close())

describe('layers page', () => {
  it('signs in, uploads the sample survey layer with progress to 100 %, lists it with its count', async () => {
    const { context, page } = await signedIn(w, key)
    await expect.poll(() => page.textContent('#principal')).toContain('县级 · 371502')
    // No key or session token the page's scripts could read: the session is an HttpOnly cookie.
    const readable = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + document.cookie)
    expect(readable).not.toMatch(/lr_[A-Za-z0-9]{8}|lr_session/)
    expect((await context.cookies()).find((c) => c.name === 'lr_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' })
    await page.waitForSelector('#upload-form')
    // The layer kind is picked from the file name; the select shows it in Chinese.
    await page.setInputFiles('#file', 'data/sample/371502_survey3.zip')
    expect(await page.$eval('#layer-kind', (el: HTMLSelectElement) => el.selectedOptions[0]!.textContent)).toBe('三调地类图斑')
    await page.click('#start-upload')
    await page.waitForSelector('#job-status:text("导入成功")', { timeout: 60_000 })
    expect(await page.$eval('#upload-progress', (el: HTMLProgressElement) => el.value)).toBe(1)
    expect(await page.$eval('#import-progress', (el: HTMLProgressElement) => el.value)).toBe(1)
    expect(await page.textContent('#import-percent')).toContain('100 %')
    expect(await page.textContent('#job-crs')).toContain('EPSG:4548')
    expect(await page.textContent('#job-crs')).toContain('按 .prj 文件')
    expect(await page.textContent('#job-encoding')).toContain('GBK')

    const layers = (await w.t.app.inject({ url: '/api/v1/layers', headers: withKey(key) })).json()
    const survey3 = layers.find((l: { layer: string }) => l.layer === 'survey3')
    expect(survey3.active.featureCount).toBe(3000)
    const row = page.locator('#layers-table tr[data-layer="survey3"]')
    await expect.poll(() => row.locator('td.count').textContent()).toBe('3,000')
    // the county's current layers as one GeoPackage, downloaded with the session's cookie
    const link = page.locator('#layer-downloads a')
    expect(await link.textContent()).toBe('下载东昌府区现状图层（GeoPackage）')
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
    expect(download.suggestedFilename()).toBe('371502_现状图层.gpkg')
    const file = await download.path()
    expect(fs.readFileSync(file!).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\u0000')
    await context.close()
  })

  it('shows the service’s Chinese error text for a broken zip', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-web-'))
    const broken = path.join(dir, '371502_buildings.zip')
    fs.writeFileSync(broken, fs.readFileSync('data/sample/371502_buildings.zip').subarray(0, 2000))
    const { context, page } = await signedIn(w, key)
    await page.waitForSelector('#upload-form')
    await page.setInputFiles('#file', broken)
    await page.click('#start-upload')
    await page.waitForSelector('#upload-status .error-box', { timeout: 30_000 })
    const shown = await page.textContent('#upload-status')
    // The same file through the API: the page shows what the service said, not its own text.
    const form = new FormData()
    form.set('layer', 'buildings')
    form.set('file', new Blob([fs.readFileSync(broken)]), '371502_buildings.zip')
    const res = await fetch(`${w.baseUrl}/api/v1/imports`, { method: 'POST', headers: withKey(key), body: form })
    let said: string[]
    if (res.status === 202) {
      const { url } = (await res.json()) as { url: string }
      let job: { status: string; errors: Array<{ message: string; messageZh: string }> }
      do job = (await (await fetch(`${w.baseUrl}${url}`, { headers: withKey(key) })).json()) as typeof job
      while (job.status === 'queued' || job.status === 'running')
      said = job.errors.map((e) => e.messageZh)
      for (const e of job.errors) expect(shown).not.toContain(e.message)
    } else {
      const problem = (await res.json()) as { detail: string; detailZh?: string }
      said = [problem.detailZh ?? problem.detail]
    }
    expect(said.length).toBeGreaterThan(0)
    for (const text of said) expect(shown).toContain(text)
    expect(shown).toMatch(/文件不是有效的 ZIP 压缩包|ZIP 压缩包已损坏/)
    await context.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
