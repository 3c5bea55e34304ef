// Cut in the plane the data was drawn in (issue 12): red lines with long oblique edges (1.3–1.4 km,
// four vertices) over densely drawn patches and buildings, in zone 39 (CM 117°E, delivered without
// zone prefix) and zone 40 (CM 120°E, delivered with the prefix). Every piece is checked to 0.01 m²
// against an independent cut in Gauss-Kruger coordinates measured with GeographicLib
// (test/helpers/plane.ts). Cut in lon/lat instead, the pieces along the long edges move by up to a
// few tenths of a m² (a straight 1.4 km Gauss-Kruger edge is ~50 mm off the straight lon/lat chord).
import fs from 'node:fs/promises'
import proj4 from 'proj4'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { esriPrj } from '../../src/formats/shapefile/prj-writer.js'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { ellipsoidalRingArea } from '../helpers/geometry.js'
import { importFile } from '../helpers/imports.js'
import { clipConvex, denseRect, ellipsoidalAreaIn } from '../helpers/plane.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'

interface Zone {
  county: string
  cm: number
  /** false easting of the delivery (with or without the zone prefix) */
  falseEasting: number
  /** the plane the service must cut in */
  epsg: number
  x: number
  y: number
}

const zones: Zone[] = [
  { county: '371502', cm: 117, falseEasting: 500_000, epsg: 4548, x: 410_000, y: 4_030_000 },
  { county: '370702', cm: 120, falseEasting: 40_500_000, epsg: 4549, x: 40_420_000, y: 4_060_000 },
]

const cell = 250
const n = 7
const isConstruction = (i: number, j: number) => (i + j) % 3 !== 0
const buildingType = (i: number, j: number) => ((i * n + j) % 4 === 0 ? '可移动的临时建筑物' : '厂房')
// A convex red line with long oblique edges (1 301–1 435 m), relative to the zone's origin.
const projectRel = [
  [120, 200],
  [1480, 90],
  [1650, 1380],
  [300, 1620],
  [120, 200],
]

let t: TestApp & { dataDir: string }
let dir: string

interface Outcome {
  zone: Zone
  def: string
  analysis: any
  pieces: any[]
  project: number[][]
  patches: Array<{ i: number; j: number; ring: number[][] }>
  buildings: Array<{ i: number; j: number; ring: number[][] }>
}
const outcomes: Outcome[] = []

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  for (const zone of zones) {
    const key = await keyFor(t.knex, 'county', zone.county)
    const def = `+proj=tmerc +lat_0=0 +lon_0=${zone.cm} +k=1 +x_0=${zone.falseEasting} +y_0=0 +ellps=GRS80 +units=m +no_defs`
    const prj = esriPrj({ datum: 'CGCS2000', centralMeridian: zone.cm, falseEasting: zone.falseEasting })
    const at = (ring: number[][]) => ring.map(([x, y]) => [zone.x + x!, zone.y + y!])
    const patches: Outcome['patches'] = []
    const buildings: Outcome['buildings'] = []
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        patches.push({ i, j, ring: at(denseRect(i * cell, j * cell, (i + 1) * cell, (j + 1) * cell)) })
        // A building straddling the cell's corner, so that many are cut by the long edges.
        buildings.push({ i, j, ring: at(denseRect(i * cell + 150, j * cell + 150, i * cell + 230, j * cell + 210)) })
      }
    const text = (name: string, length = 30) => ({ name, type: 'C' as const, length })
    const survey = [text('DLBM', 5), text('DLMC'), { name: 'TBMJ', type: 'N' as const, length: 15, decimals: 2 }]
    const zip = (name: string, fields: Parameters<typeof shapefileZip>[2]['fields'], features: Parameters<typeof shapefileZip>[2]['features']) =>
      shapefileZip(dir, `${zone.county}-${name}`, { fields, features, prj })
    const layers: Array<[string, string]> = [
      [
        'survey2',
        await zip(
          's2',
          survey,
          patches.map((p) => ({
            parts: [p.ring],
            values: isConstruction(p.i, p.j) ? { DLBM: '201', DLMC: '城市', TBMJ: 62500 } : { DLBM: '013', DLMC: '旱地', TBMJ: 62500 },
          })),
        ),
      ],
      [
        'survey3',
        await zip(
          's3',
          survey,
          patches.map((p) => ({
            parts: [p.ring],
            values: (p.i + p.j) % 2 ? { DLBM: '0601', DLMC: '工业用地', TBMJ: 62500 } : { DLBM: '0103', DLMC: '旱地', TBMJ: 62500 },
          })),
        ),
      ],
      [
        'buildings',
        await zip(
          'b',
          [text('JZLX')],
          buildings.map((b) => ({ parts: [b.ring], values: { JZLX: buildingType(b.i, b.j) } })),
        ),
      ],
    ]
    for (const [layer, file] of layers) {
      const job = await importFile(t, key, { layer }, file)
      expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
    }
    const project = at(projectRel)
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(key),
      payload: {
        code: `OBLIQUE-${zone.cm}`,
        srid: zone.falseEasting > 1e6 ? 4488 + Math.floor(zone.falseEasting / 1e6) : zone.epsg,
        geometry: { type: 'Polygon', coordinates: [project] },
      },
    })
    expect(res.statusCode, res.body).toBe(201)
    const id = res.json().id
    const analysis = (await t.app.inject({ method: 'GET', url: `/api/v1/projects/${id}/analysis`, headers: withKey(key) })).json()
    const pieces = (await t.app.inject({ method: 'GET', url: `/api/v1/projects/${id}/analysis/pieces`, headers: withKey(key) })).json().features
    outcomes.push({ zone, def, analysis, pieces, project, patches, buildings })
  }
}, 300_000)
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})

const within = (actual: number, want: number, what: string) => expect(Math.abs(actual - want), `${what}: ${actual} vs ${want}`).toBeLessThanOrEqual(0.01)

describe.each(zones.map((z, k) => [z.cm, k] as const))('red line with long oblique edges, CM %i°E', (_cm, k) => {
  const o = () => outcomes[k]!
  const piece = (ring: number[][]) => ellipsoidalAreaIn(o().def, clipConvex(ring, o().project))

  it('cuts in the county’s delivery plane', () => {
    expect(o().analysis.plane.epsg).toBe(o().zone.epsg)
    expect(o().analysis.area.planarEpsg).toBe(o().zone.epsg)
  })

  it('measures the project on the ellipsoid (GeographicLib on its four corners)', () => {
    const area = ellipsoidalRingArea(o().project.map((p) => proj4(o().def, 'WGS84', p)))
    within(o().analysis.area.m2, area, 'project')
  })

  it('every third-survey piece agrees to 0.01 m² with the cut in the plane', () => {
    const expected = o()
      .patches.map((p) => piece(p.ring))
      .filter((a) => a > 0)
      .sort((a, b) => a - b)
    const got = o()
      .pieces.filter((f: any) => f.properties.role === 'survey3')
      .map((f: any) => f.properties.m2)
      .sort((a: number, b: number) => a - b)
    expect(got.length).toBe(expected.length)
    expect(expected.length).toBeGreaterThan(20)
    got.forEach((a: number, i: number) => within(a, expected[i]!, `survey3 piece ${i}`))
    // and the breakdown by land use sums them (industrial on odd cells)
    const industrial = o()
      .patches.filter((p) => (p.i + p.j) % 2)
      .reduce((s, p) => s + piece(p.ring), 0)
    within(o().analysis.survey3.find((r: any) => r.code === '0601').m2, industrial, 'survey3 0601')
  })

  it('second-survey construction land agrees to 0.01 m²', () => {
    const expected = o()
      .patches.filter((p) => isConstruction(p.i, p.j))
      .reduce((s, p) => s + piece(p.ring), 0)
    within(o().analysis.survey2Construction.m2, expected, 'construction')
    within(o().pieces.find((f: any) => f.properties.role === 'survey2-construction').properties.m2, expected, 'construction piece')
  })

  it('the footprint agrees to 0.01 m², without the movable temporary buildings (可移动的临时建筑物)', () => {
    const counted = o().buildings.filter((b) => buildingType(b.i, b.j) === '厂房')
    const expected = counted.reduce((s, b) => s + piece(b.ring), 0)
    within(o().analysis.footprint.m2, expected, 'footprint')
    expect(o().analysis.footprint.types).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: '厂房', class: 'counted', counted: true }),
        expect.objectContaining({ type: '可移动的临时建筑物', class: 'excluded', counted: false, category: '可移动的临时建筑物' }),
      ]),
    )
  })
})
