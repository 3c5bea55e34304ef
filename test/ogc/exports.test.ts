// Exports (shapefile zip, CSV, GeoJSON download) and vector tiles of the OGC collections, read back
// with GDAL where it is installed; field names and areas checked independently.
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dbfFieldNames } from '../../src/export/field-names.js'
import { defaultConfig } from '../../src/config.js'
import { tileLimitOf } from '../../src/tiles/limits.js'
import { tileBounds, tileContaining } from '../../src/tiles/queries.js'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { gkRect, toLonLat, X, Y } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'
import { gdal, gdalSkipReason, grid, skipGdal } from './helpers.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
let projectId: number
const main = grid(6, 5) // 30 patches
const fields = [...surveyFields, { name: 'TBBH', type: 'C' as const, length: 10 }]

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: withKey(key) })

async function saveZip(url: string, name: string): Promise<string> {
  const res = await get(url)
  expect(res.statusCode, res.body).toBe(200)
  expect(res.headers['content-type']).toBe('application/zip')
  const file = path.join(dir, name)
  await fs.writeFile(file, res.rawPayload)
  return file
}

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
  const zip = await shapefileZip(dir, 's3', { fields, features: main.features })
  expect((await importFile(t, key, { layer: 'survey3' }, zip)).status).toBe('succeeded')
  // A project over the first two squares of the first row, 100 m × 50 m.
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: withKey(key),
    payload: { code: 'XM-001', srid: 4548, geometry: { type: 'Polygon', coordinates: [gkRect(-5, -5, 95, 45).map(([x, y]) => [x!, y!])] } },
  })
  expect(res.statusCode, res.body).toBe(201)
  projectId = res.json().id
  expect((await get(`/api/v1/projects/${projectId}/analysis`)).statusCode).toBe(200)
})
afterAll(async () => {
  await t?.close()
  await fs.rm(dir, { recursive: true, force: true })
})

describe('dBASE field names', () => {
  it('fit 10 bytes in the encoding, whole characters only, and stay unique', () => {
    expect(dbfFieldNames(['二调建设用地面积', '二调建设用地面积净', 'DLBM', '盘活存量面积'], 'GBK')).toEqual(['二调建设用', '二调建设1', 'DLBM', '盘活存量面'])
    expect(dbfFieldNames(['二调建设用地面积', '二调建设用地面积净', 'DLBM'], 'UTF-8')).toEqual(['二调建', '二调建1', 'DLBM'])
    expect(dbfFieldNames(['ABCDEFGHIJKL', 'ABCDEFGHIJXX'], 'GBK')).toEqual(['ABCDEFGHIJ', 'ABCDEFGHI1'])
  })
})

describe('downloads', () => {
  it('CSV of the analysis results has a BOM and one row per project', async () => {
    const res = await get('/ogc/collections/projects/items?f=csv')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/csv')
    expect(res.headers['content-disposition']).toContain('attachment')
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    // One header convention for every CSV: Chinese titles by default, field names with headers=en.
    expect(lines[0]!.split(',').slice(0, 4)).toEqual(['要素标识', '项目编号', '项目名称', '行政区代码'])
    expect(lines[0]).toContain('盘活存量面积')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toContain('XM-001')
    const en = (await get('/ogc/collections/projects/items?f=csv&headers=en')).body.replace(/^\uFEFF/, '').split('\r\n')
    expect(en[0]).toMatch(/^id,code,name,county,/)
    expect(en[1]).toBe(lines[1])
    expect((await get('/ogc/collections/projects/items?f=csv&headers=fr')).statusCode).toBe(400)
  })

  it('GeoJSON as a download; analysis pieces of a project, ids <project>-<n>', async () => {
    const res = await get('/ogc/collections/survey3/items?f=geojson&limit=1000')
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="survey3.geojson"/)
    expect(res.json().features).toHaveLength(30)
    const pieces = (await get(`/ogc/collections/analysis-pieces/items?projectId=${projectId}`)).json()
    const roles = pieces.features.map((f: any) => f.properties.role)
    expect(roles[0]).toBe('project')
    expect(roles.filter((r: string) => r === 'survey3')).toHaveLength(2) // two squares inside
    expect(pieces.features[1].id).toBe(`${projectId}-2`)
    expect((await get(`/ogc/collections/analysis-pieces/items/${projectId}-2`)).json().properties.role).toBe(roles[1])
    // The same pieces through a CQL2 filter (as GDAL and QGIS send it): the project is pushed into the pieces' statement too.
    const viaCql = (await get(`/ogc/collections/analysis-pieces/items?filter=${encodeURIComponent(`projectId = ${projectId} AND role <> 'nothing'`)}`)).json()
    expect(viaCql.features.map((f: any) => f.id)).toEqual(pieces.features.map((f: any) => f.id))
    const bundles = (await get('/ogc/collections/bundles/items')).json()
    expect(bundles.numberMatched).toBe(0)
  })
})

describe(`shapefile export read back by GDAL${gdalSkipReason}`, () => {
  it.skipIf(skipGdal)('GBK in EPSG:4548: CRS recognised, Chinese intact, planar areas exact', async () => {
    const zip = await saveZip('/ogc/collections/survey3/items?f=shapefile&crs=http://www.opengis.net/def/crs/EPSG/0/4548&dlbm=0601', 'gk.zip')
    const src = `/vsizip/${zip}/survey3.shp`
    expect((await gdal('gdalsrsinfo', ['-e', src])).replace(/\s+/g, ' ')).toContain('EPSG:4548')
    const info = await gdal('ogrinfo', ['-ro', '-al', '-so', src])
    expect(info).toMatch(/Feature Count: 10/)
    expect(info).toMatch(/Geometry: Polygon/)
    const rows = JSON.parse(await gdal('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', src]))
    expect(rows.features.every((f: any) => f.properties.DLMC === '工业用地' && f.properties.ZLDWMC === '古楼街道办事处东关村民委员会')).toBe(true)
    const sql = await gdal('ogrinfo', [
      '-ro',
      '-q',
      '-dialect',
      'SQLite',
      '-sql',
      'SELECT min(ST_Area(geometry)) AS lo, max(ST_Area(geometry)) AS hi FROM survey3',
      src,
    ])
    const lo = Number(/lo \(Real\) = ([0-9.]+)/.exec(sql)![1])
    const hi = Number(/hi \(Real\) = ([0-9.]+)/.exec(sql)![1])
    expect(Math.abs(lo - 1600)).toBeLessThan(0.01)
    expect(Math.abs(hi - 1600)).toBeLessThan(0.01)
  })

  it.skipIf(skipGdal)('EPSG:4490 geographic, UTF-8, Chinese field names cut at whole characters', async () => {
    const zip = await saveZip('/ogc/collections/projects/items?f=shapefile&encoding=UTF-8', 'p.zip')
    const src = `/vsizip/${zip}/projects.shp`
    expect((await gdal('gdalsrsinfo', ['-e', src])).replace(/\s+/g, ' ')).toContain('EPSG:4490')
    const info = await gdal('ogrinfo', ['-ro', '-al', src])
    for (const name of ['项目编', '项目名', 'XZQDM', '盘活存', '二调建']) expect(info).toContain(`${name}: `)
    expect(info).toMatch(/项目编 \(String\) = XM-001/)
    const gbk = await saveZip('/ogc/collections/projects/items?f=shapefile', 'p-gbk.zip')
    const gbkInfo = await gdal('ogrinfo', ['-ro', '-al', `/vsizip/${gbk}/projects.shp`])
    expect(gbkInfo).toMatch(/项目编号 \(String\) = XM-001/)
    expect(gbkInfo).toContain('二调建设用: ')
    expect(gbkInfo).toContain('盘活存量面: ')
  })
})

describe('vector tiles', () => {
  // The tile at zoom 14 holding the grid's first square.
  const [lon, lat] = toLonLat([X + 20, Y + 20])
  const z = 14
  const { x, y } = tileContaining(lon!, lat!, z)

  it('serves TileJSON and tiles with an ETag that revalidates', async () => {
    const tj = (await get('/tiles/survey3.json')).json()
    expect(tj.tiles[0]).toMatch(/\/tiles\/survey3\/\{z\}\/\{x\}\/\{y\}\.mvt\?v=[A-Za-z0-9_-]{16}$/)
    expect(tj.vector_layers[0].fields.dlbm).toBe('String')
    const res = await get(`/tiles/survey3/${z}/${x}/${y}.mvt`)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['content-type']).toBe('application/vnd.mapbox-vector-tile')
    expect(res.rawPayload.length).toBeGreaterThan(100)
    const etag = res.headers.etag as string
    expect(res.headers['cache-control']).toContain('max-age')
    const again = await t.app.inject({ method: 'GET', url: `/tiles/survey3/${z}/${x}/${y}.mvt`, headers: { ...withKey(key), 'if-none-match': etag } })
    expect(again.statusCode).toBe(304)
    expect((await get(`/tiles/survey3/${z}/${2 ** z}/${y}.mvt`)).statusCode).toBe(404)
    expect((await get(`/tiles/survey3/3/0/0.mvt`)).rawPayload.length).toBe(0)
  })

  it("a projects tile's ETag changes with an analysis in the key's county, not with another county's", async () => {
    const url = `/tiles/projects/${z}/${x}/${y}.mvt`
    const revalidate = (etag: string) => t.app.inject({ method: 'GET', url, headers: { ...withKey(key), 'if-none-match': etag } })
    const first = await get(url)
    expect(first.statusCode, first.body).toBe(200)
    const etag = first.headers.etag as string
    // Another county's project and analysis: nothing this key sees has changed.
    const other = await keyFor(t.knex, 'county', '371521')
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(other),
      payload: { code: 'XM-OTHER', srid: 4548, geometry: { type: 'Polygon', coordinates: [gkRect(5000, 5000, 5100, 5050).map(([gx, gy]) => [gx!, gy!])] } },
    })
    expect(created.statusCode, created.body).toBe(201)
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/projects/${created.json().id}/analysis`, headers: withKey(other) })).statusCode).toBe(200)
    expect((await revalidate(etag)).statusCode).toBe(304)
    // A new analysis of this county's project changes what the tile may show.
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/projects/${projectId}/analysis`, headers: withKey(key) })).statusCode).toBe(200)
    expect((await revalidate(etag)).statusCode).toBe(200)
  })

  it.skipIf(skipGdal)(`GDAL's MVT driver reads every feature of the tile${gdalSkipReason}`, async () => {
    const res = await get(`/tiles/survey3/${z}/${x}/${y}.mvt`)
    const file = path.join(dir, `${z}`, `${x}`, `${y}.pbf`)
    await fs.mkdir(path.dirname(file), { recursive: true })
    await fs.writeFile(file, res.rawPayload)
    const info = await gdal('ogrinfo', ['-ro', '-al', '-so', '-oo', `Z=${z}`, '-oo', `X=${x}`, '-oo', `Y=${y}`, file])
    // Independently: the squares whose extent meets the tile (with its 64-pixel buffer).
    const { lonLat } = tileBounds({ z, x, y })
    const { rows } = await t.knex.raw(`SELECT count(*)::int AS n FROM survey3_patches WHERE ST_Intersects(geom, ST_MakeEnvelope(?, ?, ?, ?, 4490))`, lonLat)
    expect(rows[0].n).toBeGreaterThan(0)
    expect(info).toMatch(new RegExp(`Feature Count: ${rows[0].n}\\b`))
    expect(info).toMatch(/dlmc: String/)
  })

  it("TileJSON declares each layer's minimum zoom and feature cap; below the minimum zoom a tile is empty", async () => {
    const tj = (await get('/tiles/survey3.json')).json()
    const survey3 = tileLimitOf('survey3', defaultConfig().limits.tiles)
    expect(tj.minzoom).toBe(survey3.minZoom)
    expect(tj.vector_layers[0]).toMatchObject({ minzoom: survey3.minZoom, maxFeaturesPerTile: survey3.maxFeatures })
    expect((await get('/tiles/projects.json')).json().minzoom).toBe(0)
    // The same squares one zoom below the minimum: an empty tile, though features are there.
    const below = survey3.minZoom - 1
    const shift = z - below
    expect((await get(`/tiles/survey3/${below}/${x >> shift}/${y >> shift}.mvt`)).rawPayload.length).toBe(0)
    expect((await get(`/tiles/survey3/${below + 1}/${x >> (shift - 1)}/${y >> (shift - 1)}.mvt`)).rawPayload.length).toBeGreaterThan(100)
  })

  it.skipIf(skipGdal)(`a tile holds at most the configured cap of features${gdalSkipReason}`, async () => {
    const low = z - 2 // a tile holding every square of the grid
    // The same data through an app configured with TILE_MAX_FEATURES=7.
    const capped = await buildTestApp(undefined, { config: { limits: { ...defaultConfig().limits, tiles: { maxFeatures: 7, maxAnalysisPieces: 7 } } } })
    const read = async (name: string) => {
      const app = name === 'capped' ? capped.app : t.app
      const res = await app.inject({ url: `/tiles/survey3/${low}/${x >> 2}/${y >> 2}.mvt`, headers: withKey(key) })
      const file = path.join(dir, name, `${low}`, `${x >> 2}`, `${y >> 2}.pbf`)
      await fs.mkdir(path.dirname(file), { recursive: true })
      await fs.writeFile(file, res.rawPayload)
      return gdal('ogrinfo', ['-ro', '-al', '-so', '-oo', `Z=${low}`, '-oo', `X=${x >> 2}`, '-oo', `Y=${y >> 2}`, file])
    }
    try {
      expect(await read('uncapped')).toMatch(/Feature Count: 30\b/)
      expect(await read('capped')).toMatch(/Feature Count: 7\b/)
    } finally {
      await capped.close()
    }
  })

  it('keeps tiles built under their versions: a repeat is served from memory, a new version is built anew, the current URL is immutable (last: it replaces the layer)', async () => {
    const tj = (await get('/tiles/survey3.json')).json()
    const v = new URL(tj.tiles[0].replace('{z}/{x}/{y}', `${z}/${x}/${y}`), 'http://x').searchParams.get('v')
    const url = `/tiles/survey3/${z}/${x}/${y}.mvt?v=${v}`
    const first = await get(url)
    expect(first.headers['cache-control']).toBe('private, max-age=31536000, immutable')
    const again = await get(url)
    expect(again.headers['x-tile-cache']).toBe('memory')
    expect(again.rawPayload.equals(first.rawPayload)).toBe(true)
    expect(again.headers.etag).toBe(first.headers.etag)
    // an old or missing version token: the same tile, revalidated after a minute
    expect((await get(`/tiles/survey3/${z}/${x}/${y}.mvt?v=old`)).headers['cache-control']).toBe('private, max-age=60')
    // a region of its own is a tile of its own: a city key builds it, not the county's copy
    const city = await keyFor(t.knex, 'city', '3715')
    const cityTile = await t.app.inject({ url: `/tiles/survey3/${z}/${x}/${y}.mvt`, headers: withKey(city) })
    expect(cityTile.headers['x-tile-cache']).toBe('miss')
    // a new version of the layer (the first row of squares only): a new token, a new tile
    const zip = await shapefileZip(dir, 's3-row', { fields, features: main.features.slice(0, 6) })
    expect((await importFile(t, key, { layer: 'survey3' }, zip)).status).toBe('succeeded')
    const tj2 = (await get('/tiles/survey3.json')).json()
    const v2 = new URL(tj2.tiles[0].replace('{z}/{x}/{y}', `${z}/${x}/${y}`), 'http://x').searchParams.get('v')
    expect(v2).not.toBe(v)
    const after = await get(`/tiles/survey3/${z}/${x}/${y}.mvt?v=${v2}`)
    expect(after.headers['x-tile-cache']).toBe('miss')
    expect(after.rawPayload.length).toBeLessThan(first.rawPayload.length)
    expect((await get(url)).headers['cache-control']).toBe('private, max-age=60') // the old URL is no longer the current one
    // the disk level holds them for the next start
    const tiles = async () => (await fs.readdir(path.join(t.dataDir, 'tile-cache'), { recursive: true })).filter((f) => String(f).endsWith('.tile')).length
    await expect.poll(tiles).toBeGreaterThanOrEqual(3)
  })
})
