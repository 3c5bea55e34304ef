// "每年初提取" (165号 四（二）) and "每年7月底前下达" (四（三）), issue 21: the province freezes a year's
// reward table; from then on the year's table is the extraction as stored, whatever changes in the
// data; a further extraction needs a reason and gets the next number. Stock areas by GeographicLib on
// proj4's inverse of the rectangles (test/helpers/gk.ts).
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chinaToday } from '../../src/domain/calendar.js'
import { buildTestApp, keyFor, resetData, transitionBody, withKey, type TestApp } from '../helpers/app.js'
import { gkArea, gkRect as R } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'

const COUNTY = '371502'
const CITY = '3715'

let t: TestApp & { dataDir: string }
let dir: string
let province: string
let admin: string
let county: string
let city: string
const ids: Record<string, number> = {}

const r2 = (x: number) => Math.round(x * 100) / 100
// project rectangles (m) are all second-survey construction land
const stockA = r2(gkArea(0, 0, 200, 150))
const stockB = r2(gkArea(600, 0, 800, 150))
const near = (actual: number, want: number, tol = 0.02) => expect(Math.abs(actual - want), `${actual} vs ${want}`).toBeLessThanOrEqual(tol)

const api = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, key: string, payload?: object) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: withKey(key), ...(payload ? { payload } : {}) })
const extract = (year: number, key = province, body?: object) => api('POST', `/province/rewards/${year}/extractions`, key, body)
const table = async (query: string) => {
  const res = await api('GET', `/province/rewards?${query}`, province)
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}
const row = (r: any) => r.counties.find((c: any) => c.county === COUNTY)

async function approvedProject(code: string, rect: [number, number, number, number], milestoneDate: string) {
  const created = await api('POST', '/projects', county, { code, srid: 4548, geometry: { type: 'Polygon', coordinates: [R(...rect)] } })
  expect(created.statusCode, created.body).toBe(201)
  const id = created.json().id as number
  const patch = { milestoneType: 'land-supply', milestoneDate, developmentMode: 'government-reserve', ownershipClear: true, seized: false, mortgaged: false }
  expect((await api('PATCH', `/projects/${id}`, county, patch)).statusCode).toBe(200)
  for (const [action, key] of [
    ['submit', county],
    ['check', city],
    ['approve', province],
  ] as const) {
    const res = await api('POST', `/projects/${id}/transitions`, key, transitionBody(action))
    expect(res.statusCode, `${code} ${action}: ${res.body}`).toBe(200)
  }
  ids[code] = id
}

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  province = await keyFor(t.knex, 'province')
  admin = await keyFor(t.knex, 'admin')
  county = await keyFor(t.knex, 'county', COUNTY)
  city = await keyFor(t.knex, 'city', CITY)
  const text = (name: string, length = 20) => ({ name, type: 'C' as const, length })
  const everywhere = [R(-100, -100, 1000, 1000)]
  const layers = [
    ['survey2', await shapefileZip(dir, 's2', { fields: [text('DLBM', 5)], features: [{ parts: everywhere, values: { DLBM: '201' } }] })],
    [
      'buildings',
      await shapefileZip(dir, 'b', {
        fields: [text('JZLX')],
        features: [R(10, 10, 190, 140), R(610, 10, 790, 140)].map((r) => ({ parts: [r], values: { JZLX: '厂房' } })),
      }),
    ],
    [
      'approved-unsupplied',
      await shapefileZip(dir, 'au', { fields: [text('PZWH', 40)], features: [{ parts: [R(5000, 5000, 5010, 5010)], values: { PZWH: 'X' } }] }),
    ],
    ['idle-land', await shapefileZip(dir, 'idle', { fields: [text('XZTDBH')], features: [{ parts: [R(6000, 6000, 6010, 6010)], values: { XZTDBH: 'X' } }] })],
    ['plan-zones', await shapefileZip(dir, 'plan', { fields: [text('SFYX', 2)], features: [{ parts: everywhere, values: { SFYX: 'Y' } }] })],
    ['plots', await shapefileZip(dir, 'plots', { fields: [text('TBBH')], features: [{ parts: everywhere, values: { TBBH: 'D1' } }] })],
  ] as const
  for (const [layer, file] of layers) expect((await importFile(t, county, { layer }, file)).status).toBe('succeeded')
  await approvedProject('X-2025-01', [0, 0, 200, 150], '2025-03-01')
  // 200 000 m² for 1 000 people: 200 m²/person → 1.1
  const stats = { population: 1000, urbanRuralConstructionLandM2: 200_000, populationSource: { kind: 'resident', year: 2025, publisher: '山东统计年鉴2026' } }
  expect((await api('PUT', `/counties/${COUNTY}/stats/2025`, province, stats)).statusCode).toBe(200)
}, 600_000)
afterAll(async () => {
  await t?.close()
  if (dir) await fs.rm(dir, { recursive: true, force: true })
})

describe('the issue deadline (每年7月底前下达)', () => {
  it('is 31 July of the next year, still in time on that day and passed the day after', async () => {
    const on = await table('year=2025&asOf=2026-07-31')
    expect(on).toMatchObject({ issueDeadline: '2026-07-31', asOf: '2026-07-31', deadlinePassed: false, source: 'live', extraction: null })
    expect((await table('year=2025&asOf=2026-08-01')).deadlinePassed).toBe(true)
    expect((await table('year=2025')).asOf).toBe(chinaToday())
  })
})

let frozen: any
describe('an extraction freezes the year’s table', () => {
  it('only a province key extracts (county, city, admin: 403); a year not over yet is refused (409)', async () => {
    for (const key of [county, city, admin]) expect((await extract(2025, key)).statusCode).toBe(403)
    const thisYear = Number(chinaToday().slice(0, 4))
    const early = await extract(thisYear)
    expect(early.statusCode, early.body).toBe(409)
    expect(early.json().detailZh).toBe(`${thisYear}年度尚未结束，自${thisYear + 1}-01-01起方可提取（每年初提取上一年度项目清单）`)
    expect(await t.knex('reward_extractions').count({ n: '*' }).first()).toEqual({ n: 0 })
  })

  it('stores the whole table with its date, who made it and what it was computed from', async () => {
    const live = await table('year=2025')
    const res = await extract(2025, province, {})
    expect(res.statusCode, res.body).toBe(201)
    frozen = res.json()
    expect(frozen).toMatchObject({
      number: 1,
      extractedOn: chinaToday(),
      reason: null,
      latest: true,
      schemaVersion: 1,
      afterDeadline: chinaToday() > '2026-07-31',
    })
    expect(frozen.extractedBy).toBe(province.slice(0, frozen.extractedBy.length))
    const { source: _s, extraction: _e, asOf: _a, deadlinePassed: _d, ...body } = live
    expect(frozen.report).toEqual(body)
    near(row(frozen.report).quota.m2, (stockA / 2) * 1.1)
    const project = await t.knex('projects').where({ id: ids['X-2025-01'] }).first('approved_result_id')
    const survey2 = await t.knex('datasets').where({ layer: 'survey2', xzqdm: COUNTY }).first('id', 'version')
    expect(frozen.inputs.projects).toEqual([
      expect.objectContaining({
        id: ids['X-2025-01'],
        code: 'X-2025-01',
        role: 'year',
        approvedResultId: project.approved_result_id,
        layers: expect.objectContaining({ survey2: { datasetId: survey2.id, version: survey2.version } }),
      }),
    ])
    expect(frozen.inputs.statistics).toEqual([
      expect.objectContaining({ county: COUNTY, year: 2025, population: 1000, urbanRuralConstructionLandM2: 200_000, landSource: 'given' }),
    ])
    const audit = await t.knex('audit_log').where({ action: 'rewards.extract', result: 'ok' }).first('object_id', 'detail')
    expect(audit).toMatchObject({ object_id: '2025/1', detail: { year: 2025, number: 1 } })
  })

  it('never changes when the data does: new statistics, a new approval and a finding change the live table only', async () => {
    expect((await api('PUT', `/counties/${COUNTY}/stats/2025`, province, { population: 500, urbanRuralConstructionLandM2: 200_000 })).statusCode).toBe(200)
    await approvedProject('X-2025-02', [600, 0, 800, 150], '2025-09-30')
    expect((await api('POST', `/projects/${ids['X-2025-01']}/findings`, province, { kind: 'fraud', year: 2025, note: '虚报' })).statusCode).toBe(201)

    const now = await table('year=2025')
    expect(now).toMatchObject({ source: 'frozen', extraction: { number: 1, latest: true } })
    expect(now.counties).toEqual(frozen.report.counties)
    expect(row(now).qualifyingProjects.map((p: any) => p.code)).toEqual(['X-2025-01'])

    const live = await table('year=2025&live=true')
    expect(live).toMatchObject({ source: 'live', extraction: { number: 1 } })
    const l = row(live)
    expect(l.qualifyingProjects.map((p: any) => p.code)).toEqual(['X-2025-01', 'X-2025-02'])
    expect(l).toMatchObject({ perCapitaM2: 400, coefficient: 0.9, honoursRevoked: 2025 })
    near(l.quota.m2, ((stockA + stockB) / 2) * 0.9)

    // the CSV of the frozen table is the extraction's, and its file says so
    const csv = await api('GET', '/province/rewards?year=2025&format=csv', province)
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="rewards_2025_extraction_1\.csv"/)
    const line = csv.rawPayload
      .subarray(3)
      .toString('utf8')
      .split('\r\n')
      .find((x) => x.startsWith(COUNTY))!
      .split(',')
    expect(line.slice(6, 10)).toEqual(['1000', '200000', '200', '1.1'])
    expect(line.at(-2)).toBe('常住人口（2025年，山东统计年鉴2026）')
  })

  it('a second extraction without a reason is refused (409); with one it is number 2 and the year’s table', async () => {
    const refused = await extract(2025) // no body at all
    expect(refused.statusCode).toBe(409)
    expect(refused.json().detailZh).toMatch(/^2025年度奖励指标表已于\d{4}-\d{2}-\d{2}提取（第1次），不可改动；如需重新提取，请说明理由/)
    expect((await extract(2025, province, { reason: '   ' })).statusCode).toBe(409)
    const second = await extract(2025, province, { reason: '补充X-2025-02项目并更正人口数据' })
    expect(second.statusCode, second.body).toBe(201)
    expect(second.json()).toMatchObject({ number: 2, reason: '补充X-2025-02项目并更正人口数据', latest: true })

    const now = await table('year=2025')
    expect(now).toMatchObject({ source: 'frozen', extraction: { number: 2 } })
    expect(row(now).qualifyingProjects.map((p: any) => p.code)).toEqual(['X-2025-01', 'X-2025-02'])
    const list = await api('GET', '/province/rewards/2025/extractions', admin)
    expect(list.json().map((e: any) => [e.number, e.latest])).toEqual([
      [2, true],
      [1, false],
    ])
    // the first is kept as it was
    const first = (await api('GET', '/province/rewards/2025/extractions/1', province)).json()
    expect(first).toMatchObject({ number: 1, latest: false })
    expect(first.report).toEqual(frozen.report)
    expect((await api('GET', '/province/rewards/2025/extractions/3', province)).statusCode).toBe(404)
    expect((await api('GET', '/province/rewards/2025/extractions', county)).statusCode).toBe(403)
  })

  it('a stored table this code cannot read is a conflict naming it, not a 500 or a recomputation', async () => {
    await t.knex('reward_extractions').where({ year: 2025, number: 1 }).update({ schema_version: 99 })
    const res = await api('GET', '/province/rewards/2025/extractions/1', province)
    expect(res.statusCode).toBe(409)
    expect(res.json().detailZh).toBe('2025年度第1次提取的奖励指标表为第99版格式，本服务无法读取（当前为第1版）')
    await t
      .knex('reward_extractions')
      .where({ year: 2025, number: 1 })
      .update({ schema_version: 1, report: t.knex.raw(`report - 'counties'`) })
    expect((await api('GET', '/province/rewards/2025/extractions/1', province)).statusCode).toBe(409)
  })
})
