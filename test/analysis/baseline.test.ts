// The 2009 baseline in the stock (issue 21; docs/decisions.md "the 2009 baseline"): second-survey
// patches changed (BGRQ) after 2009-12-31 are not land built by the end of 2009 and are left out of
// the construction land, the stock, the net figure and the pieces, by default; the flag off keeps them.
// And which figure the stock takes (stockFigure gross | net), both sides.
//
// The project is a convex quadrilateral with oblique edges in EPSG:4548 over eight vertical strips of
// second-survey patches, each with its BGRQ as deliveries write it. Expected areas are cut by hand in
// the Gauss-Kruger plane (Sutherland-Hodgman, test/helpers/plane.ts) and measured with GeographicLib;
// the lines' lengths inside are worked out on the straight edges and measured as geodesics.
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectAnalysis, analysisPieces } from '../../src/analysis/service.js'
import { cliActor } from '../../src/auth/service.js'
import { analysisDefaults, type AnalysisConfig } from '../../src/domain/analysis-config.js'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { ellipsoidalLength, ellipsoidalRingArea } from '../helpers/geometry.js'
import { gkPolygon, gkRect, toLonLat, X, Y } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { postProject } from '../helpers/projects.js'
import { clipConvex } from '../helpers/plane.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'

const county = '371502'
// clockwise, relative to (X, Y): every edge oblique
const corners = [
  [0, 10],
  [-10, 240],
  [330, 270],
  [310, -20],
] as const
const project = gkPolygon(corners)

interface Strip {
  x0: number
  x1: number
  dlbm: string
  bgrq: string
  /** in the stock by default: construction-coded and not changed after 2009-12-31 */
  kept: boolean
}
// BGRQ in the forms deliveries use; '2009/1/5' once read as 200915, after 20091231 as text
const strips: Strip[] = [
  { x0: -20, x1: 40, dlbm: '201', bgrq: '20091231', kept: true },
  { x0: 40, x1: 80, dlbm: '201', bgrq: '20100101', kept: false },
  { x0: 80, x1: 120, dlbm: '202', bgrq: '2009/1/5', kept: true },
  { x0: 120, x1: 160, dlbm: '203', bgrq: '2009年1月5日', kept: true },
  { x0: 160, x1: 200, dlbm: '201', bgrq: '2010-01-01', kept: false },
  // empty and unreadable BGRQ: kept, and counted in the result
  { x0: 200, x1: 240, dlbm: '201', bgrq: '', kept: true },
  { x0: 240, x1: 280, dlbm: '201', bgrq: '未变更', kept: true },
  // farmland changed later: neither construction land nor listed
  { x0: 280, x1: 340, dlbm: '013', bgrq: '2015-06-01', kept: false },
]
const construction = (s: Strip) => s.dlbm !== '013'
const TBMJ = 10000
const TBDLMJ = 9000

/** The piece of a strip inside the project: cut in the plane, measured on the ellipsoid. */
const pieceOf = (s: Strip) => ellipsoidalRingArea(clipConvex(gkRect(s.x0, -60, s.x1, 320), project).map(toLonLat))
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

/** y of the project's bottom and top edges at x (both straight in the plane). */
const edgeY = (x: number, [a, b]: readonly [readonly [number, number], readonly [number, number]]) => a[1] + ((x - a[0]) * (b[1] - a[1])) / (b[0] - a[0])
/** Length inside the project of a vertical line at x: between the two edges, as a geodesic. */
const insideLength = (x: number) => {
  const bottom = edgeY(x, [corners[0], corners[3]])
  const top = edgeY(x, [corners[1], corners[2]])
  return ellipsoidalLength([toLonLat([X + x, Y + bottom]), toLonLat([X + x, Y + top])])
}
// construction-coded 线状地物: one of 2008 in, one changed in 2011 (out by default)
const lines = [
  { x: 30, kd: 4, kcbl: 1, bgrq: '20081010', kept: true },
  { x: 100, kd: 6, kcbl: 0.5, bgrq: '2011年3月1日', kept: false },
]
const lineM2 = (l: (typeof lines)[number]) => insideLength(l.x) * l.kd * l.kcbl

const expected = {
  kept: sum(strips.filter((s) => s.kept).map(pieceOf)),
  changed: sum(strips.filter((s) => construction(s) && !s.kept).map(pieceOf)),
  all: sum(strips.filter(construction).map(pieceOf)),
  netKept: (sum(strips.filter((s) => s.kept).map(pieceOf)) * TBDLMJ) / TBMJ + sum(lines.filter((l) => l.kept).map(lineM2)),
  netAll: (sum(strips.filter(construction).map(pieceOf)) * TBDLMJ) / TBMJ + sum(lines.map(lineM2)),
}

let t: TestApp & { dataDir: string }
let dir: string
let key: string
let projectId: number
let byDefault: any
let defaultPieces: any[]

const config = (c: Partial<AnalysisConfig>): AnalysisConfig => ({ ...analysisDefaults, ...c })
const analyse = (c: Partial<AnalysisConfig>) => projectAnalysis(t.knex, cliActor(), projectId, { force: true, config: config(c) }) as Promise<any>
const pieces = async (c: Partial<AnalysisConfig>) => (await analysisPieces(t.knex, cliActor(), projectId, { config: config(c) })).features as any[]
const roleSum = (ps: any[], role: string) => sum(ps.filter((f) => f.properties.role === role).map((f) => f.properties.m2))

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', county)
  const text = (name: string, length = 30) => ({ name, type: 'C' as const, length })
  const n = (name: string, decimals = 2) => ({ name, type: 'N' as const, length: 15, decimals })
  const s2 = await shapefileZip(dir, 's2', {
    fields: [n('BSM', 0), text('TBBH', 10), text('DLBM', 5), n('TBMJ'), n('TBDLMJ'), text('BGRQ', 20)],
    features: strips.map((s, i) => ({
      parts: [gkRect(s.x0, -60, s.x1, 320)],
      values: { BSM: 1001 + i, TBBH: `TB${i + 1}`, DLBM: s.dlbm, TBMJ, TBDLMJ, BGRQ: s.bgrq },
    })),
  })
  const xzdw = await shapefileZip(dir, 'xzdw', {
    shapeType: 3,
    fields: [text('DLBM', 5), n('KD'), n('KCBL'), text('BGRQ', 20)],
    features: lines.map((l) => ({
      parts: [
        [
          [X + l.x, Y - 60],
          [X + l.x, Y + 320],
        ],
      ],
      values: { DLBM: '102', KD: l.kd, KCBL: l.kcbl, BGRQ: l.bgrq },
    })),
  })
  for (const [layer, file] of [
    ['survey2', s2],
    ['survey2-lines', xzdw],
  ] as const) {
    const job = await importFile(t, key, { layer }, file)
    expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
  }
  projectId = await postProject(t, key, { code: 'BASELINE-1', srid: 4548, geometry: { type: 'Polygon', coordinates: [project] } })
  byDefault = (await t.app.inject({ method: 'GET', url: `/api/v1/projects/${projectId}/analysis`, headers: withKey(key) })).json()
  defaultPieces = (await t.app.inject({ method: 'GET', url: `/api/v1/projects/${projectId}/analysis/pieces`, headers: withKey(key) })).json().features
}, 120_000)
afterAll(async () => {
  await t?.close()
  await fs.rm(dir, { recursive: true, force: true })
})

const within = (actual: number, want: number, what: string, tolerance = 0.01) =>
  expect(Math.abs(actual - want), `${what}: ${actual} vs ${want}`).toBeLessThanOrEqual(tolerance)
const check = (a: any, id: string) => a.checks.find((c: any) => c.id === id)

describe('second-survey patches changed after the 2009 baseline (default: left out)', () => {
  it('the geometry is what the test says: every strip has a piece inside, the changed ones are a real share', () => {
    for (const s of strips) expect(pieceOf(s), `${s.bgrq}`).toBeGreaterThan(5000)
    expect(expected.changed / expected.all).toBeGreaterThan(0.2)
  })

  it('keeps 20091231, 2009/1/5, 2009年1月5日, an empty and an unreadable BGRQ; leaves 20100101 and 2010-01-01 out', () => {
    within(byDefault.survey2Construction.m2, expected.kept, 'construction land')
    expect(byDefault.survey2Construction.patches).toBe(5)
    expect(byDefault.survey2Construction.latestChange).toBe('20091231')
    within(byDefault.stockArea.m2, expected.kept, 'stock')
    expect(byDefault.stockArea).toMatchObject({ method: 'survey2-construction', figure: 'gross' })
  })

  it('lists the patches left out, largest first, with TBBH, BSM and BGRQ as read and as written, and says so in Chinese', () => {
    const c = byDefault.survey2ChangedAfterBaseline
    expect(c).toMatchObject({ baselineDate: '2009-12-31', excluded: true, count: 2, lines: 1, undatedPatches: 1, unreadableDatePatches: 1 })
    within(c.m2, expected.changed, 'changed')
    const want = strips
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => construction(s) && !s.kept)
      .map(({ s, i }) => ({ tbbh: `TB${i + 1}`, bsm: 1001 + i, dlbm: s.dlbm, bgrqText: s.bgrq, m2: pieceOf(s) }))
      .sort((a, b) => b.m2 - a.m2)
    expect(c.items.map((x: any) => [x.tbbh, x.bsm, x.dlbm, x.bgrqText])).toEqual(want.map((x) => [x.tbbh, x.bsm, x.dlbm, x.bgrqText]))
    expect(c.items.map((x: any) => x.bgrq).sort()).toEqual(['20100101', '20100101'])
    c.items.forEach((x: any, i: number) => within(x.m2, want[i]!.m2, `item ${x.tbbh}`))
    expect(c.itemsMax).toBeGreaterThanOrEqual(c.items.length)
    expect(c.noteZh).toMatch(/2个二调建设用地图斑变更日期（BGRQ）晚于2009-12-31.*未计入/)
    expect(c.noteZh).toMatch(/1条二调建设用地线状地物变更日期晚于2009-12-31，未计入净面积/)
    expect(c.noteZh).toMatch(/1个计入的图斑未填变更日期/)
    expect(c.noteZh).toMatch(/1个计入的图斑变更日期（BGRQ）无法识别/)
  })

  it('built-before-2010 reads the construction land without them and names them (no review needed: the rule is applied)', () => {
    const c = check(byDefault, 'built-before-2010')
    expect(c).toMatchObject({ passed: true, needsReview: false })
    // to 0.01 m² of ~63 000 m²
    expect(c.value).toBeCloseTo(expected.kept / ellipsoidalRingArea(project.map(toLonLat)), 6)
    expect(c.messageZh).toMatch(/二调建设用地（不含变更日期晚于2009-12-31的图斑）占/)
    expect(c.messageZh).toMatch(/另有2个二调建设用地图斑.*不属于2009年底前已建设的土地，未计入/)
  })

  it('the net figure leaves them out too: kept pieces × TBDLMJ/TBMJ + the 2008 line × KD × KCBL', () => {
    within(byDefault.survey2ConstructionNet.m2, expected.netKept, 'net')
    expect(byDefault.survey2ConstructionNet.usedForStock).toBe(false)
    expect(byDefault.survey2Construction.usedForStock).toBe(true)
  })

  it('the pieces agree with the measures: survey2-construction sums to the construction land, survey2-changed to the patches left out', () => {
    within(roleSum(defaultPieces, 'survey2-construction'), byDefault.survey2Construction.m2, 'construction pieces')
    const changed = defaultPieces.filter((f) => f.properties.role === 'survey2-changed')
    expect(changed.map((f) => f.properties.name).sort()).toEqual(['20100101', '20100101'])
    within(roleSum(defaultPieces, 'survey2-changed'), byDefault.survey2ChangedAfterBaseline.m2, 'changed pieces', 0.02)
  })

  it('the OGC analysis-pieces collection cuts the same', async () => {
    const res = await t.app.inject({ url: `/ogc/collections/analysis-pieces/items?projectId=${projectId}&limit=100`, headers: withKey(key) })
    expect(res.statusCode, res.body).toBe(200)
    const features = res.json().features as any[]
    expect(features.map((f) => [f.properties.role, f.properties.m2])).toEqual(defaultPieces.map((f) => [f.properties.role, f.properties.m2]))
  })
})

describe('excludeChangedAfterBaseline off: the patches stay in, and are still listed', () => {
  let off: any
  let offPieces: any[]
  beforeAll(async () => {
    off = await analyse({ excludeChangedAfterBaseline: false })
    offPieces = await pieces({ excludeChangedAfterBaseline: false })
  })

  it('counts every construction patch in the land, the stock and the net figure', () => {
    within(off.survey2Construction.m2, expected.all, 'construction land')
    within(off.stockArea.m2, expected.all, 'stock')
    within(off.survey2ConstructionNet.m2, expected.netAll, 'net')
    expect(off.survey2Construction.latestChange).toBe('20100101')
  })

  it('lists them as kept, and built-before-2010 asks a person to check them against the baseline', () => {
    expect(off.survey2ChangedAfterBaseline).toMatchObject({ excluded: false, count: 2 })
    within(off.survey2ChangedAfterBaseline.m2, expected.changed, 'changed')
    expect(off.survey2ChangedAfterBaseline.noteZh).toMatch(/按配置仍计入/)
    expect(check(off, 'built-before-2010')).toMatchObject({ passed: true, needsReview: true, messageZh: expect.stringMatching(/其中2个图斑.*按配置仍计入/) })
  })

  it('its pieces agree with its measures', () => {
    within(roleSum(offPieces, 'survey2-construction'), off.survey2Construction.m2, 'construction pieces')
    within(roleSum(offPieces, 'survey2-changed'), off.survey2ChangedAfterBaseline.m2, 'changed pieces', 0.02)
  })
})

describe('stockFigure: which figure the stock takes', () => {
  it('gross (the default): the stock is the gross cut, usedForStock on it only', async () => {
    const a = await analyse({ stockFigure: 'gross' })
    within(a.stockArea.m2, expected.kept, 'stock')
    expect(a.stockArea.figure).toBe('gross')
    expect([a.survey2Construction.usedForStock, a.survey2ConstructionNet.usedForStock]).toEqual([true, false])
  })

  it('net: the stock is the net figure, usedForStock on it only; the patches after the baseline stay out of it', async () => {
    const a = await analyse({ stockFigure: 'net' })
    within(a.stockArea.m2, expected.netKept, 'stock')
    expect(Math.abs(a.stockArea.m2 - expected.kept)).toBeGreaterThan(1000)
    expect(a.stockArea.figure).toBe('net')
    expect([a.survey2Construction.usedForStock, a.survey2ConstructionNet.usedForStock]).toEqual([false, true])
  })

  it('net with the flag off takes every patch and line', async () => {
    const a = await analyse({ stockFigure: 'net', excludeChangedAfterBaseline: false })
    within(a.stockArea.m2, expected.netAll, 'stock')
  })
})

describe('the stock land two projects share (同一土地只核定一次) is the same stock land', () => {
  it('leaves the patches changed after the baseline out of the shared stock land by default, keeps them with the flag off', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(key),
      payload: { code: 'BASELINE-2', srid: 4548, geometry: { type: 'Polygon', coordinates: [project] } },
    })
    expect(res.statusCode, res.body).toBe(201)
    // under review: compared (a draft is not)
    await t.knex('projects').where({ xzqdm: county, id: res.json().id }).update({ status: 'submitted' })
    const shared = (a: any) => a.overlaps.find((o: any) => o.code === 'BASELINE-2')
    within(shared(await analyse({})).stockM2, expected.kept, 'shared stock land')
    within(shared(await analyse({ excludeChangedAfterBaseline: false })).stockM2, expected.all, 'shared stock land, flag off')
  })
})
