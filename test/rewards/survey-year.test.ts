// The per-capita figure of year Y on the survey of year Y (issue 21, 165号 一): third-survey versions
// carry a survey year (given with the import, read from SJNF, or set later), the statistics of a year
// are measured on that year's version and fall back to the active one saying so; the population's
// source is recorded and shown in the reward table. Areas: TBMJ as given, and the ellipsoidal area of
// the untabulated patches by GeographicLib on proj4's inverse (test/helpers/gk.ts).
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { gkArea, gkRect as R } from '../helpers/gk.js'
import { importFile, upload } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'

const COUNTY = '371503' // 茌平区
const OTHER = '371502'

let t: TestApp & { dataDir: string }
let dir: string
let province: string
let county: string
let other: string

const near = (actual: number, want: number, tol = 0.02) => expect(Math.abs(actual - want), `${actual} vs ${want}`).toBeLessThanOrEqual(tol)
const api = (method: 'GET' | 'PUT' | 'PATCH', url: string, key: string, payload?: object) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: withKey(key), ...(payload ? { payload } : {}) })

/** A third-survey delivery: construction patches in the 城镇村 range, each with its TBMJ (null: measured) and SJNF. */
function survey3(name: string, patches: Array<{ rect: number[][]; tbmj: number | null; sjnf: string | null }>) {
  return shapefileZip(dir, name, {
    fields: [
      { name: 'DLBM', type: 'C', length: 5 },
      { name: 'CZCSXM', type: 'C', length: 4 },
      { name: 'TBMJ', type: 'N', length: 15, decimals: 2 },
      { name: 'SJNF', type: 'C', length: 4 },
    ],
    features: patches.map((p) => ({ parts: [p.rect], values: { DLBM: '0601', CZCSXM: '201', TBMJ: p.tbmj, SJNF: p.sjnf } })),
  })
}

// Version 1 (given 2024): 10 000 m² by TBMJ. Version 2 (SJNF 2025 throughout): 12 000.5 m² by TBMJ and a
// 100 × 50 m patch without TBMJ. Version 3: SJNF 2025 and 2026 mixed, 30 000 m² by TBMJ: undated.
const measured = gkArea(200, 0, 300, 50)
const land = { v1: 10_000, v2: 12_000.5 + measured, v3: 30_000 }
const jobs: Record<string, any> = {}

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  province = await keyFor(t.knex, 'province')
  county = await keyFor(t.knex, 'county', COUNTY)
  other = await keyFor(t.knex, 'county', OTHER)
  const v1 = await survey3('v1', [{ rect: R(0, 0, 100, 100), tbmj: 10_000, sjnf: null }])
  jobs.v1 = await importFile(t, county, { layer: 'survey3', surveyYear: '2024' }, v1)
  const v2 = await survey3('v2', [
    { rect: R(0, 0, 100, 100), tbmj: 12_000.5, sjnf: '2025' },
    { rect: R(200, 0, 300, 50), tbmj: null, sjnf: '2025' },
  ])
  jobs.v2 = await importFile(t, county, { layer: 'survey3' }, v2)
  for (const j of Object.values(jobs)) expect(j.status, JSON.stringify(j.errors)).toBe('succeeded')
}, 300_000)
afterAll(async () => {
  await t?.close()
  if (dir) await fs.rm(dir, { recursive: true, force: true })
})

const layerVersions = async () => (await api('GET', `/layers/survey3?county=${COUNTY}`, county)).json().versions
const stats = async (year: number, body: object = { population: 100 }) => {
  const res = await api('PUT', `/counties/${COUNTY}/stats/${year}`, county, body)
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

describe('the survey year of a third-survey version', () => {
  it('is the one given with the import, else the one every record’s SJNF gives', async () => {
    const versions = await layerVersions()
    expect(versions.map((v: any) => [v.version, v.surveyYear, v.surveyYearSource, v.active])).toEqual([
      [2, 2025, 'sjnf', true],
      [1, 2024, 'given', false],
    ])
    expect(jobs.v1.options.surveyYear).toBe(2024)
  })

  it('is left unknown, and said, when the records’ SJNF disagree', async () => {
    const v3 = await survey3('v3', [
      { rect: R(0, 0, 100, 100), tbmj: 20_000, sjnf: '2025' },
      { rect: R(0, 100, 100, 200), tbmj: 10_000, sjnf: '2026' },
    ])
    const job = await importFile(t, county, { layer: 'survey3' }, v3)
    expect(job.status).toBe('succeeded')
    expect(job.warnings.map((w: any) => w.messageZh).join()).toMatch(/数据年份（SJNF）不一致或无法识别：2025 \(1\)/)
    expect((await layerVersions())[0]).toMatchObject({ version: 3, surveyYear: null, surveyYearSource: null, active: true })
  })

  it('is refused on the import form of a layer that is no survey (400)', async () => {
    const res = await upload(t, county, { layer: 'buildings', surveyYear: '2025' }, await survey3('b', [{ rect: R(0, 0, 10, 10), tbmj: 1, sjnf: null }]))
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json().detailZh).toMatch(/调查年度/)
    expect((await upload(t, county, { layer: 'survey3', surveyYear: '25' })).statusCode).toBe(400)
  })
})

describe('statistics of a year measured on that year’s survey', () => {
  it('2024 on version 1 (not active, dated 2024), 2025 on version 2 (dated 2025 by SJNF)', async () => {
    const s2024 = await stats(2024)
    near(s2024.urbanRuralConstructionLandM2, land.v1)
    expect(s2024.landSurvey).toEqual({ datasetId: jobs.v1.datasetId, version: 1, surveyYear: 2024, how: 'survey-year' })
    expect(s2024.landDetail.layer).toMatchObject({ version: 1, surveyYear: 2024, surveyYearSource: 'given', active: false })
    expect(s2024.landDetail.surveyVersion).toMatchObject({ statisticsYear: 2024, how: 'survey-year', noteZh: '按2024年度变更调查（三调图层第1版）计算' })
    const s2025 = await stats(2025)
    near(s2025.urbanRuralConstructionLandM2, land.v2)
    expect(s2025.landSurvey).toMatchObject({ version: 2, surveyYear: 2025, how: 'survey-year' })
  })

  it('a year without its own survey (2023) falls back to the active version, and says its year is not known', async () => {
    const s = await stats(2023)
    near(s.urbanRuralConstructionLandM2, land.v3)
    expect(s.landSurvey).toMatchObject({ version: 3, surveyYear: null, how: 'active-fallback' })
    expect(s.landDetail.surveyVersion.noteZh).toBe('未导入2023年度变更调查数据，按当前三调图层第3版（调查年度未注明）计算')
  })

  it('a version dated later (PATCH) is the one of its year; the change is audited', async () => {
    const res = await api('PATCH', `/layers/survey3/versions/3?county=${COUNTY}`, county, { surveyYear: 2026 })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ version: 3, surveyYear: 2026, surveyYearSource: 'given', active: true })
    const audit = await t.knex('audit_log').where({ action: 'layer-version.survey-year' }).first('detail', 'xzqdm')
    expect(audit).toMatchObject({ xzqdm: COUNTY, detail: { version: 3, surveyYear: 2026, before: null } })
    expect((await stats(2026)).landSurvey).toMatchObject({ version: 3, surveyYear: 2026, how: 'survey-year' })
    // 2027: none of 2027; the active version is version 3, of 2026
    const s2027 = await stats(2027)
    expect(s2027.landSurvey).toMatchObject({ version: 3, surveyYear: 2026, how: 'active-fallback' })
    expect(s2027.landDetail.surveyVersion.noteZh).toBe('未导入2027年度变更调查数据，按当前三调图层第3版（2026年度）计算')
  })

  it('PATCH refuses another layer (400), a missing version or another county’s key (404), a bad year (400)', async () => {
    expect((await api('PATCH', `/layers/survey2/versions/1?county=${COUNTY}`, county, { surveyYear: 2020 })).statusCode).toBe(400)
    expect((await api('PATCH', `/layers/survey3/versions/9?county=${COUNTY}`, county, { surveyYear: 2020 })).statusCode).toBe(404)
    expect((await api('PATCH', `/layers/survey3/versions/1?county=${COUNTY}`, other, { surveyYear: 2020 })).statusCode).toBe(404)
    expect((await api('PATCH', `/layers/survey3/versions/1?county=${COUNTY}`, county, { surveyYear: '2020' })).statusCode).toBe(400)
    expect((await api('PATCH', `/layers/survey3/versions/1?county=${COUNTY}`, county, { surveyYear: 1800 })).statusCode).toBe(400)
  })
})

describe('the population’s source', () => {
  const source = { kind: 'resident', year: 2025, publisher: '山东统计年鉴2026' }

  it('is recorded with the statistics and read back in Chinese', async () => {
    const s = await stats(2025, { population: 100, populationSource: source })
    expect(s.populationSource).toEqual({ ...source, kindZh: '常住人口' })
    expect((await api('GET', `/counties/${COUNTY}/stats/2025`, province)).json().populationSource).toEqual({ ...source, kindZh: '常住人口' })
    expect((await stats(2024)).populationSource).toBeNull()
  })

  it('is refused when incomplete or of an unknown kind (400)', async () => {
    for (const bad of [
      { ...source, kind: 'census' },
      { ...source, publisher: '' },
      { kind: 'resident', year: 2025 },
      { ...source, extra: 1 },
    ]) {
      const res = await api('PUT', `/counties/${COUNTY}/stats/2025`, county, { population: 100, populationSource: bad })
      expect(res.statusCode, JSON.stringify(bad)).toBe(400)
    }
  })

  it('the reward table shows it and the survey version, and names what falls short', async () => {
    await stats(2026, { population: 100, populationSource: { kind: 'registered', year: 2025, publisher: '茌平区2025年国民经济和社会发展统计公报' } })
    const table = async (year: number) => {
      const res = await api('GET', `/province/rewards?year=${year}&live=true`, province)
      expect(res.statusCode, res.body).toBe(200)
      return res.json().counties.find((c: any) => c.county === COUNTY)
    }
    const r2025 = await table(2025)
    expect(r2025).toMatchObject({ populationSource: { ...source, kindZh: '常住人口' }, landSurvey: { version: 2, surveyYear: 2025, how: 'survey-year' } })
    expect(r2025.notes).toEqual([])
    const r2026 = await table(2026)
    expect(r2026.notes.map((n: any) => n.zh)).toEqual(['人口为户籍人口，非常住人口', '人口为2025年数据，非2026年度'])
    const r2027 = await table(2027)
    expect(r2027.notes.map((n: any) => n.zh)).toEqual([
      '2027年度人口数据未注明来源（常住人口口径、年份及发布机构）',
      '城乡建设用地未导入2027年度变更调查数据，按当前三调图层第3版（2026年度）计算',
    ])
    const csv = (await api('GET', '/province/rewards?year=2026&format=csv&live=true', province)).rawPayload.subarray(3).toString('utf8').split('\r\n')
    const line = csv.find((l) => l.startsWith(COUNTY))!
    expect(line).toContain('户籍人口（2025年，茌平区2025年国民经济和社会发展统计公报）')
    expect(line).toContain('三调图层第3版（2026年度；本年度变更调查）')
  })
})
