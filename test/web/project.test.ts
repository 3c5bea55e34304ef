/// <reference lib="dom" />
// A project's page against the API's numbers; the review walked through by three offices in three
// browser sessions; the printable sheet printed to PDF and read back with pdftotext.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData, withKey } from '../helpers/app.js'
import { loadSample, screenshot, signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
let county: string
let city: string
let province: string
let projectId: number
beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  county = await keyFor(w.t.knex, 'county', '371502', '东昌府区自然资源局')
  city = await keyFor(w.t.knex, 'city', '3715', '聊城市自然资源和规划局')
  province = await keyFor(w.t.knex, 'province', null, '山东省自然资源厅')
  await loadSample(w, county, ['survey2', 'survey2-lines', 'buildings', 'approved-unsupplied', 'idle-land', 'projects'])
  const list = (await w.t.app.inject({ url: '/api/v1/projects?code=371502-0001', headers: withKey(county) })).json()
  projectId = list.items[0].id
})
afterAll(async () => w?.close())

/**
 * Answers the dialogs of a review step (test/web/review-queue.test.ts tests them): the warning a
 * project not 符合 brings first (the sample's all fail a rule), then the confirmation.
 */
async function confirmStep(page: import('playwright-core').Page) {
  await page.click('#verdict-warning button[data-answer="ok"]')
  await page.click('#review-confirm button[data-answer="ok"]')
}

/** "19,648.14" → 19648.14 */
const numberOf = (text: string | null) => Number(text!.replace(/,/g, ''))

describe('project page', () => {
  it('shows the numbers the API computed, in m² (2 decimals) and 亩 (4 decimals) with separators, and every check', async () => {
    const { context, page } = await signedIn(w, county)
    await page.goto(`${w.baseUrl}/#/projects/${projectId}`)
    await page.waitForSelector('#numbers td[data-field="stockArea.m2"]')
    const a = (await w.t.app.inject({ url: `/api/v1/projects/${projectId}/analysis`, headers: withKey(county) })).json()
    const cell = (field: string) => page.textContent(`#numbers td[data-field="${field}"]`)
    for (const field of ['area', 'survey2Construction', 'stockArea']) {
      const m2Text = await cell(`${field}.m2`)
      expect(m2Text).toMatch(/^\d{1,3}(,\d{3})*\.\d{2}$/)
      expect(numberOf(m2Text)).toBe(Math.round(a[field].m2 * 100) / 100)
      const muText = await cell(`${field}.mu`)
      expect(muText).toMatch(/^\d{1,3}(,\d{3})*\.\d{4}$/)
      expect(numberOf(muText)).toBe(Math.round(a[field].mu * 10000) / 10000)
    }
    // Footprint: the API's 亩, which is the m² × 15 / 10000 of a hand computation (to the 4th decimal).
    expect(numberOf(await cell('footprint.mu'))).toBe(a.footprint.mu)
    expect(Math.abs(a.footprint.mu - (a.footprint.m2 * 15) / 10000)).toBeLessThanOrEqual(0.00006)
    const checks = await page.$$eval('#checks tr[data-check]', (rows) => rows.map((r) => [r.getAttribute('data-check'), r.getAttribute('data-passed')]))
    expect(checks).toEqual(a.checks.map((c: { id: string; passed: boolean | null }) => [c.id, String(c.passed)]))
    expect(await page.textContent('#checks')).toContain('165号')
    // a check added to the API is listed by its Chinese name (from /settings), with its message
    expect(await page.textContent('#checks tr[data-check="plan-use"]')).toMatch(/新用途符合规划用途（用地用海）.*不比对规划用途/)
    expect(await page.textContent('#inputs')).toContain('二调地类图斑')
    // the figure the stock is, and the 2009 baseline's note (issue 21), in the API's words
    expect(await page.getAttribute('#numbers [data-used-for-stock]', 'data-used-for-stock')).toBe(
      a.survey2Construction.usedForStock ? 'survey2Construction' : 'survey2ConstructionNet',
    )
    expect(await page.textContent('#changed-after-baseline-note')).toBe(a.survey2ChangedAfterBaseline.noteZh)
    await page.waitForFunction(
      () => (window as any).lowlandMap?.loaded() && (window as any).lowlandMap.queryRenderedFeatures({ layers: ['piece-project-line'] }).length > 0,
    )
    expect(await page.textContent('#pieces-legend')).toContain('二调建设用地')
    await screenshot(page, 'project')
    await context.close()
  })

  it('records the milestone, its evidence and the evidence area from the form, and shows what the API says of them', async () => {
    const { context, page } = await signedIn(w, county)
    await page.goto(`${w.baseUrl}/#/projects/${projectId}`)
    await page.waitForSelector('#evidence-fields fieldset[data-document="landSupply"]')
    expect(await page.textContent('#evidence-fields')).toContain('电子监管号')
    await page.selectOption('#f-milestoneType', 'land-supply')
    await page.fill('#f-milestoneDate', '2026-06-30')
    await page.fill('#f-evidence-landSupply-date', '2026-06-30')
    await page.fill('#f-evidence-landSupply-areaM2', '-3')
    await page.click('#attributes-form button[type="submit"]')
    await page.waitForSelector('#attributes-form p.error')
    expect(await page.textContent('#attributes-form p.error')).toBe('土地供应供地面积（平方米）：须为大于 0 的数')
    await page.fill('#f-evidence-landSupply-areaM2', '20000')
    await page.fill('#f-evidenceAreaM2', '21000.5')
    await page.click('#attributes-form button[type="submit"]')
    // saved without the 电子监管号: the API says it is missing, and the form shows its words
    await page.waitForSelector('#evidence-status[data-needs-review="true"]')
    expect(await page.textContent('#evidence-status')).toContain('证明材料未录入：土地供应电子监管号')
    await page.fill('#f-evidence-landSupply-supervisionNumber', ' 3715022026B00007 ')
    await page.click('#attributes-form button[type="submit"]')
    await page.waitForSelector('#evidence-status[data-needs-review="false"]')
    const saved = (await w.t.app.inject({ url: `/api/v1/projects/${projectId}`, headers: withKey(county) })).json()
    expect(saved).toMatchObject({
      milestoneType: 'land-supply',
      milestoneDate: '2026-06-30',
      evidenceAreaM2: 21000.5,
      milestoneEvidence: { landSupply: { date: '2026-06-30', supervisionNumber: '3715022026B00007', areaM2: 20000 } },
      milestoneEvidenceStatus: { complete: true, needsReview: false },
    })
    await page.locator('#attributes-card').scrollIntoViewIfNeeded()
    await screenshot(page, 'project-evidence')
    await context.close()
  })

  it('walks submit (county) → check (city) → approve (province) in three sessions; the county sees no approve button', async () => {
    const countySession = await signedIn(w, county)
    const citySession = await signedIn(w, city)
    const provinceSession = await signedIn(w, province)
    const open = async (page: typeof countySession.page) => {
      await page.goto(`${w.baseUrl}/#/projects/${projectId}`)
      await page.reload()
      await page.waitForSelector('#review-actions')
    }
    await open(countySession.page)
    expect(await countySession.page.$('button[data-action="approve"]')).toBeNull()
    await countySession.page.click('button[data-action="submit"]')
    await confirmStep(countySession.page)
    await countySession.page.waitForSelector('#review-history')
    expect(await countySession.page.$('button[data-action="approve"]')).toBeNull()
    expect(await countySession.page.$('button[data-action="submit"]')).toBeNull()

    await open(citySession.page)
    expect(await citySession.page.$('button[data-action="approve"]')).toBeNull()
    // the city's pass records its field check (外业核查, 165号 四（一）): not without one
    await citySession.page.click('button[data-action="check"]')
    expect(await citySession.page.textContent('#review-message p.error')).toBe('市级审核通过须填写外业核查日期、核查人员和核查情况')
    await citySession.page.fill('#field-check-date', '2026-03-16')
    await citySession.page.fill('#field-check-by', '王敏、刘强')
    await citySession.page.fill('#field-check-findings', '现场踏勘，红线范围与现状建筑与上报一致')
    await citySession.page.selectOption('#field-check-result', 'consistent')
    await citySession.page.click('button[data-action="check"]')
    await confirmStep(citySession.page)
    await citySession.page.waitForSelector('#review-message :text("已市级审核通过")')
    await citySession.page.waitForSelector('#review-history td.field-check:text("王敏、刘强")')
    expect(await citySession.page.textContent('#field-check-latest')).toBe('2026-03-16 王敏、刘强：现场踏勘，红线范围与现状建筑与上报一致（一致）')

    await open(provinceSession.page)
    await provinceSession.page.click('button[data-action="approve"]')
    await confirmStep(provinceSession.page)
    await provinceSession.page.waitForSelector('#review-message :text("已省级审核通过")')
    // The history is read after the move: three rows once it has come.
    await expect.poll(() => provinceSession.page.$$eval('#review-history tbody tr', (rows) => rows.length)).toBe(3)

    await open(countySession.page)
    expect(await countySession.page.$('button[data-action="approve"]')).toBeNull()
    expect(await countySession.page.textContent('#review-actions')).toContain('没有可执行')
    const project = (await w.t.app.inject({ url: `/api/v1/projects/${projectId}`, headers: withKey(county) })).json()
    expect(project.status).toBe('province-approved')
    for (const s of [countySession, citySession, provinceSession]) await s.context.close()
  })

  it('shows the city the other projects on the same land, on the review list and the project page (issue 21)', async () => {
    // a second project drawn on the approved one's land, submitted by the county
    const first = (await w.t.app.inject({ url: `/api/v1/projects/${projectId}`, headers: withKey(county) })).json()
    const created = await w.t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(county),
      payload: { code: '371502-DUP', geometry: first.geometry },
    })
    expect(created.statusCode, created.body).toBe(201)
    const second = created.json().id
    const submit = { method: 'POST' as const, url: `/api/v1/projects/${second}/transitions`, headers: withKey(county), payload: { action: 'submit' } }
    expect((await w.t.app.inject(submit)).statusCode).toBe(200)
    const a = (await w.t.app.inject({ url: `/api/v1/projects/${second}/analysis`, headers: withKey(county) })).json()
    const overlap = a.overlaps.find((o: { projectId: number }) => o.projectId === projectId)
    expect(overlap).toMatchObject({ code: first.code, status: 'province-approved' })
    expect(overlap.stockM2).toBeGreaterThan(1)

    const { context, page } = await signedIn(w, city)
    await page.goto(`${w.baseUrl}/#/reviews`)
    await page.waitForSelector(`#awaiting-city tr[data-id="${second}"] td.overlaps`)
    const listed = await page.textContent(`#awaiting-city tr[data-id="${second}"] td.overlaps`)
    expect(listed).toContain(first.code)
    expect(listed).toContain('省级审核通过')
    await page.goto(`${w.baseUrl}/#/projects/${second}`)
    await page.waitForSelector('#overlaps tr[data-status="province-approved"]')
    expect(await page.textContent('#overlaps')).toContain(first.code)
    expect(await page.getAttribute('#checks tr[data-check="no-double-counting"]', 'data-passed')).toBe('false')
    await context.close()
  })

  it('prints the project sheet to an A4 PDF holding the project code and its stock area', async () => {
    const { context, page } = await signedIn(w, county)
    await page.goto(`${w.baseUrl}/#/projects/${projectId}/sheet`)
    await page.waitForSelector('body[data-sheet-ready="1"]', { timeout: 30_000 })
    await page.emulateMedia({ media: 'print' })
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-sheet-'))
    const pdf = path.join(dir, 'sheet.pdf')
    await page.pdf({ path: pdf, format: 'A4', printBackground: true, preferCSSPageSize: true })
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' })
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))![1])
    const a = (await w.t.app.inject({ url: `/api/v1/projects/${projectId}/analysis`, headers: withKey(county) })).json()
    const stock = a.stockArea.m2.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    expect(text).toContain('项目核查表')
    expect(text).toContain('371502-0001')
    expect(text).toContain(stock)
    expect(text).toContain('盘活存量面积')
    // the city's opinion with its field check (the project was checked above)
    expect(text).toContain('市级意见（外业核查）')
    expect(text.replace(/\s+/g, '')).toContain('王敏、刘强：现场踏勘')
    // the three offices' blocks, each with room to sign, date and seal
    for (const block of ['县级意见', '市级意见（外业核查）', '省级意见']) expect(text).toContain(block)
    expect(text.match(/盖章/g)).toHaveLength(3)
    expect(pages).toBe(1) // one A4 sheet per project
    fs.rmSync(dir, { recursive: true, force: true })
    await context.close()
  })
})
