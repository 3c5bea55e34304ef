// A database emptied or restored under a running service gives its sequences' ids out again, to
// other data. Tiles are cached under the token of the active versions (memory, disk, browsers told
// `immutable`), and TileJSON's completeFromZoom is remembered under it: neither may answer for the
// old data. The service stays up across the reset, as it would across a restore.
import fs from 'node:fs/promises'
import { defaultConfig } from '../../src/config.js'
import { tileContaining } from '../../src/tiles/queries.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { toLonLat, X, Y } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'
import { grid } from './helpers.js'

let t: TestApp & { dataDir: string }
let dir: string
const fields = [...surveyFields, { name: 'TBBH', type: 'C' as const, length: 10 }]

beforeAll(async () => {
  // A cap of 100 features a tile: 2 500 squares are cut at the first zooms, 30 at none.
  t = await buildTestApp(undefined, { config: { limits: { ...defaultConfig().limits, tiles: { maxFeatures: 100, maxAnalysisPieces: 100 } } } })
  dir = await tempDir()
})
afterAll(async () => {
  await t?.close()
  await fs.rm(dir, { recursive: true, force: true })
})

// The tile at zoom 14 holding the grid's first square.
const [lon, lat] = toLonLat([X + 20, Y + 20])
const z = 14
const { x, y } = tileContaining(lon!, lat!, z)

/** Empties the database, loads `features` as the county's survey3 and reads the tile and TileJSON. */
async function loadAndRead(name: string, features: ReturnType<typeof grid>['features']) {
  await resetData(t.knex)
  const key = await keyFor(t.knex, 'county', '371502')
  const zip = await shapefileZip(dir, name, { fields, features })
  expect((await importFile(t, key, { layer: 'survey3' }, zip)).status).toBe('succeeded')
  const { rows } = await t.knex.raw(`SELECT id FROM datasets WHERE layer = 'survey3'`)
  const get = (url: string) => t.app.inject({ url, headers: withKey(key) })
  const tj = (await get('/tiles/survey3.json')).json()
  const v = new URL(tj.tiles[0].replace('{z}/{x}/{y}', `${z}/${x}/${y}`), 'http://x').searchParams.get('v')
  const tile = await get(`/tiles/survey3/${z}/${x}/${y}.mvt?v=${v}`)
  expect(tile.statusCode, tile.body).toBe(200)
  return { ids: rows.map((r: { id: number }) => r.id), v, tile, complete: tj.vector_layers[0].completeFromZoom as number }
}

describe('tiles after the database is emptied under the service', () => {
  it('are built anew for data that reuses the old ids, and TileJSON counts the new data', async () => {
    const before = await loadAndRead('many', grid(50, 50).features)
    const after = await loadAndRead('few', grid(6, 5).features)
    expect(after.ids).toEqual(before.ids) // the same ids, other data
    expect(after.v).not.toBe(before.v)
    expect(after.tile.headers.etag).not.toBe(before.tile.headers.etag)
    expect(after.tile.headers['x-tile-cache']).toBe('miss')
    expect(after.tile.rawPayload.equals(before.tile.rawPayload)).toBe(false)
    expect(after.complete).toBeLessThan(before.complete)
  })
})
