// An items page is written as PostgreSQL sends its rows (src/ogc/service.ts itemsStream): no
// whole-page body, the count and links after the features, and a failure once rows flow cuts the
// response instead of ending a page that looks complete. Over a real socket, as clients read it.
import fs from 'node:fs/promises'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'
import { grid, gridFields, listen } from './helpers.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
let base: string
const size = 400

const get = (path: string) => fetch(`${base}${path}`, { headers: withKey(key) })

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  const admin = await keyFor(t.knex, 'admin')
  key = await keyFor(t.knex, 'county', '371502')
  const zip = await shapefileZip(dir, 'grid', { fields: gridFields, features: grid(20, 20).features })
  expect((await importFile(t, admin, { layer: 'survey3', county: '371502' }, zip)).status).toBe('succeeded')
  base = `http://127.0.0.1:${await listen(t.app)}`
})
afterAll(async () => {
  await t?.close()
  await fs.rm(dir, { recursive: true, force: true })
})

it('writes a page as chunks, not as one body of known length, and ends it with the count and the links', async () => {
  const res = await get('/ogc/collections/survey3/items?limit=300&offset=50')
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('application/geo+json')
  expect(res.headers.get('content-crs')).toBe('<http://www.opengis.net/def/crs/OGC/1.3/CRS84>')
  expect(res.headers.get('content-length')).toBeNull()
  expect(res.headers.get('transfer-encoding')).toBe('chunked')
  const text = await res.text()
  expect(text.startsWith('{"type":"FeatureCollection","features":[{')).toBe(true)
  const body = JSON.parse(text)
  expect(body).toMatchObject({ type: 'FeatureCollection', numberMatched: size, numberReturned: 300 })
  expect(body.features).toHaveLength(300)
  // In the collection's order (feature ids ascending), from the 51st.
  const ids = body.features.map((f: { id: number }) => f.id)
  expect(ids).toEqual([...ids].sort((a, b) => a - b))
  expect(body.features[0].properties.tbbh).toBe('T51')
  const rels = body.links.map((l: { rel: string; href: string }) => `${l.rel} ${new URL(l.href).search}`)
  expect(rels).toEqual(['self ?limit=300&offset=50', 'collection ', 'next ?limit=300&offset=350', 'prev ?limit=300&offset=0'])
})

it('a page past the end: no features, the count, no next link', async () => {
  const res = await get('/ogc/collections/survey3/items?limit=10&offset=1000&dlbm=0601')
  expect(res.status).toBe(200)
  const body = await res.json()
  expect(body).toMatchObject({ features: [], numberMatched: Math.ceil(size / 3), numberReturned: 0 })
  expect(body.links.map((l: { rel: string }) => l.rel)).toEqual(['self', 'collection', 'prev'])
})

it('a feature PostgreSQL cannot write in the asked CRS, after others were sent, cuts the response; the service goes on', async () => {
  // The 300th patch moved to latitude ≈ 96°: stored as it is, served in CRS84, but no Gauss-Kruger
  // zone can take it (PostGIS: "transform: Invalid coordinate").
  const bad = await t.knex.raw(`SELECT id FROM survey3_patches WHERE xzqdm = '371502' ORDER BY id OFFSET 299 LIMIT 1`)
  const id = bad.rows[0].id as number
  await t.knex.raw('UPDATE survey3_patches SET geom = ST_Translate(geom, 0, 60) WHERE id = ?', [id])
  try {
    const page = '/ogc/collections/survey3/items?limit=400'
    // In CRS84 the page is whole.
    expect((await (await get(page)).json()).numberReturned).toBe(size)
    // In EPSG:4548 the rows before the 300th are on their way when PostgreSQL fails: never a whole
    // page, plain or gzipped (the compression plugin pipes the stream through gzip).
    for (const encoding of ['identity', 'gzip']) {
      const url = `${base}${page}&crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/4548')}`
      const res = await fetch(url, { headers: { ...withKey(key), 'accept-encoding': encoding } })
      let text: string | null = null
      let cut: Error | null = null
      try {
        text = await res.text()
      } catch (err) {
        cut = err as Error
      }
      if (res.status === 200) {
        expect(res.headers.get('content-encoding') ?? 'identity').toBe(encoding)
        expect(cut, `${encoding}: a 200 that reads whole: ${text?.slice(-200)}`).not.toBeNull()
      } else {
        // Had PostgreSQL failed before the first row reached the service: a problem, not a page.
        expect(res.headers.get('content-type')).toContain('application/problem+json')
      }
    }
    // The failing feature first in the page: the error comes before any row, so it is a problem response.
    const first = await get(`/ogc/collections/survey3/items?limit=10&offset=299&crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/4548')}`)
    expect(first.status).not.toBe(200)
    expect(first.headers.get('content-type')).toContain('application/problem+json')
    // The connection went back to the pool: the next pages are served (the embedded database has one).
    for (let i = 0; i < 3; i++) expect((await get('/ogc/collections/survey3/items?limit=5')).status).toBe(200)
  } finally {
    await t.knex.raw('UPDATE survey3_patches SET geom = ST_Translate(geom, 0, -60) WHERE id = ?', [id])
  }
})

it('the HTML page is made from the streamed page', async () => {
  const res = await get('/ogc/collections/survey3/items?limit=3&f=html')
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('text/html')
  const html = await res.text()
  expect(html).toContain('T1')
  expect(html).toContain('T3')
  expect(html).not.toContain('T4<')
})
