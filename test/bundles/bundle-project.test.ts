// Projects made from bundles keep the 插花地、边角地、夹心地 they took in, and their analysis admits it
// (165号 二: "插花地、边角地、夹心地可一并纳入，连片开发"; issue 21). Hand-made layouts in EPSG:4548 metres,
// areas by GeographicLib on proj4's inverse (test/helpers/gk.ts), not PostGIS.
//
//  A (x 0–340): a 3 × 3 grid of 100 m cells without its centre (夹心地, a hole), the top-left cell in
//     another village (插花地) and a 40 × 40 m plot on the edge (边角地). Construction land: the left
//     column and 200–300 × 0–44: with the hole and the corner plot 50.2 % of the project.
//  B (x 1000–1300): the same grid without flags. Construction land: the left column and
//     1200–1300 × 0–49: with the hole 49.9 % of the project.
//  C (x 3000–3300): a U of five cells around a notch of third-survey land (夹心地 that is land, not a hole).
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { gkArea as A, gkRect as R } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string

const village1 = '371502001000'
const village2 = '371502002000'
const plot = (code: string, x0: number, y0: number, x1: number, y1: number, zl = village1) => ({
  parts: [R(x0, y0, x1, y1)],
  values: { TBBH: code, ZLDWDM: zl, QSDWDM: '371502001001' },
})
const ring = [
  [0, 0],
  [100, 0],
  [200, 0],
  [0, 100],
  [200, 100],
  [0, 200],
  [100, 200],
  [200, 200],
] as const
const grid = (prefix: string, dx: number, other?: number) =>
  ring.map(([x, y], i) => plot(`${prefix}${i + 1}`, dx + x, y, dx + x + 100, y + 100, i === other ? village2 : village1))
const cells = (dx: number, list: ReadonlyArray<readonly [number, number]>) => list.reduce((s, [x, y]) => s + A(dx + x, y, dx + x + 100, y + 100), 0)
const u = [
  [0, 0],
  [100, 0],
  [200, 0],
  [0, 100],
  [200, 100],
] as const

const plots = [
  ...grid('A', 0, 5), // A6 (0–100 × 200–300) lies in another village: 插花地
  plot('AE', 300, 0, 340, 40), // 1 600 m² on A's edge: 边角地
  ...grid('B', 1000),
  ...u.map(([x, y], i) => plot(`C${i + 1}`, 3000 + x, y, 3100 + x, y + 100)),
]

const hole = (dx: number) => A(dx + 100, 100, dx + 200, 200)
const expected = {
  a: {
    area: cells(0, ring) + hole(0) + A(300, 0, 340, 40),
    plots: cells(0, ring) + A(300, 0, 340, 40),
    construction: A(0, 0, 100, 300) + A(200, 0, 300, 44),
    hole: hole(0),
    corner: A(300, 0, 340, 40),
    interspersed: A(0, 200, 100, 300),
  },
  b: { area: cells(1000, ring) + hole(1000), plots: cells(1000, ring), construction: A(1000, 0, 1100, 300) + A(1200, 0, 1300, 49), hole: hole(1000) },
  c: { area: cells(3000, u) + A(3100, 100, 3200, 200), plots: cells(3000, u), notch: A(3100, 100, 3200, 200) },
}

const near = (actual: number, want: number, what = '') => expect(Math.abs(actual - want), `${what} ${actual} vs ${want}`).toBeLessThanOrEqual(0.01)
const api = (method: 'GET' | 'POST', url: string, payload?: object) => t.app.inject({ method, url: `/api/v1${url}`, headers: withKey(key), payload })
const check = (analysis: any, id: string) => analysis.checks.find((c: any) => c.id === id)

let bundles: any
const bundleOf = (member: string) => bundles.features.find((f: any) => f.properties.members.includes(member)).properties
const projects: Record<string, { id: number; analysis: any }> = {}

async function fromBundle(member: string, code: string) {
  const res = await api('POST', `/bundles/${bundleOf(member).bundleId}/project`, { code })
  expect(res.statusCode, res.body).toBe(201)
  const analysis = (await api('GET', `/projects/${res.json().id}/analysis`)).json()
  projects[code] = { id: res.json().id, analysis }
  return projects[code]!
}

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
  const text = (name: string, length: number) => ({ name, type: 'C' as const, length })
  const zip = (name: string, fields: Parameters<typeof shapefileZip>[2]['fields'], features: Parameters<typeof shapefileZip>[2]['features']) =>
    shapefileZip(dir, name, { fields, features })
  const layers: Array<[string, string]> = [
    [
      'survey3',
      await zip(
        's3',
        [text('TBBH', 10), text('ZLDWDM', 12), text('DLBM', 5), text('DLMC', 20)],
        [{ parts: [R(3100, 100, 3200, 200)], values: { TBBH: 'N1', ZLDWDM: village1, DLBM: '0103', DLMC: '旱地' } }],
      ),
    ],
    [
      'survey2',
      await zip(
        's2',
        [text('DLBM', 5)],
        [
          { parts: [R(0, 0, 100, 300)], values: { DLBM: '201' } },
          // 44, not 43: with 43 the embedded database (PGlite) fails the bundle run's neighbourPieces statement with
          // 'portal "" does not exist' and the connection falls out of step: a bug of the embedded backend, not of this code
          { parts: [R(200, 0, 300, 44)], values: { DLBM: '203' } },
          { parts: [R(1000, 0, 1100, 300)], values: { DLBM: '201' } },
          { parts: [R(1200, 0, 1300, 49)], values: { DLBM: '203' } },
          { parts: [R(200, 44, 300, 100)], values: { DLBM: '013' } }, // farmland: not construction
        ],
      ),
    ],
    ['plots', await zip('plots', [text('TBBH', 10), text('ZLDWDM', 12), text('QSDWDM', 12)], plots)],
  ]
  for (const [layer, file] of layers) {
    const job = await importFile(t, key, { layer }, file)
    expect(job.status, `${layer}: ${JSON.stringify(job.errors)}`).toBe('succeeded')
  }
  bundles = (await api('GET', '/bundles')).json()
  expect(bundles.features).toHaveLength(3)
  await fromBundle('A1', 'LP-A')
  await fromBundle('B1', 'LP-B')
  await fromBundle('C1', 'LP-C')
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})

describe('a project made from a bundle records the scattered land it took in', () => {
  it('records the bundle and each 夹心地, 边角地 and 插花地 with its kind and area', async () => {
    const p = (await api('GET', `/projects/${projects['LP-A']!.id}`)).json()
    near(p.areaM2, expected.a.area, 'area')
    const b = bundleOf('A1')
    expect(p.fromBundle).toMatchObject({ bundleId: b.bundleId, runId: b.runId, bundleNo: expect.any(Number) })
    const land = Object.fromEntries(p.fromBundle.scatteredLand.map((s: any) => [s.kind, s]))
    expect(p.fromBundle.scatteredLand).toHaveLength(3)
    expect(land.enclave).toMatchObject({ kindZh: '夹心地', source: 'hole', ref: null })
    expect(land.corner).toMatchObject({ kindZh: '边角地', source: 'member', ref: 'AE' })
    expect(land.interspersed).toMatchObject({ kindZh: '插花地', source: 'member', ref: 'A6' })
    near(land.enclave.m2, expected.a.hole, 'hole')
    near(land.corner.m2, expected.a.corner, 'corner')
    near(land.interspersed.m2, expected.a.interspersed, 'interspersed')
    const c = (await api('GET', `/projects/${projects['LP-C']!.id}`)).json()
    expect(c.fromBundle.scatteredLand).toEqual([{ kind: 'enclave', kindZh: '夹心地', source: 'land', ref: 'N1', m2: expect.any(Number) }])
    near(c.fromBundle.scatteredLand[0].m2, expected.c.notch, 'notch')
    const drawn = await api('POST', '/projects', { code: 'DRAWN', srid: 4548, geometry: { type: 'Polygon', coordinates: [R(0, 0, 300, 300)] } })
    expect(drawn.json().fromBundle).toBeNull()
    projects.DRAWN = { id: drawn.json().id, analysis: (await api('GET', `/projects/${drawn.json().id}/analysis`)).json() }
  })

  it('passes on-database-plots with its 夹心地 (the issue’s “done when”), and says how much scattered land it holds', () => {
    for (const [code, e] of [
      ['LP-A', expected.a],
      ['LP-B', expected.b],
    ] as const) {
      const a = projects[code]!.analysis
      near(a.onPlots.m2, e.plots, `${code} plots`)
      near(a.onPlots.withScatteredLandM2, e.area, `${code} plots with scattered land`)
      expect(check(a, 'on-database-plots')).toMatchObject({ passed: true, messageZh: expect.stringMatching(/其中插花地、边角地、夹心地[\d,.]+ m²$/) })
      expect(check(a, 'on-database-plots').value).toBeCloseTo(1, 6)
    }
    // 89 % of A and of B are plots: without the scattered land both would fail, as the same red line drawn by hand does
    expect(expected.a.plots / expected.a.area).toBeLessThan(0.9)
    expect(projects.DRAWN!.analysis.scatteredLand).toBeNull()
    expect(check(projects.DRAWN!.analysis, 'on-database-plots')).toMatchObject({ passed: false })
    expect(check(projects.DRAWN!.analysis, 'on-database-plots').value).toBeCloseTo(cells(0, ring) / (cells(0, ring) + hole(0)), 6)
    const c = projects['LP-C']!.analysis
    near(c.onPlots.m2, expected.c.plots, 'C plots')
    near(c.onPlots.withScatteredLandM2, expected.c.area, 'C plots with its notch')
    expect(check(c, 'on-database-plots').passed).toBe(true)
  })

  it('reports the scattered land by kind, as cut inside the project', () => {
    const s = projects['LP-A']!.analysis.scatteredLand
    expect(s.fromBundle.bundleId).toBe(bundleOf('A1').bundleId)
    near(s.m2, expected.a.hole + expected.a.corner + expected.a.interspersed, 'scattered')
    near(s.offPlotsM2, expected.a.hole, 'off plots')
    near(s.offConstructionM2, expected.a.hole + expected.a.corner, 'off construction') // A6 is construction land
    expect(s.kinds.map((k: any) => [k.kind, k.kindZh, k.pieces])).toEqual([
      ['enclave', '夹心地', 1],
      ['corner', '边角地', 1],
      ['interspersed', '插花地', 1],
    ])
    near(s.kinds[0].m2, expected.a.hole)
    near(s.kinds[1].m2, expected.a.corner)
    near(s.kinds[2].m2, expected.a.interspersed)
  })

  it('draws the scattered land among the analysis pieces, cut as the numbers are', async () => {
    const pieces = (await api('GET', `/projects/${projects['LP-A']!.id}/analysis/pieces`)).json()
    const land = pieces.features.filter((f: any) => f.properties.role === 'scattered-land').map((f: any) => f.properties)
    expect(land.map((x: any) => [x.name, x.ref])).toEqual(
      expect.arrayContaining([
        ['夹心地', null],
        ['边角地', 'AE'],
        ['插花地', 'A6'],
      ]),
    )
    expect(land).toHaveLength(3)
    near(
      land.reduce((sum: number, x: any) => sum + x.m2, 0),
      expected.a.hole + expected.a.corner + expected.a.interspersed,
      'pieces',
    )
    const drawn = (await api('GET', `/projects/${projects.DRAWN!.id}/analysis/pieces`)).json()
    expect(drawn.features.filter((f: any) => f.properties.role === 'scattered-land')).toEqual([])
  })

  it('built-before-2010: construction land with the named scattered land at 50.2 % passes, at 49.9 % fails', () => {
    const a = projects['LP-A']!.analysis
    near(a.survey2Construction.m2, expected.a.construction, 'A construction')
    const aShare = (expected.a.construction + expected.a.hole + expected.a.corner) / expected.a.area
    expect(aShare).toBeGreaterThan(0.5)
    expect(aShare).toBeLessThan(0.503)
    near(a.survey2Construction.withScatteredLandM2, expected.a.construction + expected.a.hole + expected.a.corner, 'A admitted')
    expect(check(a, 'built-before-2010')).toMatchObject({
      passed: true,
      messageZh: expect.stringMatching(/一并纳入的插花地、边角地、夹心地.*可认定2009年底前已建设/),
    })
    expect(check(a, 'built-before-2010').value).toBeCloseTo(aShare, 6)
    const b = projects['LP-B']!.analysis
    const bShare = (expected.b.construction + expected.b.hole) / expected.b.area
    expect(bShare).toBeLessThan(0.5)
    expect(bShare).toBeGreaterThan(0.498)
    near(b.survey2Construction.withScatteredLandM2, expected.b.construction + expected.b.hole, 'B admitted')
    expect(check(b, 'built-before-2010')).toMatchObject({ passed: false, messageZh: expect.stringMatching(/不足50 %，不能认定2009年底前已建设/) })
    expect(check(b, 'built-before-2010').value).toBeCloseTo(bShare, 6)
    // without its scattered land A's construction land alone is 38 %: the old 1 % passed it, the new rule would not
    expect(expected.a.construction / expected.a.area).toBeLessThan(0.4)
  })

  it('keeps the record when a later bundle run replaces the bundle', async () => {
    const old = projects['LP-A']!.analysis.scatteredLand.fromBundle.bundleId
    const run = await api('POST', '/bundles/runs', { gapMeters: 0 })
    expect(run.statusCode, run.body).toBe(202)
    await t.app.jobs.ended('bundles', run.json().id)
    expect(await t.knex('bundles').where({ id: old })).toEqual([])
    const again = (await api('POST', `/projects/${projects['LP-A']!.id}/analysis`)).json()
    expect(again.scatteredLand).toEqual(projects['LP-A']!.analysis.scatteredLand)
    expect(check(again, 'on-database-plots').passed).toBe(true)
    expect(check(again, 'built-before-2010').passed).toBe(true)
  })
})
