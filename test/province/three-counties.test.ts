// The province run in small (issue 16): three counties, two of them in one city (聊城 3715) and one
// in another (潍坊 3707). A city key's and the province key's lists and totals are the sums of their
// counties' — nothing lost at the city or province level, nothing seen twice, nothing from another city.
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { gkRect } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'
import { countiesOfCity, countyCodes } from '../../src/domain/regions.js'

let t: TestApp & { dataDir: string }
let dir: string
const counties = { '371502': 4, '371521': 3, '370702': 2 } as Record<string, number>
const keys: Record<string, string> = {}

const get = async (url: string, key: string) => {
  const res = await t.app.inject({ method: 'GET', url, headers: withKey(key) })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}
const pullAll = async (key: string, query = '') => {
  const items: any[] = []
  let cursor: string | null = null
  for (;;) {
    const page = await get(`/api/v1/province/projects?limit=2${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, key)
    items.push(...page.items)
    if (!page.hasMore) return items
    cursor = page.nextCursor
  }
}
const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 100) / 100

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  keys.province = await keyFor(t.knex, 'province')
  keys.liaocheng = await keyFor(t.knex, 'city', '3715')
  keys.weifang = await keyFor(t.knex, 'city', '3707')
  let offset = 0
  for (const [county, n] of Object.entries(counties)) {
    keys[county] = await keyFor(t.knex, 'county', county)
    // Each county's own second-survey layer: construction land over 60 % of each project (a different share per county).
    const share = { '371502': 60, '371521': 40, '370702': 80 }[county]!
    const zip = await shapefileZip(dir, `s2-${county}`, {
      fields: [{ name: 'DLBM', type: 'C', length: 5 }],
      features: Array.from({ length: n }, (_, i) => ({ parts: [gkRect(offset + i * 200, 0, offset + i * 200 + share, 100)], values: { DLBM: '201' } })),
    })
    expect((await importFile(t, keys[county]!, { layer: 'survey2' }, zip)).status).toBe('succeeded')
    for (let i = 0; i < n; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/projects',
        headers: withKey(keys[county]!),
        payload: { code: `${county}-${i}`, srid: 4548, geometry: { type: 'Polygon', coordinates: [gkRect(offset + i * 200, 0, offset + i * 200 + 100, 100)] } },
      })
      expect(res.statusCode, res.body).toBe(201)
      expect((await t.app.inject({ method: 'POST', url: `/api/v1/projects/${res.json().id}/analysis`, headers: withKey(keys[county]!) })).statusCode).toBe(200)
    }
    offset += 5000
  }
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})

describe('three counties, two cities', () => {
  it('a county key lists its own projects only', async () => {
    for (const [county, n] of Object.entries(counties)) {
      const list = await get('/api/v1/projects?limit=100', keys[county]!)
      expect(list.total).toBe(n)
      expect(new Set(list.items.map((p: any) => p.county))).toEqual(new Set([county]))
      expect(list.items[0].countyName).toBeTruthy()
    }
  })

  it('a city key lists exactly the projects of its counties', async () => {
    const liaocheng = await get('/api/v1/projects?limit=100', keys.liaocheng!)
    expect(liaocheng.total).toBe(counties['371502']! + counties['371521']!)
    const own = [...(await get('/api/v1/projects?limit=100', keys['371502']!)).items, ...(await get('/api/v1/projects?limit=100', keys['371521']!)).items]
    expect(liaocheng.items.map((p: any) => p.id).sort()).toEqual(own.map((p: any) => p.id).sort())
    expect((await get('/api/v1/projects?limit=100', keys.weifang!)).total).toBe(counties['370702'])
  })

  it('the province key lists every project, and its pull sums to the counties’ own', async () => {
    expect((await get('/api/v1/projects?limit=100', keys.province!)).total).toBe(9)
    const all = await pullAll(keys.province!)
    expect(all).toHaveLength(9)
    // names from the region table, beside the codes
    expect(all.find((p) => p.county === '370702')).toMatchObject({ countyName: '潍城区', cityName: '潍坊市' })
    expect(all.find((p) => p.county === '371521')).toMatchObject({ countyName: '阳谷县', cityName: '聊城市' })
    expect(new Set(all.map((p) => p.id)).size).toBe(9)
    for (const county of Object.keys(counties)) {
      const own = await get('/api/v1/projects?limit=100', keys[county]!)
      const pulled = await pullAll(keys.province!, `&county=${county}`)
      expect(pulled.map((p) => p.id).sort()).toEqual(own.items.map((p: any) => p.id).sort())
      expect(sum(pulled.map((p) => p.stockArea.m2))).toBe(sum(own.items.map((p: any) => p.analysis.stockAreaM2)))
    }
    const byCity = await pullAll(keys.province!, '&city=3715')
    expect(sum(byCity.map((p) => p.stockArea.m2))).toBe(sum(all.filter((p) => p.city === '3715').map((p) => p.stockArea.m2)))
    expect(sum(all.map((p) => p.stockArea.m2))).toBe(sum([...byCity, ...(await pullAll(keys.province!, '&city=3707'))].map((p) => p.stockArea.m2)))
  })

  it('layers: a city key sees its counties’ layers, the province every county’s', async () => {
    const counted = (layers: any[]) =>
      layers
        .filter((l) => l.layer === 'survey2')
        .map((l) => l.county)
        .sort()
    expect(counted(await get('/api/v1/layers', keys.liaocheng!))).toEqual(['371502', '371521'])
    expect(counted(await get('/api/v1/layers', keys.province!))).toEqual(['370702', '371502', '371521'])
  })
})

describe('totals per county (/province/counties)', () => {
  const m2 = (xs: number[]) => Math.round(xs.reduce((a, b) => a + Math.round(b * 100), 0)) / 100

  it('lists every county of the region table, and reconciles with the pull to the cent', async () => {
    const s = await get('/api/v1/province/counties', keys.province!)
    expect(s.counties).toHaveLength(countyCodes.length)
    expect(s.counties.map((c: any) => c.county)).toEqual([...countyCodes].sort())
    const all = await pullAll(keys.province!)
    for (const [county, n] of Object.entries(counties)) {
      const row = s.counties.find((c: any) => c.county === county)
      const pulled = all.filter((p) => p.county === county)
      expect(row).toMatchObject({ projects: n, analysed: n, byStatus: { draft: n } })
      expect(row.area.m2).toBe(m2(pulled.map((p) => p.area.m2)))
      expect(row.stockArea.m2).toBe(m2(pulled.map((p) => p.stockArea.m2)))
      expect(row.stockArea.m2).toBeGreaterThan(0)
      expect(row.eligibleStockArea.m2).toBe(m2(pulled.filter((p) => p.eligible === true).map((p) => p.stockArea.m2)))
    }
    expect(s.counties.find((c: any) => c.county === '370102')).toMatchObject({ countyName: '历下区', projects: 0, area: { m2: 0, mu: 0 } })
    expect(s.total.projects).toBe(9)
    expect(s.total.stockArea.m2).toBe(m2(s.counties.map((c: any) => c.stockArea.m2)))
    expect(s.total.area.m2).toBe(m2(all.map((p) => p.area.m2)))
  })

  it('a city key gets exactly its counties, with the province’s numbers; a county key none', async () => {
    const province = await get('/api/v1/province/counties', keys.province!)
    const city = await get('/api/v1/province/counties', keys.liaocheng!)
    expect(city.counties.map((c: any) => c.county)).toEqual(countiesOfCity('3715').sort())
    for (const c of city.counties) expect(c).toEqual(province.counties.find((p: any) => p.county === c.county))
    expect(city.total.projects).toBe(counties['371502']! + counties['371521']!)
    expect(city.total.stockArea.m2).toBe(m2(city.counties.map((c: any) => c.stockArea.m2)))
    // the same numbers through the province key's city filter
    expect((await get('/api/v1/province/counties?city=3715', keys.province!)).total).toEqual(city.total)
    const denied = await t.app.inject({ method: 'GET', url: '/api/v1/province/counties', headers: withKey(keys['371502']!) })
    expect(denied.statusCode).toBe(403)
    expect(denied.headers['content-type']).toMatch(/problem\+json/)
  })

  it('filters by reward year and gives a CSV with a total row', async () => {
    expect((await get('/api/v1/province/counties?year=2025', keys.province!)).total.projects).toBe(0) // no milestone recorded
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/province/counties?format=csv&city=3707', headers: withKey(keys.province!) })
    expect(res.statusCode).toBe(200)
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/)
    expect(lines[0]).toMatch(/^县（市、区）代码,县（市、区）,设区市,项目数,/)
    expect(lines).toHaveLength(1 + countiesOfCity('3707').length + 1)
    expect(lines.find((l) => l.startsWith('370702,'))).toMatch(/^370702,潍城区,潍坊市,2,/)
    expect(lines.at(-1)).toMatch(/^合计,,,2,/)
  })
})
