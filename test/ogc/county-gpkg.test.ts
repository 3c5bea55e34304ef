// A county's current layers as one GeoPackage (GET /api/v1/layers/{county}.gpkg, issue 24): three
// small layers and a project imported, the file read back with GDAL, each table's count, Chinese
// text, aliases and areas checked against the source (areas from GeographicLib, not from the service).
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultConfig } from '../../src/config.js'
import { collectionById } from '../../src/ogc/collections.js'
import { parseItemsQuery } from '../../src/ogc/params.js'
import { countMatched, exportRows } from '../../src/ogc/queries.js'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { gkArea, gkRect, X, Y } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'
import { gdal, gdalSkipReason, grid, gridFields, skipGdal } from './helpers.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
const county = '371502'
const main = grid(4, 3) // 12 third-survey patches, 40 m squares
const road = '古楼街道东关村农村道路'
const idleName = '聊城市东昌府区闲置土地（一号地块）'
const idleRect = [600, 0, 700, 80] as const
const projectRect = [-5, -5, 95, 45] as const

const get = (url: string, k = key) => t.app.inject({ method: 'GET', url, headers: withKey(k) })

async function save(url: string, name: string): Promise<string> {
  const res = await get(url)
  expect(res.statusCode, res.body).toBe(200)
  const file = path.join(dir, name)
  await fs.writeFile(file, res.rawPayload)
  return file
}

/** The rows of a table of the GeoPackage as GeoJSON, as GDAL reads them. */
async function features(file: string, table: string): Promise<any[]> {
  return JSON.parse(await gdal('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', file, table])).features
}

/** Area on the ellipsoid of a GeoJSON geometry of the given CRS, by PostGIS's geography. */
async function geographyArea(geometry: unknown, srid: number): Promise<number> {
  const { rows } = await t.knex.raw('SELECT ST_Area(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(?), ?::int), 4490)::geography) AS a', [
    JSON.stringify(geometry),
    srid,
  ])
  return Number(rows[0].a)
}

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', county)
  const text = (name: string, length = 60) => ({ name, type: 'C' as const, length })
  const s3 = await shapefileZip(dir, 's3', { fields: gridFields, features: main.features, encoding: 'UTF-8', cpg: 'UTF-8' })
  expect((await importFile(t, key, { layer: 'survey3' }, s3)).status).toBe('succeeded')
  const lines = await shapefileZip(dir, 'xzdw', {
    shapeType: 3,
    fields: [text('DLBM', 4), text('DLMC'), { name: 'KD', type: 'N', length: 6, decimals: 1 }],
    features: [
      {
        parts: [
          [
            [X - 10, Y - 5],
            [X + 300, Y - 5],
          ],
        ],
        values: { DLBM: '104', DLMC: road, KD: 4 },
      },
      {
        parts: [
          [
            [X - 5, Y - 10],
            [X - 5, Y + 200],
          ],
        ],
        values: { DLBM: '104', DLMC: '农村道路', KD: 3.5 },
      },
    ],
  })
  expect((await importFile(t, key, { layer: 'survey2-lines' }, lines)).status).toBe('succeeded')
  const idle = await shapefileZip(dir, 'idle', {
    fields: [text('XZTDBH', 20), text('XMMC')],
    features: [{ parts: [gkRect(...idleRect)], values: { XZTDBH: 'XZ0001', XMMC: idleName } }],
  })
  expect((await importFile(t, key, { layer: 'idle-land' }, idle)).status).toBe('succeeded')
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: withKey(key),
    payload: { code: 'XM-001', attributes: { name: '东关片区改造' }, srid: 4548, geometry: { type: 'Polygon', coordinates: [gkRect(...projectRect)] } },
  })
  expect(res.statusCode, res.body).toBe(201)
  expect((await get(`/api/v1/projects/${res.json().id}/analysis`)).statusCode).toBe(200)
})
afterAll(async () => {
  await t?.close()
  await fs.rm(dir, { recursive: true, force: true })
})

describe(`a county's layers as one GeoPackage${gdalSkipReason}`, () => {
  it.skipIf(skipGdal)('one table per imported kind and the projects, with their counts, Chinese text, aliases and areas', async () => {
    const res = await get(`/api/v1/layers/${county}.gpkg`)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['content-type']).toBe('application/geopackage+sqlite3')
    // RFC 6266/5987: an ASCII name for old clients, the Chinese one in filename*.
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="${county}_layers.gpkg"; filename*=UTF-8''${county}_${encodeURIComponent('现状图层')}.gpkg`,
    )
    const file = path.join(dir, 'county.gpkg')
    await fs.writeFile(file, res.rawPayload)

    const list = await gdal('ogrinfo', ['-ro', '-q', file])
    const tables = [...list.matchAll(/^\d+: (\S+) \(([^)]+)\)/gm)].map((m) => [m[1], m[2]])
    expect(tables).toEqual([
      ['survey3', 'Multi Polygon'],
      ['survey2_lines', 'Multi Line String'],
      ['idle_land', 'Multi Polygon'],
      ['projects', 'Multi Polygon'],
    ])
    const info = await gdal('ogrinfo', ['-ro', '-al', '-so', file])
    const counts = [...info.matchAll(/Layer name: (\S+)[\s\S]*?Feature Count: (\d+)/g)].map((m) => [m[1], Number(m[2])])
    expect(counts).toEqual([
      ['survey3', 12],
      ['survey2_lines', 2],
      ['idle_land', 1],
      ['projects', 1],
    ])
    expect(info.match(/ID\["EPSG",4490\]/g)).toHaveLength(4)

    const patches = await features(file, 'survey3')
    expect(patches.map((f) => f.properties.tbbh).sort()).toEqual([...main.areas.keys()].sort())
    for (const f of patches) {
      expect(f.properties.zldwmc).toBe('古楼街道办事处东关村民委员会')
      expect(f.properties.county).toBe(county)
      expect(Math.abs((await geographyArea(f.geometry, 4490)) - main.areas.get(f.properties.tbbh)!)).toBeLessThan(0.01)
    }
    const roads = await features(file, 'survey2_lines')
    expect(roads.map((f) => f.properties.dlmc).sort()).toEqual(['农村道路', road].sort())
    expect(roads.find((f) => f.properties.dlmc === road).properties.kd).toBe(4)
    const [idle] = await features(file, 'idle_land')
    expect(idle.properties).toMatchObject({ code: 'XZ0001', name: idleName })
    expect(Math.abs((await geographyArea(idle.geometry, 4490)) - gkArea(...idleRect))).toBeLessThan(0.01)
    const [project] = await features(file, 'projects')
    expect(project.properties).toMatchObject({ code: 'XM-001', name: '东关片区改造', county })
    // The latest analysis (no second survey here, so no stock area): when, and whether it is current.
    expect(project.properties).toMatchObject({ analysedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), stale: false })
    expect(Math.abs(project.properties.areaM2 - gkArea(...projectRect))).toBeLessThan(0.01)

    // Aliases (schema extension): one per column of every table, the Chinese titles.
    const aliases = await gdal('ogrinfo', [
      '-ro',
      '-q',
      '-sql',
      "SELECT table_name || '.' || column_name AS c, name FROM gpkg_data_columns ORDER BY table_name, column_name",
      file,
    ])
    const alias = new Map([...aliases.matchAll(/c \(String\) = (\S+)\s+name \(String\) = (\S+)/g)].map((m) => [m[1]!, m[2]!]))
    expect(alias.get('survey3.zldwmc')).toBe('坐落单位名称')
    expect(alias.get('survey3.county')).toBe('行政区代码')
    expect(alias.get('survey2_lines.dlmc')).toBe('地类名称')
    expect(alias.get('idle_land.identifiedOn')).toBe('认定日期')
    expect(alias.get('projects.stockAreaM2')).toBe('盘活存量面积')
    for (const table of ['survey3', 'survey2_lines', 'idle_land', 'projects']) {
      const columns = info
        .split('Layer name: ')
        .find((s) => s.startsWith(`${table}\n`))!
        .match(/^\w+: (?:String|Integer|Real|Date)/gm)!.length
      expect(
        [...alias.keys()].filter((k) => k.startsWith(`${table}.`)),
        table,
      ).toHaveLength(columns)
    }
    const contents = await gdal('ogrinfo', ['-ro', '-q', '-sql', "SELECT identifier FROM gpkg_contents WHERE table_name = 'survey3'", file])
    expect(contents).toMatch(/identifier \(String\) = 三调地类图斑/)
  })

  it.skipIf(skipGdal)('crs= gives a Gauss-Kruger zone, coordinates as the source had them', async () => {
    const file = await save(`/api/v1/layers/${county}.gpkg?crs=EPSG:4548`, 'county-4548.gpkg')
    const info = await gdal('ogrinfo', ['-ro', '-al', '-so', file])
    expect(info.match(/ID\["EPSG",4548\]/g)).toHaveLength(4)
    // Each table's own extent (gpkg_contents): the grid's 4 × 3 squares span 190 m × 140 m from (X, Y).
    const extent = /Layer name: survey3\n[\s\S]*?Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)/.exec(info)!.slice(1).map(Number)
    expect(
      extent.map((v, i) => Math.abs(v - [X, Y, X + 190, Y + 140][i]!)).every((d) => d < 1e-6),
      String(extent),
    ).toBe(true)
    const t1 = (await features(file, 'survey3')).find((f) => f.properties.tbbh === 'T1')
    const xs = t1.geometry.coordinates[0][0].map((p: number[]) => p[0])
    const ys = t1.geometry.coordinates[0][0].map((p: number[]) => p[1])
    // The source's square (X, Y)–(X + 40, Y + 40) back through CGCS2000 at full precision: within a micrometre.
    for (const [v, want] of [
      [Math.min(...xs), X],
      [Math.max(...xs), X + 40],
      [Math.min(...ys), Y],
      [Math.max(...ys), Y + 40],
    ])
      expect(Math.abs(v! - want!)).toBeLessThan(1e-6)
    expect(Math.abs((await geographyArea(t1.geometry, 4548)) - main.areas.get('T1')!)).toBeLessThan(0.01)
  })
})

describe('which county, and how much', () => {
  it('another county than the key’s is 404, as is a city key’s county outside its city; a wrong crs is 400', async () => {
    const other = await get('/api/v1/layers/371503.gpkg')
    expect(other.statusCode).toBe(404)
    expect(other.headers['content-type']).toContain('application/problem+json')
    expect((await get(`/api/v1/layers/${county}.gpkg`, await keyFor(t.knex, 'city', '3716'))).statusCode).toBe(404)
    expect((await get(`/api/v1/layers/${county}.gpkg`, await keyFor(t.knex, 'city', '3715'))).statusCode).toBe(200)
    expect((await get('/api/v1/layers/999999.gpkg')).statusCode).toBe(400)
    const crs = await get(`/api/v1/layers/${county}.gpkg?crs=EPSG:3857`)
    expect(crs.statusCode).toBe(400)
    expect(crs.json().detailZh).toContain('不支持的坐标系')
    expect((await get(`/api/v1/layers/${county}.gpkg?limit=3`)).statusCode).toBe(400)
  })

  it('a county with nothing imported is 404 saying so in both languages, not an empty file', async () => {
    const res = await get('/api/v1/layers/371521.gpkg', await keyFor(t.knex, 'province'))
    expect(res.statusCode).toBe(404)
    expect(res.json().detail).toContain('no layers imported for county 371521')
    expect(res.json().detailZh).toContain('371521 尚未导入任何图层')
  })

  it('above GPKG_MAX_FEATURES over all tables together it is 413 in both languages; at the limit it is served', async () => {
    const total = 12 + 2 + 1 + 1 // each table alone is under the cap
    const withCap = (cap: number) => buildTestApp(undefined, { config: { limits: { ...defaultConfig().limits, exports: { gpkgMaxFeatures: cap } } } })
    const small = await withCap(total - 1)
    try {
      const res = await small.app.inject({ url: `/api/v1/layers/${county}.gpkg`, headers: withKey(key) })
      expect(res.statusCode).toBe(413)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.json()).toMatchObject({ code: 'LR_EXPORT_TOO_LARGE', limit: total - 1 })
      expect(res.json().detail).toContain(`${total} features`)
      expect(res.json().detailZh).toContain(`超过上限 ${total - 1} 个`)
    } finally {
      await small.close()
    }
    const exact = await withCap(total)
    try {
      expect((await exact.app.inject({ url: `/api/v1/layers/${county}.gpkg`, headers: withKey(key) })).statusCode).toBe(200)
    } finally {
      await exact.close()
    }
  })

  it('reads the layer versions fixed for the file, not whatever is active at each page', async () => {
    const survey3 = collectionById('survey3')!
    const scope = { kind: 'county' as const, code: county }
    const q = parseItemsQuery(survey3, { f: 'gpkg' }, { default: 1, maximum: 1 })
    expect((await countMatched(t.knex, survey3, scope, q)).count).toBe(12)
    // No version fixed: nothing is read, although a version is active.
    const none = { ...q, datasets: [] }
    expect((await countMatched(t.knex, survey3, scope, none)).count).toBe(0)
    expect(await exportRows(t.knex, survey3, scope, none, 0, 100, null)).toEqual([])
  })

  it('is described in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json()
    const op = doc.paths['/api/v1/layers/{county}.gpkg']?.get
    expect(op?.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['county', 'crs'])
    expect(Object.keys(op.responses)).toContain('200')
  })
})
