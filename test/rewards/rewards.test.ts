// Reward quotas end to end: hand-made layers in EPSG:4548 whose areas are known independently
// (GeographicLib on proj4's inverse of the corners), projects moved through review to province
// approval, county statistics, fraud findings, and the province's table in JSON and CSV.
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, transitionBody, withKey, type TestApp } from '../helpers/app.js'
import { gkArea, gkRect } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'

const R = gkRect
const MU = 10000 / 15

let t: TestApp & { dataDir: string }
let dir: string
let province: string
let admin: string
const countyKeys: Record<string, string> = {}
const cityKeys: Record<string, string> = {}
const ids: Record<string, number> = {}

// Counties: A 东昌府区 (1.1 in 2025, 1.0 in 2024), B 阳谷县 (exactly 300 → 0.9: 以上 includes 300), C just above 200,
// D just above 300, E with a qualifying project but no statistics, F for the computed land area,
// Q a Qingdao county (outside the provincial scheme).
const A = '371502'
const B = '371521'
const C = '371522'
const D = '371524'
const E = '371525'
const F = '371526'
const Q = '370211'

// Project rectangles (m, relative to the helper's origin) and the second-survey construction land in them.
const rects = {
  big: [0, 0, 200, 150] as const, // 45 mu; construction 0–150 × 0–150
  small: [300, 0, 380, 80] as const, // 9.6 mu: under 15 mu
  // 22.5 mu; construction 400–500 (built before 2010: 67 %); 退二进三 with 6 000 m² of changed floor area at a new
  // plot ratio of 1: stock 6 000 m², 40 % < 50 % (until issue 21 its construction land was 33 %, which only the old
  // 1 % reading of 2009年底之前已经建设 let in)
  band: [400, 0, 550, 100] as const,
  old: [600, 0, 800, 150] as const, // 45 mu, all construction
}
// Stock areas as the analysis stores them (m² to 2 decimals), computed independently.
const r2 = (x: number) => Math.round(x * 100) / 100
const stockBig = r2(gkArea(0, 0, 150, 150))
const stockOld = r2(gkArea(600, 0, 800, 150))

const near = (actual: number, want: number, tol = 0.02) => expect(Math.abs(actual - want), `${actual} vs ${want}`).toBeLessThanOrEqual(tol)

const api = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, key: string, payload?: object) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: withKey(key), ...(payload ? { payload } : {}) })

async function layers() {
  const text = (name: string, length = 20) => ({ name, type: 'C' as const, length })
  const zip = (name: string, fields: Parameters<typeof shapefileZip>[2]['fields'], features: Parameters<typeof shapefileZip>[2]['features']) =>
    shapefileZip(dir, name, { fields, features })
  return [
    [
      'survey2',
      await zip(
        's2',
        [text('DLBM', 5)],
        [R(0, 0, 150, 150), R(300, 0, 380, 80), R(400, 0, 500, 100), R(600, 0, 800, 150)].map((r) => ({ parts: [r], values: { DLBM: '201' } })),
      ),
    ],
    [
      'buildings',
      await zip(
        'b',
        [text('JZLX')],
        [R(10, 10, 110, 110), R(300, 0, 380, 40), R(400, 0, 500, 100), R(610, 10, 760, 110)].map((r) => ({ parts: [r], values: { JZLX: '厂房' } })),
      ),
    ],
    ['approved-unsupplied', await zip('au', [text('PZWH', 40)], [{ parts: [R(5000, 5000, 5010, 5010)], values: { PZWH: 'X' } }])],
    ['idle-land', await zip('idle', [text('XZTDBH')], [{ parts: [R(6000, 6000, 6010, 6010)], values: { XZTDBH: 'XZ1' } }])],
    ['plan-zones', await zip('plan', [text('SFYX', 2)], [{ parts: [R(-100, -100, 1000, 1000)], values: { SFYX: 'Y' } }])],
    // the projects lie on the county's database plots (聊城 一)
    ['plots', await zip('plots', [text('TBBH')], [{ parts: [R(-100, -100, 1000, 1000)], values: { TBBH: 'DX001' } }])],
  ] as const
}

/** A project created by its county, given the attributes the rules need, moved to province approval. */
async function approvedProject(county: string, code: string, rect: readonly [number, number, number, number], milestoneDate: string, more: object = {}) {
  const key = countyKeys[county]!
  const created = await api('POST', '/projects', key, { code, srid: 4548, geometry: { type: 'Polygon', coordinates: [R(...rect)] } })
  expect(created.statusCode, created.body).toBe(201)
  const id = created.json().id as number
  const patched = await api('PATCH', `/projects/${id}`, key, {
    milestoneType: 'land-supply',
    milestoneDate,
    developmentMode: 'government-reserve',
    ownershipClear: true,
    seized: false,
    mortgaged: false,
    ...more,
  })
  expect(patched.statusCode, patched.body).toBe(200)
  for (const [action, k] of [
    ['submit', key],
    ['check', cityKeys[county.slice(0, 4)]!],
    ['approve', province],
  ] as const) {
    const res = await api('POST', `/projects/${id}/transitions`, k, transitionBody(action))
    expect(res.statusCode, `${code} ${action}: ${res.body}`).toBe(200)
  }
  ids[code] = id
  return id
}

const putStats = (county: string, year: number, body: object, key = province) => api('PUT', `/counties/${county}/stats/${year}`, key, body)
const report = async (year: number, key = province) => {
  const res = await api('GET', `/province/rewards?year=${year}`, key)
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}
const row = (r: any, county: string) => r.counties.find((c: any) => c.county === county)

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  province = await keyFor(t.knex, 'province')
  admin = await keyFor(t.knex, 'admin')
  for (const c of [A, B, C, D, E, F, Q]) countyKeys[c] = await keyFor(t.knex, 'county', c)
  for (const c of ['3715', '3702']) cityKeys[c] = await keyFor(t.knex, 'city', c)
  const files = await layers()
  for (const county of [A, B, E, Q]) {
    for (const [layer, file] of files) {
      const job = await importFile(t, countyKeys[county]!, { layer }, file)
      expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
    }
  }
  // its evidence recorded (165号 三（一）: 供地时间 and 电子监管号 from the monitoring system); the others have none
  await approvedProject(A, 'A-2025-01', rects.big, '2025-01-01', {
    milestoneEvidence: { landSupply: { date: '2025-01-01', supervisionNumber: '3715022025B00001', areaM2: 30000 } },
  })
  await approvedProject(A, 'A-2025-02', rects.small, '2025-06-30')
  await approvedProject(A, 'A-2025-03', rects.band, '2025-12-31', {
    originalUse: 'industrial',
    newUse: 'commercial',
    changedUseFloorArea: 6000,
    newPlotRatio: 1,
  })
  await approvedProject(A, 'A-2024-01', rects.old, '2024-12-31')
  await approvedProject(B, 'B-2025-01', rects.big, '2025-12-31')
  await approvedProject(B, 'B-2023-01', rects.old, '2023-05-01')
  await approvedProject(E, 'E-2025-01', rects.big, '2025-03-01')
  await approvedProject(Q, 'Q-2025-01', rects.big, '2025-03-01')

  // Per capita: A 200 000 / 1 000 = 200 exactly; B 300 exactly; C 200.01; D 300.01.
  for (const [county, year, land] of [
    [A, 2025, 200_000],
    [A, 2024, 250_000],
    [B, 2025, 300_000],
    [C, 2025, 200_010],
    [D, 2025, 300_010],
    [Q, 2025, 100_000],
  ] as const) {
    const res = await putStats(county, year, { population: 1000, urbanRuralConstructionLandM2: land })
    expect(res.statusCode, res.body).toBe(200)
  }
  // Fraud found in 2025: on A-2025-01 (twice: one deduction), A-2024-01, A-2025-02 (never qualified), B-2023-01 (no 2023 statistics).
  for (const code of ['A-2025-01', 'A-2025-01', 'A-2024-01', 'A-2025-02', 'B-2023-01']) {
    const res = await api('POST', `/projects/${ids[code]}/findings`, province, { kind: 'fraud', year: 2025, note: `专项检查查实 ${code} 虚报` })
    expect(res.statusCode, res.body).toBe(201)
  }
  // Completed in 2025 but only submitted: listed as excluded, not counted.
  const pending = (
    await api('POST', '/projects', countyKeys[A]!, { code: 'A-2025-04', srid: 4548, geometry: { type: 'Polygon', coordinates: [R(...rects.old)] } })
  ).json().id
  expect(
    (
      await api('PATCH', `/projects/${pending}`, countyKeys[A]!, {
        milestoneType: 'land-supply',
        milestoneDate: '2025-05-01',
        developmentMode: 'government-reserve',
      })
    ).statusCode,
  ).toBe(200)
  expect((await api('POST', `/projects/${pending}/transitions`, countyKeys[A]!, { action: 'submit' })).statusCode).toBe(200)
  // A draft found fraudulent in 2025 and then deleted: the finding stays, the project never earned anything.
  const draft = (
    await api('POST', '/projects', countyKeys[A]!, { code: 'A-DRAFT', srid: 4548, geometry: { type: 'Polygon', coordinates: [R(...rects.big)] } })
  ).json().id
  expect((await api('POST', `/projects/${draft}/findings`, province, { kind: 'fraud', year: 2025, note: '虚报' })).statusCode).toBe(201)
  expect((await api('DELETE', `/projects/${draft}`, countyKeys[A]!)).statusCode).toBe(204)
}, 600_000)
afterAll(async () => {
  await t?.close()
  if (dir) await fs.rm(dir, { recursive: true, force: true })
})

describe('the province-approved projects the quota counts', () => {
  it('each pinned analysis says what the layers were built to give', async () => {
    const res = await api('GET', `/projects/${ids['A-2025-01']}/analysis`, countyKeys[A]!)
    near(res.json().stockArea.m2, stockBig)
    const stored = await t
      .knex('projects')
      .join('analysis_results', 'analysis_results.id', 'projects.approved_result_id')
      .where('projects.id', ids['A-2025-01'])
      .first('projects.status', 'analysis_results.eligible')
    expect(stored).toEqual({ status: 'province-approved', eligible: true })
  })
})

describe('不计入奖励, not 不符合入库条件 (165号 二 and 三)', () => {
  const analysisOf = async (code: string) => (await api('GET', `/projects/${ids[code]}/analysis`, countyKeys[A]!)).json()
  it('a 9.6 亩 project and a 22.5 亩 one with 40 % stock meet the entry conditions and are not counted; a 45 亩 one is both', async () => {
    expect(await analysisOf('A-2025-02')).toMatchObject({ eligible: true, verdictZh: '符合', rewardCounted: false, rewardVerdictZh: '不计入奖励' })
    expect(await analysisOf('A-2025-03')).toMatchObject({ eligible: true, rewardCounted: false, rewardVerdictZh: '不计入奖励' })
    expect(await analysisOf('A-2025-01')).toMatchObject({ eligible: true, rewardCounted: true, rewardVerdictZh: '计入奖励' })
  })
  it('the project list, the OGC projects collection and the province’s CSV say so', async () => {
    const list = (await api('GET', `/projects?county=${A}&limit=100`, countyKeys[A]!)).json()
    const byCode = Object.fromEntries(list.items.map((p: any) => [p.code, p.analysis]))
    expect(byCode['A-2025-02']).toMatchObject({ eligible: true, rewardCounted: false })
    expect(byCode['A-2025-01']).toMatchObject({ eligible: true, rewardCounted: true })
    const ogc = await t.app.inject({ url: `/ogc/collections/projects/items/${ids['A-2025-02']}`, headers: { 'x-api-key': countyKeys[A]! } })
    expect(ogc.statusCode, ogc.body).toBe(200)
    expect(ogc.json().properties).toMatchObject({ eligible: true, rewardCounted: false })
    const csv = (await api('GET', `/province/projects?format=csv&county=${A}`, province)).rawPayload.subarray(3).toString('utf8').split('\r\n')
    const header = csv[0]!.split(',')
    const [entry, counted] = [header.indexOf('是否符合入库条件'), header.indexOf('是否计入奖励')]
    expect(counted).toBe(entry + 1)
    const small = csv.find((l) => l.startsWith('A-2025-02,'))!.split(',')
    expect([small[entry], small[counted]]).toEqual(['是', '否'])
    const big = csv.find((l) => l.startsWith('A-2025-01,'))!.split(',')
    expect([big[entry], big[counted]]).toEqual(['是', '是'])
  })
})

describe('county statistics', () => {
  it('reports per-capita land and the coefficient at exactly 200 and 300 and just above', async () => {
    const got = async (county: string) => (await api('GET', `/counties/${county}/stats/2025`, province)).json()
    expect(await got(A)).toMatchObject({
      population: 1000,
      urbanRuralConstructionLandM2: 200000,
      landSource: 'given',
      landDetail: null,
      perCapitaM2: 200,
      coefficient: 1.1,
    })
    expect(await got(B)).toMatchObject({ perCapitaM2: 300, coefficient: 0.9 })
    expect(await got(C)).toMatchObject({ perCapitaM2: 200.01, coefficient: 1.0 })
    expect(await got(D)).toMatchObject({ perCapitaM2: 300.01, coefficient: 0.9 })
  })

  it('computes the land from the third-survey layer: construction patches inside 城镇村, by TBMJ where present, else the ellipsoidal area', async () => {
    const n = (name: string) => ({ name, type: 'N' as const, length: 15, decimals: 2 })
    const patch = (r: number[][], DLBM: string, CZCSXM: string | null, TBMJ: number | null) => ({ parts: [r], values: { DLBM, CZCSXM, TBMJ } })
    const zip = await shapefileZip(dir, 's3', {
      fields: [{ name: 'DLBM', type: 'C', length: 5 }, { name: 'CZCSXM', type: 'C', length: 4 }, n('TBMJ')],
      features: [
        patch(R(0, 0, 100, 100), '0601', '201', 10000.5),
        patch(R(100, 0, 200, 100), '0702', '203A', null), // 农村宅基地, no TBMJ: measured
        patch(R(0, 100, 50, 150), '1109', '202', 2500.25), // 水工建筑用地: construction although 11xx
        patch(R(50, 100, 60, 150), '1201', '203', 500), // 空闲地: construction
        patch(R(200, 0, 300, 100), '0602', '204', 10000), // 采矿用地: inside 城乡建设用地 (TD/T 1024 class 213 of 21)
        patch(R(300, 0, 350, 100), '0601', null, 5000),
        patch(R(350, 0, 360, 100), '0810A', '201', 1000), // 广场用地 (三调 0810A)
        patch(R(360, 0, 370, 100), '0803', '202', 1000), // 医疗卫生用地 (GB/T 21010-2017, not the 三调 merged 08H2)
        patch(R(370, 0, 380, 100), '09', '205', 1000), // 特殊用地 (CZCSXM 205): 其他建设用地, not 城乡建设用地
        // inside the 城镇村 range but not construction land: 旱地, 乔木林地, 坑塘水面, 农村道路, 设施农用地
        patch(R(0, 200, 100, 300), '0103', '203', 10000),
        patch(R(100, 200, 200, 300), '0301', '201', 10000),
        patch(R(200, 200, 300, 300), '1104', '202', 10000),
        patch(R(300, 200, 310, 300), '1006', '203', 1000),
        patch(R(310, 200, 320, 300), '1202', '203', null),
      ],
    })
    expect((await importFile(t, countyKeys[F]!, { layer: 'survey3' }, zip)).status).toBe('succeeded')
    const res = await putStats(F, 2025, { population: 100 }, countyKeys[F]!)
    expect(res.statusCode, res.body).toBe(200)
    const s = res.json()
    const measured = gkArea(100, 0, 200, 100)
    const land = 10000.5 + 2500.25 + 500 + 10000 + 1000 + 1000 + measured
    near(s.urbanRuralConstructionLandM2, land)
    expect(s.landSource).toBe('computed')
    expect(s.landDetail).toMatchObject({
      layer: { version: 1 },
      patches: 7,
      fromTbmj: { patches: 6, m2: 25000.75 },
      fromGeometry: { patches: 1 },
      withoutArea: 0,
    })
    expect(s.landDetail.excluded.patches).toBe(5)
    near(s.landDetail.excluded.m2, 31000 + gkArea(310, 200, 320, 300))
    near(s.landDetail.fromGeometry.m2, measured)
    near(s.perCapitaM2, land / 100, 0.001)
    expect(s.coefficient).toBe(0.9) // about 35 000 m² for 100 people: 350 m² each
  })

  it('refuses to compute without a third-survey layer (409) and keeps a given area as given', async () => {
    const res = await putStats(C, 2024, { population: 1000 })
    expect(res.statusCode).toBe(409)
    expect(res.json().detail).toMatch(/no third-survey/)
    expect(res.json().detailZh).toMatch(/三调/)
  })

  it('lets a county write its own county only, province and admin any, city keys none; audits the write', async () => {
    expect((await putStats(A, 2023, { population: 10, urbanRuralConstructionLandM2: 1 }, countyKeys[B]!)).statusCode).toBe(403)
    expect((await putStats(A, 2023, { population: 10, urbanRuralConstructionLandM2: 1 }, cityKeys['3715']!)).statusCode).toBe(403)
    expect((await putStats(A, 2023, { population: 10, urbanRuralConstructionLandM2: 1 }, countyKeys[A]!)).statusCode).toBe(200)
    expect((await putStats(A, 2023, { population: 20, urbanRuralConstructionLandM2: 1 }, admin)).json()).toMatchObject({ population: 20 })
    expect((await putStats(A, 2023, { population: 0, urbanRuralConstructionLandM2: 1 })).statusCode).toBe(400)
    expect((await putStats(A, 2023, { population: 1.5, urbanRuralConstructionLandM2: 1 })).statusCode).toBe(400)
    expect((await putStats(A, 2023, { population: 10, urbanRuralConstructionLandM2: -1 })).statusCode).toBe(400)
    const audit = await t
      .knex('audit_log')
      .where({ action: 'county-stats.put', object_id: `${A}/2023` })
      .select('result')
    expect(audit).toHaveLength(2)
    expect(await t.knex('audit_log').where({ result: 'denied' }).whereLike('action', 'PUT /api/v1/counties%').count({ n: '*' }).first()).toEqual({ n: 2 })
  })

  it('is readable by keys whose region covers the county, 404 otherwise', async () => {
    expect((await api('GET', `/counties/${A}/stats/2025`, cityKeys['3715']!)).statusCode).toBe(200)
    expect((await api('GET', `/counties/${A}/stats/2025`, countyKeys[A]!)).statusCode).toBe(200)
    expect((await api('GET', `/counties/${A}/stats/2025`, countyKeys[B]!)).statusCode).toBe(404)
    expect((await api('GET', `/counties/${A}/stats/2019`, province)).statusCode).toBe(404)
  })
})

describe('fraud findings', () => {
  it('are recorded by province keys only', async () => {
    const body = { kind: 'fraud', year: 2025, note: '虚报' }
    for (const key of [countyKeys[A]!, cityKeys['3715']!, admin])
      expect((await api('POST', `/projects/${ids['A-2025-01']}/findings`, key, body)).statusCode).toBe(403)
    expect((await api('POST', `/projects/${ids['A-2025-01']}/findings`, province, { ...body, note: '' })).statusCode).toBe(400)
    expect((await api('POST', `/projects/${ids['A-2025-01']}/findings`, province, { ...body, note: '   ' })).statusCode).toBe(400)
    expect((await api('POST', `/projects/${ids['A-2025-01']}/findings`, province, { ...body, kind: 'error' })).statusCode).toBe(400)
    expect((await api('POST', '/projects/999999/findings', province, body)).statusCode).toBe(404)
  })

  it('are listed on the project for keys that see it, and audited', async () => {
    const list = (await api('GET', `/projects/${ids['A-2025-01']}/findings`, countyKeys[A]!)).json()
    expect(list).toHaveLength(2)
    // 165号 五: found in 2025 → off the next year's plan, i.e. the table issued in 2026 for 2025; 评优评先 lost for 2025
    expect(list[0]).toMatchObject({
      projectCode: 'A-2025-01',
      county: A,
      kind: 'fraud',
      year: 2025,
      deductedInRewardsOf: 2025,
      tableIssuedIn: 2026,
      honoursRevokedFor: 2025,
    })
    expect((await api('GET', `/projects/${ids['A-2025-01']}/findings`, countyKeys[B]!)).statusCode).toBe(404)
    expect(await t.knex('audit_log').where({ action: 'finding.create', result: 'ok' }).count({ n: '*' }).first()).toEqual({ n: 6 })
  })
})

describe('reward quotas for 2025', () => {
  let r: any
  beforeAll(async () => {
    r = await report(2025)
  })

  it('lists every county with qualifying projects, statistics or a deduction, by code', () => {
    expect(r.counties.map((c: any) => c.county)).toEqual([Q, A, B, C, D, E, F])
  })

  it('A (per capita exactly 200 → 1.1): Σ stock ÷ 2 × 1.1; the area rules exclude two projects by name', () => {
    const a = row(r, A)
    expect(a.qualifyingProjects.map((p: any) => p.code)).toEqual(['A-2025-01'])
    expect(a.excludedProjects.map((p: any) => [p.code, p.exclusion, p.failedChecks])).toEqual([
      ['A-2025-02', 'area-rule', ['min-area']],
      ['A-2025-03', 'area-rule', ['stock-half-15-30']],
      ['A-2025-04', 'not-province-approved', []],
    ])
    near(a.stockArea.m2, stockBig)
    expect(a.stockArea.mu).toBeCloseTo(stockBig / MU, 3)
    expect(a).toMatchObject({ population: 1000, urbanRuralConstructionLandM2: 200000, perCapitaM2: 200, coefficient: 1.1 })
    const quota = (stockBig / 2) * 1.1
    near(a.quota.m2, quota)
    expect(a.quota.mu).toBeCloseTo(quota / MU, 3)
    expect(a.quota.ha).toBeCloseTo(quota / 10000, 4)
    // the 2025 findings come off this table (see 'fraud deductions')
    near(a.netQuota.m2, quota - (stockBig * 1.1 + stockOld))
  })

  it('a qualifying project counts by its milestone date; missing evidence is said and marked for review, not excluded', () => {
    const [a] = row(r, A).qualifyingProjects
    expect(a).toMatchObject({ code: 'A-2025-01', milestoneType: 'land-supply', evidence: { complete: true, needsReview: false, noteZh: '证明材料已录入' } })
    const [b] = row(r, B).qualifyingProjects
    expect(b).toMatchObject({ code: 'B-2025-01', milestoneType: 'land-supply', evidence: { complete: false, needsReview: true } })
    expect(b.evidence.noteZh).toBe('证明材料未录入：土地供应供地时间（部监测监管系统）、土地供应电子监管号，需人工复核')
    expect(row(r, B).notes.map((n: any) => n.zh)).toContain('完成节点证明材料未录入或与完成日期不一致（按完成日期计入，需人工复核）：B-2025-01')
    expect(
      row(r, A)
        .notes.map((n: any) => n.zh)
        .join(),
    ).not.toMatch(/证明材料/)
  })

  it('B (per capita exactly 300 → 0.9), C just above 200 (1.0), D just above 300 (0.9)', () => {
    const b = row(r, B)
    expect(b.qualifyingProjects.map((p: any) => p.code)).toEqual(['B-2025-01'])
    expect(b.coefficient).toBe(0.9)
    near(b.quota.m2, (stockBig / 2) * 0.9)
    expect(row(r, C)).toMatchObject({ perCapitaM2: 200.01, coefficient: 1.0, quota: { m2: 0 }, netQuota: { m2: 0 } })
    expect(row(r, D)).toMatchObject({ perCapitaM2: 300.01, coefficient: 0.9, quota: { m2: 0 } })
  })

  it('a county with qualifying projects but no statistics gets no coefficient or quota, and says why', () => {
    const e = row(r, E)
    expect(e.qualifyingProjects.map((p: any) => p.code)).toEqual(['E-2025-01'])
    expect(e).toMatchObject({ population: null, perCapitaM2: null, coefficient: null, quota: null, netQuota: null })
    expect(e.notes.map((n: any) => n.zh).join()).toMatch(/缺少2025年度人口和城乡建设用地统计数据/)
  })

  it('Qingdao counties are listed outside the scheme, without a quota', () => {
    const q = row(r, Q)
    expect(q).toMatchObject({ outsideScheme: true, coefficient: null, quota: null, netQuota: null })
    expect(q.qualifyingProjects.map((p: any) => p.code)).toEqual(['Q-2025-01'])
    expect(q.notes.map((n: any) => n.zh)).toEqual(['青岛市所辖县（市、区）不计入奖励范围'])
    expect(r.counties.filter((c: any) => c.outsideScheme).map((c: any) => c.county)).toEqual([Q])
  })

  it('only province and admin keys may read it', async () => {
    expect((await api('GET', '/province/rewards?year=2025', countyKeys[A]!)).statusCode).toBe(403)
    expect((await api('GET', '/province/rewards?year=2025', cityKeys['3715']!)).statusCode).toBe(403)
    expect(await report(2025, admin)).toEqual(r)
  })
})

describe('fraud deductions (165号 五: the table of the finding’s year, issued the next year)', () => {
  it('2024: the project completed on 31 December 2024 counts there, at 2024’s coefficient; no finding was made in 2024', async () => {
    const a = row(await report(2024), A)
    expect(a.qualifyingProjects.map((p: any) => p.code)).toEqual(['A-2024-01'])
    expect(a.coefficient).toBe(1.0)
    near(a.quota.m2, stockOld / 2)
    expect(a.deductions).toEqual({ total: { m2: 0, mu: 0, ha: 0 }, items: [] })
    expect(a.honoursRevoked).toBeNull()
  })

  it('2025: findings made in 2025 take twice the quota each project earned off 2025’s table (once per project); a never-qualified project earned 0', async () => {
    const r = await report(2025)
    expect(r.rules).toMatchObject({ deductionsFromFindingsOf: 2025, issuedIn: 2026 })
    const a = row(r, A)
    const items = Object.fromEntries(a.deductions.items.map((d: any) => [d.projectCode, d]))
    expect(Object.keys(items).sort()).toEqual(['A-2024-01', 'A-2025-01', 'A-2025-02', 'A-DRAFT'])
    expect(items['A-DRAFT']).toMatchObject({ projectId: null, earnedQuotaM2: 0, deductionM2: 0 })
    expect(items['A-2025-01'].findingIds).toHaveLength(2)
    expect(items['A-2025-01'].rewardYear).toBe(2025)
    near(items['A-2025-01'].earnedQuotaM2, (stockBig / 2) * 1.1)
    near(items['A-2025-01'].deductionM2, stockBig * 1.1)
    expect(items['A-2024-01'].rewardYear).toBe(2024)
    near(items['A-2024-01'].deductionM2, stockOld * 1.0)
    expect(items['A-2025-02']).toMatchObject({ earnedQuotaM2: 0, deductionM2: 0 })
    const total = stockBig * 1.1 + stockOld
    near(a.deductions.total.m2, total)
    // 2025's quota is A-2025-01's alone; the deductions exceed it, the rest comes off the plan
    near(a.netQuota.m2, (stockBig / 2) * 1.1 - total)
    expect(a.notes.map((n: any) => n.zh).join()).toMatch(/超出部分从新增建设用地计划指标中扣减/)
  })

  it('2025: the counties with a finding made in 2025 lose their 评优评先 for 2025, the others do not', async () => {
    const r = await report(2025)
    expect(r.counties.filter((c: any) => c.honoursRevoked !== null).map((c: any) => [c.county, c.honoursRevoked])).toEqual([
      [A, 2025],
      [B, 2025],
    ])
    expect(
      row(r, A)
        .notes.map((n: any) => n.zh)
        .join(),
    ).toMatch(/取消该县2025年度各类评优评先资格/)
    expect(
      row(r, C)
        .notes.map((n: any) => n.zh)
        .join(),
    ).not.toMatch(/评优评先/)
  })

  it('2025: a deduction whose reward year has no statistics is unknown, and so is the net quota', async () => {
    const b = row(await report(2025), B)
    expect(b.deductions.total).toBeNull()
    expect(b.deductions.items).toEqual([expect.objectContaining({ projectCode: 'B-2023-01', rewardYear: 2023, earnedQuotaM2: null, deductionM2: null })])
    expect(b.netQuota).toBeNull()
    expect(b.notes.map((n: any) => n.zh).join()).toMatch(/缺少该县2023年度统计数据/)
  })

  it('2026: the 2025 findings are not taken a second time, a year late', async () => {
    const r = await report(2026)
    expect(r.rules).toMatchObject({ deductionsFromFindingsOf: 2026 })
    expect(r.counties.flatMap((c: any) => c.deductions.items)).toEqual([])
    expect(r.counties.filter((c: any) => c.honoursRevoked !== null)).toEqual([])
  })
})

describe('CSV', () => {
  it('opens with a BOM and the Chinese headers, one row per county, byte-identical on a second call', async () => {
    const res = await api('GET', '/province/rewards?year=2025&format=csv', province)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="rewards_2025\.csv"/)
    const bytes = res.rawPayload
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const lines = bytes.subarray(3).toString('utf8').split('\r\n')
    expect(lines[0]!.split(',')).toEqual([
      '县（市、区）代码',
      '县（市、区）',
      '设区市',
      '合格项目数',
      '盘活存量面积（平方米）',
      '盘活存量面积（亩）',
      '人口',
      '城乡建设用地面积（平方米）',
      '人均城乡建设用地（平方米/人）',
      '调整系数',
      '奖励指标（平方米）',
      '奖励指标（亩）',
      '奖励指标（公顷）',
      '扣减（平方米）',
      '净奖励指标（平方米）',
      '说明',
      '合格项目',
      '不计入项目',
      '重复用地扣减（平方米）',
      '重复用地扣减明细',
      '取消评优评先资格年度',
      '人口口径及来源',
      '城乡建设用地计算图层',
    ])
    const a = lines.find((l) => l.startsWith(A))!.split(',')
    expect([a[0], a[3]]).toEqual([A, '1'])
    // the county's and city's names from the region table
    expect(a[1]!.length).toBeGreaterThan(1)
    expect(a[2]).toMatch(/市$/)
    near(Number(a[4]), stockBig)
    expect(a.slice(6, 10)).toEqual(['1000', '200000', '200', '1.1'])
    near(Number(a[10]), (stockBig / 2) * 1.1)
    expect(a[16]).toBe('A-2025-01')
    expect(a[17]).toMatch(/A-2025-02（单个项目面积不足15亩，不计入奖励）/)
    // no population source recorded for A; its land was given, not computed on a survey version
    expect(a.slice(18)).toEqual(['0', '', '2025', '', ''])
    expect(lines.find((l) => l.startsWith(Q))).toMatch(/青岛市所辖县（市、区）不计入奖励范围/)
    // a qualifying project without its evidence is named with the note (B-2025-01: no 电子监管号 recorded)
    expect(lines.find((l) => l.startsWith(B))!.split(',')[16]).toBe(
      'B-2025-01（证明材料未录入：土地供应供地时间（部监测监管系统）、土地供应电子监管号，需人工复核）',
    )
    expect(lines.at(-1)).toBe('')
    const again = await api('GET', '/province/rewards?year=2025&format=csv', province)
    expect(again.rawPayload.equals(bytes)).toBe(true)
    const en = (await api('GET', '/province/rewards?year=2025&format=csv&headers=en', province)).rawPayload.subarray(3).toString('utf8').split('\r\n')
    expect(en[0]!.split(',').slice(0, 4)).toEqual(['county', 'countyName', 'cityName', 'qualifyingProjectCount'])
    expect(en.slice(1)).toEqual(lines.slice(1))
  })
})
