// npm run bench:import [-- --patches 100000 --rounds 3]
// Imports a generated third-survey shapefile through the service's own import path and, in the same
// run and database, with ogr2ogr (GDAL, COPY mode, reprojected to EPSG:4490); prints both times,
// the ratio and peak memory. Needs a PostGIS server (BENCH_DATABASE_URL, default a local
// lowland_bench database, created if missing) and ogr2ogr (Debian's gdal-bin).
import { execFileSync, spawnSync } from 'node:child_process'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { benchDatabaseUrl, ensureBenchDatabase, generatedSurvey3, median } from './db.js'
import { createKnex } from '../src/db/connection.js'
import { migrateLatest } from '../src/db/migrate.js'
import { layerKind } from '../src/catalogue/layer-kinds.js'
import { runImport } from '../src/import/run.js'

const { values } = parseArgs({ options: { patches: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' } } })
const patches = Number(values.patches)
const rounds = Number(values.rounds)
const url = benchDatabaseUrl

async function main() {
  if (spawnSync('ogr2ogr', ['--version']).status !== 0) throw new Error('ogr2ogr not found: apt-get install gdal-bin')
  await ensureBenchDatabase()
  const { zip, sha256 } = await generatedSurvey3(patches)
  const knex = createKnex(url, 4)
  await migrateLatest(knex)
  const kind = layerKind('survey3')!
  const pgUrl = new URL(url)
  const ogrConn = `PG:host=${pgUrl.hostname} port=${pgUrl.port || 5432} user=${decodeURIComponent(pgUrl.username)} dbname=${pgUrl.pathname.slice(1)}${pgUrl.password ? ` password=${decodeURIComponent(pgUrl.password)}` : ''}`

  const service: number[] = []
  const ogr: number[] = []
  let servicePeak = 0
  let ogrPeak = 0
  let ogrRows = 0
  const phases: Array<Record<string, number>> = []
  for (let r = 0; r < rounds; r++) {
    // ogr2ogr first in odd rounds, second in even ones, so neither always meets a warm cache.
    const order = r % 2 ? ['service', 'ogr'] : ['ogr', 'service']
    for (const which of order) {
      await knex.raw('TRUNCATE datasets CASCADE')
      // Each round starts from the same state: no partitions left from the round before.
      const { rows: parts } = await knex.raw(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = ?::regclass`,
        [kind.table],
      )
      for (const p of parts as Array<{ name: string }>) await knex.raw(`DROP TABLE "${p.name.replace(/"/g, '')}"`)
      await knex.raw('DROP TABLE IF EXISTS ogr_bench')
      await knex.raw('CHECKPOINT')
      if (which === 'ogr') {
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
            `/vsizip/${zip}`,
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
        let peak = 0
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
        const t0 = Date.now()
        const report = await runImport(
          { knex },
          {
            kind,
            county: '371502',
            mode: 'replace',
            onInvalid: 'fail',
            file: { path: zip, name: path.basename(zip), sha256 },
            importedBy: 'bench',
            jobId: null,
          },
        )
        service.push(Date.now() - t0)
        phases.push(report.timings)
        clearInterval(sampler)
        servicePeak = Math.max(servicePeak, peak / 2 ** 20)
        if (report.counts.stored !== patches) throw new Error(`stored ${report.counts.stored} of ${patches}`)
      }
    }
  }
  await knex.destroy()
  const s = median(service)
  const o = median(ogr)
  console.log(`\nimport of ${patches} third-survey patches (GBK, CGCS2000 GK CM 117E → EPSG:4490), ${rounds} rounds, median`)
  console.log(
    `  service import : ${(s / 1000).toFixed(2)} s  (${service.map((x) => (x / 1000).toFixed(2)).join(', ')})  peak RSS ${servicePeak.toFixed(0)} MiB  — validates, repairs, keeps attributes as jsonb`,
  )
  console.log(
    `  ogr2ogr        : ${(o / 1000).toFixed(2)} s  (${ogr.map((x) => (x / 1000).toFixed(2)).join(', ')})  peak RSS ${ogrPeak.toFixed(0)} MiB  — ${ogrRows} rows`,
  )
  console.log(`  ratio service / ogr2ogr: ${(s / o).toFixed(2)}`)
  const phase = (k: string) => (median(phases.map((p) => p[k] ?? 0)) / 1000).toFixed(2)
  console.log(
    `  service phases (median s): unzip+open ${phase('openMs')}, load ${phase('loadMs')}, index+attach ${phase('indexMs')}, total ${phase('totalMs')}`,
  )
  console.log(`  (${execFileSync('ogr2ogr', ['--version'], { encoding: 'utf8' }).trim()})`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
