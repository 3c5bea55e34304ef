// npm run bench:import [-- --patches 100000 --rounds 3 --format shp|gdb|gpkg --reader direct,native,wasm --loader copy,insert --kept-listing --max-load 1.5 --wait-s 120]
// Imports a generated third-survey shapefile through the service's own import path and, in the same
// run and database, with ogr2ogr (GDAL, COPY mode, reprojected to EPSG:4490); prints both times,
// the ratio and peak memory. Needs a PostGIS server (BENCH_DATABASE_URL, default a local
// lowland_bench database, created if missing) and ogr2ogr (Debian's gdal-bin).
// --format gdb / gpkg: the same patches as a zipped FileGDB / a GeoPackage (made from the shapefile
// by ogr2ogr once), read by both sides; the service's shapefile path on the same data runs beside,
// and the service reads the database with each reader named by --reader (wasm: gdal3.js, native: the
// machine's ogr2ogr, direct: a GeoPackage's rows from the file itself; default wasm,native for a
// FileGDB, direct,native for a GeoPackage), each job listing the database itself, or with --kept-listing finding the
// listing its upload made (the upload's listing not timed, as POST /imports does it before the job).
// --loader: how the service's rows reach the database, by binary COPY where it can (the default) or
// by INSERT throughout; copy,insert runs both in each round.
// The floor (issue 26): the rows the service stored, already WKB in EPSG:4490 with their attributes,
// loaded by `COPY … FROM STDIN (FORMAT binary)` (psql's \copy) into an unindexed table, plus the GiST
// index build: what PostgreSQL alone costs for the same table. Made once from an untimed import.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { execFileSync, spawnSync } from 'node:child_process'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { benchDatabaseUrl, ensureBenchDatabase, generatedSurvey3, importZip, median, resetLayer, waitForQuiet } from './db.js'
import { createKnex } from '../src/db/connection.js'
import { migrateLatest } from '../src/db/migrate.js'
import { layerKind } from '../src/catalogue/layer-kinds.js'
import { runImport } from '../src/import/run.js'
import { detectDatabase, forgetListings, listDatabase } from '../src/import/database-source.js'
import type { GdalReaderMode } from '../src/import/gdal/native.js'

const { values } = parseArgs({
  options: {
    patches: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    format: { type: 'string', default: 'shp' },
    reader: { type: 'string' },
    'kept-listing': { type: 'boolean', default: false },
    loader: { type: 'string', default: 'copy' },
    'max-load': { type: 'string', default: '1.5' },
    'wait-s': { type: 'string', default: '120' },
  },
})
const format = values.format as 'shp' | 'gdb' | 'gpkg'
if (!['shp', 'gdb', 'gpkg'].includes(format)) throw new Error('--format is shp, gdb or gpkg')
type Reader = 'auto' | 'wasm' | 'native' | 'direct'
const readers = (format === 'shp' ? ['auto'] : (values.reader ?? (format === 'gdb' ? 'wasm,native' : 'direct,native')).split(',')) as Reader[]
if (readers.some((r) => !['auto', 'wasm', 'native', 'direct'].includes(r)) || (format !== 'gpkg' && readers.includes('direct')))
  throw new Error('--reader is a list of wasm, native and (for a GeoPackage) direct')
/** the import's readers: direct reads a GeoPackage's rows itself (the machine's GDAL lists it); the others read the rows by GDAL */
const readerLimits = (r: Reader) =>
  r === 'direct' ? { gdalReader: 'auto' as GdalReaderMode, gpkgReader: 'direct' as const } : { gdalReader: r as GdalReaderMode, gpkgReader: 'gdal' as const }
/** how the service's rows reach the database (issue 26): binary COPY where it can, or INSERT throughout */
const loaders = values.loader.split(',') as Array<'copy' | 'insert'>
if (loaders.some((l) => l !== 'copy' && l !== 'insert')) throw new Error('--loader is a list of copy and insert')
/** one service variant a round: a reader with a loader */
type Variant = `${Reader}/${'copy' | 'insert'}`
const variants = readers.flatMap((r) => loaders.map((l) => `${r}/${l}` as Variant))
const patches = Number(values.patches)
const rounds = Number(values.rounds)
const url = benchDatabaseUrl

async function main() {
  if (spawnSync('ogr2ogr', ['--version']).status !== 0) throw new Error('ogr2ogr not found: apt-get install gdal-bin')
  await ensureBenchDatabase()
  const shp = await generatedSurvey3(patches)
  const { zip, sha256, ogrSource } = format === 'shp' ? { ...shp, ogrSource: `/vsizip/${shp.zip}` } : databaseOf(shp.zip, format)
  const knex = createKnex(url, 4)
  await migrateLatest(knex)
  const kind = layerKind('survey3')!
  const pgUrl = new URL(url)
  const ogrConn = `PG:host=${pgUrl.hostname} port=${pgUrl.port || 5432} user=${decodeURIComponent(pgUrl.username)} dbname=${pgUrl.pathname.slice(1)}${pgUrl.password ? ` password=${decodeURIComponent(pgUrl.password)}` : ''}`

  const floorFile = await floorRows(knex, { kind, zip: shp.zip, sha256: shp.sha256 })
  const floor: number[] = []
  const service = new Map(variants.map((m) => [m, { ms: [] as number[], peak: 0, phases: [] as Array<Record<string, number>> }]))
  const shpPath: number[] = []
  let shpPeak = 0
  const ogr: number[] = []
  let ogrPeak = 0
  let ogrRows = 0
  const loads: string[] = []
  for (let r = 0; r < rounds; r++) {
    // Each round starts on a quiet machine, or says it could not (issue 26).
    loads.push((await waitForQuiet(Number(values['max-load']), Number(values['wait-s']))).label)
    // ogr2ogr first in odd rounds, last in even ones, so neither always meets a warm cache; the readers alternate too.
    const mine = r % 2 ? [...variants].reverse() : variants
    const order = r % 2 ? [...mine, 'ogr', 'floor'] : ['floor', 'ogr', ...mine]
    if (format !== 'shp') order.push('shapefile')
    for (const which of order) {
      // Each round starts from the same state: no partitions left from the round before.
      await resetLayer(knex, kind.table)
      await knex.raw('DROP TABLE IF EXISTS ogr_bench')
      await knex.raw('DROP TABLE IF EXISTS floor_bench')
      await knex.raw('CHECKPOINT')
      if (which === 'floor') {
        await knex.raw(`CREATE TABLE floor_bench (LIKE ${kind.table})`)
        const t0 = Date.now()
        psql(`\\copy floor_bench FROM '${floorFile}' (FORMAT binary)`, 'CREATE INDEX ON floor_bench USING gist (geom)')
        floor.push(Date.now() - t0)
      } else if (which === 'ogr') {
        const t0 = Date.now()
        const res = spawnSync(
          '/usr/bin/time',
          [
            '-f',
            '%M',
            'ogr2ogr',
            '-f',
            'PostgreSQL',
            ogrConn,
            ogrSource,
            '-nln',
            'ogr_bench',
            '-t_srs',
            'EPSG:4490',
            '-nlt',
            'PROMOTE_TO_MULTI',
            '--config',
            'PG_USE_COPY',
            'YES',
            '-lco',
            'GEOMETRY_NAME=geom',
          ],
          { encoding: 'utf8' },
        )
        if (res.status !== 0) throw new Error(`ogr2ogr failed: ${res.stderr}`)
        ogr.push(Date.now() - t0)
        ogrPeak = Math.max(ogrPeak, Number(res.stderr.trim().split('\n').pop()) / 1024)
        ogrRows = Number((await knex('ogr_bench').count<{ n: number }>({ n: '*' }).first())?.n)
      } else {
        const file = which === 'shapefile' ? shp : { zip, sha256 }
        // --kept-listing: as a job after its upload, which listed the database (not timed); else a job listing it itself
        if (values['kept-listing'] && which !== 'shapefile') await listDatabase((await detectDatabase({ path: file.zip, name: path.basename(file.zip) }))!)
        else forgetListings()
        global.gc?.()
        let peak = 0
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
        const t0 = Date.now()
        const [reader, loader] = (which === 'shapefile' ? 'auto/copy' : which).split('/') as [Reader, 'copy' | 'insert']
        const report = await runImport(
          { knex, limits: { ...readerLimits(reader), loader } },
          {
            kind,
            county: '371502',
            mode: 'replace',
            onInvalid: 'fail',
            file: { path: file.zip, name: path.basename(file.zip), sha256: file.sha256 },
            importedBy: 'bench',
            jobId: null,
          },
        )
        clearInterval(sampler)
        if (which === 'shapefile') {
          shpPath.push(Date.now() - t0)
          shpPeak = Math.max(shpPeak, peak / 2 ** 20)
        } else {
          const m = service.get(which as Variant)!
          m.ms.push(Date.now() - t0)
          m.phases.push(report.timings)
          m.peak = Math.max(m.peak, peak / 2 ** 20)
        }
        if (report.counts.stored !== patches) throw new Error(`stored ${report.counts.stored} of ${patches}`)
      }
    }
  }
  await knex.destroy()
  const o = median(ogr)
  const from = { shp: 'zipped shapefile, GBK', gdb: 'zipped FileGDB', gpkg: 'GeoPackage' }[format]
  console.log(`\nimport of ${patches} third-survey patches (${from}, CGCS2000 GK CM 117E → EPSG:4490), ${rounds} rounds, median`)
  console.log(`  load average at the start of each round: ${loads.join(', ')}`)
  console.log(
    `  ogr2ogr        : ${(o / 1000).toFixed(2)} s  (${ogr.map((x) => (x / 1000).toFixed(2)).join(', ')})  peak RSS ${ogrPeak.toFixed(0)} MiB  — ${ogrRows} rows`,
  )
  const fl = median(floor)
  console.log(`  floor (binary COPY + GiST): ${(fl / 1000).toFixed(2)} s  (${floor.map((x) => (x / 1000).toFixed(2)).join(', ')})`)
  const p = shpPath.length ? median(shpPath) : 0
  if (p)
    console.log(
      `  service, shapefile of the same data: ${(p / 1000).toFixed(2)} s  (${shpPath.map((x) => (x / 1000).toFixed(2)).join(', ')})  peak RSS ${shpPeak.toFixed(0)} MiB`,
    )
  for (const [variant, m] of service) {
    const s = median(m.ms)
    const [mode, loader] = variant.split('/') as [Reader, string]
    const by = loaders.length > 1 ? ` (${loader === 'copy' ? 'COPY where it can' : 'INSERT'})` : ''
    const label =
      (format === 'shp' ? 'service import' : `service, ${{ wasm: 'gdal3.js', native: "machine's GDAL", direct: 'rows read directly', auto: '' }[mode]}`) + by
    console.log(
      `  ${label}: ${(s / 1000).toFixed(2)} s  (${m.ms.map((x) => (x / 1000).toFixed(2)).join(', ')})  peak RSS ${m.peak.toFixed(0)} MiB; ratio / ogr2ogr ${(s / o).toFixed(2)}, / floor ${(s / fl).toFixed(2)}${p ? `, / shapefile ${(s / p).toFixed(2)}` : ''}`,
    )
    const phase = (k: string) => (median(m.phases.map((x) => x[k] ?? 0)) / 1000).toFixed(2)
    console.log(`    phases (median s): unzip+open ${phase('openMs')}, load ${phase('loadMs')}, index+attach ${phase('indexMs')}, total ${phase('totalMs')}`)
  }
  console.log(`  (${execFileSync('ogr2ogr', ['--version'], { encoding: 'utf8' }).trim()})`)
}

/** psql on the bench database, each command its own -c (stops at the first error). */
function psql(...commands: string[]) {
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url, ...commands.flatMap((c) => ['-c', c])], { stdio: ['ignore', 'ignore', 'inherit'] })
}

/** The floor's rows: an untimed service import of the shapefile, its stored table written out by binary COPY. */
async function floorRows(knex: ReturnType<typeof createKnex>, o: { kind: NonNullable<ReturnType<typeof layerKind>>; zip: string; sha256: string }) {
  const file = path.join(path.dirname(o.zip), `floor-${patches}.copy`)
  await resetLayer(knex, o.kind.table)
  await importZip(knex, { layer: o.kind.key, county: '371502', zip: o.zip, sha256: o.sha256 })
  psql(`\\copy (SELECT * FROM ${o.kind.table}) TO '${file}' (FORMAT binary)`)
  return file
}

/** The generated shapefile as a zipped FileGDB (layer DLTB) or a GeoPackage, made once beside it. */
function databaseOf(shpZip: string, f: 'gdb' | 'gpkg'): { zip: string; sha256: string; ogrSource: string } {
  const dir = path.dirname(shpZip)
  const gdb = path.join(dir, 'db', '371502.gdb')
  const out = f === 'gdb' ? path.join(dir, '371502_gdb.zip') : path.join(dir, '371502.gpkg')
  if (!fs.existsSync(out)) {
    console.log(`making ${path.basename(out)} …`)
    fs.rmSync(path.join(dir, 'db'), { recursive: true, force: true })
    fs.mkdirSync(path.join(dir, 'db'))
    if (f === 'gdb') {
      execFileSync('ogr2ogr', ['-f', 'OpenFileGDB', gdb, `/vsizip/${shpZip}`, '-nln', 'DLTB', '-nlt', 'PROMOTE_TO_MULTI'])
      execFileSync('zip', ['-q', '-r', '-1', out, '371502.gdb'], { cwd: path.join(dir, 'db') })
    } else execFileSync('ogr2ogr', ['-f', 'GPKG', out, `/vsizip/${shpZip}`, '-nln', 'DLTB', '-nlt', 'PROMOTE_TO_MULTI'])
    fs.rmSync(path.join(dir, 'db'), { recursive: true, force: true })
  }
  const sha256 = createHash('sha256').update(fs.readFileSync(out)).digest('hex')
  return { zip: out, sha256, ogrSource: f === 'gdb' ? `/vsizip/${out}/371502.gdb` : out }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
