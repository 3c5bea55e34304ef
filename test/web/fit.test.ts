/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Issue 22, item 6 "robustness and fit", on the sample county moved through review:
// - no English in the visible interface or its tooltips, for a county, city, province and admin key on
//   every page (a Latin-text scan with an allow-list for codes and units);
// - a stopped service says 无法连接服务 on every page, and a failed refresh keeps what the page showed;
// - a phone (390×844): the navigation folds behind a menu button, the map is full width, tables scroll
//   in their box and the page never sideways; screenshots of every page at 1440×900 and 390×844;
// - a province key lands on 省级.
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData, transitionBody, withKey } from '../helpers/app.js'
import { documentForm, pdf } from '../helpers/documents.js'
import { loadSample, screenshot, signedIn, startWebTest, type WebTest } from './browser.js'

type Role = 'county' | 'city' | 'province' | 'admin'
const roles: Role[] = ['county', 'city', 'province', 'admin']

let w: WebTest
const keys = {} as Record<Role, string>
const ids: Record<string, number> = {}

const api = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, key: string, payload?: object) => {
  const res = await w.t.app.inject({ method, url: `/api/v1${url}`, headers: withKey(key), ...(payload ? { payload } : {}) })
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300)
  return res.json()
}

beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  // Offices named as they are in Shandong: the console shows the key's name in its header.
  keys.county = await keyFor(w.t.knex, 'county', '371502', '东昌府区自然资源局')
  keys.city = await keyFor(w.t.knex, 'city', '3715', '聊城市自然资源和规划局')
  keys.province = await keyFor(w.t.knex, 'province', null, '山东省自然资源厅')
  keys.admin = await keyFor(w.t.knex, 'admin', null, '系统管理员')
  // idle-land is left for the county to upload through the page (its import report is scanned too)
  await loadSample(w, keys.county, ['survey3', 'survey2', 'survey2-lines', 'buildings', 'approved-unsupplied', 'projects', 'plots'])
  for (const code of ['0001', '0002', '0003']) ids[code] = (await api('GET', `/projects?code=371502-${code}`, keys.county)).items[0].id
  // Every list has rows: 0001 approved with its milestone and a filing, 0002 waiting for the province,
  // 0003 for the city; the county's statistics give the reward table its row.
  await api('PATCH', `/projects/${ids['0001']}`, keys.county, {
    developmentMode: 'government-reserve',
    milestoneType: 'land-supply',
    milestoneDate: '2025-06-30',
    ownershipClear: true,
    seized: false,
    mortgaged: false,
  })
  const steps: Array<[string, string[]]> = [
    ['0001', ['submit', 'check', 'approve']],
    ['0002', ['submit', 'check']],
    ['0003', ['submit']],
  ]
  const by: Record<string, string> = { submit: keys.county, check: keys.city, approve: keys.province }
  for (const [code, actions] of steps)
    for (const action of actions) await api('POST', `/projects/${ids[code]}/transitions`, by[action]!, transitionBody(action))
  await api('POST', `/projects/${ids['0001']}/filings`, keys.county, { kind: 'scheme', documentDate: '2026-01-31' })
  // a supporting document (证明材料), so that its list is scanned too
  const scan = documentForm({ category: '供地批文', note: '聊国土资供〔2025〕12号' }, { name: '供地批文.pdf', content: pdf() })
  const attached = await w.t.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${ids['0001']}/attachments`,
    headers: { ...scan.headers, ...withKey(keys.county) },
    payload: scan.payload,
  })
  expect(attached.statusCode, attached.body).toBe(201)
  await api('PUT', '/counties/371502/stats/2025', keys.province, { population: 1_000_000, urbanRuralConstructionLandM2: 250_000_000 })
}, 900_000)
afterAll(async () => w?.close())

/** The console's pages, each with what shows it has finished loading. */
interface PageSpec {
  name: string
  hash: () => string
  ready: (page: Page) => Promise<unknown>
  roles: Role[]
}
const mapDrawn = (page: Page) =>
  page.waitForFunction(() => (window as any).lowlandMap?.loaded() && (window as any).lowlandMap.areTilesLoaded(), null, { timeout: 60_000 })
const shown = (selector: string) => (page: Page) => page.waitForSelector(selector, { state: 'attached', timeout: 60_000 })
const pages: PageSpec[] = [
  { name: 'layers', hash: () => '#/layers', ready: shown('#layers-table'), roles },
  {
    name: 'map',
    hash: () => '#/map',
    ready: async (page) => {
      await shown('#layer-switches input')(page)
      await mapDrawn(page)
    },
    roles,
  },
  { name: 'projects', hash: () => '#/projects', ready: shown('#projects-table'), roles },
  {
    name: 'project',
    hash: () => `#/projects/${ids['0001']}`,
    ready: async (page) => {
      await shown('#numbers')(page)
      await shown('#review-history')(page)
      await shown('#attachments-table')(page)
      await mapDrawn(page)
    },
    roles,
  },
  { name: 'sheet', hash: () => `#/projects/${ids['0001']}/sheet`, ready: shown('body[data-sheet-ready="1"]'), roles },
  // 批量打印: the approved project's sheet and one under review (the county's page is enough: the sheets are the same for every key)
  { name: 'sheets', hash: () => `#/sheets?ids=${ids['0001']},${ids['0002']}`, ready: shown('body[data-sheets-ready="1"]'), roles: ['county'] },
  { name: 'reviews', hash: () => '#/reviews', ready: shown('#filings .table-wrap, #filings p'), roles },
  { name: 'bundles', hash: () => '#/bundles', ready: shown('#bundles-table'), roles },
  { name: 'province', hash: () => '#/province', ready: shown('#reward-table table, #reward-table p'), roles: ['province', 'admin'] },
]

/** Opens a page by its hash (the tab's sessionStorage keeps the key) and waits until it has loaded. */
async function open(page: Page, spec: PageSpec) {
  await page.evaluate((hash) => (location.hash = hash), spec.hash())
  await spec.ready(page)
  await page.waitForFunction(() => !document.getElementById('loading') && !document.body.innerText.includes('正在加载'), null, { timeout: 60_000 })
}

/** Latin-letter words a user would read, with the Latin a Chinese page legitimately writes taken out. */
const allowedWords = new Set([
  // formats, standards and systems named by their own letters
  'API',
  'CSV',
  'PDF',
  'PNG',
  'JPEG',
  'JPG',
  'JSON',
  'GeoJSON',
  'GeoPackage',
  'OGC',
  'ZIP',
  'EPSG',
  'CGCS',
  'WGS',
  'WebGL',
  'dBASE',
  // encodings (GBK, GB18030, UTF-8, BIG5)
  'GBK',
  'GB',
  'UTF',
  'BIG',
  // units
  'km',
  'KB',
  'MB',
])
/** Tokens that are ids, codes or file names: a file, a version (v3), a key prefix (lr_), EPSG:4548, a plot code (DX00001). */
const idTokens = [/^\S*\.(zip|shp|shx|dbf|prj|cpg|geojson|json|csv|pdf|gdb|gpkg)$/i, /^v\d+$/, /^lr_\w*$/, /^EPSG:\d+$/, /^[A-Z]{1,6}\d+$/]

export function latinWords(text: string): string[] {
  // a field's code in parentheses after its Chinese name, 项目编号（XMBH）, or quoted in an example, {"建筑类型":"FWLX"}
  const withoutCodes = text.replace(/（[A-Z][A-Z0-9_]{1,15}）|\([A-Z][A-Z0-9_]{1,15}\)|"[A-Z][A-Z0-9_]{1,15}"|“[A-Z][A-Z0-9_]{1,15}”/g, ' ')
  const found: string[] = []
  for (const match of withoutCodes.matchAll(/[A-Za-z0-9_.:\-/+#]+/g)) {
    const token = match[0]
    if (!/[A-Za-z]{2}/.test(token) || idTokens.some((p) => p.test(token))) continue
    for (const word of token.match(/[A-Za-z]{2,}/g) ?? [])
      if (!allowedWords.has(word)) found.push(`${word} in “${withoutCodes.slice(Math.max(0, match.index - 20), match.index + token.length + 20)}”`)
  }
  return found
}

/** Every text of the page a user can read: visible text (details opened), the title, tooltips and labels. */
const readable = (page: Page) =>
  page.evaluate(() => {
    for (const d of document.querySelectorAll('details')) d.open = true
    // the county's data as delivered (translate="no": codes, names) is not the interface's text
    const data = [...document.querySelectorAll<HTMLElement>('[translate="no"]')]
    for (const el of data) el.style.visibility = 'hidden'
    const texts = [document.title, document.body.innerText]
    for (const el of data) el.style.visibility = ''
    for (const el of document.querySelectorAll('*'))
      for (const a of ['title', 'aria-label', 'placeholder', 'alt', 'aria-roledescription', 'aria-description']) {
        const v = el.getAttribute(a)
        if (v) texts.push(v)
      }
    for (const o of document.querySelectorAll('option')) texts.push(o.textContent ?? '')
    for (const i of document.querySelectorAll<HTMLInputElement>('input[type=button], input[type=submit], input[type=reset]')) texts.push(i.value)
    return texts
  })

/** Clicks a third-survey patch well inside the map, so that the attribute panel shows its fields. */
async function clickPatch(page: Page) {
  const point = await page.evaluate(() => {
    const map = (window as any).lowlandMap
    const box = map.getCanvas().getBoundingClientRect()
    for (const f of map.queryRenderedFeatures({ layers: ['survey3-fill'] })) {
      if (f.geometry.type !== 'Polygon') continue
      const ring = f.geometry.coordinates[0]
      const c = ring.reduce((a: number[], p: number[]) => [a[0]! + p[0]! / ring.length, a[1]! + p[1]! / ring.length], [0, 0])
      const px = map.project(c)
      if (px.x > 40 && px.y > 40 && px.x < box.width - 40 && px.y < box.height - 40) return { x: box.left + px.x, y: box.top + px.y }
    }
    return null
  })
  expect(point, 'a third-survey patch inside the map').not.toBeNull()
  await page.mouse.click(point!.x, point!.y)
  await page.waitForSelector('#attributes dl')
}

describe('the Latin-text scan', () => {
  it('finds English words and passes codes, units, file names and ids', () => {
    expect(latinWords('按 survey3 导入')).toEqual([expect.stringMatching(/^survey in/)])
    expect(latinWords('Missing or invalid API key').map((x) => x.split(' ')[0])).toEqual(['Missing', 'or', 'invalid', 'key'])
    expect(latinWords('CGCS2000 / 3-degree Gauss-Kruger CM 117E').map((x) => x.split(' ')[0])).toEqual(['degree', 'Gauss', 'Kruger', 'CM'])
    expect(
      latinWords(
        '文件 371502_survey3.zip（EPSG:4548），GBK，UTF-8，v3，#12，项目编号（XMBH），{"建筑类型":"FWLX"}，1,234.56 m²，2 km，lr_ 开头，API 文档，DX00001',
      ),
    ).toEqual([])
  })
})

describe('no English in the visible interface', () => {
  it('the sign-in page', async () => {
    const context = await w.browser.newContext({ locale: 'zh-CN' })
    const page = await context.newPage()
    await page.goto(`${w.baseUrl}/`)
    await page.waitForSelector('#sign-in')
    expect((await readable(page)).flatMap(latinWords)).toEqual([])
    await context.close()
  })

  for (const role of roles)
    it(`every page for a ${role} key, its tooltips and the map's controls included`, { timeout: 600_000 }, async () => {
      const { context, page } = await signedIn(w, keys[role])
      // a county on every page for the keys that see more than one (a county key ignores it)
      await page.goto(`${w.baseUrl}/?county=371502#/layers`)
      const found: string[] = []
      for (const spec of pages.filter((p) => p.roles.includes(role))) {
        await open(page, spec)
        if (spec.name === 'layers') {
          await page.click('#layers-table tr[data-layer="survey3"] button')
          await page.waitForSelector('#layer-history table')
          // the county's own import's report too: status, counts, coordinate system and encoding found, and how
          if (role === 'county') {
            await page.setInputFiles('#file', 'data/sample/371502_idle-land.zip')
            await page.click('#start-upload')
            await page.waitForSelector('#job-status:text("导入成功")', { timeout: 60_000 })
            expect(await page.textContent('#job-crs')).toContain('2000国家大地坐标系')
          }
        }
        if (spec.name === 'map') await clickPatch(page)
        // the alert box is where a refused request would show: none here, every page has its content
        expect(await page.$$eval('#main [role="alert"]', (a) => a.map((x) => x.textContent)), `${role} ${spec.name}`).toEqual([])
        found.push(...(await readable(page)).flatMap(latinWords).map((x) => `${spec.name}: ${x}`))
      }
      expect([...new Set(found)]).toEqual([])
      await context.close()
    })
})

describe('a stopped service', () => {
  /** What a refresh on each page is, and what it must keep shown when it fails. */
  const refreshes: Record<string, { role: Role; keep: string; act: ((page: Page) => Promise<unknown>) | null }> = {
    layers: { role: 'county', keep: '#layers-table', act: (page) => page.click('#layers-table tr[data-layer="survey3"] button') },
    map: {
      role: 'county',
      keep: '#layer-switches',
      act: (page) => page.evaluate(() => (window as any).lowlandMap.jumpTo({ zoom: (window as any).lowlandMap.getZoom() + 2 })),
    },
    projects: { role: 'county', keep: '#projects-table', act: (page) => page.click('#analyse-all') },
    project: { role: 'county', keep: '#numbers', act: (page) => page.click('#recompute') },
    sheet: { role: 'county', keep: '#sheet', act: null }, // nothing on the sheet asks the service again
    sheets: { role: 'county', keep: '#sheets', act: null },
    reviews: { role: 'county', keep: '#pending-reviews table', act: (page) => page.click('#overdue-only') },
    bundles: { role: 'province', keep: '#bundles-table', act: (page) => page.click('#main form.row button[type=submit]') },
    province: { role: 'province', keep: '#county-table table', act: (page) => page.click('#main form.row button[type=submit]') },
  }
  const saysUnreachable = (page: Page) =>
    page.waitForFunction(() => [...document.querySelectorAll('#main [role="alert"]')].some((a) => a.textContent?.includes('无法连接服务')), null, {
      timeout: 30_000,
    })

  it('says 无法连接服务 on every page, and a failed refresh or recompute keeps what the page showed', { timeout: 600_000 }, async () => {
    const sessions = {} as Record<'county' | 'province', { context: BrowserContext; page: Page }>
    for (const role of ['county', 'province'] as const) {
      sessions[role] = await signedIn(w, keys[role])
      await sessions[role].page.goto(`${w.baseUrl}/?county=371502#/layers`)
    }
    for (const spec of pages) {
      const { role, keep, act } = refreshes[spec.name]!
      const { context, page } = sessions[role as 'county' | 'province']
      await open(page, spec)
      if (!act) continue
      const before = await page.innerText(keep)
      await context.setOffline(true)
      await act(page)
      await saysUnreachable(page)
      expect(await page.innerText(keep), `${spec.name} keeps what it showed`).toBe(before)
      await context.setOffline(false)
    }
    // every page opened anew while the service is away (its module already fetched): the page says so
    for (const role of ['county', 'province'] as const) {
      const { context, page } = sessions[role]
      await context.setOffline(true)
      for (const spec of pages.filter((p) => refreshes[p.name]!.role === role)) {
        await page.evaluate((hash) => (location.hash = hash), spec.hash())
        await saysUnreachable(page)
      }
      await context.close()
    }
  })
})

describe('fit: a phone, a tablet, a desktop', () => {
  const viewports = [
    { label: '-1440', width: 1440, height: 900, scale: 0.75 },
    { label: '-390', width: 390, height: 844, scale: 1 },
  ]
  for (const vp of viewports)
    it(
      `at ${vp.width}×${vp.height}: no sideways page scroll, tables scroll in their box${vp.width < 720 ? ', the menu folds, the map is full width' : ''}`,
      {
        timeout: 600_000,
      },
      async () => {
        const viewport = { width: vp.width, height: vp.height }
        const signIn = await w.browser.newContext({ viewport, locale: 'zh-CN' })
        const first = await signIn.newPage()
        await first.goto(`${w.baseUrl}/`)
        await first.waitForSelector('#sign-in')
        await screenshot(first, `signin${vp.label}`, vp.scale)
        await signIn.close()

        const sessions = { county: await signedIn(w, keys.county, viewport), province: await signedIn(w, keys.province, viewport) }
        for (const spec of pages) {
          const { page } = spec.name === 'province' ? sessions.province : sessions.county
          await open(page, spec)
          const fit = await page.evaluate(() => ({
            page: document.documentElement.scrollWidth,
            view: window.innerWidth,
            boxes: [...document.querySelectorAll('.table-wrap')].map((b) => b.getBoundingClientRect().right),
          }))
          expect(fit.page, `${spec.name}: the page does not scroll sideways`).toBeLessThanOrEqual(fit.view)
          for (const right of fit.boxes) expect(right, `${spec.name}: a table's box ends inside the screen`).toBeLessThanOrEqual(fit.view)
          if (vp.width < 720) {
            expect(await page.isVisible('#menu'), spec.name).toBe(true)
            expect(await page.isVisible('#nav'), spec.name).toBe(false)
          } else expect(await page.isVisible('#menu')).toBe(false)
          if (spec.name === 'map' && vp.width < 720) {
            const width = await page.$eval('#map', (m) => m.getBoundingClientRect().width)
            expect(width, 'the map takes the screen’s width').toBeGreaterThanOrEqual(vp.width - 20)
          }
          await screenshot(page, `${spec.name}${vp.label}`, vp.scale)
        }
        if (vp.width < 720) {
          const { page } = sessions.county
          // the project list is wider than a phone: it scrolls inside its own box
          await open(
            page,
            pages.find((p) => p.name === 'projects')!,
          )
          const box = await page.$eval('#projects-table', (t) => {
            const wrap = t.parentElement!
            return { className: wrap.className, scroll: wrap.scrollWidth, client: wrap.clientWidth, overflow: getComputedStyle(wrap).overflowX }
          })
          expect(box).toMatchObject({ className: 'table-wrap', overflow: 'auto' })
          expect(box.scroll).toBeGreaterThan(box.client)
          // the menu opens, takes the user to a page, and folds again
          await page.click('#menu')
          expect(await page.getAttribute('#menu', 'aria-expanded')).toBe('true')
          expect(await page.isVisible('#nav a[href="#/reviews"]')).toBe(true)
          expect(await page.isVisible('#sign-out')).toBe(true)
          await screenshot(page, `menu${vp.label}`, vp.scale)
          await page.click('#nav a[href="#/reviews"]')
          await shown('#pending-reviews table')(page)
          expect(await page.getAttribute('#menu', 'aria-expanded')).toBe('false')
          expect(await page.isVisible('#nav')).toBe(false)
        }
        for (const s of Object.values(sessions)) await s.context.close()
      },
    )
})

describe('where a key starts', () => {
  it('a province key lands on 省级, a county key on its layers', async () => {
    const province = await signedIn(w, keys.province)
    await expect.poll(() => province.page.evaluate(() => location.hash.split('?')[0])).toBe('#/province')
    await province.page.waitForSelector('#county-table table')
    expect(await province.page.getAttribute('#nav a[href="#/province"]', 'aria-current')).toBe('page')
    await province.context.close()
    const county = await signedIn(w, keys.county)
    await expect.poll(() => county.page.evaluate(() => location.hash)).toBe('#/layers')
    await county.context.close()
  })
})
