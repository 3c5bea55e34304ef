/// <reference lib="dom" />
// The bundles page (连片, issue 22): a bundle chosen shows its plots by flag on the map with a legend,
// zoomed to it, and why each plot and piece is flagged; a re-run with another distance and minimum
// area shows its progress; a project made from a bundle takes the user's code and name, and the
// bundle is then marked 已立项 with a link. Hand-made layout in EPSG:4548 metres (as test/bundles).
import fs from 'node:fs/promises'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData, withKey } from '../helpers/app.js'
import { gkArea, gkRect } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'
import { screenshot, signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
let key: string
let dir: string

const text = (name: string, length: number) => ({ name, type: 'C' as const, length })
const plot = (code: string, x0: number, y0: number, x1: number, y1: number, zl = '371502001000') => ({
  parts: [gkRect(x0, y0, x1, y1)],
  values: { TBBH: code, ZLDWDM: zl, QSDWDM: '371502001001' },
})
const cells = [
  [0, 0],
  [100, 0],
  [200, 0],
  [0, 100],
  [200, 100],
  [0, 200],
  [100, 200],
  [200, 200],
]
const plots = [
  // a ring of eight cells around a hole (夹心地), G8 in another village (插花地), E1 small on its edge (边角地)
  ...cells.map(([x, y], i) => plot(`G${i + 1}`, x!, y!, x! + 100, y! + 100, i === 7 ? '371502002000' : '371502001000')),
  plot('E1', 300, 0, 340, 40),
  // two plots a 6 m road apart
  plot('R1', 1000, 0, 1100, 100),
  plot('R2', 1106, 0, 1206, 100),
  // a U around a notch of third-survey land (夹心地 that is land)
  ...[
    [5000, 0],
    [5100, 0],
    [5200, 0],
    [5000, 100],
    [5200, 100],
  ].map(([x, y], i) => plot(`U${i + 1}`, x!, y!, x! + 100, y! + 100)),
]
const patch = (tbbh: string, x0: number, y0: number, x1: number, y1: number, dlbm: string, dlmc: string) => ({
  parts: [gkRect(x0, y0, x1, y1)],
  values: { TBBH: tbbh, ZLDWDM: '371502001000', DLBM: dlbm, DLMC: dlmc },
})
const land = [patch('N1', 5100, 100, 5200, 200, '0601', '工业用地'), patch('S1', 5300, 0, 5330, 30, '0404', '其他草地')]

/** 亩 to 4 decimals, as the reasons write them */
const mu4 = (m2: number) => ((m2 * 15) / 10000).toFixed(4)
const bundles = async () => (await w.t.app.inject({ url: '/api/v1/bundles?county=371502', headers: withKey(key) })).json().features
const idOf = async (member: string) => (await bundles()).find((f: any) => f.properties.members.includes(member)).properties.bundleId as number
/** Features MapLibre drew in the page's map for these layers (rendered, not only held). */
const drawn = (page: Page, layers: string[]) => page.evaluate((layers) => (window as any).lowlandMap.queryRenderedFeatures({ layers }).length as number, layers)

const mapIdle = (page: Page) =>
  page.waitForFunction(() => (window as any).lowlandMap?.loaded() && (window as any).lowlandMap.areTilesLoaded(), null, { timeout: 60_000 })

beforeAll(async () => {
  w = await startWebTest()
  dir = await tempDir()
  await resetData(w.t.knex)
  key = await keyFor(w.t.knex, 'county', '371502')
  const survey3 = await shapefileZip(dir, 's3', { fields: [text('TBBH', 10), text('ZLDWDM', 12), text('DLBM', 5), text('DLMC', 20)], features: land })
  expect((await importFile(w.t, key, { layer: 'survey3' }, survey3)).status).toBe('succeeded')
  const zip = await shapefileZip(dir, 'plots', { fields: [text('TBBH', 10), text('ZLDWDM', 12), text('QSDWDM', 12)], features: plots })
  // the bundle run that follows the plots import has ended when the import answers
  expect((await importFile(w.t, key, { layer: 'plots' }, zip)).status).toBe('succeeded')
})
afterAll(async () => {
  await w?.close()
  await fs.rm(dir, { recursive: true, force: true })
})

describe('the bundles page', () => {
  it('shows a bundle’s plots by flag with the reasons, re-runs with the form’s distance and area, and makes a project with the user’s code and name', async () => {
    const { context, page } = await signedIn(w, key, { width: 1440, height: 900 })
    await page.goto(`${w.baseUrl}/#/bundles`)
    await page.waitForSelector('#bundles-table')
    expect(await page.$$eval('#bundles-table tbody tr', (r) => r.length)).toBe(4)
    expect(await page.textContent('#bundle-legend')).toBe('组团范围成员图斑边角地夹心地插花地（虚线框）')
    // sorted by area, largest first, by two clicks on its title; the order is kept in the address
    const areas = () => page.$$eval('#bundles-table tbody tr', (rows) => rows.map((r) => Number(r.children[2]!.firstChild!.textContent!.replaceAll(',', ''))))
    await page.click('#bundles-table th[data-sort="mu"] button')
    await page.click('#bundles-table th[data-sort="mu"] button')
    const desc = await areas()
    expect(desc).toEqual([...desc].sort((a, b) => b - a))
    expect(new Set(desc).size).toBeGreaterThan(1)
    expect(await page.evaluate(() => location.hash)).toBe('#/bundles?sort=mu&dir=desc')

    // 1, 2: the ring: each plot's flags and why, drawn by flag, the map zoomed to it
    const zoomBefore = await page.evaluate(() => (window as any).lowlandMap.getZoom())
    const ring = await idOf('G1')
    await page.click(`#bundles-table tr[data-bundle="${ring}"] button.select-bundle`)
    await page.waitForSelector('#bundle-pieces')
    const row = (ref: string) => page.textContent(`#bundle-pieces tr[data-ref="${ref}"]`)
    expect(await row('E1')).toContain('零散、边角地')
    expect(await row('E1')).toContain(`位于组团外缘，面积 ${mu4(gkArea(300, 0, 340, 40))} 亩，小于 3 亩（边角地）`)
    expect(await row('G8')).toContain('坐落单位 371502002000，而组团大部分面积坐落于 371502001000（插花地）')
    expect(await page.textContent('#bundle-pieces tr[data-piece="hole"]')).toContain(
      `组团内部的空洞 ${mu4(gkArea(100, 100, 200, 200))} 亩，四周均为成员图斑（夹心地）`,
    )
    expect(await page.$$eval('#bundle-pieces tbody tr', (r) => r.length)).toBe(10) // nine plots and the hole
    expect(await page.evaluate(() => (window as any).lowlandMap.getZoom())).toBeGreaterThan(zoomBefore)
    await expect.poll(() => drawn(page, ['bundle-corner-fill'])).toBeGreaterThan(0)
    await expect.poll(() => drawn(page, ['bundle-interspersed-line'])).toBeGreaterThan(0)
    await expect.poll(() => drawn(page, ['bundle-enclave-fill'])).toBeGreaterThan(0)
    await mapIdle(page)
    await screenshot(page, 'bundles-ring', 1)
    // the U: its notch is enclosed land, S1 small land beside it
    const u = await idOf('U1')
    await page.click(`#bundles-table tr[data-bundle="${u}"] button.select-bundle`)
    await page.waitForSelector('#bundle-pieces tr[data-ref="N1"]')
    expect(await row('N1')).toMatch(/非成员用地.*夹心地.*三调图斑 371502001000\/N1 工业用地：非成员用地 \d+\.\d{4} 亩，边界的 75\.[01] % 与组团成员相接/)
    expect(await row('S1')).toContain(`组团外缘的非成员用地 ${mu4(gkArea(5300, 0, 5330, 30))} 亩，小于 3 亩`)
    await mapIdle(page)
    await screenshot(page, 'bundles-chosen', 1)
    expect(await page.textContent('#bundle-detail')).toContain('成员图斑 5 个；成员须相接（角点相接亦可）；单独立项最小面积 15 亩。')
    expect(await page.textContent('#bundle-detail')).not.toContain('null')

    // 3: a re-run at 10 m and 20 mu, its progress shown, then the list it made
    expect(await page.inputValue('#bundle-gap')).toBe('0')
    expect(await page.inputValue('#bundle-min-mu')).toBe('15')
    await page.fill('#bundle-gap', '10')
    await page.fill('#bundle-min-mu', '20')
    await page.click('#bundle-run button[type=submit]')
    await page.waitForSelector('#bundle-run-status [role="status"]')
    expect(await page.textContent('#bundle-run-status')).toContain('正在计算：100 %')
    expect(await page.textContent('#bundle-run-status')).toContain('计算完成，共 3 个组团。')
    expect(await page.$eval('#bundle-run-progress', (p) => (p as HTMLProgressElement).value)).toBe(1)
    await expect.poll(() => page.$$eval('#bundles-table tbody tr', (r) => r.length)).toBe(3)
    expect(await page.textContent('#bundles-table')).toContain('2：R1、R2')
    expect(await page.textContent('#bundles-table thead')).toContain('达到20亩')
    expect((await bundles())[0].properties).toMatchObject({ gapMeters: 10, minBundleMu: 20 })
    expect(await page.inputValue('#bundle-gap')).toBe('10')

    // 4: a project with the user's code and name; the bundle is then marked 已立项 with a link
    const u2 = await idOf('U1')
    await page.click(`#bundles-table tr[data-bundle="${u2}"] button.make-project`)
    await page.waitForSelector('#bundle-project-form')
    await page.fill('#project-code', '371502-2026-LP1')
    await page.fill('#project-name', '东关连片改造')
    await page.click('#bundle-project-form button[type=submit]')
    await page.waitForSelector('#bundle-message [role="status"]')
    expect(await page.textContent('#bundle-message')).toContain('已生成项目 371502-2026-LP1')
    const made = page.locator(`#bundles-table tr[data-bundle="${u2}"] td.made`)
    await expect.poll(() => made.textContent()).toContain('已立项 371502-2026-LP1')
    const project = (await w.t.app.inject({ url: '/api/v1/projects?code=371502-2026-LP1', headers: withKey(key) })).json().items[0]
    expect(project.name).toBe('东关连片改造')
    expect(await made.locator('a').getAttribute('href')).toBe(`#/projects/${project.id}`)
    // the same code again: the service's Chinese reason, the form kept
    await page.click(`#bundles-table tr[data-bundle="${u2}"] button.make-project`)
    await page.fill('#project-code', '371502-2026-LP1')
    await page.click('#bundle-project-form button[type=submit]')
    await page.waitForSelector('#bundle-project-form [role="alert"]')
    expect(await page.textContent('#bundle-project-form [role="alert"]')).toContain('本县已有项目编号 371502-2026-LP1')
    await screenshot(page, 'bundles-made', 1)
    await context.close()
  })
})
