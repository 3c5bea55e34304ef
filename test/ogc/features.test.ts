// OGC API – Features against a hand-made county: documents, paging, CRSs, filters, region scope,
// and GDAL's OAPIF driver reading it over a real port.
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { ellipsoidalRingArea } from '../helpers/geometry.js'
import { X, Y } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'
import { gdal, gdalSkipReason, grid, gridFields, listen, skipGdal } from './helpers.js'

let t: TestApp & { dataDir: string }
let key: string
let otherKey: string
let cityKey: string
let dir: string
let port: number
const main = grid(15, 17) // 255 patches in 371502
const other = grid(3, 1, 5000, 0) // 3 patches in 371521
const fields = gridFields

const get = (url: string, k = key) => t.app.inject({ method: 'GET', url, headers: withKey(k) })

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  const admin = await keyFor(t.knex, 'admin')
  key = await keyFor(t.knex, 'county', '371502')
  otherKey = await keyFor(t.knex, 'county', '371521')
  cityKey = await keyFor(t.knex, 'city', '3715')
  // A first version that the second replaces: only the active one may be served.
  const old = await shapefileZip(dir, 'old', { fields, features: main.features.slice(0, 10) })
  expect((await importFile(t, admin, { layer: 'survey3', county: '371502' }, old)).status).toBe('succeeded')
  const zip = await shapefileZip(dir, 's3', { fields, features: main.features })
  expect((await importFile(t, admin, { layer: 'survey3', county: '371502' }, zip)).status).toBe('succeeded')
  const zip2 = await shapefileZip(dir, 's3b', { fields, features: other.features })
  expect((await importFile(t, admin, { layer: 'survey3', county: '371521' }, zip2)).status).toBe('succeeded')
  port = await listen(t.app)
})
afterAll(async () => {
  await t?.close()
  await fs.rm(dir, { recursive: true, force: true })
})

describe('documents', () => {
  it('landing page links the OpenAPI document (service-desc) and the collections (data), absolutely', async () => {
    const res = await get('/ogc')
    expect(res.statusCode).toBe(200)
    const links = res.json().links as Array<{ rel: string; type: string; href: string }>
    const desc = links.find((l) => l.rel === 'service-desc')!
    expect(desc.type).toBe('application/vnd.oai.openapi+json;version=3.0')
    expect(desc.href).toMatch(/^http:\/\/.+\/ogc\/api$/)
    expect(links.find((l) => l.rel === 'data')!.href).toMatch(/\/ogc\/collections$/)
    const api = await get('/ogc/api')
    expect(api.headers['content-type']).toContain('application/vnd.oai.openapi+json')
    const limit = api.json().paths['/collections/{collectionId}/items'].get.parameters.find((p: { name?: string }) => p.name === 'limit')
    expect(limit.schema).toMatchObject({ default: 100, maximum: 10000 })
  })

  it('conformance declares core, GeoJSON, OpenAPI 3.0 and CRS (CQL2: test/ogc/desktop.test.ts)', async () => {
    const classes = (await get('/ogc/conformance')).json().conformsTo as string[]
    expect(classes).toEqual(
      expect.arrayContaining([
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
        'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
      ]),
    )
  })

  it('one collection per layer kind plus projects, analysis pieces and bundles; ids without dots', async () => {
    const { collections } = (await get('/ogc/collections')).json()
    const ids = collections.map((c: { id: string }) => c.id)
    expect(ids).toEqual(
      expect.arrayContaining([
        'survey3',
        'survey2',
        'survey2-lines',
        'buildings',
        'approved-unsupplied',
        'idle-land',
        'plan-zones',
        'admin-divisions',
        'project-boundaries',
        'plots',
        'projects',
        'analysis-pieces',
        'bundles',
      ]),
    )
    expect(ids.every((id: string) => !id.includes('.'))).toBe(true)
    const s3 = collections.find((c: { id: string }) => c.id === 'survey3')
    expect(s3.crs).toContain('http://www.opengis.net/def/crs/EPSG/0/4548')
    expect(s3.storageCrs).toBe('http://www.opengis.net/def/crs/EPSG/0/4490')
    const [w, s, e, n] = s3.extent.spatial.bbox[0]
    expect(w).toBeGreaterThan(115.9)
    expect(e).toBeLessThan(117)
    expect(n).toBeGreaterThan(s)
    const q = (await get('/ogc/collections/survey3/queryables')).json()
    expect(q.properties.dlbm).toEqual({ title: '地类编码', type: 'string' })
    expect(q.properties.tbmj).toEqual({ title: '图斑面积', type: 'number' })
    expect((await get('/ogc/collections/nope')).statusCode).toBe(404)
  })
})

describe('items', () => {
  it('pages with absolute next/prev links, exact numberMatched, GeoJSON media type and Content-Crs', async () => {
    const first = await get('/ogc/collections/survey3/items?limit=100')
    expect(first.statusCode).toBe(200)
    expect(first.headers['content-type']).toContain('application/geo+json')
    expect(first.headers['content-crs']).toBe('<http://www.opengis.net/def/crs/OGC/1.3/CRS84>')
    const body = first.json()
    expect(body.numberMatched).toBe(255)
    expect(body.numberReturned).toBe(100)
    const next = body.links.find((l: { rel: string }) => l.rel === 'next').href as string
    expect(next).toMatch(/^http:\/\/[^/]+\/ogc\/collections\/survey3\/items\?/)
    const third = (await get(new URL(next.replace('offset=100', 'offset=200')).pathname + new URL(next.replace('offset=100', 'offset=200')).search)).json()
    expect(third.numberReturned).toBe(55)
    expect(third.links.some((l: { rel: string }) => l.rel === 'next')).toBe(false)
    expect(third.links.find((l: { rel: string }) => l.rel === 'prev').href).toContain('offset=100')
    const f = body.features[0]
    expect(f.properties).toMatchObject({ county: '371502', dlbm: '0601', dlmc: '工业用地', tbmj: 1600 })
    expect(f.geometry.type).toBe('MultiPolygon')
  })

  it('EPSG:4490 is served lat/lon; a Gauss-Kruger zone in metres', async () => {
    const crs84 = (await get('/ogc/collections/survey3/items?limit=1&tbbh=T1')).json().features[0].geometry.coordinates[0][0]
    const res = await get('/ogc/collections/survey3/items?limit=1&tbbh=T1&crs=http://www.opengis.net/def/crs/EPSG/0/4490')
    expect(res.headers['content-crs']).toBe('<http://www.opengis.net/def/crs/EPSG/0/4490>')
    const latLon = res.json().features[0].geometry.coordinates[0][0]
    expect(latLon[0][0]).toBeCloseTo(crs84[0][1], 9)
    expect(latLon[0][1]).toBeCloseTo(crs84[0][0], 9)
    const gk = (await get('/ogc/collections/survey3/items?limit=1&tbbh=T1&crs=http://www.opengis.net/def/crs/EPSG/0/4548')).json().features[0].geometry
      .coordinates[0][0]
    const xs = gk.map((p: number[]) => p[0])
    const ys = gk.map((p: number[]) => p[1])
    expect(Math.min(...xs) - X).toBeCloseTo(0, 2)
    expect(Math.max(...ys) - Y).toBeCloseTo(40, 2)
    const zone = (await get('/ogc/collections/survey3/items?limit=1&tbbh=T1&crs=http://www.opengis.net/def/crs/EPSG/0/4527')).json().features[0].geometry
      .coordinates[0][0]
    expect(Math.min(...zone.map((p: number[]) => p[0])) - (X + 39_000_000)).toBeCloseTo(0, 2)
  })

  it('bbox (CRS84 or in a Gauss-Kruger zone via bbox-crs) and property filters select the right features', async () => {
    // Columns 0–3 and rows 0–1 of the grid: 8 squares.
    const box = [X - 5, Y - 5, X + 190, Y + 90]
    const byGk = (await get(`/ogc/collections/survey3/items?bbox=${box.join(',')}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4548`)).json()
    expect(byGk.numberMatched).toBe(8)
    const lonLat = byGk.features.flatMap((f: any) => f.geometry.coordinates[0][0])
    const [w, s] = [Math.min(...lonLat.map((p: number[]) => p[0])), Math.min(...lonLat.map((p: number[]) => p[1]))]
    const [e, n] = [Math.max(...lonLat.map((p: number[]) => p[0])), Math.max(...lonLat.map((p: number[]) => p[1]))]
    expect((await get(`/ogc/collections/survey3/items?bbox=${[w, s, e, n].join(',')}`)).json().numberMatched).toBe(8)
    // EPSG:4490 boxes come lat/lon.
    expect(
      (await get(`/ogc/collections/survey3/items?bbox=${[s, w, n, e].join(',')}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4490`)).json().numberMatched,
    ).toBe(8)
    const industrial = (await get('/ogc/collections/survey3/items?dlbm=0601&limit=1000')).json()
    expect(industrial.numberMatched).toBe(85)
    expect(industrial.features.every((f: any) => f.properties.dlbm === '0601')).toBe(true)
    expect((await get('/ogc/collections/survey3/items?bsm=7')).json().features[0].properties.tbbh).toBe('T7')
    const only = (await get('/ogc/collections/survey3/items?limit=2&properties=dlbm')).json()
    expect(Object.keys(only.features[0].properties)).toEqual(['dlbm'])
  })

  it('refuses unknown parameters, a limit under 1, bad boxes and CRSs with problem+json', async () => {
    for (const q of ['foo=1', 'limit=0', 'limit=-5', 'bbox=1,2,3', 'crs=EPSG:3857', 'bsm=x', 'f=kml']) {
      const res = await get(`/ogc/collections/survey3/items?${q}`)
      expect(res.statusCode, q).toBe(400)
      expect(res.headers['content-type']).toContain('application/problem+json')
    }
  })

  it('one feature by id; another county’s feature is not found', async () => {
    const f = (await get('/ogc/collections/survey3/items?limit=1&tbbh=T5')).json().features[0]
    const one = await get(`/ogc/collections/survey3/items/${f.id}`)
    expect(one.statusCode).toBe(200)
    expect(one.json().properties.tbbh).toBe('T5')
    expect((await get(`/ogc/collections/survey3/items/${f.id}`, otherKey)).statusCode).toBe(404)
  })
})

describe('keys and scope', () => {
  it('takes the key as ?key= too, and carries it into links only then', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/ogc/collections/survey3/items?limit=10&key=${key}` })
    expect(res.statusCode).toBe(200)
    expect(res.json().links.find((l: { rel: string }) => l.rel === 'next').href).toContain(`key=${key}`)
    expect((await get('/ogc/collections/survey3/items?limit=10')).json().links.find((l: { rel: string }) => l.rel === 'next').href).not.toContain('key=')
    expect((await t.app.inject({ method: 'GET', url: '/ogc/collections' })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'GET', url: '/ogc?key=lr_wrong' })).statusCode).toBe(401)
  })

  it('a county key sees its county, a city key its counties; only active versions', async () => {
    expect((await get('/ogc/collections/survey3/items', otherKey)).json().numberMatched).toBe(3)
    expect((await get('/ogc/collections/survey3/items', cityKey)).json().numberMatched).toBe(258)
  })
})

describe(`GDAL's OAPIF driver${gdalSkipReason}`, () => {
  it.skipIf(skipGdal)('ogrinfo lists every collection and counts the features', async () => {
    const out = await gdal('ogrinfo', ['-ro', '-al', '-so', `OAPIF:http://127.0.0.1:${port}/ogc?key=${key}`, 'survey3'])
    expect(out).toMatch(/Feature Count: 255/)
    expect(out).toMatch(/Geometry: Multi Polygon/)
    expect(out).toMatch(/dlmc: String/)
    const layers = await gdal('ogrinfo', ['-ro', '-q', `OAPIF:http://127.0.0.1:${port}/ogc?key=${key}`])
    for (const id of ['survey3', 'projects', 'analysis-pieces', 'bundles']) expect(layers).toContain(id)
  })

  it.skipIf(skipGdal)('ogr2ogr copies a collection over three pages; counts and areas agree with GeographicLib', async () => {
    const out = path.join(dir, 'copy.geojson')
    const urls: string[] = []
    const record = (req: { url?: string }) => urls.push(req.url ?? '')
    t.app.server.on('request', record)
    await gdal('ogr2ogr', ['-f', 'GeoJSON', out, `OAPIF:http://127.0.0.1:${port}/ogc?key=${key}`, 'survey3', '-oo', 'PAGE_SIZE=100'])
    t.app.server.off('request', record)
    const pages = urls.filter((u) => u.startsWith('/ogc/collections/survey3/items'))
    expect(pages.length).toBeGreaterThanOrEqual(3)
    expect(pages.every((u) => u.includes('limit=100'))).toBe(true)
    const fc = JSON.parse(await fs.readFile(out, 'utf8'))
    expect(fc.features).toHaveLength(255)
    const seen = new Set<string>()
    for (const f of fc.features) {
      seen.add(f.properties.tbbh)
      const area = ellipsoidalRingArea(f.geometry.coordinates[0][0])
      expect(Math.abs(area - main.areas.get(f.properties.tbbh)!)).toBeLessThan(0.01)
    }
    expect(seen.size).toBe(255)
    // The database's own ellipsoidal areas agree as well.
    const { rows } = await t.knex.raw(
      `SELECT sum(ST_Area(f.geom::geography)) AS m2 FROM survey3_patches f JOIN datasets d ON d.id = f.dataset_id AND d.active WHERE f.xzqdm = '371502'`,
    )
    const total = [...main.areas.values()].reduce((a, b) => a + b, 0)
    expect(Math.abs(rows[0].m2 - total)).toBeLessThan(0.05)
  })
})
