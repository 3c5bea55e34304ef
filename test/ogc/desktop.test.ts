// What desktop GIS clients need beyond OGC API – Features Part 1: a repeated ?key=, number fields
// read as reals, CQL2 filters (Part 3) pushed by GDAL, and the Part 5 schema. GDAL over a real port.
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { X, Y } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'
import { gdal, gdalSkipReason, grid, gridFields, listen, skipGdal } from './helpers.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
let port: number
const main = grid(10, 10) // 100 patches in 371502; every third (n % 3 === 0) is 0601
// The first 60 patches have whole areas, the rest 1600.5: a client typing fields from the first page sees only whole numbers.
for (const [n, f] of main.features.entries()) f.values.TBMJ = n < 60 ? 1600 : 1600.5
const fields = gridFields

const get = (url: string, k = key) => t.app.inject({ method: 'GET', url, headers: withKey(k) })
const items = (query: Record<string, string>) => get(`/ogc/collections/survey3/items?${new URLSearchParams({ limit: '1000', ...query })}`)
const tbbhs = (body: { features: Array<{ properties: { tbbh: string } }> }) =>
  body.features.map((f) => f.properties.tbbh).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
/** T<n+1> for the patches n of the grid that satisfy the predicate, in order. */
const expected = (pred: (n: number) => boolean) => [...Array(100).keys()].filter(pred).map((n) => `T${n + 1}`)

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  const admin = await keyFor(t.knex, 'admin')
  key = await keyFor(t.knex, 'county', '371502')
  const zip = await shapefileZip(dir, 's3', { fields, features: main.features })
  expect((await importFile(t, admin, { layer: 'survey3', county: '371502' }, zip)).status).toBe('succeeded')
  port = await listen(t.app)
})
afterAll(async () => {
  await t?.close()
  await fs.rm(dir, { recursive: true, force: true })
})

describe('key parameter', () => {
  it('a repeated equal ?key= is one key (QGIS copies the query onto service-desc); unequal copies are refused', async () => {
    const twice = await t.app.inject({ method: 'GET', url: `/ogc/api?key=${key}&key=${key}` })
    expect(twice.statusCode).toBe(200)
    const items = await t.app.inject({ method: 'GET', url: `/ogc/collections/survey3/items?limit=5&key=${key}&key=${key}` })
    expect(items.statusCode).toBe(200)
    expect(items.json().links.find((l: { rel: string }) => l.rel === 'next').href).toContain(`key=${key}`)
    const unequal = await t.app.inject({ method: 'GET', url: `/ogc/api?key=${key}&key=lr_other` })
    expect(unequal.statusCode).toBe(400)
    expect(unequal.headers['content-type']).toContain('application/problem+json')
    expect(unequal.json().detailZh).toContain('key')
  })
})

describe('number properties are reals', () => {
  it('whole values of number properties are written 1600.0; integer properties stay integers', async () => {
    const res = await items({ limit: '2' })
    expect(res.body).toMatch(/"tbmj"\s*:\s*1600\.0[,}]/)
    expect(res.body).toMatch(/"bsm"\s*:\s*1[,}]/)
    expect(res.json().features[0].properties.tbmj).toBe(1600)
  })

  it.skipIf(skipGdal)(
    `GDAL's GeoJSON driver reads a page of whole areas as Real; the OAPIF driver too, and keeps 1600.5 on later pages${gdalSkipReason}`,
    async () => {
      const page = path.join(dir, 'page.geojson')
      await fs.writeFile(page, (await items({ limit: '50' })).body)
      expect(await gdal('ogrinfo', ['-ro', '-so', '-al', page])).toMatch(/tbmj: Real/)
      const url = `OAPIF:http://127.0.0.1:${port}/ogc?key=${key}`
      expect(await gdal('ogrinfo', ['-ro', '-so', url, 'survey3'])).toMatch(/tbmj: Real/)
      const out = path.join(dir, 'all.geojson')
      await gdal('ogr2ogr', ['-f', 'GeoJSON', out, url, 'survey3', '-oo', 'PAGE_SIZE=20'])
      const fc = JSON.parse(await fs.readFile(out, 'utf8'))
      const areas = new Map<string, number>(fc.features.map((f: { properties: { tbbh: string; tbmj: number } }) => [f.properties.tbbh, f.properties.tbmj]))
      expect(areas.get('T1')).toBe(1600)
      expect(areas.get('T100')).toBe(1600.5)
    },
  )
})

describe('CQL2 filters (Part 3)', () => {
  it('conformance and queryables declare CQL2; every queryable is typed; the schema (Part 5) has types and Chinese titles', async () => {
    const classes = (await get('/ogc/conformance')).json().conformsTo as string[]
    for (const c of [
      'ogcapi-features-3/1.0/conf/filter',
      'ogcapi-features-3/1.0/conf/features-filter',
      'cql2/1.0/conf/cql2-text',
      'cql2/1.0/conf/cql2-json',
      'cql2/1.0/conf/basic-cql2',
      'cql2/1.0/conf/advanced-comparison-operators',
      'cql2/1.0/conf/basic-spatial-functions',
    ]) {
      expect(classes).toContain(`http://www.opengis.net/spec/${c}`)
    }
    for (const id of ['survey3', 'projects', 'analysis-pieces', 'bundles', 'survey2-lines']) {
      const q = (await get(`/ogc/collections/${id}/queryables`)).json()
      for (const [name, p] of Object.entries(q.properties as Record<string, { type?: string; format?: string; title: string }>)) {
        expect(p.type ?? p.format, `${id}.${name}`).toBeTruthy()
        expect(p.title, `${id}.${name}`).toBeTruthy()
      }
      expect(q.properties.geometry['x-ogc-role']).toBe('primary-geometry')
    }
    const schema = await get('/ogc/collections/survey3/schema')
    expect(schema.statusCode).toBe(200)
    expect(schema.headers['content-type']).toContain('application/schema+json')
    expect(schema.json().properties).toMatchObject({
      id: { type: 'integer', 'x-ogc-role': 'id' },
      tbmj: { type: 'number', title: '图斑面积' },
      dlbm: { type: 'string', title: '地类编码' },
      geometry: { format: 'geometry-multipolygon' },
    })
    expect((await get('/ogc/collections/projects/schema')).json().properties.stockAreaM2).toEqual({ title: '盘活存量面积', type: 'number' })
    const api = (await get('/ogc/api')).json()
    expect(api.paths['/collections/{collectionId}/schema'].get.operationId).toBe('getSchema')
    expect(api.paths['/collections/survey3/items'].get.parameters.map((p: { name?: string }) => p.name)).toEqual(
      expect.arrayContaining(['filter', 'filter-lang']),
    )
    const links = (await get('/ogc/collections/survey3')).json().links as Array<{ rel: string; href: string }>
    expect(links.find((l) => l.rel === 'http://www.opengis.net/def/rel/ogc/1.0/schema')!.href).toMatch(/\/collections\/survey3\/schema$/)
  })

  it('cql2-text: comparison, AND/OR/NOT, LIKE, IN, BETWEEN, IS NULL select what hand-worked predicates select', async () => {
    const cases: Array<[string, (n: number) => boolean]> = [
      [`dlbm = '0601'`, (n) => n % 3 === 0],
      [`dlbm <> '0601' AND bsm <= 10`, (n) => n % 3 !== 0 && n + 1 <= 10],
      [`bsm < 3 OR bsm > 98`, (n) => n + 1 < 3 || n + 1 > 98],
      [`NOT (bsm >= 5)`, (n) => n + 1 < 5],
      [`tbbh LIKE 'T1_'`, (n) => n + 1 >= 10 && n + 1 <= 19],
      [`bsm IN (1, 2, 50)`, (n) => [1, 2, 50].includes(n + 1)],
      [`bsm NOT IN (1, 2, 50) AND bsm BETWEEN 1 AND 6`, (n) => ![1, 2, 50].includes(n + 1) && n + 1 <= 6],
      [`tbmj > 1600`, (n) => n >= 60],
      [`"dlmc" = '工业用地' and tbmj = 1600.0`, (n) => n % 3 === 0 && n < 60],
      [`kcdlbm IS NULL AND bsm BETWEEN 95 AND 100`, (n) => n + 1 >= 95],
      [`kcdlbm IS NOT NULL`, () => false],
      [`5 > bsm`, (n) => n + 1 < 5],
    ]
    for (const [filter, pred] of cases) {
      const res = await items({ filter })
      expect(res.statusCode, filter).toBe(200)
      expect(tbbhs(res.json()), filter).toEqual(expected(pred))
      expect(res.json().numberMatched, filter).toBe(expected(pred).length)
    }
  })

  it('cql2-json gives the same selections', async () => {
    const filter = {
      op: 'and',
      args: [
        { op: 'like', args: [{ property: 'dlmc' }, '工业%'] },
        { op: 'in', args: [{ property: 'bsm' }, [1, 4, 5, 7]] },
      ],
    }
    const res = await items({ filter: JSON.stringify(filter), 'filter-lang': 'cql2-json' })
    expect(res.statusCode).toBe(200)
    expect(tbbhs(res.json())).toEqual(['T1', 'T4', 'T7'])
    const between = { op: 'not', args: [{ op: 'between', args: [{ property: 'bsm' }, 2, 100] }] }
    expect(tbbhs((await items({ filter: JSON.stringify(between), 'filter-lang': 'cql2-json' })).json())).toEqual(['T1'])
  })

  it('S_INTERSECTS with a WKT literal in CRS84, EPSG:4490 (lat/lon) and a Gauss-Kruger zone (filter-crs)', async () => {
    // A point inside the square of patch n = 12 (column 2, row 1): x0 + 100..140, y0 + 50..90.
    const inGk = [X + 120, Y + 70]
    const gk = await items({ filter: `S_INTERSECTS(geometry, POINT(${inGk.join(' ')}))`, 'filter-crs': 'http://www.opengis.net/def/crs/EPSG/0/4548' })
    expect(gk.statusCode).toBe(200)
    expect(tbbhs(gk.json())).toEqual(['T13'])
    // The same point in CRS84, read off the served square's corners.
    const ring = (await items({ filter: `tbbh = 'T13'` })).json().features[0].geometry.coordinates[0][0] as number[][]
    const lon = (Math.min(...ring.map((p) => p[0]!)) + Math.max(...ring.map((p) => p[0]!))) / 2
    const lat = (Math.min(...ring.map((p) => p[1]!)) + Math.max(...ring.map((p) => p[1]!))) / 2
    expect(tbbhs((await items({ filter: `S_INTERSECTS(geometry, POINT(${lon} ${lat}))` })).json())).toEqual(['T13'])
    const latLon = await items({ filter: `S_INTERSECTS(geometry, POINT(${lat} ${lon}))`, 'filter-crs': 'http://www.opengis.net/def/crs/EPSG/0/4490' })
    expect(tbbhs(latLon.json())).toEqual(['T13'])
    // A box over columns 0–1 of rows 0–1 (4 squares), as POLYGON and as BBOX, combined with an attribute.
    const [x0, y0, x1, y1] = [X - 5, Y - 5, X + 95, Y + 95]
    const poly = `POLYGON((${x0} ${y0}, ${x1} ${y0}, ${x1} ${y1}, ${x0} ${y1}, ${x0} ${y0}))`
    const gkCrs = { 'filter-crs': 'http://www.opengis.net/def/crs/EPSG/0/4548' }
    expect(tbbhs((await items({ filter: `S_INTERSECTS(geometry, ${poly})`, ...gkCrs })).json())).toEqual(['T1', 'T2', 'T11', 'T12'])
    expect(tbbhs((await items({ filter: `S_INTERSECTS(geometry, BBOX(${x0}, ${y0}, ${x1}, ${y1})) AND dlbm = '0601'`, ...gkCrs })).json())).toEqual(['T1'])
    const json = { op: 's_intersects', args: [{ property: 'geometry' }, { type: 'Point', coordinates: inGk }] }
    expect(tbbhs((await items({ filter: JSON.stringify(json), 'filter-lang': 'cql2-json', ...gkCrs })).json())).toEqual(['T13'])
  })

  it('bad filters are 400 problems naming the position; injection attempts select nothing or are refused; never a 500', async () => {
    const bad: Array<[string, RegExp]> = [
      [`dlbm = `, /end of the filter/],
      [`dlbm = '0601`, /character 8/],
      [`dlbm == '0601'`, /character 7/],
      [`nope = 1`, /unknown property 'nope' at character 1/],
      [`bsm = 'x'`, /bsm is integer: expected a number at character 7/],
      [`dlbm = 601`, /expected a quoted string at character 8/],
      [`bsm LIKE '1%'`, /LIKE needs a text property/],
      [`dlbm = '0601' AND`, /end of the filter/],
      [`dlbm = '0601'; DROP TABLE datasets; --`, /character 14/],
      [`dlbm = '0601' OR 1=1`, /compare|property/],
      [`S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))`, /not a valid geometry/],
      [`S_INTERSECTS(dlbm, POINT(1 2))`, /takes the property 'geometry'/],
      [`pg_sleep(10) = 1`, /character 9/],
    ]
    for (const [filter, message] of bad) {
      const res = await items({ filter })
      expect(res.statusCode, filter).toBe(400)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.json().detail, filter).toMatch(message)
      expect(res.json().detailZh, filter).toMatch(/过滤条件有误/)
      expect(typeof res.json().position, filter).toBe('number')
      expect(res.body).not.toMatch(/SELECT|postgres|ST_/i)
    }
    // Quotes inside a string are data: nothing matches, nothing breaks.
    for (const filter of [`dlbm = '0601'' OR ''1''=''1'`, `dlmc LIKE '%''; DELETE FROM datasets; --'`]) {
      const res = await items({ filter })
      expect(res.statusCode, filter).toBe(200)
      expect(res.json().numberMatched, filter).toBe(0)
    }
    const json = await items({ filter: '{"op":"=","args":[{"property":"dlbm"}', 'filter-lang': 'cql2-json' })
    expect(json.statusCode).toBe(400)
    const path = await items({
      filter: JSON.stringify({
        op: 'and',
        args: [
          { op: '=', args: [{ property: 'bsm' }, 1] },
          { op: '~', args: [] },
        ],
      }),
      'filter-lang': 'cql2-json',
    })
    expect(path.statusCode).toBe(400)
    expect(path.json().path).toBe('args[1]')
    expect((await items({ filter: `bsm = 1`, 'filter-lang': 'sql' })).statusCode).toBe(400)
    expect((await get('/ogc/collections/survey3/items?limit=1')).json().numberMatched).toBe(100)
  })

  it.skipIf(skipGdal)(`GDAL pushes ogrinfo -where to the server as CQL2 and -spat as bbox${gdalSkipReason}`, async () => {
    const urls: string[] = []
    const record = (req: { url?: string }) => urls.push(decodeURIComponent(req.url ?? ''))
    t.app.server.on('request', record)
    const url = `OAPIF:http://127.0.0.1:${port}/ogc?key=${key}`
    const where = await gdal('ogrinfo', ['-ro', '-al', '-q', url, 'survey3', '-where', `dlbm = '0601' AND bsm <= 30`])
    const spat = await gdal('ogrinfo', ['-ro', '-al', '-q', url, 'survey3', '-spat', ...spatBox()])
    t.app.server.off('request', record)
    const found = (out: string) => [...out.matchAll(/tbbh \(String\) = (T\d+)/g)].map((m) => m[1]!).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    expect(found(where)).toEqual(expected((n) => n % 3 === 0 && n + 1 <= 30))
    expect(
      urls.some((u) => u.includes('filter=') && u.includes('dlbm')),
      urls.join('\n'),
    ).toBe(true)
    expect(found(spat)).toEqual(['T1', 'T2', 'T11', 'T12'])
    expect(urls.some((u) => u.includes('bbox='))).toBe(true)
  })
})

let box: string[] = []
const spatBox = () => box
beforeAll(async () => {
  // CRS84 box around the squares of columns 0–1, rows 0–1 (read off the served geometry, shrunk by a margin inside the 10 m gaps).
  const body = (await items({ filter: `tbbh IN ('T1', 'T12')` })).json()
  const pts = body.features.flatMap((f: { geometry: { coordinates: number[][][][] } }) => f.geometry.coordinates[0]![0]!)
  const xs = pts.map((p: number[]) => p[0]!)
  const ys = pts.map((p: number[]) => p[1]!)
  box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)].map(String)
})
