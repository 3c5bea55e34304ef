// A project 0.003 m² under 15 mu (ellipsoidal area from GeographicLib, not PostGIS): it fails
// min-area, is marked nearThreshold, and is never shown as 10 000.00 m² or 15.0000 亩.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { gkArea, gkRect } from '../helpers/gk.js'

let t: TestApp & { dataDir: string }
let analysis: any
let side = 0
let expected = 0

beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
  const key = await keyFor(t.knex, 'county', '371502')
  // The side of a Gauss-Kruger square whose ellipsoidal area is 9 999.997 m² (bisection on GeographicLib).
  let lo = 99
  let hi = 101
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2
    if (gkArea(0, 0, mid, mid) < 9999.997) lo = mid
    else hi = mid
  }
  side = lo
  expected = gkArea(0, 0, side, side)
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: withKey(key),
    payload: { code: 'NEAR-15MU', srid: 4548, geometry: { type: 'Polygon', coordinates: [gkRect(0, 0, side, side)] } },
  })
  expect(res.statusCode, res.body).toBe(201)
  analysis = (await t.app.inject({ method: 'GET', url: `/api/v1/projects/${res.json().id}/analysis`, headers: withKey(key) })).json()
})
afterAll(async () => t.close())

describe('a project 0.003 m² under 15 mu', () => {
  it('is measured as GeographicLib measures it', () => {
    expect(expected).toBeGreaterThan(9999.996)
    expect(expected).toBeLessThan(9999.998)
  })
  it('fails min-area, near its threshold', () => {
    const c = analysis.checks.find((x: any) => x.id === 'min-area')
    expect(c).toMatchObject({ passed: false, nearThreshold: true })
    expect(Math.abs(c.value - expected)).toBeLessThan(0.001)
    expect(analysis.nearThreshold).toContain('min-area')
    // 165号 三: under 15 亩 is 不计入奖励, not 不符合入库条件 (the other checks are undecided here without layers)
    expect(analysis.rewardCounted).toBe(false)
    expect(analysis.rewardVerdictZh).toBe('不计入奖励')
    expect(analysis.eligible).not.toBe(false)
  })
  it('is shown as 9 999.99 m² and 14.9999 亩, not rounded onto the threshold it fails', () => {
    expect(analysis.area.m2).toBe(9999.99)
    expect(analysis.area.mu).toBe(14.9999)
    expect(analysis.checks.find((x: any) => x.id === 'min-area').messageZh).toMatch(/9,999\.99 m²（14\.9999 亩）不足15亩/)
  })
})
