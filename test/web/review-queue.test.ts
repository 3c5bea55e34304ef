/// <reference lib="dom" />
// The review queue in the console (issue 22): the columns a decision needs, sorting by any of them
// (kept in the hash), the counts beside 审核, and the steps: a comment required with a return, a
// confirmation naming the project and the action, and a warning listing the failing rules before a
// project that is not 符合 is passed on. The sample county's projects all fail some rule (不符合).
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData, transitionBody, withKey } from '../helpers/app.js'
import { loadSample, screenshot, signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
const keys: Record<string, string> = {}
const ids: Record<string, number> = {}

const api = async (method: 'GET' | 'POST', url: string, key: string, payload?: object) => {
  const res = await w.t.app.inject({ method, url: `/api/v1${url}`, headers: withKey(key), ...(payload ? { payload } : {}) })
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300)
  return res.json()
}
const move = (code: string, who: string, action: string) => api('POST', `/projects/${ids[code]}/transitions`, keys[who]!, transitionBody(action))
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString()

beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  keys.county = await keyFor(w.t.knex, 'county', '371502', '东昌府区自然资源局')
  keys.city = await keyFor(w.t.knex, 'city', '3715', '聊城市自然资源和规划局')
  keys.province = await keyFor(w.t.knex, 'province', null, '山东省自然资源厅')
  await loadSample(w, keys.county, ['survey2', 'survey2-lines', 'buildings', 'approved-unsupplied', 'idle-land', 'projects'])
  for (const code of ['0001', '0002', '0003', '0004']) ids[code] = (await api('GET', `/projects?code=371502-${code}`, keys.county)).items[0].id
  // 0001 and 0002 wait for the province (0001 checked 60 days ago: overdue), 0003 and a copy of it for the city
  for (const code of ['0001', '0002']) {
    await move(code, 'county', 'submit')
    await move(code, 'city', 'check')
  }
  await w.t
    .knex('project_transitions')
    .where({ project_id: ids['0001'], action: 'check' })
    .update({ at: daysAgo(60) })
  const copy = await api('POST', '/projects', keys.county, {
    code: '371502-DUP',
    geometry: (await api('GET', `/projects/${ids['0003']}`, keys.county)).geometry,
  })
  ids.DUP = copy.id
  await move('0003', 'county', 'submit')
  await move('DUP', 'county', 'submit')
  // analysed after both are submitted: each lists the other on its land
  for (const code of ['0003', 'DUP']) await api('GET', `/projects/${ids[code]}/analysis`, keys.county)
}, 300_000)
afterAll(async () => w?.close())

// (the first cell holds the sheet checkbox; the code is the second)
const rowCodes = (page: Page, table: string) => page.$$eval(`${table} tbody tr td:nth-child(2)`, (tds) => tds.map((td) => td.textContent))

describe('the review queue', () => {
  it('shows per project the verdict, the areas in m² and 亩, the overlaps, the days waited and the due date; sorts by any column', async () => {
    const { context, page } = await signedIn(w, keys.province!, { width: 1440, height: 900 })
    // the province's own queue: two waiting for it, one of them past its 10 working days
    await page.waitForFunction(() => document.querySelector('#nav-review-counts')?.textContent === '待审核 2 · 逾期 1')
    expect(await page.getAttribute('#nav-review-counts', 'data-overdue')).toBe('1')
    await page.goto(`${w.baseUrl}/#/reviews`)
    await page.waitForSelector('#pending-reviews table.queue')
    // the first column holds the sheets' checkboxes (批量打印核查表)
    const heads = (await page.$$eval('#pending-reviews th', (ths) => ths.map((th) => th.textContent))).slice(1)
    expect(heads).toEqual([
      '项目编号',
      '项目名称',
      '县',
      '分析结论',
      '项目面积（m² / 亩）',
      '盘活存量面积（m² / 亩）',
      '与其他项目重叠（存量用地）',
      '市级审核日期',
      '已等待（工作日）',
      '省级审核期限',
    ])
    const list = await api('GET', '/reviews', keys.province!)
    const first = list.items.find((x: { projectId: number }) => x.projectId === ids['0001'])
    const row = `#pending-reviews tr[data-id="${ids['0001']}"]`
    const cells = (await page.$$eval(`${row} td`, (tds) => tds.map((td) => (td as HTMLElement).innerText.replace(/\s+/g, ' ').trim()))).slice(1)
    const m2 = (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    const mu = (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: 4, maximumFractionDigits: 4 })
    expect(first.verdictZh).toBe('不符合')
    expect(cells[2]).toBe('东昌府区 371502') // the county by name, its code beneath
    expect(cells[3]).toBe('不符合')
    expect(cells[4]).toBe(`${m2(first.areaM2)} ${mu(first.areaMu)} 亩`)
    expect(cells[5]).toBe(`${m2(first.stockAreaM2)} ${mu(first.stockAreaMu)} 亩`)
    expect(cells[6]).toBe('无')
    expect(cells[8]).toBe(String(first.workingDaysWaiting))
    expect(first.workingDaysWaiting).toBeGreaterThan(10)
    expect(cells[9]).toBe(`${first.dueOn} 已逾期`)
    expect(await page.getAttribute(row, 'class')).toBe('overdue')
    // waiting for the city: no due date; the two copies each count the other on their land
    const dup = `#awaiting-city tr[data-id="${ids.DUP}"]`
    expect(await page.getAttribute(`${dup} td.overlaps`, 'data-count')).toBe('1')
    expect(await page.textContent(`${dup} td.overlaps`)).toMatch(/^1 个371502-0003（县级已提交，存量用地 [0-9,]+\.\d{2} m²）$/)
    expect(await page.textContent(`${dup} td:last-child`)).toBe('不设时限')

    // sort by the project area: ascending, then descending, kept in the hash and across a reload
    const byArea = [...list.awaitingCity].sort((a, b) => a.areaM2 - b.areaM2 || a.projectId - b.projectId).map((x) => x.code)
    await page.click('#awaiting-city button[data-sort="area"]')
    expect(await rowCodes(page, '#awaiting-city')).toEqual(byArea)
    expect(await page.textContent('#awaiting-city th[aria-sort="ascending"]')).toBe('项目面积（m² / 亩） ▲')
    expect(page.url()).toMatch(/#\/reviews\?sort=area&dir=asc$/)
    await page.click('#awaiting-city button[data-sort="area"]')
    expect(await rowCodes(page, '#awaiting-city')).toEqual(
      [...list.awaitingCity].sort((a, b) => b.areaM2 - a.areaM2 || a.projectId - b.projectId).map((x) => x.code),
    )
    expect(await page.textContent('#awaiting-city th[aria-sort="descending"]')).toBe('项目面积（m² / 亩） ▼')
    // every column sorts; the due date descending puts the later one first
    await page.goto(`${w.baseUrl}/#/reviews?sort=dueOn&dir=desc`)
    await page.reload()
    await page.waitForSelector('#pending-reviews th[aria-sort="descending"]')
    expect(await rowCodes(page, '#pending-reviews')).toEqual(['371502-0002', '371502-0001'])
    for (const key of ['code', 'name', 'county', 'verdict', 'stock', 'overlaps', 'since', 'waited']) {
      await page.click(`#pending-reviews button[data-sort="${key}"]`)
      expect(await page.getAttribute(`#pending-reviews button[data-sort="${key}"]`, 'data-dir')).toBe('asc')
    }
    // waited longest last when ascending
    expect(await rowCodes(page, '#pending-reviews')).toEqual(['371502-0002', '371502-0001'])
    await screenshot(page, 'reviews-queue-1440')
    // a phone: the navigation folds, the menu button carries the counts, the tables scroll in their box
    await page.setViewportSize({ width: 390, height: 844 })
    expect(await page.textContent('#menu .nav-count')).toBe('待审核 2 · 逾期 1')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await screenshot(page, 'reviews-queue-390')
    await context.close()
  })

  it('asks for a comment with a return, confirms each step naming the project and the action, and warns before passing on a failing project', async () => {
    const { context, page } = await signedIn(w, keys.province!, { width: 1440, height: 900 })
    const open = async (code: string) => {
      await page.goto(`${w.baseUrl}/#/projects/${ids[code]}`)
      await page.waitForSelector('#review-actions button')
      await page.waitForSelector('#main h1 + p .verdict')
    }
    const status = async (code: string) => (await api('GET', `/projects/${ids[code]}`, keys.province!)).status
    await open('0002')
    // a return without a comment: refused on the page, no dialog, nothing sent
    await page.click('button[data-action="return"]')
    expect(await page.textContent('#review-message p.error')).toBe('退回须填写审核意见（退回理由）')
    expect(await page.$('dialog')).toBeNull()

    // approving a 不符合 project: first the failing rules, then the confirmation; cancelling keeps it where it was
    await open('0001')
    const analysis = await api('GET', `/projects/${ids['0001']}/analysis`, keys.province!)
    await page.click('button[data-action="approve"]')
    await page.waitForSelector('dialog#verdict-warning[open]')
    await screenshot(page, 'reviews-warning-1440')
    expect(await page.textContent('#verdict-warning')).toContain('项目 371502-0001')
    expect(await page.textContent('#verdict-warning')).toContain('最新分析结论为“不符合”。仍要省级审核通过吗？')
    const failing = analysis.checks.filter((c: { passed: boolean | null }) => c.passed !== true)
    expect(await page.$$eval('#failing-rules li', (lis) => lis.map((li) => [li.dataset.check, li.dataset.passed]))).toEqual(
      failing.map((c: { id: string; passed: boolean | null }) => [c.id, String(c.passed)]),
    )
    expect(await page.textContent('#failing-rules li[data-check="footprint-ratio"]')).toMatch(/^不符合：.+ — /)
    await page.click('#verdict-warning button[data-answer="cancel"]')
    await page.waitForSelector('dialog#verdict-warning', { state: 'detached' })
    expect(await page.$('dialog#review-confirm')).toBeNull()
    expect(await status('0001')).toBe('city-checked')
    // past the warning, the confirmation can still say no
    await page.click('button[data-action="approve"]')
    await page.click('#verdict-warning button[data-answer="ok"]')
    await page.waitForSelector('dialog#review-confirm[open]')
    await page.click('#review-confirm button[data-answer="cancel"]')
    await page.waitForSelector('dialog#review-confirm', { state: 'detached' })
    expect(await status('0001')).toBe('city-checked')
    // and then yes, with an optional comment
    await page.fill('#review-comment', '材料齐全，同意')
    await page.click('button[data-action="approve"]')
    await page.click('#verdict-warning button[data-answer="ok"]')
    await page.waitForSelector('dialog#review-confirm[open]')
    expect(await page.textContent('#review-confirm h2')).toBe('确认省级审核通过')
    expect(await page.textContent('#review-confirm')).toContain('确认对项目 371502-0001')
    expect(await page.textContent('#review-confirm')).toContain('审核意见：材料齐全，同意')
    await page.click('#review-confirm button[data-answer="ok"]')
    await page.waitForSelector('#review-message :text("已省级审核通过")')
    expect(await status('0001')).toBe('province-approved')
    // the verdict stays on the page after the step, and the navigation's counts follow it
    expect(await page.getAttribute('#main h1 + p .verdict', 'data-verdict')).toBe('false')
    await page.waitForFunction(() => document.querySelector('#nav-review-counts')?.textContent === '待审核 1')
    const history = await api('GET', `/projects/${ids['0001']}/transitions`, keys.province!)
    expect(history.at(-1)).toMatchObject({ action: 'approve', reason: '材料齐全，同意' })

    // a return with its comment: confirmed, no verdict warning
    await open('0002')
    await page.fill('#review-comment', '存量用地面积不足')
    await page.click('button[data-action="return"]')
    await page.waitForSelector('dialog#review-confirm[open]')
    expect(await page.$('dialog#verdict-warning')).toBeNull()
    expect(await page.textContent('#review-confirm')).toContain('确认对项目 371502-0002')
    expect(await page.textContent('#review-confirm h2')).toBe('确认退回')
    await page.click('#review-confirm button[data-answer="ok"]')
    await page.waitForSelector('#review-message :text("已退回")')
    expect(await status('0002')).toBe('returned')
    await page.waitForSelector('#nav-review-counts', { state: 'hidden' })
    await context.close()
  })

  it('warns the county before it submits a failing project, and the city sees it in its count', async () => {
    const { context, page } = await signedIn(w, keys.county!)
    await page.goto(`${w.baseUrl}/#/projects/${ids['0004']}`)
    await page.waitForSelector('#main h1 + p .verdict')
    await page.click('button[data-action="submit"]')
    await page.waitForSelector('dialog#verdict-warning[open]')
    expect(await page.textContent('#verdict-warning')).toContain('仍要县级提交吗？')
    await page.click('#verdict-warning button[data-answer="ok"]')
    await page.click('#review-confirm button[data-answer="ok"]')
    await page.waitForSelector('#review-message :text("已县级提交")')
    await context.close()
    const city = await signedIn(w, keys.city!)
    // 0003, its copy and 0004 wait for the city, which has no time limit
    await city.page.waitForFunction(() => document.querySelector('#nav-review-counts')?.textContent === '待审核 3')
    await city.context.close()
  })
})
