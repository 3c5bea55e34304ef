// Bundles of contiguous plots on hand-made layouts whose answers are known (EPSG:4548, metres).
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { gkArea, gkRect } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string

const plot = (code: string, x0: number, y0: number, x1: number, y1: number, zl = '371502001000') => ({
  parts: [gkRect(x0, y0, x1, y1)],
  values: { TBBH: code, ZLDWDM: zl, QSDWDM: '371502001001' },
})
// A 3×3 grid of 100 m cells without its centre; G8 lies in another village; E1 is a small corner piece.
const grid = [
  [0, 0],
  [100, 0],
  [200, 0],
  [0, 100],
  [200, 100],
  [0, 200],
  [100, 200],
  [200, 200],
].map(([x, y], i) => plot(`G${i + 1}`, x!, y!, x! + 100, y! + 100, i === 7 ? '371502002000' : '371502001000'))
const layout = [
  ...grid,
  plot('E1', 300, 0, 340, 40), // 1 600 m² touching G3: 边角地
  plot('R1', 1000, 0, 1100, 100), // two plots a 6 m road apart
  plot('R2', 1106, 0, 1206, 100),
  plot('C1', 2000, 0, 2100, 100), // touching only at a corner
  plot('C2', 2100, 100, 2200, 200),
  plot('I1', 3000, 0, 3030, 30), // isolated and small
  // A U of five cells around a notch: the notch's land shares 3 of its 4 sides with members.
  plot('U1', 5000, 0, 5100, 100),
  plot('U2', 5100, 0, 5200, 100),
  plot('U3', 5200, 0, 5300, 100),
  plot('U4', 5000, 100, 5100, 200),
  plot('U5', 5200, 100, 5300, 200),
]
const patch = (tbbh: string, x0: number, y0: number, x1: number, y1: number, dlbm = '0601') => ({
  parts: [gkRect(x0, y0, x1, y1)],
  values: { TBBH: tbbh, ZLDWDM: '371502001000', DLBM: dlbm, DLMC: dlbm === '0601' ? '工业用地' : '其他草地' },
})
// Third-survey land around the bundles (non-member land).
const land = [
  patch('H1', 100, 100, 200, 200), // in the grid's hole: the hole, not land
  patch('N1', 5100, 100, 5200, 200), // the notch: 75 % of its boundary on members → 夹心地
  patch('N2', 5100, 200, 5200, 300), // above the notch, touching members only at corners
  patch('S1', 5300, 0, 5330, 30, '0404'), // 900 m² on the U's edge → 边角地
  patch('L1', 5300, 30, 5400, 200), // large, 31 % shared: nothing
  patch('P1', 4980, 0, 5050, 60), // straddles U1: the 1 200 m² outside counts, not the patch
  patch('K1', 5300, 200, 5320, 220), // small but touching U5 at one point: not adjacent
  patch('M2', 5100, 0, 5200, 100), // exactly U2: nothing outside the member
  patch('T1', 4992, 150, 5010, 160), // U4 drawn across it: the 80 m² left outside is a remnant, not land
  patch('W1', 5200, 200, 5300, 201.5), // a 1.5 m strip along U5's top: a sliver, not land
]

async function run(gapMeters: number, more: object = {}) {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/bundles/runs', headers: withKey(key), payload: { gapMeters, ...more } })
  expect(res.statusCode, res.body).toBe(202)
  await t.app.jobs.ended('bundles', res.json().id)
  const r = (await t.app.inject({ method: 'GET', url: res.json().url, headers: withKey(key) })).json()
  expect(r.status, JSON.stringify(r.errors)).toBe('succeeded')
  return (await t.app.inject({ method: 'GET', url: '/api/v1/bundles', headers: withKey(key) })).json()
}
/** 亩 to 4 decimals, as the reasons write them (no threshold lies near these areas) */
const mu4 = (m2: number) => ((m2 * 15) / 10000).toFixed(4)
const e1Mu = mu4(gkArea(300, 0, 340, 40))
const bundleWith = (fc: any, code: string) => fc.features.find((f: any) => f.properties.members.includes(code)).properties

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
  const zip = await shapefileZip(dir, 'plots', {
    fields: [
      { name: 'TBBH', type: 'C', length: 10 },
      { name: 'ZLDWDM', type: 'C', length: 12 },
      { name: 'QSDWDM', type: 'C', length: 12 },
    ],
    features: layout,
  })
  const text = (name: string, length: number) => ({ name, type: 'C' as const, length })
  const survey3 = await shapefileZip(dir, 's3', { fields: [text('TBBH', 10), text('ZLDWDM', 12), text('DLBM', 5), text('DLMC', 20)], features: land })
  expect((await importFile(t, key, { layer: 'survey3' }, survey3)).status).toBe('succeeded')
  // Second-survey construction land over half the notch (no change date), and patches changed (BGRQ)
  // after the 2009 baseline over the other half, in the grid's hole and over half of G1: none of them
  // is 2009 construction land, as the project analysis cuts it (src/db/analysis-cut.ts survey2StockLand).
  const s2 = (x0: number, y0: number, x1: number, y1: number, BGRQ = '') => ({ parts: [gkRect(x0, y0, x1, y1)], values: { DLBM: '201', DLMC: '城市', BGRQ } })
  const survey2 = await shapefileZip(dir, 's2', {
    fields: [text('DLBM', 5), text('DLMC', 20), text('BGRQ', 10)],
    features: [
      s2(5100, 100, 5150, 200),
      s2(5150, 100, 5200, 200, '20140601'),
      s2(100, 100, 200, 200, '2013-05-01'),
      s2(0, 0, 50, 100, '20120315'),
      s2(50, 0, 100, 100, '20090630'),
    ],
  })
  expect((await importFile(t, key, { layer: 'survey2' }, survey2)).status).toBe('succeeded')
  const job = await importFile(t, key, { layer: 'plots' }, zip)
  expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
  // The bundles follow the plots as a bundle run of their own, named by the import.
  expect(job.followUps).toEqual([
    { kind: 'bundles', id: expect.any(Number), url: expect.stringMatching(/^\/api\/v1\/bundles\/runs\/\d+$/), status: 'succeeded' },
  ])
  expect(job.warnings).toContainEqual({
    message: `plots: the contiguous bundles are recomputed by bundle run ${job.followUps[0].id} (${job.followUps[0].url})`,
    messageZh: `连片分析将由第 ${job.followUps[0].id} 次连片计算重新生成`,
  })
  const followUp = (await t.app.inject({ method: 'GET', url: job.followUps[0].url, headers: withKey(key) })).json()
  expect(followUp).toMatchObject({ status: 'succeeded', progress: 1, active: true, afterImportJobId: job.id, bundleCount: 6 })
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})

describe('bundles of touching plots (gapMeters 0)', () => {
  let fc: any
  beforeAll(async () => {
    fc = await run(0)
  })

  it('groups touching plots, corner contact included; an isolated plot is its own bundle', () => {
    const members = fc.features.map((f: any) => f.properties.members)
    expect(members).toEqual(
      expect.arrayContaining([['E1', 'G1', 'G2', 'G3', 'G4', 'G5', 'G6', 'G7', 'G8'], ['R1'], ['R2'], ['C1', 'C2'], ['I1'], ['U1', 'U2', 'U3', 'U4', 'U5']]),
    )
    expect(fc.features).toHaveLength(6)
    expect(bundleWith(fc, 'C1').memberCount).toBe(2)
  })

  it('dissolves the grid, with the missing centre as one enclave of the centre cell’s area', () => {
    const g = bundleWith(fc, 'G1')
    const cells = [
      [0, 0],
      [100, 0],
      [200, 0],
      [0, 100],
      [200, 100],
      [0, 200],
      [100, 200],
      [200, 200],
    ].reduce((s, [x, y]) => s + gkArea(x!, y!, x! + 100, y! + 100), 0)
    expect(Math.abs(g.m2 - (cells + gkArea(300, 0, 340, 40)))).toBeLessThanOrEqual(0.01)
    expect(g.enclosedGaps).toHaveLength(1)
    expect(Math.abs(g.enclosedGaps[0].m2 - gkArea(100, 100, 200, 200))).toBeLessThanOrEqual(0.01)
    // the hole's construction land changed in 2013: not 2009 land
    expect(g.enclosedGaps[0]).toMatchObject({ kind: 'enclave', source: 'hole', survey2ConstructionM2: 0, rule: 'hole' })
    expect(g.enclosedGaps[0].reasonZh).toBe(`组团内部的空洞 ${mu4(gkArea(100, 100, 200, 200))} 亩，四周均为成员图斑（夹心地）`)
    // of G1's construction land only the half unchanged since 2009 counts
    expect(Math.abs(g.survey2ConstructionM2 - gkArea(50, 0, 100, 100))).toBeLessThanOrEqual(0.01)
    expect(g.meetsMinArea).toBe(true)
    expect(bundleWith(fc, 'I1').meetsMinArea).toBe(false)
  })

  it('flags 插花地 (another 坐落), 边角地 (small on the edge) and scattered plots', () => {
    const g = bundleWith(fc, 'G1')
    const flagged = (flag: string) => g.flags.filter((f: any) => f.flag === flag && f.member).map((f: any) => f.plot)
    expect(flagged('interspersed')).toEqual(['G8'])
    expect(flagged('corner')).toEqual(['E1'])
    expect(bundleWith(fc, 'I1').flags).toEqual([expect.objectContaining({ plot: 'I1', flag: 'scattered' })])
  })

  it('reports non-member land mostly bounded by members as 夹心地, with its construction land', () => {
    const u = bundleWith(fc, 'U1')
    expect(u.enclosedGaps).toHaveLength(1)
    const [notch] = u.enclosedGaps
    expect(notch).toMatchObject({ kind: 'enclave', source: 'land', patch: { tbbh: 'N1', dlbm: '0601' } })
    expect(notch.sharedBoundaryShare).toBeGreaterThanOrEqual(0.75)
    expect(notch.sharedBoundaryShare).toBeLessThan(0.751)
    expect(Math.abs(notch.m2 - gkArea(5100, 100, 5200, 200))).toBeLessThanOrEqual(0.01)
    expect(Math.abs(notch.survey2ConstructionM2 - gkArea(5100, 100, 5150, 200))).toBeLessThanOrEqual(0.01)
    expect(notch.geometry.type).toBe('Polygon')
  })

  it('flags small adjacent non-member pieces on the edge as 边角地, by the piece outside the members', () => {
    const u = bundleWith(fc, 'U1')
    const corners = u.flags.filter((f: any) => f.flag === 'corner' && !f.member)
    expect(corners.map((f: any) => f.patch.tbbh).sort()).toEqual(['P1', 'S1'])
    expect(Math.abs(corners.find((f: any) => f.patch.tbbh === 'P1').m2 - gkArea(4980, 0, 5000, 60))).toBeLessThanOrEqual(0.01)
    expect(corners.every((f: any) => f.geometry?.type === 'Polygon' && /边角地/.test(f.reason))).toBe(true)
    expect(u.flags.filter((f: any) => f.member && f.flag === 'corner')).toEqual([])
    // the grid's hole holds land, which is the hole already and not reported twice
    expect(bundleWith(fc, 'G1').enclosedGaps).toHaveLength(1)
    expect(bundleWith(fc, 'G1').flags.filter((f: any) => !f.member)).toEqual([])
  })

  it('says why each plot and piece is flagged: the rule, the figures measured and the reason in Chinese', () => {
    const g = bundleWith(fc, 'G1')
    const of = (plot: string, flag: string) => g.flags.find((f: any) => f.plot === plot && f.flag === flag)
    expect(of('G8', 'interspersed')).toMatchObject({
      rule: 'other-location',
      measured: { code: '371502002000', majorityCode: '371502001000' },
      reasonZh: '坐落单位 371502002000，而组团大部分面积坐落于 371502001000（插花地）',
    })
    const corner = of('E1', 'corner')
    expect(corner).toMatchObject({
      rule: 'small-on-edge',
      measured: { onEdge: true, thresholdM2: 2000 },
      reasonZh: `位于组团外缘，面积 ${e1Mu} 亩，小于 3 亩（边角地）`,
    })
    expect(Math.abs(corner.measured.m2 - gkArea(300, 0, 340, 40))).toBeLessThanOrEqual(0.01)
    expect(of('E1', 'scattered')).toMatchObject({ rule: 'under-min-area', reasonZh: `单独 ${e1Mu} 亩，不足单独立项所需的 15 亩（零散）` })
    const u = bundleWith(fc, 'U1')
    expect(u.enclosedGaps[0]).toMatchObject({ rule: 'enclosed-share', measured: { thresholdShare: 0.75 } })
    // the shared boundary is measured within 0.1 m of the members (sharedToleranceM): a hair over the 3 sides of 4
    expect(u.enclosedGaps[0].reasonZh).toMatch(
      new RegExp(
        `^三调图斑 371502001000/N1 工业用地：非成员用地 ${mu4(gkArea(5100, 100, 5200, 200))} 亩，边界的 75\\.[01] % 与组团成员相接，不低于 75\\.0 %（夹心地）$`,
      ),
    )
    // S1 (30 × 30 m) shares 30 m of its 120 m boundary with U3, and 0.1 m more at each end (the tolerance)
    const s1 = u.flags.find((f: any) => f.patch?.tbbh === 'S1')
    expect(s1.measured.sharedShare).toBeCloseTo(30.2 / 120, 4)
    expect(s1.reasonZh).toBe(
      `三调图斑 371502001000/S1 其他草地：组团外缘的非成员用地 ${mu4(gkArea(5300, 0, 5330, 30))} 亩，小于 3 亩；边界的 25.2 % 与成员相接，不足夹心地的 75.0 %（边角地）`,
    )
  })

  it('gives a bundle piece by piece: every member with its flags and reasons, and its 边角地 and 夹心地', async () => {
    const u = bundleWith(fc, 'U1')
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/bundles/${u.bundleId}/pieces`, headers: withKey(key) })
    expect(res.statusCode, res.body).toBe(200)
    const props = res.json().features.map((f: any) => f.properties)
    // each 100 m cell is a hair under 15 mu on the ellipsoid: too small on its own
    expect(props.map((p: any) => [p.piece, p.plot ?? p.patch.tbbh, p.flags])).toEqual([
      ...['U1', 'U2', 'U3', 'U4', 'U5'].map((plot) => ['member', plot, ['scattered']]),
      ['land', 'S1', ['corner']],
      ['land', 'P1', ['corner']],
      ['land', 'N1', ['enclave']],
    ])
    expect(res.json().features.every((f: any) => /Polygon$/.test(f.geometry.type))).toBe(true)
    expect(props[7].reasons[0].reasonZh).toMatch(/（夹心地）$/)
    const g = (await t.app.inject({ method: 'GET', url: `/api/v1/bundles/${bundleWith(fc, 'G1').bundleId}/pieces`, headers: withKey(key) })).json()
    const e1 = g.features.find((f: any) => f.properties.plot === 'E1').properties
    expect(e1.flags).toEqual(['scattered', 'corner'])
    expect(e1.reasons.map((r: any) => r.reasonZh)).toEqual([
      `单独 ${e1Mu} 亩，不足单独立项所需的 15 亩（零散）`,
      `位于组团外缘，面积 ${e1Mu} 亩，小于 3 亩（边角地）`,
    ])
    expect(g.features.filter((f: any) => f.properties.piece === 'hole')).toHaveLength(1)
    const other = await keyFor(t.knex, 'county', '371521')
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/bundles/${u.bundleId}/pieces`, headers: withKey(other) })).statusCode).toBe(404)
  })

  it('answers which bundle a plot belongs to', async () => {
    const id = (await t.knex('low_efficiency_plots').first('id').where({ plot_code: 'C2' })).id
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/plots/${id}/bundle`, headers: withKey(key) })
    expect(res.statusCode).toBe(200)
    expect(res.json().properties.members).toEqual(['C1', 'C2'])
  })

  const cellsOf = (cells: number[][]) => cells.reduce((sum, [x, y]) => sum + gkArea(x!, y!, x! + 100, y! + 100), 0)
  const makeProject = (bundleId: number, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1/bundles/${bundleId}/project`, headers: withKey(key), payload })

  it('makes a project of a bundle with its hole (夹心地) by default, analysed like any other', async () => {
    const bundleId = bundleWith(fc, 'G1').bundleId
    const res = await makeProject(bundleId, { code: 'LP-001' })
    expect(res.statusCode, res.body).toBe(201)
    // the whole 3 × 3 grid (centre included) and E1
    const whole =
      cellsOf([
        [0, 0],
        [100, 0],
        [200, 0],
        [0, 100],
        [100, 100],
        [200, 100],
        [0, 200],
        [100, 200],
        [200, 200],
      ]) + gkArea(300, 0, 340, 40)
    expect(Math.abs(res.json().areaM2 - whole)).toBeLessThanOrEqual(0.01)
    expect(res.json().name).toMatch(/含夹心地1处/)
    const analysis = await t.app.inject({ method: 'GET', url: `/api/v1/projects/${res.json().id}/analysis`, headers: withKey(key) })
    expect(analysis.statusCode).toBe(200)
  })

  it('adds the enclosed land (a notch, not a hole) to the project, and leaves the gaps out when asked', async () => {
    const bundleId = bundleWith(fc, 'U1').bundleId
    const members = cellsOf([
      [5000, 0],
      [5100, 0],
      [5200, 0],
      [5000, 100],
      [5200, 100],
    ])
    const withNotch = await makeProject(bundleId, { code: ' LP-U ', name: '东关连片改造' })
    expect(withNotch.statusCode, withNotch.body).toBe(201)
    expect(withNotch.json()).toMatchObject({ code: 'LP-U', name: '东关连片改造' })
    expect(Math.abs(withNotch.json().areaM2 - (members + gkArea(5100, 100, 5200, 200)))).toBeLessThanOrEqual(0.01)
    expect(withNotch.json().geometry.type).toBe('MultiPolygon')
    expect(withNotch.json().geometry.coordinates).toHaveLength(1) // one piece, no hairline hole left between notch and members
    expect(withNotch.json().geometry.coordinates[0]).toHaveLength(1)
    const without = await makeProject(bundleId, { code: 'LP-U-ONLY', includeEnclosedGaps: false })
    expect(Math.abs(without.json().areaM2 - members)).toBeLessThanOrEqual(0.01)
    const grid = await makeProject(bundleWith(fc, 'G1').bundleId, { code: 'LP-G-ONLY', includeEnclosedGaps: false })
    expect(Math.abs(grid.json().areaM2 - bundleWith(fc, 'G1').m2)).toBeLessThanOrEqual(0.01)
    // a code taken is refused
    expect((await makeProject(bundleId, { code: 'LP-U' })).statusCode).toBe(409)
  })

  it('marks the bundles made into projects (已立项), in a later run too when its members are the same', async () => {
    const ids = (fc: any) => Object.fromEntries(fc.features.map((f: any) => [f.properties.members[0], f.properties.projects.map((p: any) => p.code)]))
    const now = (await t.app.inject({ method: 'GET', url: '/api/v1/bundles', headers: withKey(key) })).json()
    expect(ids(now)).toMatchObject({ E1: ['LP-001', 'LP-G-ONLY'], U1: ['LP-U', 'LP-U-ONLY'], R1: [], C1: [] })
    expect(bundleWith(now, 'U1').projects[0]).toEqual({ id: expect.any(Number), code: 'LP-U', name: '东关连片改造' })
    const again = await run(0)
    expect(bundleWith(again, 'U1').bundleId).not.toBe(bundleWith(now, 'U1').bundleId)
    expect(ids(again)).toMatchObject({ E1: ['LP-001', 'LP-G-ONLY'], U1: ['LP-U', 'LP-U-ONLY'], R1: [] })
  })
})

describe('bundles across a gap', () => {
  it('joins two plots a road apart at gapMeters ≥ the road width, not below', async () => {
    expect(bundleWith(await run(5.99), 'R1').members).toEqual(['R1'])
    expect(bundleWith(await run(6.01), 'R1').members).toEqual(['R1', 'R2'])
  })

  it('keeps only the current run’s bundles: an inactive run’s rows are pruned, its run row stays', async () => {
    await run(5.99)
    await run(6.01)
    const runs = await t.knex('bundle_runs').select('id', 'active').where({ xzqdm: '371502' })
    expect(runs.length).toBeGreaterThanOrEqual(2)
    const active = runs.find((r) => r.active)!.id
    const { rows } = await t.knex.raw('SELECT DISTINCT run_id FROM bundles WHERE xzqdm = ?', ['371502'])
    expect(rows.map((r: { run_id: number }) => r.run_id)).toEqual([active])
  })

  it('keeps another county out', async () => {
    const other = await keyFor(t.knex, 'county', '371521')
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/bundles/runs', headers: withKey(other), payload: { county: '371502' } })
    expect(res.statusCode).toBe(403)
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/bundles?county=371502', headers: withKey(other) })
    expect(list.json().features).toEqual([])
  })
})

describe('bundles follow the land around them', () => {
  it('recomputes enclaves when a new third-survey version is imported', async () => {
    const text = (name: string, length: number) => ({ name, type: 'C' as const, length })
    const withoutNotch = await shapefileZip(dir, 's3b', {
      fields: [text('TBBH', 10), text('ZLDWDM', 12), text('DLBM', 5), text('DLMC', 20)],
      features: land.filter((p) => p.values.TBBH !== 'N1'),
    })
    const job = await importFile(t, key, { layer: 'survey3' }, withoutNotch)
    expect(job.status).toBe('succeeded')
    expect(job.warnings).toContainEqual(
      expect.objectContaining({ message: expect.stringMatching(/^survey3: the contiguous bundles are recomputed by bundle run \d+/) }),
    )
    expect(job.followUps).toMatchObject([{ kind: 'bundles', status: 'succeeded' }])
    const fc = (await t.app.inject({ method: 'GET', url: '/api/v1/bundles', headers: withKey(key) })).json()
    expect(bundleWith(fc, 'U1').enclosedGaps).toEqual([])
    expect(
      bundleWith(fc, 'U1')
        .flags.filter((f: any) => !f.member)
        .map((f: any) => f.patch.tbbh)
        .sort(),
    ).toEqual(['P1', 'S1'])
  })
})

describe('bundles with another minimum area', () => {
  it('flags and words by the run’s minBundleMu (20), never by 15', async () => {
    const fc = await run(0, { minBundleMu: 20 })
    const g = bundleWith(fc, 'G1')
    // every 100 m cell is 15 mu (10 000 m²), under 20
    const scattered = g.flags.filter((f: any) => f.flag === 'scattered')
    expect(scattered.map((f: any) => f.plot)).toEqual(['E1', 'G1', 'G2', 'G3', 'G4', 'G5', 'G6', 'G7', 'G8'])
    expect(scattered.every((f: any) => /under the 20 mu/.test(f.reason) && !/\b15 mu\b/.test(f.reason))).toBe(true)
    expect(bundleWith(fc, 'I1').meetsMinArea).toBe(false)
  })
})
