/// <reference lib="dom" />
// After approval (issue 22): the sheet shows the analysis the province approved, not the later
// recomputation a layer change brought; the project page shows both and the analysis history;
// several sheets printed at once from the lists give one PDF page per project.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { zipFiles } from '../../src/formats/zip-writer.js'
import { keyFor, resetData, transitionBody, withKey } from '../helpers/app.js'
import { importFile } from '../helpers/imports.js'
import { loadSample, screenshot, signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
let dir: string
let county: string
let city: string
let province: string
const ids: Record<string, number> = {}
const api = async (method: 'GET' | 'POST', url: string, key = county, payload?: object) => {
  const res = await w.t.app.inject({ method, url: `/api/v1${url}`, headers: withKey(key), ...(payload ? { payload } : {}) })
  expect(res.statusCode, res.body).toBeLessThan(300)
  return res.json()
}
/** As the console writes m²: 2 decimals with separators. */
const m2 = (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
/** The day of a time in Beijing time, YYYY-MM-DD. */
const day = (iso: string) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date(iso))

beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  county = await keyFor(w.t.knex, 'county', '371502', '东昌府区自然资源局')
  city = await keyFor(w.t.knex, 'city', '3715', '聊城市自然资源和规划局')
  province = await keyFor(w.t.knex, 'province', null, '山东省自然资源厅')
  // the buildings first delivered without every other building (the raw DBF bytes kept, no .cpg)
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-sheets-'))
  execFileSync('ogr2ogr', [
    '--config',
    'SHAPE_ENCODING',
    '',
    '-lco',
    'ENCODING=',
    '-where',
    'FID % 2 = 0',
    path.join(dir, 'JZW.shp'),
    `/vsizip/${path.resolve('data/sample/371502_buildings.zip')}`,
  ])
  const half = path.join(dir, 'buildings-half.zip')
  await zipFiles(
    half,
    ['shp', 'shx', 'dbf', 'prj'].map((e) => ({ path: path.join(dir, `JZW.${e}`), name: `JZW.${e}` })),
  )
  await loadSample(w, county, ['survey2', 'projects'])
  expect((await importFile(w.t, county, { layer: 'buildings', county: '371502' }, half)).status).toBe('succeeded')
  for (const code of ['0001', '0002', '0003']) ids[code] = (await api('GET', `/projects?code=371502-${code}`)).items[0].id
  // 0001 approved on the half delivery; then the whole delivery comes and the county recomputes
  for (const [action, key] of [
    ['submit', county],
    ['check', city],
    ['approve', province],
  ] as const)
    await api('POST', `/projects/${ids['0001']}/transitions`, key, transitionBody(action))
  await api('POST', `/projects/${ids['0002']}/transitions`, county, transitionBody('submit'))
  await loadSample(w, county, ['buildings'])
  await api('POST', `/projects/${ids['0001']}/analysis`)
})
afterAll(async () => {
  await w?.close()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

/** Prints the page as the browser would (print media, A4) and reads the PDF back: its text and page count. */
async function printed(page: Page, name: string) {
  await page.emulateMedia({ media: 'print' })
  const pdf = path.join(dir, `${name}.pdf`)
  await page.pdf({ path: pdf, format: 'A4', printBackground: true, preferCSSPageSize: true })
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' })
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))![1])
  await page.emulateMedia({ media: 'screen' })
  return { text, pages }
}

describe('the approved analysis after a layer change', () => {
  it('the sheet of an approved project shows the numbers the province approved, not the recomputed ones', async () => {
    const approved = await api('GET', `/projects/${ids['0001']}/analysis/approved`)
    const latest = await api('GET', `/projects/${ids['0001']}/analysis`)
    expect(latest.resultId).not.toBe(approved.resultId)
    expect(approved.inputsChanged).toBe(true)
    // the whole delivery has more building footprint in the project than the half the province saw
    expect(latest.footprint.m2).toBeGreaterThan(approved.result.footprint.m2)
    expect(m2(latest.footprint.m2)).not.toBe(m2(approved.result.footprint.m2))
    // the map's pieces too: of the layer versions the approved analysis recorded, or of the active ones
    const footprintOf = async (query: string) =>
      (await api('GET', `/projects/${ids['0001']}/analysis/pieces${query}`)).features
        .filter((x: { properties: { role: string } }) => x.properties.role === 'footprint')
        .reduce((sum: number, x: { properties: { m2: number } }) => sum + x.properties.m2, 0)
    expect(await footprintOf('?of=approved')).toBeCloseTo(approved.result.footprint.m2, 0)
    expect(await footprintOf('')).toBeCloseTo(latest.footprint.m2, 0)

    const { context, page } = await signedIn(w, county, { width: 1440, height: 900 })
    await page.goto(`${w.baseUrl}/#/projects/${ids['0001']}/sheet`)
    await page.waitForSelector('body[data-sheet-ready="1"]', { timeout: 30_000 })
    expect(await page.textContent('#sheet-analysis-label strong')).toBe(`省级审批时的分析结果（${day(approved.approvedAt)} 批准）`)
    expect(await page.textContent('#sheet td[data-field="footprint.m2"]')).toBe(m2(approved.result.footprint.m2))
    expect(await page.textContent('#sheet td[data-field="footprint.ratio"]')).not.toBe(await percentOf(page, latest.footprint.ratio))
    expect(await page.textContent('#sheet td[data-field="stockArea.m2"]')).toBe(m2(approved.result.stockArea.m2))
    await screenshot(page, 'sheet-approved')
    const { text, pages } = await printed(page, 'approved')
    expect(text.replace(/\s+/g, '')).toContain(`省级审批时的分析结果（${day(approved.approvedAt)}批准）`)
    expect(text).toContain(m2(approved.result.footprint.m2))
    expect(text).not.toContain(m2(latest.footprint.m2))
    expect(pages).toBe(1)
    await context.close()
  })

  it('the project page shows the approved and the latest analysis side by side, and the analysis history', async () => {
    const approved = await api('GET', `/projects/${ids['0001']}/analysis/approved`)
    const latest = await api('GET', `/projects/${ids['0001']}/analysis`)
    const history = (await api('GET', `/projects/${ids['0001']}/analyses`)).items
    const { context, page } = await signedIn(w, county)
    await page.goto(`${w.baseUrl}/#/projects/${ids['0001']}`)
    await page.waitForSelector('#approved-analysis')
    expect(await page.textContent('#approved-analysis h2')).toBe(`省级审批时的分析结果（${day(approved.approvedAt)} 批准）`)
    const row = '#approved-vs-latest tr[data-row="footprint"]'
    expect(await page.textContent(`${row} td[data-field="approved"]`)).toBe(m2(approved.result.footprint.m2))
    expect(await page.textContent(`${row} td[data-field="latest"]`)).toBe(m2(latest.footprint.m2))
    expect(await page.getAttribute(row, 'data-differs')).toBe('true')
    expect(await page.textContent('#numbers-title')).toContain('最新分析结果')
    expect(await page.textContent('#numbers td[data-field="footprint.m2"]')).toBe(m2(latest.footprint.m2))
    // the history: every stored result, newest first, the approved one marked
    const rows = await page.$$eval('#analysis-history tbody tr', (trs) =>
      trs.map((tr) => ({ id: Number(tr.getAttribute('data-result-id')), text: tr.textContent, approved: tr.getAttribute('data-approved') })),
    )
    expect(rows.map((r) => r.id)).toEqual(history.map((x: { resultId: number }) => x.resultId))
    expect(rows[0]!.text).toContain('手动重新计算')
    expect(rows[0]!.id).toBe(latest.resultId)
    const pinned = rows.find((r) => r.approved === 'true')!
    expect(pinned.id).toBe(approved.resultId)
    expect(pinned.text).toContain('省级审批采用')
    expect(pinned.text).toContain('审核时计算')
    await page.locator('#approved-analysis').scrollIntoViewIfNeeded()
    await screenshot(page, 'project-approved')
    await context.close()
  })
})

/** The footprint ratio as the page writes it (zh-CN percent, 2 decimals). */
const percentOf = (page: Page, v: number) =>
  page.evaluate((v) => new Intl.NumberFormat('zh-CN', { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v), v)

describe('batch print', () => {
  it('prints the sheets of three projects ticked on the project list as one PDF of three pages', async () => {
    const { context, page } = await signedIn(w, county, { width: 1440, height: 900 })
    await page.goto(`${w.baseUrl}/#/projects`)
    await page.waitForSelector('#projects-table')
    expect(await page.isDisabled('#print-sheets')).toBe(true)
    for (const code of ['0001', '0002', '0003']) await page.check(`#projects-table tr[data-id="${ids[code]}"] input.select-project`)
    expect(await page.textContent('#print-sheets')).toBe('批量打印核查表（3）')
    await page.click('#print-sheets')
    await page.waitForSelector('body[data-sheets-ready="1"]', { timeout: 60_000 })
    const sheets = await page.$$eval('#sheets article.sheet', (as) =>
      as.map((a) => ({ id: Number(a.getAttribute('data-project-id')), approved: a.querySelector('.sheet-label')?.getAttribute('data-approved') })),
    )
    expect(sheets).toEqual([
      { id: ids['0001'], approved: '1' },
      { id: ids['0002'], approved: '0' },
      { id: ids['0003'], approved: '0' },
    ])
    // no element id twice on the page
    expect(await page.$$eval('#sheets [id]', (els) => els.length)).toBe(0)
    // the approved one with the approved numbers here too
    const approved = await api('GET', `/projects/${ids['0001']}/analysis/approved`)
    expect(await page.textContent(`#sheets article[data-project-id="${ids['0001']}"] td[data-field="footprint.m2"]`)).toBe(m2(approved.result.footprint.m2))
    await screenshot(page, 'sheets')
    const { text, pages } = await printed(page, 'batch')
    expect(pages).toBe(3)
    for (const code of ['0001', '0002', '0003']) expect(text).toContain(`371502-${code}`)
    await context.close()
  })

  it('the review list offers the same: the city ticks a project awaiting it and opens its sheet', async () => {
    const { context, page } = await signedIn(w, city)
    await page.goto(`${w.baseUrl}/#/reviews`)
    await page.waitForSelector(`#awaiting-city tr[data-id="${ids['0002']}"]`)
    // select-all of its own table only
    await page.check('#awaiting-city th input.select-all')
    expect(await page.textContent('#print-sheets')).toBe('批量打印核查表（1）')
    await page.click('#print-sheets')
    await page.waitForSelector('body[data-sheets-ready="1"]', { timeout: 60_000 })
    expect(page.url()).toContain(`#/sheets?ids=${ids['0002']}`)
    expect(await page.$$eval('#sheets article.sheet', (as) => as.map((a) => Number(a.getAttribute('data-project-id'))))).toEqual([ids['0002']])
    await context.close()
  })
})
