// The 15–30 亩 rule through the API (165号 三: "介于15-30亩但再开发面积不足提供证明材料中面积50%……的不计入在内"): the
// area the evidence states, recorded on the project, is what the stock is compared with; without it the drawn
// area stands in and the check says so. Areas from GeographicLib on Gauss-Kruger rectangles (test/helpers/gk.ts).
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { gkArea as A, gkRect as R } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { postProject } from '../helpers/projects.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let dir: string
let key: string
let id: number

// Project 0–150 × 0–100 m (22.5 亩, in the band); second-survey construction land 0–60 × 0–100 inside it (40 %).
const construction = A(0, 0, 60, 100)

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
  const zip = await shapefileZip(dir, 's2', {
    fields: [{ name: 'DLBM', type: 'C', length: 5 }],
    features: [
      { parts: [R(0, 0, 60, 100)], values: { DLBM: '201' } },
      { parts: [R(60, 0, 150, 100)], values: { DLBM: '013' } },
    ],
  })
  const job = await importFile(t, key, { layer: 'survey2' }, zip)
  expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
  id = await postProject(t, key, { code: 'EV-AREA', srid: 4548, geometry: { type: 'Polygon', coordinates: [R(0, 0, 150, 100)] } })
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})

const setEvidenceArea = async (evidenceAreaM2: number | null) => {
  const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/projects/${id}`, headers: withKey(key), payload: { evidenceAreaM2 } })
  expect(res.statusCode, res.body).toBe(200)
  const a = (await t.app.inject({ url: `/api/v1/projects/${id}/analysis`, headers: withKey(key) })).json()
  return { a, check: a.checks.find((c: { id: string }) => c.id === 'stock-half-15-30') }
}

describe('the 15–30 亩 rule against the evidence area', () => {
  it('without it, the drawn area stands in (40 % fails) and the check says so', async () => {
    const { a, check } = await setEvidenceArea(null)
    expect(Math.abs(a.stockArea.m2 - construction)).toBeLessThanOrEqual(0.01)
    expect(a.evidenceAreaM2).toBeNull()
    expect(check.passed).toBe(false)
    expect(check.value).toBeCloseTo(construction / A(0, 0, 150, 100), 6)
    expect(check.messageZh).toMatch(/占项目红线面积（未录入证明材料面积，以项目红线面积代替）的40\.00 %，不足50 %/)
    expect(a.rewardCounted).toBe(false)
  })

  it('with it, the stock is compared with it: twice the stock passes, 0.02 m² more fails (recomputed after each PATCH)', async () => {
    const pass = await setEvidenceArea(2 * construction)
    expect(pass.a.evidenceAreaM2).toBe(2 * construction)
    expect(pass.check.passed).toBe(true)
    // 50.01 % when PostGIS measures a hair above GeographicLib: the text keeps the side of the threshold
    expect(pass.check.messageZh).toMatch(/占证明材料中面积[\d,.]+ m²的50\.0\d %，达到50 %/)
    const fail = await setEvidenceArea(2 * construction + 0.02)
    expect(fail.check.passed).toBe(false)
    expect(fail.check.messageZh).toMatch(/的49\.99 %，不足50 %/)
  })

  it('cannot change once the project is submitted (a stock-rule input, frozen like the boundary)', async () => {
    expect(
      (await t.app.inject({ method: 'POST', url: `/api/v1/projects/${id}/transitions`, headers: withKey(key), payload: { action: 'submit' } })).statusCode,
    ).toBe(200)
    const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/projects/${id}`, headers: withKey(key), payload: { evidenceAreaM2: 1 } })
    expect(res.statusCode).toBe(409)
  })
})
