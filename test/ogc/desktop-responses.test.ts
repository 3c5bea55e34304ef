// What desktop GIS clients get back (issue 23, the response half): coordinates precise enough for
// areas, 64-bit and date-time types declared, GeoPackage downloads read by GDAL, shapefile text
// sized from the data with what GBK lacks reported, truncated tiles marked, and f=html pages.
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultConfig } from '../../src/config.js'
import { collectionById } from '../../src/ogc/collections.js'
import { dbfFieldNames } from '../../src/export/field-names.js'
import { tileBounds, tileContaining } from '../../src/tiles/queries.js'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { ellipsoidalRingArea } from '../helpers/geometry.js'
import { toLonLat, X, Y } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'
import { gdal, gdalSkipReason, grid, gridFields, skipGdal } from './helpers.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
const main = grid(4, 3) // 12 patches of 40 m squares in 371502
// A 63-character village name with a character outside GBK (𡒄, CJK extension B) on two patches.
const longName = '古楼街道办事处东关村民委员会'.repeat(4) + '𡒄' + '东关村第三村民小组'.slice(0, 6)
for (const n of [0, 3]) main.features[n]!.values.ZLDWMC = longName
const fields = gridFields.map((f) => (f.name === 'ZLDWMC' ? { ...f, length: 254 } : f))

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers: { ...withKey(key), ...headers } })

/** [x, y] relative to (X, Y) → EPSG:4548. */
const at = ([x, y]: number[]) => [X + x!, Y + y!]

/**
 * A project of `mu` 亩 as an oblique rectangle (rotated 27°) whose edges are saw-toothed every metre
 * (±0.25 m): dense vertices on oblique edges, where rounding of served coordinates shows most.
 */
function denseObliqueProject(mu: number, x0: number, y0: number): number[][] {
  const m2 = (mu * 2000) / 3
  const w = Math.sqrt(m2 * 1.6)
  const h = m2 / w
  const [c, s] = [Math.cos((27 * Math.PI) / 180), Math.sin((27 * Math.PI) / 180)]
  const corner = (u: number, v: number) => [x0 + u * c - v * s, y0 + u * s + v * c]
  const corners = [corner(0, 0), corner(0, h), corner(w, h), corner(w, 0)] // clockwise
  const ring: number[][] = []
  corners.forEach((a, i) => {
    const b = corners[(i + 1) % 4]!
    const len = Math.hypot(b[0]! - a[0]!, b[1]! - a[1]!)
    const n = Math.round(len)
    const [nx, ny] = [-(b[1]! - a[1]!) / len, (b[0]! - a[0]!) / len]
    for (let k = 0; k < n; k++) {
      const tooth = k === 0 ? 0 : k % 2 ? 0.25 : -0.25
      ring.push(at([a[0]! + ((b[0]! - a[0]!) * k) / n + nx * tooth, a[1]! + ((b[1]! - a[1]!) * k) / n + ny * tooth]))
    }
  })
  ring.push(ring[0]!)
  return ring
}

/**
 * The worst case for rounding: a project in lon/lat (EPSG:4490) whose nearly east–west edges keep
 * the same rounding remainder along their length, the south one rounding down and the north one up
 * at 9 decimals, so the served area shifts by their length times 0.1 mm (0.03 m² for 100 亩).
 */
function alignedProject(mu: number, x0: number, y0: number): number[][] {
  const [lon0, lat0] = toLonLat(at([x0, y0])).map((v) => Math.round(v! * 1e4) / 1e4) as [number, number]
  const m2 = (mu * 2000) / 3
  const dLat = Math.round((Math.sqrt(m2) / 111_000) * 1e5) / 1e5
  const dLon = m2 / (dLat * 111_000) / (111_320 * Math.cos((lat0 * Math.PI) / 180))
  const [south, north] = [lat0 + 0.49e-9, lat0 + dLat + 0.51e-9]
  const [west, east] = [lon0 + 0.3e-9, lon0 + dLon + 0.3e-9]
  const n = Math.round(dLon * 111_000) // a vertex every metre or so
  const edge = (lat: number, from: number, to: number) => [...Array(n).keys()].map((k) => [from + ((to - from) * k) / n, lat + k * 1e-13])
  return [...edge(south, west, east), [east, south], ...edge(north, east, west).slice(1), [west, north], [west, south]].map(([lon, lat]) => [lon!, lat!])
}

const projectAreas = [5, 20, 55, 100] // 亩, oblique; then 20 and 100 亩 aligned
let projectIds: number[] = []

/**
 * A low tile cap through configuration (TILE_MAX_FEATURES), so 12 patches make tiles dense: a tile
 * holds all 12 up to zoom 17 and at most 3 × 3 from zoom 18 (tiles of about 120 m, squares 50 m apart).
 */
const tileCap = 9

beforeAll(async () => {
  t = await buildTestApp(undefined, { config: { limits: { ...defaultConfig().limits, tiles: { maxFeatures: tileCap, maxAnalysisPieces: tileCap } } } })
  dir = await tempDir()
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
  const zip = await shapefileZip(dir, 's3', { fields, features: main.features, encoding: 'UTF-8', cpg: 'UTF-8' })
  expect((await importFile(t, key, { layer: 'survey3' }, zip)).status).toBe('succeeded')
  projectIds = []
  for (const [i, mu] of projectAreas.entries()) {
    const name = i === 0 ? `<script>alert("x")</script> & 东关${'村'.repeat(40)}${'𡒄'}` : `精度测试项目 ${mu} 亩`
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(key),
      payload: {
        code: `XM-P${i}`,
        attributes: { name },
        srid: 4548,
        geometry: { type: 'Polygon', coordinates: [denseObliqueProject(mu, 1000 + i * 700, 1000)] },
      },
    })
    expect(res.statusCode, res.body).toBe(201)
    projectIds.push(res.json().id)
  }
  for (const [i, mu] of [20, 100].entries()) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(key),
      payload: {
        code: `XM-A${i}`,
        attributes: { name: `经纬线对齐 ${mu} 亩` },
        geometry: { type: 'Polygon', coordinates: [alignedProject(mu, 1000 + i * 700, 2500)] },
      },
    })
    expect(res.statusCode, res.body).toBe(201)
    projectIds.push(res.json().id)
  }
})
afterAll(async () => {
  await t?.close()
  await fs.rm(dir, { recursive: true, force: true })
})

/** Stored ellipsoidal areas (unrounded) by project id. */
async function storedAreas(): Promise<Map<number, number>> {
  const { rows } = await t.knex.raw('SELECT id, ST_Area(geom::geography) AS m2 FROM projects WHERE id = ANY(?::bigint[])', [projectIds])
  return new Map(rows.map((r: { id: string | number; m2: number }) => [Number(r.id), Number(r.m2)]))
}

/** GeographicLib area of a served (Multi)Polygon: shells minus holes. */
function servedArea(geometry: { type: string; coordinates: number[][][][] }, latLon = false): number {
  let total = 0
  for (const polygon of geometry.coordinates) {
    polygon.forEach((ring, i) => {
      const a = ellipsoidalRingArea(latLon ? ring.map(([lat, lon]) => [lon!, lat!]) : ring)
      total += i === 0 ? a : -a
    })
  }
  return total
}

describe('coordinates precise enough for areas', () => {
  it('every served project of 5–100 亩 with dense oblique edges measures within 0.005 m² of the stored area (CRS84 and EPSG:4490)', async () => {
    const stored = await storedAreas()
    for (const crs of ['', '&crs=http://www.opengis.net/def/crs/EPSG/0/4490']) {
      const body = (await get(`/ogc/collections/projects/items?limit=100${crs}`)).json()
      expect(body.features).toHaveLength(projectAreas.length + 2)
      for (const f of body.features) {
        const expected = stored.get(Number(f.id))!
        expect(expected / (2000 / 3)).toBeGreaterThan(4.9)
        expect(Math.abs(servedArea(f.geometry, crs !== '') - expected), `${f.properties.name} ${crs}`).toBeLessThan(0.005)
      }
    }
  })
})

describe('declared types', () => {
  it('bigint properties and ids are int64, plain integers int32, times date-time, dates date', async () => {
    const q = (await get('/ogc/collections/survey3/queryables')).json().properties
    expect(q.bsm).toMatchObject({ type: 'integer', format: 'int64' })
    const schema = (await get('/ogc/collections/survey3/schema')).json().properties
    expect(schema.id).toMatchObject({ type: 'integer', format: 'int64' })
    expect(schema.bsm).toMatchObject({ type: 'integer', format: 'int64' })
    const projects = (await get('/ogc/collections/projects/schema')).json().properties
    expect(projects.analysedAt).toMatchObject({ type: 'string', format: 'date-time' })
    expect((await get('/ogc/collections/bundles/queryables')).json().properties.bundleNo).toMatchObject({ type: 'integer', format: 'int32' })
    const approved = (await get('/ogc/collections/approved-unsupplied/queryables')).json().properties
    expect(Object.values(approved).find((p: any) => p.title === '批准日期')).toMatchObject({ type: 'string', format: 'date' })
    const api = (await get('/ogc/api')).json()
    const bsm = api.paths['/collections/survey3/items'].get.parameters.find((p: { name?: string }) => p.name === 'bsm')
    expect(bsm.schema).toEqual({ type: 'integer', format: 'int64' })
  })
})

describe(`GeoPackage download (f=gpkg)${gdalSkipReason}`, () => {
  it.skipIf(skipGdal)('GDAL reads the layer, its count, CRS 4490, typed fields with Chinese aliases, Chinese values and exact areas', async () => {
    const res = await get('/ogc/collections/survey3/items?f=gpkg&dlbm=0601')
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['content-type']).toBe('application/geopackage+sqlite3')
    expect(res.headers['content-disposition']).toContain('survey3.gpkg')
    const file = path.join(dir, 'survey3.gpkg')
    await fs.writeFile(file, res.rawPayload)
    const info = await gdal('ogrinfo', ['-ro', '-al', '-so', file])
    expect(info).toMatch(/Layer name: survey3\b/)
    expect(info).toMatch(/Geometry: Multi Polygon/)
    expect(info).toMatch(/Feature Count: 4\b/) // n % 3 === 0 of 12
    expect(info).toMatch(/ID\["EPSG",4490\]/)
    expect(info).toMatch(/China Geodetic Coordinate System 2000/)
    expect(info).toMatch(/bsm: Integer64 \(0\.0\)/)
    expect(info).toMatch(/tbmj: Real \(0\.0\)/)
    expect(info).toMatch(/dlbm: String \(0\.0\)/)
    // The aliases (schema extension): GDAL 3.7+ shows them as alternative names, QGIS as aliases;
    // GDAL 3.6 (Debian 12) does not read them yet, so the table is read through its SQL.
    const aliases = await gdal('ogrinfo', [
      '-ro',
      '-q',
      '-sql',
      "SELECT name, title FROM gpkg_data_columns WHERE table_name = 'survey3' AND column_name = 'zldwmc'",
      file,
    ])
    expect(aliases).toMatch(/name \(String\) = 坐落单位名称/)
    expect(aliases).toMatch(/title \(String\) = 坐落单位名称/)
    const extensions = await gdal('ogrinfo', ['-ro', '-q', '-sql', "SELECT count(*) AS n FROM gpkg_extensions WHERE extension_name = 'gpkg_schema'", file])
    expect(extensions).toMatch(/n \(Integer\) = 2/)
    const rows = JSON.parse(await gdal('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', file]))
    expect(rows.features.map((f: any) => f.properties.tbbh).sort()).toEqual(['T1', 'T10', 'T4', 'T7'])
    expect(rows.features.find((f: any) => f.properties.tbbh === 'T1').properties.zldwmc).toBe(longName)
    for (const f of rows.features) expect(Math.abs(servedArea(f.geometry) - main.areas.get(f.properties.tbbh)!)).toBeLessThan(0.005)

    const projects = path.join(dir, 'projects.gpkg')
    await fs.writeFile(projects, (await get('/ogc/collections/projects/items?f=gpkg')).rawPayload)
    const pInfo = await gdal('ogrinfo', ['-ro', '-al', '-so', projects])
    expect(pInfo).toMatch(/Feature Count: 6\b/)
    expect(pInfo).toMatch(/analysedAt: DateTime/)
    expect(pInfo).toMatch(/eligible: Integer\(Boolean\)/)
    expect(pInfo).toMatch(/areaM2: Real/)
  })

  it('above GPKG_MAX_FEATURES it is refused with a bilingual 413; gzip when asked', async () => {
    const small = await buildTestApp(undefined, { config: { limits: { ...defaultConfig().limits, exports: { gpkgMaxFeatures: 3 } } } })
    try {
      const res = await small.app.inject({ url: '/ogc/collections/survey3/items?f=gpkg', headers: withKey(key) })
      expect(res.statusCode).toBe(413)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.json()).toMatchObject({ code: 'LR_EXPORT_TOO_LARGE', title: '下载的要素过多', limit: 3 })
      expect(res.json().detail).toContain('12 features')
      expect(res.json().detailZh).toContain('超过上限 3 个')
      const few = await small.app.inject({ url: '/ogc/collections/survey3/items?f=gpkg&dlbm=0702&limit=3', headers: withKey(key) })
      expect(few.statusCode).toBe(200)
    } finally {
      await small.close()
    }
    const gz = await get('/ogc/collections/survey3/items?f=gpkg', { 'accept-encoding': 'gzip' })
    expect(gz.headers['content-encoding']).toBe('gzip')
  })
})

describe(`shapefile text${gdalSkipReason}`, () => {
  it.skipIf(skipGdal)('text fields as wide as the data; characters outside GBK counted, listed in the zip, kept with encoding=GB18030', async () => {
    const res = await get('/ogc/collections/survey3/items?f=shapefile')
    expect(res.headers['x-unencodable-characters']).toBe('2')
    expect(res.rawPayload.includes(Buffer.from('survey3.encoding.txt'))).toBe(true)
    const gbk = path.join(dir, 'gbk.zip')
    await fs.writeFile(gbk, res.rawPayload)
    const info = await gdal('ogrinfo', ['-ro', '-al', '-so', `/vsizip/${gbk}/survey3.shp`])
    // 62 characters of 2 bytes in GBK and the '?' standing for 𡒄: 125 bytes, not cut to 80.
    expect(info).toMatch(/ZLDWMC: String \(125\.0\)/)
    expect(info).toMatch(/DLBM: String \(4\.0\)/)
    const rows = JSON.parse(await gdal('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', `/vsizip/${gbk}/survey3.shp`]))
    expect(rows.features.find((f: any) => f.properties.TBBH === 'T1').properties.ZLDWMC).toBe(longName.replace('𡒄', '?'))

    const full = await get('/ogc/collections/survey3/items?f=shapefile&encoding=GB18030')
    expect(full.headers['x-unencodable-characters']).toBe('0')
    expect(full.rawPayload.includes(Buffer.from('encoding.txt'))).toBe(false)
    const gb18030 = path.join(dir, 'gb18030.zip')
    await fs.writeFile(gb18030, full.rawPayload)
    const kept = JSON.parse(await gdal('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', `/vsizip/${gb18030}/survey3.shp`]))
    expect(kept.features.find((f: any) => f.properties.TBBH === 'T1').properties.ZLDWMC).toBe(longName)
  })

  it('administrative divisions: field names distinct within 10 bytes, none numbered', () => {
    const props = collectionById('admin-divisions')!.properties
    const names = dbfFieldNames(
      props.map((p) => p.dbfName ?? p.titleZh),
      'GBK',
    )
    expect(names).toEqual(['SSXDM', 'XZQDM', 'XZQMC', 'JB'])
  })
})

describe('f=html pages', () => {
  it('landing page, collections, one collection, items and one item: Chinese, linked, escaped, without scripts', async () => {
    const pages = []
    const landing = await t.app.inject({ url: `/ogc?f=html&key=${key}` })
    pages.push(landing)
    expect(landing.body).toContain('<html lang="zh-CN">')
    expect(landing.body).toMatch(new RegExp(`href="http://[^"]*/ogc/collections\\?key=${key}&amp;f=html"`))
    const list = await t.app.inject({ url: `/ogc/collections?f=html&key=${key}` })
    pages.push(list)
    expect(list.body).toContain('三调地类图斑')
    expect(list.body).toContain(`/ogc/collections/survey3/items?key=${key}&amp;f=html`)
    const one = await get('/ogc/collections/survey3?f=html')
    pages.push(one)
    expect(one.body).toContain('<td>bsm</td><td>标识码</td>')
    const items = await get('/ogc/collections/projects/items?f=html&limit=3')
    pages.push(items)
    expect(items.body).toContain('<th title="name">项目名称</th>')
    expect(items.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 东关')
    expect(items.body).toContain('下一页')
    expect(items.body).toMatch(/共 6 个要素，本页 3 个/)
    const item = await get(`/ogc/collections/projects/items/${projectIds[1]}?f=html`)
    pages.push(item)
    expect(item.body).toContain('精度测试项目 20 亩')
    for (const p of pages) {
      expect(p.statusCode, p.body).toBe(200)
      expect(p.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(p.body).not.toMatch(/<script/i)
      expect(p.body).not.toMatch(/ on[a-z]+=/i)
    }
    // The JSON answers are unchanged without f=html, and name their HTML alternate.
    expect((await get('/ogc')).json().links.find((l: any) => l.type === 'text/html').href).toContain('f=html')
  })
})

describe(`truncated tiles${gdalSkipReason}`, () => {
  it.skipIf(skipGdal)(
    'at every zoom from the minimum up a tile over the cap is marked (header, tile-info layer); from completeFromZoom on every tile is whole',
    async () => {
      const tj = (await get('/tiles/survey3.json')).json()
      const [layer, info] = tj.vector_layers
      expect(layer.maxFeaturesPerTile).toBe(tileCap)
      expect(info).toMatchObject({ id: 'tile-info', fields: { truncated: 'Boolean' } })
      const complete = layer.completeFromZoom as number
      expect(complete).toBeGreaterThan(layer.minzoom)
      const { rows } = await t.knex.raw(
        'SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1 FROM (SELECT ST_Extent(geom) AS e FROM survey3_patches) s',
      )
      const e = rows[0]
      for (let z = layer.minzoom as number; z <= complete; z++) {
        const { x: xa, y: ya } = tileContaining(e.x0, e.y1, z)
        const { x: xb, y: yb } = tileContaining(e.x1, e.y0, z)
        let truncatedTiles = 0
        // One tile more on each side: a neighbour's buffer may reach the data.
        for (let x = xa - 1; x <= xb + 1; x++) {
          for (let y = ya - 1; y <= yb + 1; y++) {
            const res = await get(`/tiles/survey3/${z}/${x}/${y}.mvt`)
            expect(res.statusCode).toBe(200)
            // Independently: the patches that meet the tile with its buffer.
            const { lonLat } = tileBounds({ z, x, y })
            const { rows: hit } = await t.knex.raw(
              'SELECT count(*)::int AS n FROM survey3_patches WHERE ST_Intersects(geom, ST_MakeEnvelope(?, ?, ?, ?, 4490))',
              lonLat,
            )
            const n = hit[0].n as number
            const truncated = n > tileCap
            expect(res.headers['x-tile-truncated'], `${z}/${x}/${y}: ${n} patches`).toBe(truncated ? 'true' : undefined)
            if (truncated) truncatedTiles++
            if (n === 0) {
              expect(res.rawPayload.length).toBe(0)
              continue
            }
            const file = path.join(dir, 'tiles', `${z}`, `${x}`, `${y}.pbf`)
            await fs.mkdir(path.dirname(file), { recursive: true })
            await fs.writeFile(file, res.rawPayload)
            const read = await gdal('ogrinfo', ['-ro', '-al', '-so', '-oo', `Z=${z}`, '-oo', `X=${x}`, '-oo', `Y=${y}`, file])
            expect(read).toMatch(new RegExp(`Layer name: survey3\\s[\\s\\S]*?Feature Count: ${Math.min(n, tileCap)}\\b`))
            expect(read.includes('Layer name: tile-info'), `${z}/${x}/${y}`).toBe(truncated)
          }
        }
        if (z === complete) expect(truncatedTiles, `zoom ${z}`).toBe(0)
        if (z === complete - 1) expect(truncatedTiles, `zoom ${z}`).toBeGreaterThan(0)
      }
    },
  )
})
