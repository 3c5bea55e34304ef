// The plane a project is cut in (src/db/analysis-cut.ts countyPlane): the central meridian of the
// county's newest active survey delivery drawn in Gauss-Kruger (third survey, then second survey,
// then any other layer), else the 3° zone of the project's own longitude. Counties across 118.5°E
// (the border of zones 39 and 40) are where the two differ: a project at 118.6°E of a county
// delivered in zone 39 (CM 117°E) is cut in EPSG:4548, not in its longitude's EPSG:4549. Expected
// srids by hand: 4534 + (CM − 75) / 3.
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countyPlane } from '../../src/db/analysis-cut.js'
import { esriPrj } from '../../src/formats/shapefile/prj-writer.js'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { importFile } from '../helpers/imports.js'
import { postProject } from '../helpers/projects.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let dir: string
const county = '371302'

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})

/** The plane countyPlane gives the county at a longitude. */
async function planeAt(lon: number): Promise<number> {
  const { rows } = await t.knex.raw(`SELECT ${countyPlane('c.xzqdm', '?::float8')} AS srid FROM (SELECT ?::char(6) AS xzqdm) c`, [lon, county])
  return rows[0].srid
}

/** A version of a layer as the read model sees it (the row only: these cases read no features). */
async function version(layer: string, v: number, centralMeridian: number | null, active = true) {
  if (active) await t.knex('datasets').where({ layer, xzqdm: county }).update({ active: false })
  await t.knex('datasets').insert({
    layer,
    xzqdm: county,
    version: v,
    status: 'ready',
    active,
    // as an import stores it (src/import/run.ts sourceCrs)
    source_crs: centralMeridian === null ? { epsg: 4490, how: 'prj' } : { epsg: 4534 + (centralMeridian - 75) / 3, how: 'prj', centralMeridian },
  })
}

describe('the plane of a county', () => {
  it('is the zone of the longitude when no delivery is drawn in Gauss-Kruger', async () => {
    expect(await planeAt(118.4)).toBe(4548) // round(39.47) = 39: CM 117°E
    expect(await planeAt(118.6)).toBe(4549) // round(39.53) = 40: CM 120°E
    await version('survey3', 1, null)
    expect(await planeAt(118.6)).toBe(4549)
  })

  it('is the delivery’s when one is: third survey before second survey before any other layer', async () => {
    await version('buildings', 1, 114)
    expect([await planeAt(118.4), await planeAt(118.6)]).toEqual([4547, 4547])
    await version('survey2', 1, 117)
    expect([await planeAt(118.4), await planeAt(118.6)]).toEqual([4548, 4548])
    await version('survey3', 2, 120)
    expect([await planeAt(118.4), await planeAt(118.6)]).toEqual([4549, 4549])
  })

  it('is read from active versions only', async () => {
    // the third survey's newest version is in lon/lat: the second survey's plane again
    await version('survey3', 3, null)
    expect(await planeAt(118.6)).toBe(4548)
    // an inactive version in another plane changes nothing
    await version('survey2', 2, 123, false)
    expect(await planeAt(118.6)).toBe(4548)
  })
})

describe('a project across the zone border', () => {
  it('is cut in its county’s delivery plane, not in its longitude’s zone', async () => {
    await resetData(t.knex)
    const key = await keyFor(t.knex, 'county', county)
    // a second-survey delivery in zone 39 without prefix (CM 117°E); its patch lies at 118.6°E
    const prj = esriPrj({ datum: 'CGCS2000', centralMeridian: 117 })
    const x = 643_700
    const y = 4_041_000
    const ring = [
      [x, y],
      [x, y + 300],
      [x + 300, y + 300],
      [x + 300, y],
      [x, y],
    ]
    const zip = await shapefileZip(dir, 'border-s2', {
      fields: [{ name: 'DLBM', type: 'C', length: 5 }],
      features: [{ parts: [ring], values: { DLBM: '201' } }],
      prj,
    })
    const job = await importFile(t, key, { layer: 'survey2' }, zip)
    expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
    const id = await postProject(t, key, { code: 'BORDER-1', srid: 4548, geometry: { type: 'Polygon', coordinates: [ring] } })
    const { rows } = await t.knex.raw('SELECT ST_X(ST_PointOnSurface(geom)) AS lon FROM projects WHERE id = ?', [id])
    expect(rows[0].lon).toBeGreaterThan(118.5)
    const analysis = (await t.app.inject({ method: 'GET', url: `/api/v1/projects/${id}/analysis`, headers: withKey(key) })).json()
    expect(analysis.plane.epsg).toBe(4548)
    expect(analysis.area.planarEpsg).toBe(4548)
  })
})
