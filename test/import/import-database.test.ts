// A county's survey database as delivered (zipped FileGDB, GeoPackage): listed with the proposed
// mapping, one layer by its kind, several at once, and every feature as the shapefile of the same
// data gives it. The databases are made here from the sample county's shapefiles by GDAL's ogr2ogr. Read by
// both GDALs the service knows (GDAL_READER): gdal3.js in a worker and the machine's ogr2ogr through
// a pipe, and a GeoPackage's rows also by the service itself (GPKG_READER=direct, the default); the
// comparisons run with each and must give the same rows.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmdirSync } from 'node:fs'
import os from 'node:os'
import fs from 'node:fs/promises'
import path from 'node:path'
import iconv from 'iconv-lite'
import initSqlJs from 'sql.js'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { projectRoot, type Config } from '../../src/config.js'
import { setFaultHook } from '../../src/jobs/fault-points.js'
import { buildTestApp, keyFor, resetData, testDatabase, withKey, type TestApp } from '../helpers/app.js'
import { hasOgr2ogr, requireUnderCi, skipWithout } from '../helpers/ci.js'
import { importFile, jobEvent, snapshot, tempFilesLeft, upload, waitForJob } from '../helpers/imports.js'
import { layerKind } from '../../src/catalogue/layer-kinds.js'
import { esriPrj } from '../../src/formats/shapefile/prj-writer.js'
import { ImportFailure } from '../../src/import/report.js'
import { runImport } from '../../src/import/run.js'
import { rawZip, tempDir } from '../helpers/shapefiles.js'
import { detectDatabase, forgetListings, gdalScratchBytes, listDatabase, openDatabaseLayer } from '../../src/import/database-source.js'
import { nativeGdalFor, nativeTranslate, type GdalReaderMode } from '../../src/import/gdal/native.js'

const MiB = 1024 * 1024
/** Whether this process may mount a tmpfs (root, and a kernel and container that allow it). */
const mountable = (() => {
  if (process.getuid?.() !== 0) return false
  const probe = mkdtempSync(path.join(os.tmpdir(), 'lr-mount-probe-'))
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]).status === 0
  if (ok) spawnSync('umount', [probe])
  rmdirSync(probe)
  return ok
})()

const sample = (kind: string) => path.resolve('data/sample', `371502_${kind}.zip`)
const ogr = (...args: string[]) => execFileSync('ogr2ogr', args, { stdio: ['ignore', 'ignore', 'pipe'] })
const zipDir = (cwd: string, zip: string, ...what: string[]) => execFileSync('zip', ['-q', '-r', zip, ...what], { cwd })

let t: TestApp & { dataDir: string }
/** the same database with each reader forced: gdal3.js, the machine's GDAL (a GeoPackage's rows too); `t` reads a GeoPackage's rows itself */
const readers = ['wasm', 'native'] as const
const apps = {} as Record<(typeof readers)[number], TestApp & { dataDir: string }>
let key: string
let dir: string
const files: Record<'gdb' | 'gpkg', string> = { gdb: '', gpkg: '' }

describe.skipIf(skipWithout(hasOgr2ogr))('survey databases (.gdb, .gpkg)', () => {
  beforeAll(async () => {
    requireUnderCi(hasOgr2ogr, 'ogr2ogr (Debian gdal-bin) is needed to make the test databases')
    t = await buildTestApp()
    for (const r of readers) apps[r] = await buildTestApp(undefined, { config: { gdalReader: r, gpkgReader: 'gdal' } })
    dir = await tempDir()
    for (const k of ['survey3', 'survey2-lines']) {
      await fs.mkdir(path.join(dir, k))
      execFileSync('unzip', ['-q', sample(k), '-d', path.join(dir, k)])
    }
    const dltb = path.join(dir, 'survey3', 'DLTB.shp')
    const xzdw = (await fs.readdir(path.join(dir, 'survey2-lines'))).find((f) => f.endsWith('.shp'))!
    // The layers under the specification's names, as ArcGIS delivers a county's database
    const gdb = path.join(dir, '371502三调.gdb')
    ogr('-f', 'OpenFileGDB', gdb, dltb, '-nln', 'DLTB')
    ogr('-f', 'OpenFileGDB', '-update', gdb, path.join(dir, 'survey2-lines', xzdw), '-nln', 'XZDW')
    files.gdb = path.join(dir, 'db.zip')
    zipDir(dir, files.gdb, '371502三调.gdb')
    // the GeoPackage from the shapefiles too: a FileGDB stores coordinates on a grid (ogr2ogr's default 0.1 mm), a GeoPackage as they are
    files.gpkg = path.join(dir, '371502.gpkg')
    ogr('-f', 'GPKG', files.gpkg, dltb, '-nln', 'DLTB')
    ogr('-f', 'GPKG', '-update', files.gpkg, path.join(dir, 'survey2-lines', xzdw), '-nln', 'XZDW')
  })
  afterAll(async () => {
    await t?.close()
    for (const r of readers) await apps[r]?.close()
    if (dir) await fs.rm(dir, { recursive: true, force: true })
  })
  beforeEach(async () => {
    await resetData(t.knex)
    key = await keyFor(t.knex, 'county', '371502')
  })
  afterEach(() => setFaultHook(undefined))

  /** Every feature of the active survey3 version: record, typed columns, attributes, area. */
  async function patches() {
    const rows = await t
      .knex('survey3_patches')
      .orderBy('source_record')
      .select('source_record', 'bsm', 'dlbm', 'dlmc', 'qsxz', 'zldwmc', 'tbmj', 'czcsxm', 'attrs', t.knex.raw('ST_Area(ST_Transform(geom, 4548)) AS area'))
    return rows.map((r) => ({ ...r, area: Math.round(r.area * 1000) / 1000 }))
  }

  /** processes whose command line names `d` (ogr2ogr reading a file there) */
  const processesOn = async (d: string) => {
    const pids = (await fs.readdir('/proc')).filter((p) => /^\d+$/.test(p))
    const cmds = await Promise.all(pids.map((p) => fs.readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')))
    return cmds.filter((c) => c.includes(d)).map((c) => c.replace(/\0/g, ' '))
  }

  it('lists the layers with the proposed mapping and imports nothing', async () => {
    for (const file of [files.gdb, files.gpkg]) {
      const before = await snapshot(t.knex)
      const res = await upload(t, key, {}, file)
      expect(res.statusCode, res.body).toBe(200)
      const body = res.json()
      expect(body.format).toBe(file.endsWith('.zip') ? 'gdb' : 'gpkg')
      expect(body.mapping).toEqual({ DLTB: 'survey3', XZDW: 'survey2-lines' })
      const dltb = body.layers.find((l: { name: string }) => l.name === 'DLTB')
      expect(dltb).toMatchObject({ geometryType: expect.stringMatching(/Polygon$/), featureCount: 3000, crs: { epsg: 4548 }, proposed: 'survey3' })
      expect(dltb.reasonZh).toMatch(/三调/)
      expect(dltb.fields.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining(['DLBM', 'DLMC', 'ZLDWMC', 'KCDLBM']))
      expect(await snapshot(t.knex)).toEqual(before)
      expect(tempFilesLeft(t.dataDir)).toEqual([])
    }
  })

  it('lists the same with either reader', async () => {
    for (const file of [files.gdb, files.gpkg]) {
      const [wasm, native] = await Promise.all(readers.map((r) => upload(apps[r], key, {}, file)))
      expect(native!.statusCode, native!.body).toBe(200)
      expect(native!.json()).toEqual(wasm!.json())
    }
  })

  it.each([...readers, 'direct'] as const)(
    'imports DLTB by its kind (%s); every feature as the shapefile import gives it (attributes, Chinese text, area)',
    async (reader) => {
      const app = reader === 'direct' ? t : apps[reader]
      const shp = await importFile(t, key, { layer: 'survey3' }, sample('survey3'))
      expect(shp.status).toBe('succeeded')
      const expected = await patches()
      expect(expected).toHaveLength(3000)
      for (const [format, file] of Object.entries(files)) {
        if (reader === 'direct' && format !== 'gpkg') continue
        await resetData(t.knex)
        key = await keyFor(t.knex, 'county', '371502')
        const job = await importFile(app, key, { layer: 'survey3' }, file)
        expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
        expect(job.sourceCrs).toMatchObject({ epsg: 4548, how: 'prj' })
        expect(job.encoding).toMatchObject({ name: 'UTF-8', how: 'database' })
        expect(job.options).toMatchObject({ sourceLayer: 'DLTB' })
        const got = await patches()
        // ogr2ogr writes the shapefile's 64-bit BSM as a real: the same numbers
        expect(
          got.map(({ area: _, ...r }) => r),
          format,
        ).toEqual(expected.map(({ area: _, ...r }) => r))
        // the same area: to the millimetre² from a GeoPackage; from a FileGDB, whose 0.1 mm grid moves each vertex by up to 0.05 mm, within 1 cm²
        got.forEach((r, i) =>
          expect(Math.abs(r.area - expected[i]!.area), `${format} record ${r.source_record}`).toBeLessThanOrEqual(format === 'gpkg' ? 0 : 0.01),
        )
        expect(got.some((r) => /[\u4e00-\u9fff]/.test(r.dlmc))).toBe(true)
        expect(tempFilesLeft(app.dataDir)).toEqual([])
      }
    },
    // three imports: on a busy machine, with the embedded database, beyond the default minute
    180_000,
  )

  it.each(readers)('a .gdb zipped on Chinese Windows (names in GBK, not flagged as UTF-8) is found and read (%s)', async (reader) => {
    const work = await fs.mkdtemp(path.join(dir, 'gbk-'))
    await fs.cp(path.join(dir, '371502三调.gdb'), path.join(work, '371502XXXX.gdb'), { recursive: true })
    const zip = path.join(work, 'gbk.zip')
    zipDir(work, zip, '371502XXXX.gdb')
    // the same length in GBK: the names rewritten in place, as Explorer writes them
    const bytes = await fs.readFile(zip)
    const from = Buffer.from('371502XXXX.gdb')
    const to = iconv.encode('371502三调.gdb', 'gbk')
    expect(to.length).toBe(from.length)
    for (let at = bytes.indexOf(from); at !== -1; at = bytes.indexOf(from, at + 1)) to.copy(bytes, at)
    await fs.writeFile(zip, bytes)
    const listed = await upload(apps[reader], key, {}, zip)
    expect(listed.statusCode, listed.body).toBe(200)
    expect(listed.json()).toMatchObject({ name: '371502三调.gdb', mapping: { DLTB: 'survey3' } })
    const job = await importFile(apps[reader], key, { layer: 'survey3' }, zip)
    expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
    expect(job.counts).toMatchObject({ stored: 3000 })
  })

  /**
   * Apps of these configs, each on a data directory of a tmpfs with room for `file`'s upload (and
   * its multipart wrapping) but only half the rows gdal3.js would write beside it; unmounted after.
   */
  async function onTightDisks(file: string, configs: Array<Partial<Config>>, work: (apps: Array<TestApp & { dataDir: string }>) => Promise<void>) {
    requireUnderCi(mountable, 'cannot mount a tmpfs (not root, or not permitted here)')
    const db = (await detectDatabase({ path: file, name: path.basename(file) }))!
    const room = Math.ceil(((await fs.stat(file)).size + MiB + gdalScratchBytes(db) / 2) / MiB) * MiB
    const tight = { diskSpace: { marginBytes: 0, databaseFactor: 0 } }
    const small = await Promise.all(configs.map((c) => buildTestApp(undefined, { config: { ...tight, ...c } })))
    try {
      for (const s of small) expect(spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${room}`, 'tmpfs', s.dataDir]).status).toBe(0)
      await work(small)
    } finally {
      for (const s of small) {
        if (spawnSync('umount', [s.dataDir]).status !== 0) spawnSync('umount', ['-l', s.dataDir])
        await s.close()
      }
    }
  }

  it.skipIf(skipWithout(mountable))(
    "gdal3.js's rows beside the upload are counted in the free-space check (507 without room for them; none needed by the machine's GDAL)",
    async () => {
      expect(gdalScratchBytes((await detectDatabase({ path: files.gdb, name: 'db.zip' }))!)).toBeGreaterThan(2 * MiB)
      await onTightDisks(
        files.gdb,
        readers.map((r) => ({ gdalReader: r })),
        async ([wasm, native]) => {
          // a listing writes no rows
          expect((await upload(wasm!, key, {}, files.gdb)).statusCode).toBe(200)
          const res = await upload(wasm!, key, { layer: 'survey3' }, files.gdb)
          expect(res.statusCode, res.body).toBe(507)
          expect(res.json().detail).toMatch(/rows GDAL writes beside it/)
          expect(res.json().detailZh).toMatch(/临时数据（估计 \d+ MiB）/)
          expect(tempFilesLeft(wasm!.dataDir)).toEqual([])
          const job = await importFile(native!, key, { layer: 'survey3' }, files.gdb)
          expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
        },
      )
    },
  )

  it.skipIf(skipWithout(mountable))(
    'a GeoPackage whose rows the service reads itself needs no room for GDAL rows; read by gdal3.js it does (507)',
    async () => {
      await onTightDisks(files.gpkg, [{ gdalReader: 'wasm' }, { gdalReader: 'wasm', gpkgReader: 'gdal' }], async ([direct, gdal]) => {
        const refused = await upload(gdal!, key, { layer: 'survey3' }, files.gpkg)
        expect(refused.statusCode, refused.body).toBe(507)
        expect(tempFilesLeft(gdal!.dataDir)).toEqual([])
        const job = await importFile(direct!, key, { layer: 'survey3' }, files.gpkg)
        expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
        expect(job.counts).toMatchObject({ stored: 3000 })
      })
    },
  )

  it("the machine's ogr2ogr's rows wait for the loader however late it first reads (Node drains unread stdio at a child's exit)", async () => {
    const t = nativeTranslate(files.gpkg, 'XZDW')
    // ogr2ogr has written the layer and exited, and Node has reaped it, before anything is read
    for (let i = 0; i < 200 && (await processesOn(files.gpkg)).length; i++) await new Promise((r) => setTimeout(r, 25))
    expect(await processesOn(files.gpkg)).toEqual([])
    await new Promise((r) => setImmediate(r))
    let text = ''
    for await (const chunk of t.stdout) text += chunk
    const lines = text.split('\n')
    const header = lines.findIndex((l) => /^COPY .* FROM STDIN;$/.test(l))
    expect(header, text.slice(0, 300)).toBeGreaterThanOrEqual(0)
    expect(lines.indexOf('\\.') - header - 1).toBe(343)
    expect(await t.failure).toBeNull()
  })

  it("a source closed early (a failed import) ends the machine's ogr2ogr, no signal needed", async () => {
    const work = await fs.mkdtemp(path.join(dir, 'close-'))
    const file = path.join(work, 'upload.gpkg')
    await fs.copyFile(files.gpkg, file)
    const db = (await detectDatabase({ path: file, name: 'db.gpkg' }))!
    const native = (await nativeGdalFor('native'))!
    const layer = (await listDatabase(db, { native })).layers.find((l) => l.name === 'DLTB')!
    const source = await openDatabaseLayer(db, layer, { native }, { family: 'polygon', maxVertices: 1e6 })
    expect((await source.next(10)).features).toHaveLength(10)
    // the rest (3 MB of rows) does not fit the pipe: ogr2ogr waits for the reader
    expect(await processesOn(work)).toHaveLength(1)
    await source.close()
    expect(await processesOn(work)).toEqual([])
  })

  it("a job uses the listing its upload was answered with (the same file, or a hard link to it), not GDAL's again", async () => {
    const work = await fs.mkdtemp(path.join(dir, 'kept-'))
    const file = path.join(work, 'upload.gpkg')
    await fs.copyFile(files.gpkg, file)
    await fs.link(file, path.join(work, 'linked.gpkg'))
    forgetListings()
    const first = await listDatabase((await detectDatabase({ path: file, name: 'db.gpkg' }))!)
    expect(await listDatabase((await detectDatabase({ path: path.join(work, 'linked.gpkg'), name: 'db.gpkg' }))!)).toBe(first)
    // another file of the same bytes is listed again
    await fs.copyFile(files.gpkg, path.join(work, 'copy.gpkg'))
    const copy = await listDatabase((await detectDatabase({ path: path.join(work, 'copy.gpkg'), name: 'db.gpkg' }))!)
    expect(copy).not.toBe(first)
    expect(copy).toEqual(first)
  })

  const versions = async () =>
    (await t.knex('datasets').select('layer', 'feature_count', 'active', 'import_job_id').orderBy('layer')).map((d) => [
      d.layer,
      Number(d.feature_count),
      d.active,
    ])

  it('imports several layers at once with layers: one job, its progress over each layer, one version per layer', async () => {
    const res = await upload(t, key, { layers: JSON.stringify({ DLTB: 'survey3', XZDW: 'survey2-lines' }) }, files.gpkg)
    expect(res.statusCode, res.body).toBe(202)
    const accepted = res.json()
    expect(accepted.layers).toEqual([
      { sourceLayer: 'DLTB', layer: 'survey3' },
      { sourceLayer: 'XZDW', layer: 'survey2-lines' },
    ])
    expect(accepted).not.toHaveProperty('jobs')
    // while it runs, the row shows each layer: the one being imported running, the next queued
    const seen = new Set<string>()
    const stop = t.app.jobs.subscribe((e) => {
      if (e.id === accepted.id && e.type === 'progress') seen.add(e.label!.split(' ')[0]!)
    })
    const job = await waitForJob(t, key, accepted.id)
    stop()
    expect([...seen]).toEqual(['DLTB', 'XZDW'])
    expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
    expect(job.progress).toBe(1)
    const made = await t.knex('datasets').select('id', 'layer', 'version', 'import_job_id')
    const id = (layer: string) => made.find((d) => d.layer === layer)!
    expect(job.layers).toEqual([
      expect.objectContaining({
        sourceLayer: 'DLTB',
        layer: 'survey3',
        status: 'succeeded',
        progress: 1,
        featureCount: 3000,
        datasetId: id('survey3').id,
        version: 1,
        counts: expect.objectContaining({ read: 3000, stored: 3000 }),
        message: 'imported as version 1: 3000 features stored',
        messageZh: '已导入为第 1 版，入库 3000 个要素',
      }),
      expect.objectContaining({ sourceLayer: 'XZDW', layer: 'survey2-lines', status: 'succeeded', datasetId: id('survey2-lines').id, featureCount: 343 }),
    ])
    // each layer says the coordinate system and encoding it was read in (the job's are its last layer's)
    for (const l of job.layers) {
      expect(l.sourceCrs).toMatchObject({ epsg: expect.any(Number), nameZh: expect.any(String), how: expect.any(String) })
      expect(l.sourceCrs).toEqual(job.sourceCrs)
      expect(l.encoding).toEqual({ name: 'UTF-8', how: 'database', detail: 'GeoPackage 371502.gpkg' })
    }
    expect(job.encoding).toEqual(job.layers.at(-1).encoding)
    // the job's counts are the layers' together; each version is the job's
    expect(job.counts).toMatchObject({ read: 3343, stored: 3343 })
    expect(made.every((d) => d.import_job_id === job.id)).toBe(true)
    expect(await versions()).toEqual([
      ['survey2-lines', 343, true],
      ['survey3', 3000, true],
    ])
    // listed under each of its kinds
    for (const layer of ['survey3', 'survey2-lines']) {
      const listed = await t.app.inject({ method: 'GET', url: `/api/v1/imports?layer=${layer}`, headers: withKey(key) })
      expect(listed.json().map((j: { id: number }) => j.id)).toEqual([job.id])
    }
    expect(tempFilesLeft(t.dataDir)).toEqual([])
    // the same database again: each layer unchanged, and so the job
    const again = await importFile(t, key, { layers: JSON.stringify({ DLTB: 'survey3', XZDW: 'survey2-lines' }) }, files.gpkg)
    expect(again.status).toBe('succeeded')
    expect(again.unchanged).toBe(true)
    expect(again.layers.map((l: { unchanged: boolean; messageZh: string }) => [l.unchanged, l.messageZh])).toEqual([
      [true, '与当前版本（第 1 版）相同，未导入'],
      [true, '与当前版本（第 1 版）相同，未导入'],
    ])
  })

  /** The command-line import (`npm run cli -- import …`): exit code and what it printed. */
  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; text: string }>((resolve) => {
      const { url, backend } = testDatabase()
      const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'import', ...args], {
        cwd: projectRoot,
        // against the embedded test database the CLI keeps to one connection, as the service does
        env: { ...process.env, DATABASE_URL: url, DATA_DIR: t.dataDir, DB_POOL_MAX: backend === 'embedded' ? '1' : '4' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let text = ''
      p.stdout.on('data', (d) => (text += d))
      p.stderr.on('data', (d) => (text += d))
      p.on('exit', (code) => resolve({ code, text }))
    })

  it('the command line imports several layers with --layers: one job, a line for each layer, a version each', async () => {
    const out = await cli('--layers', JSON.stringify({ dltb: 'survey3', XZDW: 'survey2-lines' }), '--county', '371502', files.gpkg)
    expect(out.code, out.text).toBe(0)
    expect(out.text).toMatch(/import 2 layers of 371502\.gpkg 371502 100%/)
    // the layer names as the database spells them, whatever case was given
    expect(out.text).toMatch(/DLTB → survey3: succeeded, version 1 \(dataset \d+\), CRS CGCS2000[^:\n]*: imported as version 1: 3000 features stored/)
    expect(out.text).toMatch(/XZDW → survey2-lines: succeeded, version 1 \(dataset \d+\)/)
    expect(out.text).toMatch(/read 3343, stored 3343/)
    expect(await versions()).toEqual([
      ['survey2-lines', 343, true],
      ['survey3', 3000, true],
    ])
    // a layer the database does not hold, a kind that does not exist, a shapefile: told before anything starts (exit 64)
    const missing = await cli('--layers', '{"JSXM":"projects"}', '--county', '371502', files.gpkg)
    expect(missing.code, missing.text).toBe(64)
    expect(missing.text).toMatch(/371502\.gpkg has no layer JSXM \(layers: DLTB, XZDW\)/)
    const badKind = await cli('--layers', '{"DLTB":"survey9"}', '--county', '371502', files.gpkg)
    expect(badKind.code).toBe(64)
    expect(badKind.text).toMatch(/--layers maps to survey9/)
    const shapefile = await cli('--layers', '{"DLTB":"survey3"}', '--county', '371502', sample('survey3'))
    expect(shapefile.code).toBe(64)
    expect(shapefile.text).toMatch(/--layers is for a survey database/)
    expect(
      await t
        .knex('import_jobs')
        .count<{ n: number }[]>({ n: '*' })
        .then((r) => Number(r[0]!.n)),
    ).toBe(1)
  })

  /** The GeoPackage with a third layer, JSXM: polygons without a project code, so that as projects it fails as it is read. */
  async function withBadLayer(): Promise<string> {
    const three = path.join(dir, 'three.gpkg')
    await fs.rm(three, { force: true })
    await fs.copyFile(files.gpkg, three)
    ogr('-f', 'GPKG', '-update', three, path.join(dir, 'survey3', 'DLTB.shp'), '-nln', 'JSXM', '-select', 'DLMC')
    return three
  }

  it('a layer that fails is named, the layers before and after it are imported (each its own version)', async () => {
    const res = await upload(t, key, { layers: JSON.stringify({ DLTB: 'survey3', JSXM: 'projects', XZDW: 'survey2-lines' }) }, await withBadLayer())
    expect(res.statusCode, res.body).toBe(202)
    const job = await waitForJob(t, key, res.json().id)
    expect(job.status).toBe('failed')
    expect(job.layers.map((l: { sourceLayer: string; status: string }) => [l.sourceLayer, l.status])).toEqual([
      ['DLTB', 'succeeded'],
      ['JSXM', 'failed'],
      ['XZDW', 'succeeded'],
    ])
    const bad = job.layers[1]
    expect(bad).toMatchObject({ datasetId: null, version: null, errors: expect.any(Number) })
    expect(bad.messageZh).toMatch(/项目编号/)
    // the job's first error says which layer and why, and which were imported
    expect(job.errors[0].message).toMatch(/^1 of 3 layers not imported: JSXM \(.*\); imported: DLTB, XZDW$/)
    expect(job.errors[0].messageZh).toMatch(/^3 个图层中有 1 个未导入：JSXM（.*项目编号.*）。已导入：DLTB、XZDW$/)
    expect(job.errors.slice(1).every((e: { file: string }) => e.file.endsWith(':JSXM'))).toBe(true)
    expect(await versions()).toEqual([
      ['survey2-lines', 343, true],
      ['survey3', 3000, true],
    ])
    expect(tempFilesLeft(t.dataDir)).toEqual([])
  })

  it('what a committed layer started (a bundle run over new plots) runs, though a later layer fails the job', async () => {
    const res = await upload(t, key, { layers: JSON.stringify({ DLTB: 'plots', JSXM: 'projects' }) }, await withBadLayer())
    expect(res.statusCode, res.body).toBe(202)
    const job = await waitForJob(t, key, res.json().id)
    expect(job.status).toBe('failed')
    expect(job.layers.map((l: { status: string }) => l.status)).toEqual(['succeeded', 'failed'])
    expect(job.followUps).toEqual([{ kind: 'bundles', id: expect.any(Number), url: expect.any(String), status: 'succeeded' }])
    const run = await t.knex('bundle_runs').first('status', 'active', 'after_import_job_id').where({ id: job.followUps[0].id })
    expect(run).toEqual({ status: 'succeeded', active: true, after_import_job_id: job.id })
  })

  it('a cancel stops the layer being imported and skips the rest; the layers committed before stay', async () => {
    for (const during of [1, 2]) {
      await resetData(t.knex)
      key = await keyFor(t.knex, 'county', '371502')
      // the cancel arrives once the chosen layer is loaded, before its version is switched to
      let passes = 0
      setFaultHook(async (stage) => {
        if (stage !== 'import.loaded' || ++passes !== during) return
        const cancelling = jobEvent(t.app, (e) => e.type === 'cancelling')
        const { id } = await t.knex('import_jobs').first('id').where({ status: 'running' })
        void t.app.inject({ method: 'DELETE', url: `/api/v1/imports/${id}`, headers: withKey(key) })
        await cancelling
      })
      const res = await upload(t, key, { layers: JSON.stringify({ DLTB: 'survey3', XZDW: 'survey2-lines', JSXM: 'projects' }) }, await withBadLayer())
      expect(res.statusCode, res.body).toBe(202)
      const job = await waitForJob(t, key, res.json().id)
      setFaultHook(undefined)
      expect(job.status).toBe('cancelled')
      const states = job.layers.map((l: { sourceLayer: string; status: string; messageZh: string }) => [l.sourceLayer, l.status, l.messageZh])
      const skipped = ['JSXM', 'cancelled', '未导入：任务在导入此图层之前已取消']
      if (during === 1) {
        expect(states).toEqual([['DLTB', 'cancelled', '导入已取消'], ['XZDW', 'cancelled', '未导入：任务在导入此图层之前已取消'], skipped])
        expect(await versions()).toEqual([])
      } else {
        expect(states).toEqual([['DLTB', 'succeeded', '已导入为第 1 版，入库 3000 个要素'], ['XZDW', 'cancelled', '导入已取消'], skipped])
        expect(await versions()).toEqual([['survey3', 3000, true]])
      }
      expect(tempFilesLeft(t.dataDir)).toEqual([])
    }
  })

  it('killed (kill -9) in the second layer: the next start fails the job, the first layer stays imported and listed as succeeded', async () => {
    const { url, backend } = testDatabase()
    const mapped = [
      { sourceLayer: 'DLTB', layer: 'survey3', featureCount: 3000 },
      { sourceLayer: 'XZDW', layer: 'survey2-lines', featureCount: 343 },
    ]
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/jobs/fixtures/fault-run.ts', url, backend, t.dataDir, 'import', JSON.stringify(mapped), files.gpkg],
      {
        cwd: projectRoot,
        env: { ...process.env, LR_FAULT_AT: 'import.loaded@2' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const signal = await new Promise((resolve) => child.on('exit', (_code, s) => resolve(s)))
    expect(signal, output).toBe('SIGKILL')
    await t.app.jobs.recover()
    const job = await t.knex('import_jobs').first('id', 'status', 'errors', 'layers').orderBy('id', 'desc')
    expect(job.status).toBe('failed')
    expect(job.errors[0].message).toMatch(/^interrupted\b/)
    expect(job.layers.map((l: { sourceLayer: string; status: string }) => [l.sourceLayer, l.status])).toEqual([
      ['DLTB', 'succeeded'],
      ['XZDW', 'failed'],
    ])
    expect(job.layers[1].messageZh).toMatch(/中断/)
    const active = await t.knex('datasets').first('id').where({ layer: 'survey3', active: true })
    expect(job.layers[0].datasetId).toBe(active.id)
    expect(await versions()).toEqual([['survey3', 3000, true]])
    expect(Number((await t.knex('datasets').count({ n: '*' }).where({ status: 'loading' }).first())!.n)).toBe(0)
    expect(tempFilesLeft(t.dataDir)).toEqual([])
  })

  it('a zip whose .gdb folder is named in GBK (a Windows packer, no UTF-8 flag): listed by its Chinese name and imported', async () => {
    const gdb = path.join(dir, '371502三调.gdb')
    const members = await fs.readdir(gdb)
    const zip = await rawZip(
      path.join(dir, 'gbk.zip'),
      await Promise.all(
        members.map(async (m) => ({ name: iconv.encode(`县级三调.gdb/${m}`, 'gbk'), data: await fs.readFile(path.join(gdb, m)), deflate: true })),
      ),
    )
    // the bytes of the name are GBK's, not UTF-8's
    expect((await fs.readFile(zip)).includes(iconv.encode('县级三调', 'gbk'))).toBe(true)
    expect((await fs.readFile(zip)).includes(Buffer.from('县级三调'))).toBe(false)
    const listed = await upload(t, key, {}, zip)
    expect(listed.statusCode, listed.body).toBe(200)
    expect(listed.json()).toMatchObject({ format: 'gdb', name: '县级三调.gdb', mapping: { DLTB: 'survey3', XZDW: 'survey2-lines' } })
    const job = await importFile(t, key, { layers: JSON.stringify({ DLTB: 'survey3' }) }, zip)
    expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
    expect(job.encoding).toMatchObject({ detail: 'FileGDB 县级三调.gdb' })
    expect(await versions()).toEqual([['survey3', 3000, true]])
  })

  it.each(readers)(
    'a cancel while GDAL (%s) is still writing the layer stops it and leaves nothing (no version, no intermediate file, no process)',
    async (reader: GdalReaderMode) => {
      const before = await snapshot(t.knex)
      const work = await fs.mkdtemp(path.join(dir, 'cancel-'))
      const file = path.join(work, 'upload.gpkg')
      await fs.copyFile(files.gpkg, file)
      const ac = new AbortController()
      const err = await runImport(
        // the first progress report comes after the first batch: GDAL is then still writing the rest
        { knex: t.knex, signal: ac.signal, onProgress: () => ac.abort(), limits: { gdalReader: reader, gpkgReader: 'gdal' } },
        {
          kind: layerKind('survey3')!,
          county: '371502',
          mode: 'replace',
          onInvalid: 'fail',
          file: { path: file, name: 'db.gpkg', sha256: 'x' },
          importedBy: 'test',
          jobId: null,
        },
      ).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ImportFailure)
      expect((err as ImportFailure & { report: { errors: unknown[] } }).report.errors[0]).toMatchObject({ message: 'cancelled', messageZh: '导入已取消' })
      expect(await fs.readdir(work)).toEqual(['upload.gpkg'])
      expect(await processesOn(work)).toEqual([])
      expect(await snapshot(t.knex)).toEqual(before)
    },
  )

  describe('the CRS from the database, as from a .prj', () => {
    it('Gauss-Kruger with the zone number (EPSG:4527): the same patches', async () => {
      expect((await importFile(t, key, { layer: 'survey3' }, sample('survey3'))).status).toBe('succeeded')
      const expected = await patches()
      await resetData(t.knex)
      key = await keyFor(t.knex, 'county', '371502')
      const zoned = path.join(dir, 'zoned')
      await fs.rm(zoned, { recursive: true, force: true })
      await fs.mkdir(zoned)
      ogr('-f', 'OpenFileGDB', path.join(zoned, 'z.gdb'), path.join(dir, 'survey3', 'DLTB.shp'), '-nln', 'DLTB', '-t_srs', 'EPSG:4527')
      const zip = path.join(dir, 'zoned.zip')
      zipDir(zoned, zip, 'z.gdb')
      const job = await importFile(t, key, { layer: 'survey3' }, zip)
      expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
      expect(job.sourceCrs).toMatchObject({ epsg: 4527, how: 'prj' })
      const got = await patches()
      expect(got.map((r) => r.dlmc)).toEqual(expected.map((r) => r.dlmc))
      got.forEach((r, i) => expect(Math.abs(r.area - expected[i]!.area)).toBeLessThanOrEqual(0.01))
    })

    it('Xian 1980: refused without the 7 parameters, then the same patches as its shapefile with them', async () => {
      const towgs84 = '15.8,-154.4,-82.3,0.1,-0.2,0.3,1.2'
      // the sample's patches said to be in Xian 1980 GK CM 117E, as a shapefile and as a GeoPackage
      const x = path.join(dir, 'xian')
      await fs.rm(x, { recursive: true, force: true })
      await fs.cp(path.join(dir, 'survey3'), x, { recursive: true })
      await fs.writeFile(path.join(x, 'DLTB.prj'), esriPrj({ datum: 'Xian1980', centralMeridian: 117 }))
      const shpZip = path.join(dir, 'xian-shp.zip')
      zipDir(x, shpZip, 'DLTB.shp', 'DLTB.shx', 'DLTB.dbf', 'DLTB.prj', 'DLTB.cpg')
      expect((await importFile(t, key, { layer: 'survey3', towgs84 }, shpZip)).status).toBe('succeeded')
      const expected = await patches()
      await resetData(t.knex)
      key = await keyFor(t.knex, 'county', '371502')
      const gpkg = path.join(dir, 'xian.gpkg')
      await fs.rm(gpkg, { force: true })
      ogr('-f', 'GPKG', gpkg, path.join(dir, 'survey3', 'DLTB.shp'), '-nln', 'DLTB', '-a_srs', 'EPSG:2384')
      const without = await importFile(t, key, { layer: 'survey3' }, gpkg)
      expect(without.status).toBe('failed')
      expect(without.errors[0]).toMatchObject({ code: 'towgs84' })
      const job = await importFile(t, key, { layer: 'survey3', towgs84 }, gpkg)
      expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
      expect(job.sourceCrs).toMatchObject({ epsg: 2384, how: 'prj' })
      expect(await patches()).toEqual(expected)
    })
  })

  describe('bad input: a 4xx naming the layer and the cause, nothing imported', () => {
    async function refused(fields: Record<string, string>, file: string, status: number, en: RegExp, zh: RegExp) {
      const before = await snapshot(t.knex)
      const res = await upload(t, key, fields, file)
      expect(res.statusCode, res.body).toBe(status)
      expect(res.json().detail).toMatch(en)
      expect(res.json().detailZh).toMatch(zh)
      expect(await snapshot(t.knex)).toEqual(before)
      expect(tempFilesLeft(t.dataDir)).toEqual([])
    }

    it('several .gdb in one zip', async () => {
      const two = path.join(dir, 'two')
      await fs.mkdir(two, { recursive: true })
      await fs.cp(path.join(dir, '371502三调.gdb'), path.join(two, 'a.gdb'), { recursive: true })
      await fs.cp(path.join(dir, '371502三调.gdb'), path.join(two, 'b.gdb'), { recursive: true })
      const zip = path.join(dir, 'two.zip')
      zipDir(two, zip, 'a.gdb', 'b.gdb')
      await refused({ layer: 'survey3' }, zip, 422, /2 file geodatabases \(a\.gdb, b\.gdb\)/, /2 个文件地理数据库/)
    })

    it('a .gdb without its system tables', async () => {
      const zip = await rawZip(path.join(dir, 'nosys.zip'), [
        { name: 'x.gdb/gdb', data: Buffer.alloc(8) },
        { name: 'x.gdb/a00000009.gdbtable', data: Buffer.alloc(64) },
      ])
      await refused({ layer: 'survey3' }, zip, 422, /x\.gdb has no system tables/, /缺少系统表/)
    })

    it('a .gpkg that is not SQLite', async () => {
      const bad = path.join(dir, 'bad.gpkg')
      await fs.writeFile(bad, 'PK this is not a database')
      await refused({ layer: 'survey3' }, bad, 422, /not a GeoPackage: it is not an SQLite database/, /不是 GeoPackage 文件/)
    })

    it('a GeoPackage claiming 10⁹ rows', async () => {
      const SQL = await initSqlJs()
      const db = new SQL.Database(await fs.readFile(files.gpkg))
      db.run("UPDATE gpkg_ogr_contents SET feature_count = 1000000000 WHERE table_name = 'DLTB'")
      const absurd = path.join(dir, 'absurd.gpkg')
      await fs.writeFile(absurd, db.export())
      db.close()
      await refused({ layer: 'survey3' }, absurd, 422, /layer DLTB claims 1000000000 features/, /图层 DLTB 声称有 1000000000 个要素/)
    })

    it('a layer in a CRS the service does not know', async () => {
      const merc = path.join(dir, 'merc.gpkg')
      await fs.rm(merc, { force: true })
      ogr('-f', 'GPKG', merc, path.join(dir, 'survey3', 'DLTB.shp'), '-nln', 'DLTB', '-a_srs', 'EPSG:3857')
      await refused({ layer: 'survey3' }, merc, 422, /layer DLTB: .*not Gauss-Kruger/, /图层 DLTB.*坐标系/)
    })

    it.each(readers)('a truncated .gdbtable (%s)', async (reader) => {
      const cut = path.join(dir, 'cut')
      await fs.rm(cut, { recursive: true, force: true })
      await fs.cp(path.join(dir, '371502三调.gdb'), path.join(cut, 'c.gdb'), { recursive: true })
      // the largest table is DLTB's features
      const tables = await fs.readdir(path.join(cut, 'c.gdb'))
      const sizes = await Promise.all(
        tables.filter((f) => f.endsWith('.gdbtable')).map(async (f) => [f, (await fs.stat(path.join(cut, 'c.gdb', f))).size] as const),
      )
      const [largest, size] = sizes.sort((a, b) => b[1] - a[1])[0]!
      await fs.truncate(path.join(cut, 'c.gdb', largest), Math.floor(size / 2))
      const zip = path.join(dir, 'cut.zip')
      zipDir(cut, zip, 'c.gdb')
      const res = await upload(apps[reader], key, { layer: 'survey3' }, zip)
      // refused at once where GDAL sees it in the listing, else the job fails naming the layer
      if (res.statusCode === 202) {
        const job = await waitForJob(apps[reader], key, res.json().id)
        expect(job.status).toBe('failed')
        expect(job.errors[0].message).toMatch(/DLTB/)
        expect(job.errors[0].messageZh).toMatch(/DLTB.*(损坏|不完整)/)
      } else {
        expect(res.statusCode).toBe(422)
        expect(res.json().detailZh).toMatch(/损坏|不完整/)
      }
      expect(
        await t
          .knex('datasets')
          .count<{ n: number }>({ n: '*' })
          .first()
          .then((r) => Number(r?.n)),
      ).toBe(0)
      expect(tempFilesLeft(apps[reader].dataDir)).toEqual([])
    })
  })
})
