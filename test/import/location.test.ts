// A delivery must lie in the county it is imported into (issue 16): with the county's
// administrative boundary loaded, a layer mostly outside it is refused, naming the share outside and
// the county it seems to belong to; a little outside is a warning; without a boundary, a warning.
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, type TestApp } from '../helpers/app.js'
import { gkRect as R } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let dir: string
const keys: Record<string, string> = {}
const text = (name: string, length = 20) => ({ name, type: 'C' as const, length })

// 东昌府区 371502 is the square 0–1000 m, 阳谷县 371521 the square east of it (1000–2000 m).
const boundary = (county: string, x0: number) =>
  shapefileZip(dir, `xzq-${county}`, { fields: [text('XZQDM', 12)], features: [{ parts: [R(x0, 0, x0 + 1000, 1000)], values: { XZQDM: county } }] })
/** 50 m patches in a row starting at x0, n of them. */
const patches = (name: string, x0: number, n: number) =>
  shapefileZip(dir, name, {
    fields: [text('DLBM', 5)],
    features: Array.from({ length: n }, (_, i) => ({ parts: [R(x0 + i * 50, 100, x0 + i * 50 + 50, 150)], values: { DLBM: '0601' } })),
  })

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  for (const c of ['371502', '371521', '370702']) keys[c] = await keyFor(t.knex, 'county', c)
  for (const [c, x0] of [
    ['371502', 0],
    ['371521', 1000],
  ] as const) {
    const job = await importFile(t, keys[c]!, { layer: 'admin-divisions' }, await boundary(c, x0))
    expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
  }
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})

describe('where a delivery lies', () => {
  it('inside the county: imported without a word about it', async () => {
    const job = await importFile(t, keys['371502']!, { layer: 'survey3' }, await patches('inside', 0, 10))
    expect(job.status).toBe('succeeded')
    expect(JSON.stringify(job.warnings)).not.toMatch(/boundary/)
  })

  it('mostly in the neighbouring county: refused with the share outside and that county, nothing stored', async () => {
    // 10 patches: 2 inside 371502 (0–100 m shifted to 900–1000), 8 in 371521
    const job = await importFile(t, keys['371502']!, { layer: 'survey2' }, await patches('across', 900, 10))
    expect(job.status).toBe('failed')
    expect(job.errors[0].message).toMatch(/8 of 10 features \(80\.0 %\) lie outside the administrative boundary of county 371502 东昌府区/)
    expect(job.errors[0].message).toMatch(/seem to belong to county 371521 阳谷县/)
    expect(await t.knex('datasets').where({ layer: 'survey2', xzqdm: '371502' }).count<{ n: number }>({ n: '*' }).first()).toEqual({ n: 0 })
  })

  it('a few features over the line: imported with a warning', async () => {
    // 20 patches from -50 m: the first one lies west of the boundary, 1 of 20 outside
    const job = await importFile(t, keys['371502']!, { layer: 'buildings' }, await patches('edge', -50, 20))
    expect(job.status).toBe('succeeded')
    expect(JSON.stringify(job.warnings)).toMatch(/1 of 20 features \(5\.0 %\) lie outside the administrative boundary/)
  })

  it('no boundary loaded for the county: imported with a warning that the location was not checked', async () => {
    const job = await importFile(t, keys['370702']!, { layer: 'survey3' }, await patches('nowhere', 5000, 3))
    expect(job.status).toBe('succeeded')
    expect(JSON.stringify(job.warnings)).toMatch(/no administrative boundary \(admin-divisions layer\) is loaded for county 370702/)
  })
})
