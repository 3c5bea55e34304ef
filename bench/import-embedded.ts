// npm run bench:import-embedded [-- --patches 100000 --rounds 3 --max-load 1.5 --wait-s 120]
// Issue 26: the embedded database is the newcomer's default, so an import on it should take at most
// twice the PostgreSQL server path. The same generated shapefile is imported by the service's own
// path (`runImport`) into the embedded database (PGlite + PostGIS in its child process, behind the
// project's wire server, one connection, as `npm start` runs it) and into the bench's PostGIS server
// (BENCH_DATABASE_URL, a pool of 4 as the service), rounds alternating which goes first, each round
// waiting for a quiet machine. Where the embedded time goes: the CPU of this process (reading,
// decoding, building batches, the wire protocol's client side) and of the child (PGlite's
// PostgreSQL and PostGIS in WebAssembly, the wire server), from /proc.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { Knex } from 'knex'
import { layerKind } from '../src/catalogue/layer-kinds.js'
import { createKnex } from '../src/db/connection.js'
import { startEmbedded } from '../src/db/embedded/launcher.js'
import { migrateLatest } from '../src/db/migrate.js'
import { benchDatabaseUrl, cpuMs, ensureBenchDatabase, generatedSurvey3, importZip, median, resetLayer, waitForQuiet } from './db.js'

const { values } = parseArgs({
  options: {
    patches: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    'max-load': { type: 'string', default: '1.5' },
    'wait-s': { type: 'string', default: '120' },
  },
})
const patches = Number(values.patches)
const kind = layerKind('survey3')!

async function timedImport(knex: Knex, zip: { zip: string; sha256: string }, childPid?: number) {
  await resetLayer(knex, kind.table)
  const self0 = cpuMs(process.pid)
  const child0 = childPid ? cpuMs(childPid) : 0
  const t0 = Date.now()
  const report = await importZip(knex, { layer: kind.key, county: '371502', zip: zip.zip, sha256: zip.sha256 })
  if (report.counts.stored !== patches) throw new Error(`stored ${report.counts.stored} of ${patches}`)
  return {
    ms: Date.now() - t0,
    nodeCpu: cpuMs(process.pid) - self0,
    childCpu: childPid ? cpuMs(childPid) - child0 : 0,
    phases: report.timings as Record<string, number>,
  }
}

async function main() {
  await ensureBenchDatabase()
  const zip = await generatedSurvey3(patches)
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-bench-embedded-'))
  const embedded = await startEmbedded({ dataDir, timeoutMs: 180_000 })
  // one connection: the embedded server serves one at a time (src/db/connection.ts)
  const embeddedKnex = createKnex(embedded.url, 1)
  const serverKnex = createKnex(benchDatabaseUrl, 4)
  try {
    await migrateLatest(embeddedKnex)
    await migrateLatest(serverKnex)
    const runs = { server: [] as Awaited<ReturnType<typeof timedImport>>[], embedded: [] as Awaited<ReturnType<typeof timedImport>>[] }
    const loads: string[] = []
    for (let r = 0; r < Number(values.rounds); r++) {
      loads.push((await waitForQuiet(Number(values['max-load']), Number(values['wait-s']))).label)
      const order = r % 2 ? (['embedded', 'server'] as const) : (['server', 'embedded'] as const)
      for (const side of order) {
        const run = side === 'server' ? await timedImport(serverKnex, zip) : await timedImport(embeddedKnex, zip, embedded.pid)
        runs[side].push(run)
        console.log(`round ${r + 1} ${side}: ${(run.ms / 1000).toFixed(2)} s`)
      }
    }
    const s = (xs: number[]) => (median(xs) / 1000).toFixed(2)
    const server = median(runs.server.map((x) => x.ms))
    const emb = median(runs.embedded.map((x) => x.ms))
    console.log(`\nimport of ${patches} third-survey patches (zipped shapefile), ${values.rounds} rounds, medians`)
    console.log(`  load average at the start of each round: ${loads.join(', ')}`)
    console.log(
      `  PostgreSQL server: ${s(runs.server.map((x) => x.ms))} s (${runs.server.map((x) => (x.ms / 1000).toFixed(2)).join(', ')}), Node CPU ${s(runs.server.map((x) => x.nodeCpu))} s`,
    )
    console.log(
      `  embedded         : ${s(runs.embedded.map((x) => x.ms))} s (${runs.embedded.map((x) => (x.ms / 1000).toFixed(2)).join(', ')}); ratio / server ${(emb / server).toFixed(2)}`,
    )
    console.log(`    CPU: this process ${s(runs.embedded.map((x) => x.nodeCpu))} s, the embedded child ${s(runs.embedded.map((x) => x.childCpu))} s`)
    for (const [side, xs] of Object.entries(runs)) {
      const phase = (k: string) => s(xs.map((x) => x.phases[k] ?? 0))
      console.log(
        `    ${side} phases (median s): unzip+open ${phase('openMs')}, load ${phase('loadMs')}, index+attach ${phase('indexMs')}, total ${phase('totalMs')}`,
      )
    }
  } finally {
    await embeddedKnex.destroy()
    await serverKnex.destroy()
    await embedded.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
