// One cut (issue 20): the measures and the pieces are one definition (src/db/analysis-cut.ts), each
// project in its own plane. County 371302 is delivered in lon/lat, so the plane follows each
// project's longitude (lr_county_plane): project West near 117.4°E is cut in zone 39 (EPSG:4548,
// CM 117°E), project East near 118.6°E in zone 40 (EPSG:4549, CM 120°E). Both red lines have long
// oblique edges (2.6–3.0 km, four vertices) over densely drawn patches, buildings and a plan zone.
// Expected values are an independent cut in each zone's Gauss-Kruger coordinates, measured with
// GeographicLib (test/helpers/plane.ts). Then an OGC bbox page with a province key answers the
// pieces of the projects the box touches, the same as those projects' pieces computed alone.
import fs from 'node:fs/promises'
import proj4 from 'proj4'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { esriPrj } from '../../src/formats/shapefile/prj-writer.js'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { importFile } from '../helpers/imports.js'
import { clipConvex, denseRect, ellipsoidalAreaIn } from '../helpers/plane.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'

const county = '371302'
const zoneDef = (cm: number) => `+proj=tmerc +lat_0=0 +lon_0=${cm} +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs`

interface Site {
  name: string
  /** the zone the project must be cut in: its own longitude's */
  cm: number
  epsg: number
  /** the other zone: where a county-wide plane taken from the other project would cut it */
  otherCm: number
  /** origin of the site in its own zone */
  x: number
  y: number
}
const sites: Site[] = [
  // 117.4°E, 35.0°N
  { name: 'West', cm: 117, epsg: 4548, otherCm: 120, x: 536_500, y: 3_873_500 },
  // 118.6°E, 35.0°N
  { name: 'East', cm: 120, epsg: 4549, otherCm: 117, x: 372_300, y: 3_874_200 },
]

const cell = 500
const n = 7
const isConstruction = (i: number, j: number) => (i + j) % 3 !== 0
const buildingType = (i: number, j: number) => ((i * n + j) % 4 === 0 ? '可移动的临时建筑物' : '厂房')
// A convex red line with long oblique edges, relative to the site's origin.
const projectRel = [
  [240, 400],
  [2960, 180],
  [3300, 2760],
  [600, 3240],
  [240, 400],
]
// The permitted zone: the western 1 800 m of the site; the rest of the project is outside the plan.
const zoneRel = [0, -100, 1800, 3600] as const

interface Drawn {
  site: Site
  project: number[][]
  patches: Array<{ i: number; j: number; ring: number[][] }>
  buildings: Array<{ i: number; j: number; ring: number[][] }>
  zone: number[][]
  /** the ground east of the zone */
  east: number[][]
  id?: number
  analysis?: any
  pieces?: any[]
}

const drawn: Drawn[] = sites.map((site) => {
  const at = (ring: number[][]) => ring.map(([x, y]) => [site.x + x!, site.y + y!])
  const patches: Drawn['patches'] = []
  const buildings: Drawn['buildings'] = []
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      patches.push({ i, j, ring: at(denseRect(i * cell, j * cell, (i + 1) * cell, (j + 1) * cell)) })
      buildings.push({ i, j, ring: at(denseRect(i * cell + 300, j * cell + 300, i * cell + 460, j * cell + 420)) })
    }
  return { site, project: at(projectRel), patches, buildings, zone: at(denseRect(...zoneRel)), east: at(denseRect(zoneRel[2], zoneRel[1], 4000, zoneRel[3])) }
})

/** Positions of the site's own zone in lon/lat (the delivery) or in another zone. */
const toLonLat = (d: Drawn, ring: number[][]) => ring.map((p) => proj4(zoneDef(d.site.cm), 'WGS84', p))
const toZone = (d: Drawn, cm: number, ring: number[][]) => ring.map((p) => proj4(zoneDef(d.site.cm), zoneDef(cm), p))

/** The cut an independent desktop GIS makes in zone `cm`: the pieces of `rings` inside the red line, measured on the ellipsoid. */
function cutIn(d: Drawn, cm: number, rings: number[][][]): number {
  const project = toZone(d, cm, d.project)
  return rings.reduce((s, ring) => s + ellipsoidalAreaIn(zoneDef(cm), clipConvex(toZone(d, cm, ring), project)), 0)
}

/**
 * Outside the permitted zone: the red line on the ground east of the zone (which spans the site
 * from south to north), drawn densely as the zone's edge is, so the piece keeps the zone's vertices.
 */
const outsideIn = (d: Drawn, cm: number) => cutIn(d, cm, [d.east])

let t: TestApp & { dataDir: string }
let dir: string
let provinceKey: string
let eastOnlyBox: number[]

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  const key = await keyFor(t.knex, 'county', county)
  provinceKey = await keyFor(t.knex, 'province')
  const prj = esriPrj({ datum: 'CGCS2000' })
  const text = (name: string, length = 30) => ({ name, type: 'C' as const, length })
  const survey = [text('DLBM', 5), text('DLMC'), { name: 'TBMJ', type: 'N' as const, length: 15, decimals: 2 }]
  const zip = (name: string, fields: Parameters<typeof shapefileZip>[2]['fields'], features: Parameters<typeof shapefileZip>[2]['features']) =>
    shapefileZip(dir, name, { fields, features, prj })
  const all = <T>(f: (d: Drawn) => T[]) => drawn.flatMap(f)
  const layers: Array<[string, string]> = [
    [
      'survey2',
      await zip(
        's2',
        survey,
        all((d) =>
          d.patches.map((p) => ({
            parts: [toLonLat(d, p.ring)],
            values: isConstruction(p.i, p.j) ? { DLBM: '201', DLMC: '城市', TBMJ: 250000 } : { DLBM: '013', DLMC: '旱地', TBMJ: 250000 },
          })),
        ),
      ),
    ],
    [
      'buildings',
      await zip(
        'b',
        [text('JZLX')],
        all((d) => d.buildings.map((b) => ({ parts: [toLonLat(d, b.ring)], values: { JZLX: buildingType(b.i, b.j) } }))),
      ),
    ],
    [
      'plan-zones',
      await zip(
        'plan',
        [text('SFYX', 2)],
        all((d) => [{ parts: [toLonLat(d, d.zone)], values: { SFYX: 'Y' } }]),
      ),
    ],
  ]
  for (const [layer, file] of layers) {
    const job = await importFile(t, key, { layer }, file)
    expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
  }
  for (const d of drawn) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(key),
      payload: { code: `ONE-CUT-${d.site.name}`, srid: d.site.epsg, geometry: { type: 'Polygon', coordinates: [d.project] } },
    })
    expect(res.statusCode, res.body).toBe(201)
    d.id = res.json().id
  }
  // One batch for the county, as POST /analysis/runs measures it: both projects in one set of statements.
  const run = await t.app.inject({ method: 'POST', url: '/api/v1/analysis/runs', headers: withKey(key), payload: { county } })
  expect(run.statusCode, run.body).toBe(202)
  expect(await t.app.jobs.ended('analysis', run.json().id)).toBe('succeeded')
  for (const d of drawn) {
    d.analysis = (await t.app.inject({ method: 'GET', url: `/api/v1/projects/${d.id}/analysis`, headers: withKey(key) })).json()
    expect(d.analysis.computedNow).toBe(false) // the batch's stored result
    d.pieces = (await t.app.inject({ method: 'GET', url: `/api/v1/projects/${d.id}/analysis/pieces`, headers: withKey(key) })).json().features
  }
  // A box around the East project's red line only (lon/lat of its corners, 10 m out).
  const corners = toLonLat(drawn[1]!, drawn[1]!.project)
  const lons = corners.map((c) => c[0]!)
  const lats = corners.map((c) => c[1]!)
  eastOnlyBox = [Math.min(...lons) - 1e-4, Math.min(...lats) - 1e-4, Math.max(...lons) + 1e-4, Math.max(...lats) + 1e-4]
}, 300_000)
afterAll(async () => {
  await t?.close()
  await fs.rm(dir, { recursive: true, force: true })
})

const within = (actual: number, want: number, what: string) => expect(Math.abs(actual - want), `${what}: ${actual} vs ${want}`).toBeLessThanOrEqual(0.01)
const pieceArea = (d: Drawn, role: string) => d.pieces!.filter((f: any) => f.properties.role === role).reduce((s: number, f: any) => s + f.properties.m2, 0)

describe.each(drawn.map((d, k) => [d.site.name, k] as const))('project %s of a county delivered in lon/lat', (_name, k) => {
  const d = () => drawn[k]!
  const constructionIn = (cm: number) =>
    cutIn(
      d(),
      cm,
      d()
        .patches.filter((p) => isConstruction(p.i, p.j))
        .map((p) => p.ring),
    )
  const footprintIn = (cm: number) =>
    cutIn(
      d(),
      cm,
      d()
        .buildings.filter((b) => buildingType(b.i, b.j) === '厂房')
        .map((b) => b.ring),
    )

  it('is cut in its own longitude’s zone, reported per project', () => {
    expect(d().analysis.plane.epsg).toBe(d().site.epsg)
    expect(d().analysis.area.planarEpsg).toBe(d().site.epsg)
  })

  it('its measures are the sums of its pieces per role, to 0.01 m²', () => {
    within(d().analysis.survey2Construction.m2, pieceArea(d(), 'survey2-construction'), 'survey2 construction')
    within(d().analysis.footprint.m2, pieceArea(d(), 'footprint'), 'footprint')
    within(d().analysis.conflicts.outsidePlan.m2, pieceArea(d(), 'outside-plan'), 'outside plan')
    expect(pieceArea(d(), 'outside-plan')).toBeGreaterThan(1_000_000)
  })

  it('its measures agree with the cut in its own zone, and not with the cut in the other zone', () => {
    within(d().analysis.survey2Construction.m2, constructionIn(d().site.cm), 'construction')
    within(d().analysis.footprint.m2, footprintIn(d().site.cm), 'footprint')
    within(d().analysis.conflicts.outsidePlan.m2, outsideIn(d(), d().site.cm), 'outside plan')
    // The old county-wide plane (one project's longitude, LIMIT 1 without order) cut one of the two
    // in the other zone while its pieces stayed in its own. Measured: West cut in zone 40 moves its
    // construction land by −0.34 m², its area outside the plan by +0.58 m², its footprint by −1.86 m²;
    // East cut in zone 39 (every project in 117°E's plane) reads 4 975 195.39 m² of construction land
    // against 4 975 195.15 m² in its own zone (+0.24 m²).
    expect(Math.abs(constructionIn(d().site.otherCm) - constructionIn(d().site.cm))).toBeGreaterThan(0.1)
    expect(Math.abs(outsideIn(d(), d().site.otherCm) - outsideIn(d(), d().site.cm))).toBeGreaterThan(0.1)
  })
})

describe('an OGC analysis-pieces page with a bbox and a province key', () => {
  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: withKey(provinceKey) })
  const features = async (query: string) => {
    const res = await get(`/ogc/collections/analysis-pieces/items?limit=1000&${query}`)
    expect(res.statusCode, res.body).toBe(200)
    return res.json().features as any[]
  }

  it('answers the pieces of the projects the box touches, as computed for those projects alone', async () => {
    const inBox = await features(`bbox=${eastOnlyBox.join(',')}`)
    const east = drawn[1]!
    expect(new Set(inBox.map((f) => f.properties.projectId))).toEqual(new Set([east.id]))
    const alone = await features(`projectId=${east.id}`)
    expect(alone.map((f) => f.properties.role)).toEqual(['project', 'survey2-construction', 'footprint', 'outside-plan'])
    expect(inBox).toEqual(alone)
    // and they are the pieces the project's own endpoint shows
    expect(inBox.map((f) => [f.properties.role, f.properties.m2])).toEqual(east.pieces!.map((f: any) => [f.properties.role, f.properties.m2]))
  })

  it('a box across one project’s edge answers only the pieces there, each as computed for that project alone', async () => {
    const west = drawn[0]!
    // a 200 m square on the West project's first (southern) edge
    const [x, y] = [west.site.x + 1600, west.site.y + 290]
    const corners = toLonLat(west, [
      [x - 100, y - 100],
      [x + 100, y + 100],
    ])
    const inBox = await features(`bbox=${[...corners[0]!, ...corners[1]!].join(',')}`)
    const alone = new Map((await features(`projectId=${west.id}`)).map((f) => [f.id, f]))
    expect(inBox.length).toBeGreaterThan(0)
    expect(inBox.length).toBeLessThan(alone.size)
    for (const f of inBox) expect(f).toEqual(alone.get(f.id))
  })
})
