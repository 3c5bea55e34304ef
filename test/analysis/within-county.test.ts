// A project crossing into another county is reported, not measured against its own county's layers
// only (issue 21). Two adjacent counties share a 4.1 km oblique boundary in EPSG:4548: 东昌府区
// (371502, whose layer holds its outline and its two towns) and 阳谷县 (371521, two towns and no
// outline); north of both lies a county with no boundary loaded. Red lines have four vertices and
// long oblique edges, so a cut in lon/lat or in another plane would miss by more than 0.01 m².
// Expected areas are an independent cut in Gauss-Kruger coordinates measured with GeographicLib
// (test/helpers/plane.ts), with the vertices GEOS keeps (a boundary's corner inside a piece).
// - Without the county's boundary the check is left out and no verdict changes.
// - With it: the share outside, the other county and its m², the part in no loaded county; both
//   sides of the 1 m² tolerance; no seam where the towns meet; the outside piece is the same cut.
// - A neighbour's new boundary makes stale the results that reach into it, and only those.
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analysisDefaults } from '../../src/domain/analysis-config.js'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { gkRect, X, Y } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { clipConvex, ellipsoidalAreaIn } from '../helpers/plane.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'

const A = '371502'
const B = '371521'
const tolerance = analysisDefaults.conflictToleranceM2
const def = '+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs'

type Corners = ReadonlyArray<readonly [number, number]>
/** A closed ring of absolute EPSG:4548 coordinates through corners relative to (X, Y). */
const at = (corners: Corners): number[][] => [...corners, corners[0]!].map(([x, y]) => [X + x, Y + y])
const area = (ring: number[][]) => ellipsoidalAreaIn(def, ring)

/**
 * `ring` with each of `points` that lies on one of its edges inserted there: GEOS keeps a boundary's
 * corner where it falls on a piece's edge, and on the ellipsoid a piece through that corner is not
 * the piece without it (two geodesics are not the one between their ends).
 */
function withVertices(ring: number[][], points: number[][]): number[][] {
  let out = ring
  for (const p of points) {
    const i = out.findIndex((a, k) => {
      const b = out[k + 1]
      if (!b) return false
      const [dx, dy] = [b[0]! - a[0]!, b[1]! - a[1]!]
      const t = ((p[0]! - a[0]!) * dx + (p[1]! - a[1]!) * dy) / (dx * dx + dy * dy)
      const off = Math.abs((p[0]! - a[0]!) * dy - (p[1]! - a[1]!) * dx) / Math.hypot(dx, dy)
      return t > 1e-9 && t < 1 - 1e-9 && off < 1e-6
    })
    if (i >= 0) out = [...out.slice(0, i + 1), p, ...out.slice(i + 1)]
  }
  return out
}

// The boundary between the counties: x = 500 + y / 4, from (0, −2000) to (1000, 2000).
const xb = (y: number) => 500 + y / 4
const seam = [500, 0] as const
const countyA: Corners = [
  [-2000, -2000],
  [-2000, 2000],
  [1000, 2000],
  [0, -2000],
]
const townsA: Corners[] = [
  [[-2000, -2000], [-2000, 0], seam, [0, -2000]],
  [[-2000, 0], [-2000, 2000], [1000, 2000], seam],
]
const countyB: Corners = [
  [0, -2000],
  [1000, 2000],
  [3000, 2000],
  [3000, -2000],
]
const townsB: Corners[] = [
  [[0, -2000], seam, [3000, 0], [3000, -2000]],
  [seam, [1000, 2000], [3000, 2000], [3000, 0]],
]
/** North of both: a county with no boundary loaded. */
const north: Corners = [
  [-3000, 2000],
  [-3000, 5000],
  [4000, 5000],
  [4000, 2000],
]

// Red lines (clockwise).
const cross: Corners = [
  [0, -700],
  [200, 900],
  [1400, 1000],
  [1300, -800],
]
const northward: Corners = [
  [-1600, 1500],
  [-1400, 2600],
  [-900, 2550],
  [-1100, 1450],
]
// Straddles the towns' seam (y = 0) inside 东昌府区.
const inside: Corners = [
  [-1500, -300],
  [-1400, 400],
  [-600, 350],
  [-700, -350],
]
/** A 100 m high parallelogram along the boundary from y0, reaching d metres past it. */
const strip = (y0: number, d: number): Corners => [
  [xb(y0) - 100, y0],
  [xb(y0 + 100) - 100, y0 + 100],
  [xb(y0 + 100) + d, y0 + 100],
  [xb(y0) + d, y0],
]
const beyond = (y0: number, d: number): Corners => [
  [xb(y0), y0],
  [xb(y0 + 100), y0 + 100],
  [xb(y0 + 100) + d, y0 + 100],
  [xb(y0) + d, y0],
]
/** The reach d past the boundary whose part outside measures `m2` (bisection on the independent area). */
function reachFor(m2: number, y0: number): number {
  let [lo, hi] = [0, 1]
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2
    if (area(at(beyond(y0, mid))) < m2) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}
const within = { y0: -1600, m2: tolerance - 0.05 }
const above = { y0: -1400, m2: tolerance + 0.05 }

const expected = {
  cross: { area: area(at(cross)), outside: area(withVertices(clipConvex(at(cross), at(countyB)), [at([seam])[0]!])) },
  northward: { area: area(at(northward)), outside: area(clipConvex(at(northward), at(north))) },
}

let t: TestApp & { dataDir: string }
let dir: string
let keyA: string
let keyB: string
const ids: Record<string, number> = {}
const before: Record<string, any> = {}
const after: Record<string, any> = {}

const near = (actual: number, want: number, tol = 0.01) => expect(Math.abs(actual - want), `${actual} vs ${want}`).toBeLessThanOrEqual(tol)
const api = (method: 'GET' | 'POST' | 'PATCH', url: string, key: string, payload?: object) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: withKey(key), ...(payload ? { payload } : {}) })
const analysis = async (code: string) => (await api('GET', `/projects/${ids[code]}/analysis`, keyA)).json()
const countyCheck = (a: { checks: Array<{ id: string }> }) => a.checks.find((c) => c.id === 'within-county') as any
const latestStale = async (code: string) =>
  (await t.knex('analysis_results').where({ project_id: ids[code] }).orderBy('id', 'desc').first('stale')).stale as boolean
const projects: Record<string, Corners> = {
  cross,
  northward,
  inside,
  within: strip(within.y0, reachFor(within.m2, within.y0)),
  above: strip(above.y0, reachFor(above.m2, above.y0)),
}

async function divisions(name: string, features: Array<{ ring: Corners; code: string; name: string; level: string }>) {
  const text = (n: string, length = 20) => ({ name: n, type: 'C' as const, length })
  return shapefileZip(dir, name, {
    fields: [text('XZQDM'), text('XZQMC'), text('JB', 10)],
    features: features.map((f) => ({ parts: [at(f.ring)], values: { XZQDM: f.code, XZQMC: f.name, JB: f.level } })),
  })
}

async function load(key: string, layer: string, file: string) {
  const job = await importFile(t, key, { layer }, file)
  expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
  return job
}

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  keyA = await keyFor(t.knex, 'county', A)
  keyB = await keyFor(t.knex, 'county', B)
  // Every other layer of 东昌府区 lets the projects pass, so only the boundary can change a verdict.
  const text = (n: string, length = 20) => ({ name: n, type: 'C' as const, length })
  const everywhere = gkRect(-3000, -3000, 4000, 4000)
  const zip = (name: string, field: string, value: string, ring = everywhere) =>
    shapefileZip(dir, name, { fields: [text(field)], features: [{ parts: [ring], values: { [field]: value } }] })
  await load(keyA, 'survey2', await zip('s2', 'DLBM', '201'))
  await load(keyA, 'buildings', await zip('b', 'JZLX', '厂房'))
  await load(keyA, 'plan-zones', await zip('plan', 'SFYX', 'Y'))
  await load(keyA, 'plots', await zip('plots', 'TBBH', 'DX001'))
  await load(keyA, 'approved-unsupplied', await zip('au', 'PZWH', 'X', gkRect(3500, 3500, 3510, 3510)))
  await load(keyA, 'idle-land', await zip('idle', 'XZTDBH', 'XZ1', gkRect(3600, 3600, 3610, 3610)))
  for (const [code, ring] of Object.entries(projects)) {
    const created = await api('POST', '/projects', keyA, { code, srid: 4548, geometry: { type: 'Polygon', coordinates: [at(ring)] } })
    expect(created.statusCode, created.body).toBe(201)
    ids[code] = created.json().id
    const patched = await api('PATCH', `/projects/${ids[code]}`, keyA, {
      developmentMode: 'government-reserve',
      ownershipClear: true,
      seized: false,
      mortgaged: false,
    })
    expect(patched.statusCode, patched.body).toBe(200)
    before[code] = await analysis(code)
  }
  await load(
    keyA,
    'admin-divisions',
    await divisions('xzq-a', [
      { ring: countyA, code: A, name: '东昌府区', level: '县级' },
      { ring: townsA[0]!, code: `${A}001`, name: '甲镇', level: '乡镇' },
      { ring: townsA[1]!, code: `${A}002`, name: '乙镇', level: '乡镇' },
    ]),
  )
  for (const code of Object.keys(projects)) after[code] = await analysis(code)
}, 600_000)
afterAll(async () => {
  await t?.close()
  if (dir) await fs.rm(dir, { recursive: true, force: true })
})

describe('without the county’s administrative boundary', () => {
  it('the check is left out, outsideCounty is null and every verdict stays', () => {
    for (const [code, a] of Object.entries(before)) {
      expect(a.outsideCounty, code).toBeNull()
      expect(countyCheck(a), code).toBeUndefined()
      expect(a.eligible, code).toBe(true)
    }
  })
})

describe('against the county’s administrative boundary', () => {
  it('a new boundary of the county makes its results stale: they are computed again', () => {
    for (const a of Object.values(after)) expect(a.computedNow).toBe(true)
    expect(after.cross.inputs['admin-divisions']).toMatchObject({ datasetId: expect.any(Number) })
  })

  it('no part outside, across the seam of two towns: passes without review', () => {
    expect(after.inside.outsideCounty).toEqual({ m2: 0, share: 0, counties: [], unknownM2: 0 })
    expect(countyCheck(after.inside)).toMatchObject({ passed: true, needsReview: false, value: 0, messageZh: '位于本县行政区划范围内' })
    expect(after.inside.eligible).toBe(true)
  })

  it('a project reaching into a county with no boundary loaded: the part outside, its share, county unknown', () => {
    const o = after.northward.outsideCounty
    near(o.m2, expected.northward.outside)
    expect(o.share).toBeCloseTo(expected.northward.outside / expected.northward.area, 6)
    expect(o.counties).toEqual([])
    near(o.unknownM2, expected.northward.outside)
    expect(countyCheck(after.northward)).toMatchObject({ passed: false, messageZh: expect.stringMatching(/未加载行政区划的区域/) })
    expect(after.northward.eligible).toBe(false)
  })

  it('within the 1 m² tolerance needs review; above it fails', () => {
    near(after.within.outsideCounty.m2, within.m2)
    expect(after.within.outsideCounty.m2).toBeLessThanOrEqual(tolerance)
    expect(countyCheck(after.within)).toMatchObject({ passed: true, needsReview: true, nearThreshold: false })
    expect(after.within.needsReview).toContain('within-county')
    expect(after.within.eligible).toBe(true)
    near(after.above.outsideCounty.m2, above.m2)
    expect(after.above.outsideCounty.m2).toBeGreaterThan(tolerance)
    expect(countyCheck(after.above)).toMatchObject({ passed: false, needsReview: false, nearThreshold: false })
    expect(after.above.eligible).toBe(false)
    expect(after.above.rewardVerdictZh).toBe('不计入奖励')
  })
})

describe('the other county', () => {
  let crossed: any
  const staleAfterLoad: Record<string, boolean> = {}
  beforeAll(async () => {
    // Before 阳谷县's boundary, where the crossing project's outside part lies is unknown.
    near(after.cross.outsideCounty.m2, expected.cross.outside)
    near(after.cross.outsideCounty.unknownM2, expected.cross.outside)
    expect(after.cross.outsideCounty.counties).toEqual([])
    await load(
      keyB,
      'admin-divisions',
      await divisions('xzq-b', [
        { ring: townsB[0]!, code: `${B}001`, name: '丙镇', level: '乡镇' },
        { ring: townsB[1]!, code: `${B}002`, name: '丁镇', level: '乡镇' },
      ]),
    )
    for (const code of ['cross', 'inside', 'northward']) staleAfterLoad[code] = await latestStale(code)
    crossed = await analysis('cross')
  })

  it('its new boundary makes stale the results reaching into it, and only those', () => {
    expect(staleAfterLoad).toEqual({ cross: true, inside: false, northward: false })
    expect(crossed.computedNow).toBe(true)
  })

  it('names the county the project crosses into, with its m² (its towns are one county)', () => {
    const o = crossed.outsideCounty
    near(o.m2, expected.cross.outside)
    expect(o.share).toBeCloseTo(expected.cross.outside / expected.cross.area, 6)
    expect(o.counties).toHaveLength(1)
    expect(o.counties[0]).toMatchObject({ code: B, name: '阳谷县' })
    near(o.counties[0].m2, expected.cross.outside)
    near(o.unknownM2, 0)
    expect(countyCheck(crossed)).toMatchObject({ passed: false, messageZh: expect.stringMatching(/阳谷县（371521）/) })
    // where the two boundaries meet on one line, no sliver is listed as a place
    expect(countyCheck(crossed).messageZh).not.toMatch(/未加载/)
    expect(crossed.eligible).toBe(false)
  })

  it('the outside piece is the same cut as the number', async () => {
    const pieces = (await api('GET', `/projects/${ids.cross}/analysis/pieces`, keyA)).json()
    const outside = pieces.features.filter((f: any) => f.properties.role === 'outside-county')
    expect(outside).toHaveLength(1)
    near(outside[0].properties.m2, expected.cross.outside)
  })
})
