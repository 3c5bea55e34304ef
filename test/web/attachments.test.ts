/// <reference lib="dom" />
// 证明材料 on the project page, in the browser: the county uploads a scan with its category and sees it listed with
// its office and time (a page renamed .pdf is refused in Chinese); the city sees it, downloads it under its Chinese
// name, and has no upload form or delete; the county deletes it while the project is a draft.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData, withKey } from '../helpers/app.js'
import { html, pdf } from '../helpers/documents.js'
import { gkRect } from '../helpers/gk.js'
import { signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
const keys: Record<string, string> = {}
let id: number

beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  keys.county = await keyFor(w.t.knex, 'county', '371502', '东昌府区自然资源局')
  keys.city = await keyFor(w.t.knex, 'city', '3715', '聊城市自然资源和规划局')
  const created = await w.t.app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: withKey(keys.county!),
    payload: { code: 'ATT-WEB', srid: 4548, geometry: { type: 'Polygon', coordinates: [gkRect(0, 0, 200, 100)] } },
  })
  expect(created.statusCode, created.body).toBe(201)
  id = created.json().id
}, 120_000)
afterAll(async () => w?.close())

describe('supporting documents on the project page', () => {
  it('the county uploads and lists a scan, the city sees and downloads it, the county deletes it', async () => {
    const county = await signedIn(w, keys.county!)
    await county.page.goto(`${w.baseUrl}/#/projects/${id}`)
    await county.page.waitForSelector('#attachment-form')
    expect(await county.page.textContent('#attachments-none')).toBe('尚未上传证明材料。')

    // an HTML page named .pdf: the service reads its bytes and says why in Chinese
    await county.page.setInputFiles('#attachment-file', { name: '供地批文.pdf', mimeType: 'application/pdf', buffer: html() })
    await county.page.click('#attachment-form button[type=submit]')
    await county.page.waitForSelector('#attachments-message .error-box')
    expect(await county.page.textContent('#attachments-message')).toContain('不是 PDF、PNG 或 JPEG')

    await county.page.selectOption('#attachment-category', '规划许可证')
    await county.page.fill('#attachment-note', '聊规许〔2025〕3号')
    await county.page.setInputFiles('#attachment-file', { name: '建设用地规划许可证.pdf', mimeType: 'application/pdf', buffer: pdf('Permit') })
    await county.page.click('#attachment-form button[type=submit]')
    await county.page.waitForSelector('#attachments-table tbody tr')
    expect(await county.page.textContent('#attachments-message')).toContain('已上传：建设用地规划许可证.pdf')
    const row = await county.page.$$eval('#attachments-table tbody tr td', (cells) => cells.map((c) => c.textContent))
    expect(row.slice(0, 5)).toEqual(['建设用地规划许可证.pdf', '规划许可证', expect.stringMatching(/KB$/), '聊规许〔2025〕3号', '东昌府区自然资源局'])
    expect(row[5]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
    expect(await county.page.$('#attachments-table button[data-delete]')).not.toBeNull()

    const city = await signedIn(w, keys.city!)
    await city.page.goto(`${w.baseUrl}/#/projects/${id}`)
    await city.page.waitForSelector('#attachments-table tbody tr')
    expect(await city.page.textContent('#attachments-table tbody')).toContain('建设用地规划许可证.pdf')
    expect(await city.page.$('#attachment-form')).toBeNull()
    expect(await city.page.$('#attachments-table button[data-delete]')).toBeNull()
    expect(await city.page.textContent('#attachments-readonly')).toContain('市级、省级可查看和下载')
    const [file] = await Promise.all([city.page.waitForEvent('download'), city.page.click('#attachments-table button[data-download]')])
    expect(file.suggestedFilename()).toBe('建设用地规划许可证.pdf')

    county.page.once('dialog', (d) => void d.accept())
    await county.page.click('#attachments-table button[data-delete]')
    await county.page.waitForSelector('#attachments-none')
    expect(await county.page.textContent('#attachments-message')).toContain('已删除：建设用地规划许可证.pdf')
    for (const session of [county, city]) await session.context.close()
  })
})
