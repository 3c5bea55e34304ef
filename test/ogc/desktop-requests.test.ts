// What QGIS 3.22 and GDAL 3.6 send (issue 23): datetime, a limit above the maximum, CQL2 as GDAL
// writes it (0/1 booleans, '2018-03-15T' dates, decimals against integers), CASEI/ILIKE, NUL bytes
// and deep nesting, HTTP Basic with the key as the password, EPSG:4326, a trailing slash, sortby.
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { gkRect } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'
import { gdal, gdalSkipReason, grid, gridFields, listen, skipGdal } from './helpers.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
let port: number
const projectIds: number[] = []

const text = (name: string, length = 40) => ({ name, type: 'C' as const, length })
const square = (i: number, y = 1000) => [gkRect(i * 50, y, i * 50 + 40, y + 40)]
// 批而未供: A 2014-06-01, B 2015-01-01, C 2018-03-15 (approved that day), N without a date.
const approvals = [
  { PZWH: 'A', XMMC: 'alpha yard', PZRQ: '2014-06-01' },
  { PZWH: 'B', XMMC: 'Alpha Park', PZRQ: '2015-01-01' },
  { PZWH: 'C', XMMC: 'Beta', PZRQ: '2018-03-15' },
  { PZWH: 'N', XMMC: 'Gamma', PZRQ: null },
]

const get = (url: string, headers: Record<string, string> = withKey(key)) => t.app.inject({ method: 'GET', url, headers })
const items = (collection: string, query: Record<string, string>) => get(`/ogc/collections/${collection}/items?${new URLSearchParams(query)}`)
type Page = { features: Array<{ properties: Record<string, unknown>; geometry: { coordinates: number[][][][] } }>; numberMatched: number }
/** A property of each feature of a 200 page, in the order served. */
async function values(collection: string, query: Record<string, string>, property: string): Promise<unknown[]> {
  const res = await items(collection, query)
  expect(res.statusCode, `${JSON.stringify(query)}: ${res.body.slice(0, 300)}`).toBe(200)
  const page = res.json() as Page
  if (!query.limit) expect(page.numberMatched, JSON.stringify(query)).toBe(page.features.length)
  return page.features.map((f) => f.properties[property])
}
const sorted = (xs: unknown[]) => [...xs].map(String).sort()
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` })

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
  const layer = async (kind: string, spec: Parameters<typeof shapefileZip>[2]) =>
    expect((await importFile(t, key, { layer: kind }, await shapefileZip(dir, kind, spec))).status).toBe('succeeded')
  await layer('survey3', { fields: gridFields, features: grid(3, 3).features }) // 9 patches T1..T9, bsm 1..9; 0601 for T1, T4, T7
  await layer('approved-unsupplied', {
    fields: [text('PZWH'), text('XMMC'), { name: 'PZRQ', type: 'D', length: 8 }],
    features: approvals.map((values, i) => ({ parts: square(i), values })),
  })
  await layer('buildings', {
    fields: [text('JZLX'), { name: 'CS', type: 'N', length: 4 }],
    features: [1, 2, 3, 5].map((CS, i) => ({ parts: square(i, 2000), values: { JZLX: '厂房', CS } })),
  })
  await layer('plan-zones', {
    fields: [text('GHFQMC'), { name: 'SFYX', type: 'L', length: 1 }],
    features: [
      { parts: square(0, 3000), values: { GHFQMC: '城镇集中建设区', SFYX: 1 } },
      { parts: square(1, 3000), values: { GHFQMC: '生态保护区', SFYX: 0 } },
    ],
  })
  // Two projects analysed, their analysis times set to known instants (the projects' temporal property).
  for (const [i, at] of ['2024-05-01T10:00:00Z', '2025-01-01T00:00:00Z'].entries()) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(key),
      payload: { code: `XM-${i + 1}`, srid: 4548, geometry: { type: 'Polygon', coordinates: square(i, 4000) } },
    })
    expect(res.statusCode, res.body).toBe(201)
    projectIds.push(res.json().id)
    expect((await get(`/api/v1/projects/${res.json().id}/analysis`)).statusCode).toBe(200)
    await t.knex('analysis_results').where({ project_id: res.json().id }).update({ computed_at: at })
  }
  port = await listen(t.app)
})
afterAll(async () => {
  await t?.close()
  await fs.rm(dir, { recursive: true, force: true })
})

describe('datetime (Part 1)', () => {
  it('collections with a date declare it (temporalProperty, extent.temporal, primary-instant); others do not', async () => {
    const c = (await get('/ogc/collections/approved-unsupplied')).json()
    expect(c.temporalProperty).toBe('approvedOn')
    expect(c.extent.temporal).toEqual({
      interval: [['2014-06-01T00:00:00+08:00', '2018-03-15T23:59:59+08:00']],
      trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian',
    })
    expect((await get('/ogc/collections/approved-unsupplied/queryables')).json().properties.approvedOn['x-ogc-role']).toBe('primary-instant')
    expect((await get('/ogc/collections/approved-unsupplied/schema')).json().properties.approvedOn['x-ogc-role']).toBe('primary-instant')
    expect((await get('/ogc/collections/idle-land')).json().temporalProperty).toBe('identifiedOn')
    const projects = (await get('/ogc/collections/projects')).json()
    expect(projects.temporalProperty).toBe('analysedAt')
    expect(projects.extent.temporal.interval).toEqual([['2024-05-01T10:00:00Z', '2025-01-01T00:00:00Z']])
    const s3 = (await get('/ogc/collections/survey3')).json()
    expect(s3.temporalProperty).toBeUndefined()
    expect(s3.extent.temporal).toBeUndefined()
    const api = (await get('/ogc/api')).json()
    expect(api.paths['/collections/approved-unsupplied/items'].get.parameters.map((p: { name?: string }) => p.name)).toEqual(
      expect.arrayContaining(['datetime', 'sortby']),
    )
  })

  it('instants, closed and open intervals (QGIS: 2015-01-01/..); undated features match; dates as whole days', async () => {
    const cases: Array<[string, string[]]> = [
      ['2018-03-15', ['C', 'N']],
      ['2018-03-15T10:30:00Z', ['C', 'N']],
      ['2015-01-01/..', ['B', 'C', 'N']],
      ['2015-01-01/', ['B', 'C', 'N']],
      ['../2015-01-01', ['A', 'B', 'N']],
      ['/2014-12-31T23:59:59+08:00', ['A', 'N']],
      ['2014-06-01/2015-01-01', ['A', 'B', 'N']],
      ['2014-06-02T00:00:00Z/2018-03-14T00:00:00Z', ['B', 'N']],
      ['2016-01-01/2017-01-01', ['N']],
      ['../..', ['A', 'B', 'C', 'N']],
    ]
    for (const [datetime, expected] of cases) {
      expect(sorted(await values('approved-unsupplied', { datetime }, 'approvalNo')), datetime).toEqual(expected)
    }
    // With a filter and as an export, the same selection.
    expect(sorted(await values('approved-unsupplied', { datetime: '2015-01-01/..', filter: `approvalNo <> 'N'` }, 'approvalNo'))).toEqual(['B', 'C'])
    const csv = await items('approved-unsupplied', { datetime: '2018-03-15', f: 'csv', headers: 'en' })
    expect(csv.body.trim().split('\r\n')).toHaveLength(3)
  })

  it('an instant property (projects.analysedAt): a date is its whole day in China Standard Time', async () => {
    const [p1, p2] = projectIds
    const cases: Array<[string, number[]]> = [
      ['2024-05-01', [p1!]],
      ['2024-05-01T10:00:00Z', [p1!]],
      ['2024-05-01T18:00:00+08:00', [p1!]],
      ['2024-05-01T10:00:01Z', []],
      ['2024-05-02/..', [p2!]],
      ['../2025-01-01T08:00:00+08:00', [p1!, p2!]],
      ['../2024-12-31T23:59:59Z', [p1!]],
    ]
    for (const [datetime, expected] of cases) {
      const ids = (await items('projects', { datetime })).json().features.map((f: { id: number }) => f.id)
      expect(ids, datetime).toEqual(expected)
    }
  })

  it('a collection without a temporal property ignores datetime (fc-time-response C); bad values are 400 problems', async () => {
    expect(await values('survey3', { datetime: '2015-01-01/..' }, 'tbbh')).toHaveLength(9)
    for (const datetime of ['2018-02-30', '2018-03-15/2014-01-01', 'yesterday', '2015/2016/2017', '2018-03-15T25:00:00Z', '..', '']) {
      for (const collection of ['approved-unsupplied', 'survey3']) {
        const res = await items(collection, { datetime })
        expect(res.statusCode, `${collection} ${datetime}`).toBe(400)
        expect(res.json().detail).toMatch(/^datetime/)
        expect(res.json().detailZh).toMatch(/^datetime 参数有误/)
      }
    }
  })
})

describe('limit', () => {
  it('above the maximum is the maximum (not refused); below 1 is a 400', async () => {
    for (const limit of ['10001', '99999999999999999999']) {
      const res = await items('survey3', { limit })
      expect(res.statusCode, limit).toBe(200)
      expect(res.json().numberReturned).toBe(9)
      expect(res.json().links.find((l: { rel: string }) => l.rel === 'self').href).toContain('limit=10000')
    }
    for (const limit of ['0', '-1', '2.5']) expect((await items('survey3', { limit })).statusCode, limit).toBe(400)
  })
})

describe('CQL2 as GDAL 3.6 writes it', () => {
  it("booleans as 0/1, dates as '2018-03-15T' and TIMESTAMP(), decimals and huge numbers against integers", async () => {
    const cases: Array<[string, string, string, unknown[]]> = [
      ['plan-zones', 'permitted = 1', 'zoneName', ['城镇集中建设区']],
      ['plan-zones', 'permitted = 0', 'zoneName', ['生态保护区']],
      ['plan-zones', 'permitted = TRUE', 'zoneName', ['城镇集中建设区']],
      ['approved-unsupplied', `approvedOn = '2018-03-15T'`, 'approvalNo', ['C']],
      ['approved-unsupplied', `approvedOn = '2018-03-15'`, 'approvalNo', ['C']],
      ['approved-unsupplied', `approvedOn >= '2015-01-01T'`, 'approvalNo', ['B', 'C']],
      ['approved-unsupplied', `approvedOn = TIMESTAMP('2018-03-15T00:00:00Z')`, 'approvalNo', ['C']],
      ['approved-unsupplied', `approvedOn < DATE('2015-01-01')`, 'approvalNo', ['A']],
      ['approved-unsupplied', `approvedOn BETWEEN '2014-06-01T' AND '2015/01/01'`, 'approvalNo', ['A', 'B']],
      ['approved-unsupplied', `approvedOn IN ('2014-06-01T', TIMESTAMP('2018-03-15T08:00:00Z'))`, 'approvalNo', ['A', 'C']],
      ['approved-unsupplied', `approvedOn LIKE '2018%'`, 'approvalNo', ['C']],
      ['buildings', 'floors > 2.5', 'floors', [3, 5]],
      ['buildings', 'floors = 2.5', 'floors', []],
      ['buildings', 'floors IN (1, 2.0, 5.5)', 'floors', [1, 2]],
      ['buildings', 'floors BETWEEN 1.5 AND 3', 'floors', [2, 3]],
      ['buildings', 'floors < 99999999999999999999', 'floors', [1, 2, 3, 5]],
      ['survey3', 'bsm = 99999999999999999999', 'bsm', []],
      ['survey3', 'bsm = 1e+20', 'bsm', []],
      ['survey3', 'bsm = 9007199254740993', 'bsm', []],
      ['survey3', 'bsm > -99999999999999999999 AND bsm <= 2.0', 'bsm', [1, 2]],
    ]
    for (const [collection, filter, property, expected] of cases) {
      expect(sorted(await values(collection, { filter, 'filter-lang': 'cql-text' }, property)), filter).toEqual(sorted(expected))
    }
    // Typed wrongly, still a 400 (with the position), never a 500.
    for (const [collection, filter] of [
      ['approved-unsupplied', `approvedOn = '2018-02-30'`],
      ['approved-unsupplied', `approvedOn = 'soon'`],
      ['plan-zones', 'permitted = 2'],
      ['survey3', 'tbmj > 1e400'],
    ]) {
      const res = await items(collection!, { filter: filter! })
      expect(res.statusCode, filter).toBe(400)
      expect(typeof res.json().position, filter).toBe('number')
    }
  })

  it('LIKE is case-sensitive; CASEI() and ILIKE are not (text and JSON)', async () => {
    const names = (filter: string, lang = 'cql2-text') => values('approved-unsupplied', { filter, 'filter-lang': lang }, 'name').then(sorted)
    expect(await names(`name LIKE 'alpha%'`)).toEqual(['alpha yard'])
    expect(await names(`name ILIKE 'alpha%'`)).toEqual(['Alpha Park', 'alpha yard'])
    expect(await names(`CASEI(name) LIKE CASEI('ALPHA%')`)).toEqual(['Alpha Park', 'alpha yard'])
    expect(await names(`CASEI(name) = CASEI('alpha PARK')`)).toEqual(['Alpha Park'])
    expect(await names(`name = 'alpha park'`)).toEqual([])
    expect(await names(`CASEI(name) IN (CASEI('BETA'), CASEI('gamma'))`)).toEqual(['Beta', 'Gamma'])
    expect(await names(`name NOT ILIKE 'ALPHA%'`)).toEqual(['Beta', 'Gamma'])
    const json = {
      op: 'like',
      args: [
        { op: 'casei', args: [{ property: 'name' }] },
        { op: 'casei', args: ['%PARK'] },
      ],
    }
    expect(await names(JSON.stringify(json), 'cql2-json')).toEqual(['Alpha Park'])
    const classes = (await get('/ogc/conformance')).json().conformsTo as string[]
    expect(classes).toContain('http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison')
  })

  it('a NUL byte in any value, and 5 000-deep nesting, are 400 problems', async () => {
    for (const query of [
      `filter=${encodeURIComponent("name = 'a\u0000b'")}`,
      'approvalNo=A%00',
      'datetime=2018-03-15%00',
      'sortby=name%00',
      `filter=${encodeURIComponent(`{"op":"=","args":[{"property":"name"},"a\u0000"]}`)}&filter-lang=cql2-json`,
    ]) {
      const res = await get(`/ogc/collections/approved-unsupplied/items?${query}`)
      expect(res.statusCode, query).toBe(400)
      expect(res.json().detailZh, query).toMatch(/空字符/)
    }
    const deep = 5000
    const texts = [`${'('.repeat(deep)}bsm = 1${')'.repeat(deep)}`, `${'NOT '.repeat(deep)}bsm = 1`, `${'CASEI('.repeat(deep)}dlbm${')'.repeat(deep)} = '0601'`]
    const json = `${'{"op":"not","args":['.repeat(deep)}{"op":"=","args":[{"property":"bsm"},1]}${']}'.repeat(deep)}`
    for (const [filter, lang] of [...texts.map((x) => [x, 'cql2-text']), [json, 'cql2-json']]) {
      const res = await items('survey3', { filter: filter!, 'filter-lang': lang! })
      expect(res.statusCode, filter!.slice(0, 20)).toBe(400)
      expect(res.json().detail).toMatch(/nests deeper than 100 levels/)
    }
    // 100 levels are still fine.
    expect(await values('survey3', { filter: `${'('.repeat(99)}bsm = 1${')'.repeat(99)}` }, 'bsm')).toEqual([1])
  })
})

describe('HTTP Basic with the key as the password', () => {
  it('is accepted on /ogc, /tiles and /api/v1, any user name; links then carry no key', async () => {
    const res = await get('/ogc/collections/survey3/items?limit=2', basic('qgis', key))
    expect(res.statusCode).toBe(200)
    expect(res.json().links.every((l: { href: string }) => !l.href.includes('key='))).toBe(true)
    expect((await get('/tiles/survey3.json', basic('x', key))).statusCode).toBe(200)
    expect((await get('/api/v1/keys/me', basic('', key))).json().role).toBe('county')
    expect((await get('/ogc/collections', basic(key, ''))).statusCode).toBe(200)
  })

  it('401s on /ogc and /tiles challenge for Basic and name ?key= and Basic in both languages', async () => {
    for (const [url, headers] of [
      ['/ogc/collections', {}],
      ['/ogc/collections/survey3/items', basic('x', 'lr_wrong')],
      ['/tiles/survey3.json', {}],
      ['/tiles/survey3/16/54000/25000.mvt', basic('x', 'not a key')],
    ] as Array<[string, Record<string, string>]>) {
      const res = await get(url, headers)
      expect(res.statusCode, url).toBe(401)
      expect(res.headers['www-authenticate'], url).toMatch(/^Basic realm="[^"]+", charset="UTF-8"$/)
      expect(res.json().detail, url).toMatch(/\?key=.*|Basic/)
      expect(res.json().detail, url).toContain('?key=')
      expect(res.json().detail, url).toContain('Basic')
      expect(res.json().detailZh, url).toContain('?key=')
      expect(res.json().detailZh, url).toContain('Basic')
    }
    // The web console sends X-API-Key: no challenge (a browser would open its login dialog); nor on /api/v1.
    expect((await get('/ogc/collections', { 'x-api-key': 'lr_wrong' })).headers['www-authenticate']).toBeUndefined()
    const api = await get('/api/v1/keys/me', {})
    expect(api.statusCode).toBe(401)
    expect(api.headers['www-authenticate']).toBeUndefined()
  })
})

describe('EPSG:4326, a trailing slash, sortby', () => {
  it('EPSG:4326 is CRS84 in lat, lon order (crs, bbox-crs, filter-crs), as EPSG:4490 is', async () => {
    const crs84 = (await items('survey3', { filter: `tbbh = 'T5'` })).json() as Page
    const [lon, lat] = crs84.features[0]!.geometry.coordinates[0]![0]![0]!
    for (const crs of ['http://www.opengis.net/def/crs/EPSG/0/4326', 'EPSG:4326', 'urn:ogc:def:crs:EPSG::4326']) {
      const res = await items('survey3', { filter: `tbbh = 'T5'`, crs })
      expect(res.statusCode, crs).toBe(200)
      expect(res.headers['content-crs']).toBe('<http://www.opengis.net/def/crs/EPSG/0/4326>')
      expect(res.json().features[0].geometry.coordinates[0][0][0]).toEqual([lat, lon])
    }
    // A box around T5's corner, given lat first.
    const d = 1e-5
    const box = [lat! - d, lon! - d, lat! + d, lon! + d].join(',')
    const hit = await values('survey3', { bbox: box, 'bbox-crs': 'http://www.opengis.net/def/crs/EPSG/0/4326' }, 'tbbh')
    expect(hit).toEqual(['T5'])
    const point = `S_INTERSECTS(geometry, POINT(${lat! + d} ${lon! + d}))`
    expect(await values('survey3', { filter: point, 'filter-crs': 'http://www.opengis.net/def/crs/EPSG/0/4326' }, 'tbbh')).toEqual(['T5'])
  })

  it('a trailing slash is tolerated on OGC paths', async () => {
    for (const url of ['/ogc/', '/ogc/collections/', '/ogc/collections/survey3/', '/ogc/collections/survey3/items/?limit=1', '/ogc/conformance/']) {
      expect((await get(url)).statusCode, url).toBe(200)
    }
  })

  it('sortby=+name,-approvedOn on the queryables (Part 8), stable across pages; /sortables lists them', async () => {
    expect(await values('approved-unsupplied', { sortby: '-approvedOn' }, 'approvalNo')).toEqual(['C', 'B', 'A', 'N'])
    expect(await values('approved-unsupplied', { sortby: 'approvedOn' }, 'approvalNo')).toEqual(['A', 'B', 'C', 'N'])
    expect(await values('approved-unsupplied', { sortby: '+name,-approvedOn' }, 'name')).toEqual(['Alpha Park', 'Beta', 'Gamma', 'alpha yard'])
    // `+` not encoded arrives as a space.
    const raw = await get('/ogc/collections/approved-unsupplied/items?sortby=+approvalNo')
    expect(raw.json().features.map((f: { properties: { approvalNo: string } }) => f.properties.approvalNo)).toEqual(['A', 'B', 'C', 'N'])
    const pages = []
    for (const offset of [0, 4, 8]) pages.push(...(await values('survey3', { sortby: '-dlbm,-bsm', limit: '4', offset: String(offset) }, 'bsm')).map(Number))
    expect(pages).toEqual([9, 8, 6, 5, 3, 2, 7, 4, 1])
    for (const sortby of ['geometry', 'nope', '-', '+name,*']) {
      const res = await items('approved-unsupplied', { sortby })
      expect(res.statusCode, sortby).toBe(400)
      expect(res.json().detailZh).toMatch(/sortby/)
    }
    const sortables = await get('/ogc/collections/approved-unsupplied/sortables/')
    expect(sortables.headers['content-type']).toContain('application/schema+json')
    expect(Object.keys(sortables.json().properties)).toEqual(['county', 'approvalNo', 'name', 'approvedOn'])
    const links = (await get('/ogc/collections/approved-unsupplied')).json().links as Array<{ rel: string; href: string }>
    expect(links.find((l) => l.rel === 'http://www.opengis.net/def/rel/ogc/1.0/sortables')!.href).toMatch(/\/sortables$/)
    expect((await get('/ogc/conformance')).json().conformsTo).toContain('http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting')
  })
})

describe('GDAL 3.6 (ogrinfo)', () => {
  it.skipIf(skipGdal)(`reads with HTTP Basic (GDAL_HTTP_AUTH=BASIC) and pushes -where as CQL2 in GDAL's forms${gdalSkipReason}`, async () => {
    const urls: string[] = []
    const record = (req: { url?: string; headers: Record<string, unknown> }) => urls.push(decodeURIComponent(req.url ?? ''))
    t.app.server.on('request', record)
    const url = `OAPIF:http://127.0.0.1:${port}/ogc`
    const env = { GDAL_HTTP_AUTH: 'BASIC', GDAL_HTTP_USERPWD: `gdal:${key}` }
    const run = (layer: string, where: string) => gdal('ogrinfo', ['-ro', '-al', '-q', url, layer, '-where', where], env)
    const found = (out: string, field: string) => [...out.matchAll(new RegExp(`${field} \\([A-Za-z()]+\\) = (\\S+)`, 'g'))].map((m) => m[1]!).sort()
    expect(found(await run('approved-unsupplied', `approvedOn = '2018-03-15'`), 'approvalNo')).toEqual(['C'])
    expect(found(await run('buildings', `floors > 2.5`), 'floors')).toEqual(['3', '5'])
    expect(found(await run('plan-zones', `permitted = 1`), 'zoneName')).toEqual(['城镇集中建设区'])
    // (A huge number in an OR is left out here: GDAL 3.6 applies the -where again to what it reads and
    // drops every feature then; the service's answer to `bsm = 1e+20` is tested above.)
    expect(found(await run('survey3', `bsm > 3.5 AND dlbm = '0601'`), 'bsm')).toEqual(['4', '7'])
    // -spat as bbox, with a page size above the maximum (capped, not refused): as many features as the API
    // counts in the same box; the lower-left quarter of the collection's extent.
    const [x0, y0, x1, y1] = (await get('/ogc/collections/survey3')).json().extent.spatial.bbox[0] as number[]
    const box = [x0!, y0!, (x0! + x1!) / 2, (y0! + y1!) / 2]
    const spat = await gdal('ogrinfo', ['-ro', '-al', '-q', '-oo', 'PAGE_SIZE=20000', url, 'survey3', '-spat', ...box.map(String)], env)
    const counted = (await get(`/ogc/collections/survey3/items?limit=1&bbox=${box.join(',')}`)).json().numberMatched
    expect(counted).toBeGreaterThan(0)
    expect((spat.match(/^OGRFeature\(/gm) ?? []).length).toBe(counted)
    t.app.server.off('request', record)
    // Filtered by the service, not by GDAL after reading everything, and never with the key in the URL.
    for (const f of [`approvedOn = '2018-03-15T'`, 'floors > 2.5', 'permitted = 1', 'bsm > 3.5']) {
      expect(
        urls.some((u) => u.includes('filter=') && u.includes(f)),
        `${f}\n${urls.join('\n')}`,
      ).toBe(true)
    }
    expect(urls.some((u) => u.includes('key='))).toBe(false)
    expect(urls.some((u) => u.includes('bbox=') && u.includes('limit=20000'))).toBe(true)
  })
})
