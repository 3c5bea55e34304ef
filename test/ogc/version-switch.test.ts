// An items page and its numberMatched read while imports switch a layer's active version: both
// must describe one version, never the features of one and the count of the other (issue 25).
import fs from 'node:fs/promises'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { activateDataset } from '../../src/import/queries.js'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'
import { grid, gridFields } from './helpers.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
/** Each version's patches carry its name in ZLDWMC (坐落单位名称), so a feature tells its version. */
const versions = [
  { name: 'v-small', size: 10 },
  { name: 'v-large', size: 25 },
].map((v) => ({
  ...v,
  features: grid(5, 5)
    .features.slice(0, v.size)
    .map((f) => ({ ...f, values: { ...f.values, ZLDWMC: v.name } })),
}))
/** industrial (0601) patches of a version: every third of the grid */
const industrial = (size: number) => Math.ceil(size / 3)
let ids: number[]

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  const admin = await keyFor(t.knex, 'admin')
  key = await keyFor(t.knex, 'county', '371502')
  for (const v of versions) {
    const zip = await shapefileZip(dir, v.name, { fields: gridFields, features: v.features })
    expect((await importFile(t, admin, { layer: 'survey3', county: '371502' }, zip)).status).toBe('succeeded')
  }
  ids = (await t.knex('datasets').where({ layer: 'survey3', xzqdm: '371502' }).orderBy('version').select('id')).map((r: { id: number }) => r.id)
  expect(ids).toHaveLength(versions.length)
})
afterAll(async () => {
  await t?.close()
  await fs.rm(dir, { recursive: true, force: true })
})

it('every page while versions switch holds the features of one version and that version’s numberMatched', async () => {
  const switches = 60
  let switching = true
  const pages: Array<{ url: string; matched: number; returned: number; names: string[] }> = []
  // As an import switches (src/import/queries.ts activateDataset): one transaction, old off, new on.
  const switcher = (async () => {
    // As many switches, and as many pages read meanwhile, however the machine shares its time.
    for (let i = 0; i < switches || pages.length < switches; i++) await activateDataset(t.knex, { id: ids[i % 2]!, layer: 'survey3', county: '371502' })
    switching = false
  })()
  const reader = async (url: string) => {
    while (switching) {
      const res = await t.app.inject({ method: 'GET', url, headers: withKey(key) })
      expect(res.statusCode).toBe(200)
      const body = res.json()
      const names = body.features.map((f: { properties: { zldwmc: string } }) => f.properties.zldwmc)
      pages.push({ url, matched: body.numberMatched, returned: body.numberReturned, names })
    }
  }
  // Unfiltered (the versions' feature counts) and filtered (a count of the matching rows).
  await Promise.all([
    switcher,
    reader('/ogc/collections/survey3/items?limit=100'),
    reader('/ogc/collections/survey3/items?limit=100&dlbm=0601'),
    reader('/ogc/collections/survey3/items?limit=100'),
  ])
  expect(pages.length).toBeGreaterThanOrEqual(switches)
  const seen = new Set<string>()
  for (const p of pages) {
    // One version per page, and the count that version has for the request.
    expect(new Set(p.names).size, p.url).toBe(1)
    const v = versions.find((x) => x.name === p.names[0])!
    const expected = p.url.includes('dlbm') ? industrial(v.size) : v.size
    expect({ url: p.url, version: v.name, matched: p.matched, returned: p.returned }).toEqual({
      url: p.url,
      version: v.name,
      matched: expected,
      returned: expected,
    })
    seen.add(v.name)
  }
  // Both versions were read: the switch did happen under the readers.
  expect(seen.size).toBe(2)
})
