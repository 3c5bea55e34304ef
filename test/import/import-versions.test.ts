// Versions: replace is atomic under a concurrent reader, identical files are recognised, append
// adds, cancel leaves nothing; the layer listing; the CLI; Xian 1980 with Bursa-Wolf parameters.
import { spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import proj4 from 'proj4'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { projectRoot } from '../../src/config.js'
import { hubProj4 } from '../../src/crs/registry.js'
import { esriPrj } from '../../src/formats/shapefile/prj-writer.js'
import { generateCounty } from '../../src/testdata/generate.js'
import { buildTestApp, keyFor, resetData, testDatabase, withKey, type TestApp } from '../helpers/app.js'
import { importFile, jobEvent, snapshot, tempFilesLeft, upload } from '../helpers/imports.js'
import { rect, shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
let small: string
let large: string

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  small = (await generateCounty({ outDir: path.join(dir, 'small'), patches: 300, layers: ['survey3'] }))[0]!.zip
  large = (await generateCounty({ outDir: path.join(dir, 'large'), patches: 20000, layers: ['survey3'] }))[0]!.zip
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})
beforeEach(async () => {
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
})

const activeCount = async () => {
  const { rows } = await t.knex.raw(
    `SELECT count(*)::int AS n FROM survey3_patches p JOIN datasets d ON d.id = p.dataset_id WHERE d.active AND d.layer = 'survey3' AND d.xzqdm = '371502'`,
  )
  return rows[0].n as number
}

describe('replace', () => {
  it('switches readers from the old version to the new one at once, never showing a mix', async () => {
    expect((await importFile(t, key, { layer: 'survey3' }, small)).counts.stored).toBe(300)
    const res = await upload(t, key, { layer: 'survey3' }, large)
    const id = res.json().id
    const seen: number[] = []
    let seenWhileLoading = false
    for (;;) {
      const job = (await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: withKey(key) })).json()
      const n = await activeCount()
      seen.push(n)
      if (job.status === 'running') {
        // The new version loads into a table of its own, attached as a partition once complete.
        const loading = await t.knex('datasets').first('id').where({ status: 'loading' })
        const { rows } = await t.knex.raw(`SELECT to_regclass(?) IS NOT NULL AS present`, [`survey3_patches_d${loading?.id ?? 0}`])
        const all = loading && rows[0].present ? await t.knex(`survey3_patches_d${loading.id}`).count<{ n: number }>({ n: '*' }).first() : { n: 0 }
        if (Number(all!.n) > 0 && n === 300) seenWhileLoading = true // new rows exist, readers still see the old version
      }
      if (job.status !== 'running' && job.status !== 'queued') {
        expect(job.status).toBe('succeeded')
        break
      }
    }
    expect(new Set(seen)).toEqual(new Set(seen.filter((n) => n === 300 || n === 20000)))
    expect(seenWhileLoading).toBe(true)
    expect(await activeCount()).toBe(20000)
  })

  it('recognises an identical file and stores nothing new', async () => {
    const first = await importFile(t, key, { layer: 'survey3' }, small)
    const again = await importFile(t, key, { layer: 'survey3' }, small)
    expect(again).toMatchObject({ status: 'succeeded', datasetId: first.datasetId })
    expect(again.warnings).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/identical to active version 1/) }))
    expect(await t.knex('datasets').count({ n: '*' }).first()).toEqual({ n: 1 })
  })

  it('appends to the active version as a new version holding both', async () => {
    await importFile(t, key, { layer: 'survey3' }, small)
    const extra = await shapefileZip(dir, 'extra', {
      fields: surveyFields,
      features: [{ parts: [rect(400000, 4020000, 400100, 4020100)], values: { BSM: 9001, DLBM: '0601' } }],
    })
    const job = await importFile(t, key, { layer: 'survey3', mode: 'append' }, extra)
    expect(job.status).toBe('succeeded')
    expect(await activeCount()).toBe(301)
    const layer = (await t.app.inject({ method: 'GET', url: '/api/v1/layers/survey3', headers: withKey(key) })).json()
    expect(layer.active).toMatchObject({ version: 2, featureCount: 301 })
    expect(layer.versions.map((v: { version: number; active: boolean; featureCount: number }) => [v.version, v.active, v.featureCount])).toEqual([
      [2, true, 301],
      [1, false, 300],
    ])
  })

  it('cancels a running import, leaving nothing of it', async () => {
    await importFile(t, key, { layer: 'survey3' }, small)
    const before = await snapshot(t.knex)
    const loading = jobEvent(t.app, (e) => e.kind === 'import' && e.type === 'progress')
    const id = (await upload(t, key, { layer: 'survey3' }, large)).json().id
    expect((await loading).id).toBe(id)
    // The answer is the job's end: the cancel waited for the run to stop, not for a poll to see it.
    const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/imports/${id}`, headers: withKey(key) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) })
    expect(await snapshot(t.knex)).toEqual(before)
    expect(tempFilesLeft(t.dataDir)).toEqual([])
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/imports/${id}`, headers: withKey(key) })).statusCode).toBe(409)
  })
})

describe('layers and scope', () => {
  it('lists active layers within the key’s region only', async () => {
    await importFile(t, key, { layer: 'survey3' }, small)
    const other = await keyFor(t.knex, 'county', '371521')
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/layers', headers: withKey(other) })).json()).toEqual([])
    const city = await keyFor(t.knex, 'city', '3715')
    const listed = (await t.app.inject({ method: 'GET', url: '/api/v1/layers', headers: withKey(city) })).json()
    expect(listed).toMatchObject([{ layer: 'survey3', titleZh: '三调地类图斑', county: '371502', active: { featureCount: 300 } }])
    const [minLon, minLat, maxLon, maxLat] = listed[0].active.extent
    expect(minLon).toBeGreaterThan(115.9)
    expect(maxLon).toBeLessThan(116)
    expect(minLat).toBeGreaterThan(36.3)
    expect(maxLat).toBeLessThan(36.5)
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/imports/1', headers: withKey(other) })).statusCode).toBe(404)
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/layers/survey3?county=371502', headers: withKey(other) })).statusCode).toBe(404)
  })
})

describe('Xian 1980 with the user’s Bursa-Wolf parameters', () => {
  it('shifts the data to CGCS2000 as PROJ’s +towgs84 defines', async () => {
    const towgs84 = [15.8, -154.4, -82.3, 0.1, -0.2, 0.3, 1.2]
    const prj = esriPrj({ datum: 'Xian1980', centralMeridian: 117 })
    const zip = await shapefileZip(dir, 'xian80', {
      fields: surveyFields,
      features: [{ parts: [rect(410000, 4030000, 410100, 4030100)], values: { BSM: 1, DLBM: '201' } }],
      prj,
    })
    // the statements the import sends: the transform must go by srid (PostGIS then builds PROJ's
    // pipeline once; by the proj strings it built it for every row, 1 ms a point on the server)
    const sent: string[] = []
    const onQuery = (q: { sql: string }) => sent.push(q.sql)
    t.knex.on('query', onQuery)
    const job = await importFile(t, key, { layer: 'survey2', towgs84: towgs84.join(',') }, zip).finally(() => t.knex.off('query', onQuery))
    expect(job, JSON.stringify(job.errors)).toMatchObject({ status: 'succeeded', sourceCrs: { epsg: 2384, how: 'prj' } })
    const inserts = sent.filter((q) => /INSERT INTO "survey2_patches_d\d+"/.test(q))
    expect(inserts.length).toBeGreaterThan(0)
    for (const q of inserts) expect(q).toMatch(/ST_Transform\(f\.fixed, \$\d+::int\)/)
    // by srid, the stored shape is to the bit what the proj strings give (the transform used before)
    const { rows: same } = await t.knex.raw(
      `SELECT ST_AsEWKB(s.geom) = ST_AsEWKB(ST_Multi(ST_SetSRID(ST_Transform(ST_GeomFromText(?, 2384), srs.proj4text, ?), 4490))) AS same
         FROM survey2_patches s, spatial_ref_sys srs WHERE srs.proj4text = ?`,
      ['POLYGON((410000 4030000,410000 4030100,410100 4030100,410100 4030000,410000 4030000))', hubProj4, job.sourceCrs.proj4],
    )
    expect(same).toEqual([{ same: true }])
    const { rows } = await t.knex.raw(
      'SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1) AS p FROM survey2_patches) s',
    )
    // proj4js, independent of PostGIS: Xian 1980 GK → geocentric shift → GRS80 lon/lat.
    const src = `+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=500000 +y_0=0 +a=6378140 +b=6356755.288157528 +units=m +towgs84=${towgs84.join(',')} +no_defs`
    const [lon, lat] = proj4(src, '+proj=longlat +ellps=GRS80 +towgs84=0,0,0 +no_defs', [410000, 4030000])
    expect(Math.abs(rows[0].lon - lon!)).toBeLessThan(1e-8)
    expect(Math.abs(rows[0].lat - lat!)).toBeLessThan(1e-8)
    // …and the shift is real: tens of metres from the unshifted position.
    const [lon0] = proj4(src.replace(/\+towgs84=\S+/, '+towgs84=0,0,0'), '+proj=longlat +ellps=GRS80 +towgs84=0,0,0 +no_defs', [410000, 4030000])
    expect(Math.abs(rows[0].lon - lon0!) * 90000).toBeGreaterThan(10)
  })
})

describe('CLI', () => {
  it('imports with a progress display and reports the result', async () => {
    const { url, backend } = testDatabase()
    const dataDir = await tempDir()
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'import', '--layer', 'survey3', '--county', '371502', small], {
        cwd: projectRoot,
        // Against the embedded test database the CLI must keep to one connection, as the service does.
        env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, DB_POOL_MAX: backend === 'embedded' ? '1' : '4' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let text = ''
      p.stdout.on('data', (d) => (text += d))
      p.stderr.on('data', (d) => (text += d))
      p.on('exit', (code) => resolve({ code, text }))
    })
    expect(out.code, out.text).toBe(0)
    expect(out.text).toMatch(/import survey3 371502 100%/)
    expect(out.text).toMatch(/imported: job \d+, survey3 version 1/)
    expect(out.text).toMatch(/read 300, stored 300/)
    expect(await activeCount()).toBe(300)
    const audit = await t.knex('audit_log').where({ key_prefix: 'cli', action: 'import.create' }).first()
    expect(audit).toBeTruthy()
    await fs.rm(dataDir, { recursive: true, force: true })
  })
})
