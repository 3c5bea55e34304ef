// npm run bench:load [-- --patches 100000 --seconds 5 --connections 1,10 --rounds 3 --max-load 1.5 --wait-s 60 --only items]
// The service under load on loopback, right after a fresh import of a county's third-survey layer:
// the very first request to each endpoint (cold: what a user meets after an import), then autocannon
// (a separate process, so it does not share the service's event loop) with each of --connections
// (default 1 and 10) for a bounded time each, --rounds times, the order of the connection counts
// alternating between rounds and each run starting on a quiet machine (load average under --max-load,
// waited for up to --wait-s; the table says when it was not): the figures are medians of the rounds,
// the ratio that of the medians, with each round's own ratio beside it. Endpoints: /health, the project list, one project analysis,
// OGC items limit 100 / 1000 / bbox, one vector tile (--only: those whose name contains it). The
// service runs in this process: its resident memory is sampled every 20 ms while each endpoint is
// under load (the peak, in MiB; VmHWM is the process's high-water mark, the import included). With
// --process the service runs as npm start runs it, in its own process (--node-args: its Node flags,
// npm start's by default), so that its memory is the service's alone: the import stays in this one.
// Prints a table; figures go in bench/README.md.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { parseArgs } from 'node:util'
import { benchDatabaseUrl, ensureBenchDatabase, generatedSurvey3, median, startBenchService, startServiceProcess, waitForQuiet } from './db.js'
import { projectRoot } from '../src/config.js'
import { attachDatabase } from '../src/db/connection.js'
import { migrateLatest } from '../src/db/migrate.js'
import { layerKind } from '../src/catalogue/layer-kinds.js'
import { purgeOldVersions } from '../src/import/queries.js'
import { runImport } from '../src/import/run.js'
import { tileContaining } from '../src/tiles/queries.js'
const run = promisify(execFile)
const { values } = parseArgs({
  options: {
    patches: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '1,10' },
    only: { type: 'string' },
    process: { type: 'boolean', default: false },
    'node-args': { type: 'string', default: '--max-semi-space-size=64' },
    rounds: { type: 'string', default: '3' },
    'max-load': { type: 'string', default: '1.5' },
    'wait-s': { type: 'string', default: '60' },
  },
})
const patches = Number(values.patches)
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds: a positive integer')
const connectionCounts = values.connections.split(',').map(Number)
if (!connectionCounts.length || connectionCounts.some((c) => !Number.isInteger(c) || c < 1))
  throw new Error('--connections: positive integers, comma-separated')
const county = '371502'
const kind = layerKind('survey3')!

interface Cannon {
  latency: { p50: number; p99: number; average: number }
  requests: { average: number }
  non2xx: number
  errors: number
}

/** The high-water mark of a process's resident memory (VmHWM), in bytes. */
const vmHwm = (pid: number | 'self') => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024

/** autocannon as its own process, bounded in time; its JSON summary. */
async function cannon(url: string, headers: Record<string, string>, connections: number): Promise<Cannon> {
  const bin = path.join(projectRoot, 'node_modules', '.bin', 'autocannon')
  const args = ['-j', '-d', String(seconds), '-c', String(connections), ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]), url]
  const { stdout } = await run(bin, args, { maxBuffer: 1 << 24 })
  return JSON.parse(stdout)
}

async function main() {
  await ensureBenchDatabase()
  const db = attachDatabase(benchDatabaseUrl, 'server', 10)
  const knex = db.knex
  await migrateLatest(knex)
  const { zip, sha256 } = await generatedSurvey3(patches)

  // A fresh version every run (a new hash), so the first requests meet a partition just switched to.
  const t0 = Date.now()
  const report = await runImport(
    { knex },
    {
      kind,
      county,
      mode: 'replace',
      onInvalid: 'fail',
      file: { path: zip, name: path.basename(zip), sha256: `${sha256}:${Date.now()}` },
      importedBy: 'bench',
      jobId: null,
    },
  )
  console.log(`imported ${report.counts.stored} patches in ${((Date.now() - t0) / 1000).toFixed(1)} s (dataset ${report.datasetId})`)
  await purgeOldVersions(knex, kind, county, 1)

  const service = values.process
    ? await startServiceProcess(benchDatabaseUrl, county, { nodeArgs: values['node-args'].split(' ').filter(Boolean) })
    : { ...(await startBenchService(db, county)), rss: () => process.memoryUsage.rss(), hwm: () => vmHwm('self') }
  const { base, headers } = service

  // Projects: 200 small squares over the county's patches (made once per database).
  const ext = (
    await knex.raw(`SELECT ST_XMin(extent) x0, ST_YMin(extent) y0, ST_XMax(extent) x1, ST_YMax(extent) y1 FROM datasets WHERE id = ?`, [report.datasetId])
  ).rows[0]
  const existing = Number((await knex('projects').count<{ n: number }>({ n: '*' }).where({ xzqdm: county }).first())?.n ?? 0)
  for (let i = existing; i < 200; i++) {
    const x = ext.x0 + (ext.x1 - ext.x0) * ((i * 0.618034) % 1)
    const y = ext.y0 + (ext.y1 - ext.y0) * ((i * 0.754878) % 1)
    const d = 0.003
    const geometry = {
      type: 'Polygon',
      coordinates: [
        [
          [x, y],
          [x + d, y],
          [x + d, y + d],
          [x, y + d],
          [x, y],
        ],
      ],
    }
    const res = await fetch(`${base}/api/v1/projects`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ code: `LOAD-${i}`, geometry }),
    })
    if (res.status !== 201) throw new Error(await res.text())
  }
  const project = await knex('projects').first('id').where({ xzqdm: county }).orderBy('id')
  const cx = (ext.x0 + ext.x1) / 2
  const cy = (ext.y0 + ext.y1) / 2
  const centre = tileContaining(cx, cy, 15)
  const tile = `${centre.z}/${centre.x}/${centre.y}`
  const bbox = [cx - 0.01, cy - 0.01, cx + 0.01, cy + 0.01].map((n) => n.toFixed(5)).join(',')
  const all: Array<[string, string]> = [
    ['health', '/health'],
    ['projects list', '/api/v1/projects?limit=100'],
    ['one analysis', `/api/v1/projects/${project.id}/analysis`],
    ['items limit 100', '/ogc/collections/survey3/items?limit=100'],
    ['items limit 1000', '/ogc/collections/survey3/items?limit=1000'],
    ['items bbox', `/ogc/collections/survey3/items?limit=1000&bbox=${bbox}`],
    ['tile z15', `/tiles/survey3/${tile}.mvt`],
  ]
  const endpoints = all.filter(([name]) => !values.only || name.includes(values.only))

  // The first request of each, right after the import: no warm cache, no statistics but ANALYZE's.
  const first: Record<string, number> = {}
  for (const [name, url] of endpoints) {
    const t = process.hrtime.bigint()
    const res = await fetch(base + url, { headers })
    await res.arrayBuffer()
    first[name] = Number(process.hrtime.bigint() - t) / 1e6
    if (res.status >= 400) console.log(`  ${name}: HTTP ${res.status}`)
  }

  const mib = (bytes: number) => Math.round(bytes / 2 ** 20)
  console.log(
    `service ${values.process ? `process (${values['node-args']})` : 'in this process'}: VmHWM before the load ${mib(service.hwm())} MiB, RSS ${mib(service.rss())} MiB`,
  )
  const [c0] = connectionCounts as [number]
  const cLast = connectionCounts.at(-1)!
  console.log(
    `\n| endpoint | first request | ${connectionCounts.map((c) => `c=${c} p50 | c=${c} p99 | c=${c} req/s`).join(' | ')} | c=${cLast} p50 ÷ c=${c0} p50 (rounds) | peak RSS | non-2xx | load before each run |`,
  )
  console.log(`|---|---:|${connectionCounts.map(() => '---:|---:|---:|').join('')}---:|---:|---:|---|`)
  for (const [name, url] of endpoints) {
    let peak = 0
    const sampler = setInterval(() => (peak = Math.max(peak, service.rss())), 20)
    // runs[r][c]: round r at connection count c; the counts' order alternates between rounds
    const runs: Array<Map<number, Cannon>> = []
    const loads: string[] = []
    for (let r = 0; r < rounds; r++) {
      const round = new Map<number, Cannon>()
      for (const c of r % 2 ? [...connectionCounts].reverse() : connectionCounts) {
        loads.push((await waitForQuiet(Number(values['max-load']), Number(values['wait-s']))).label)
        round.set(c, await cannon(base + url, headers, c))
      }
      runs.push(round)
    }
    clearInterval(sampler)
    const med = (c: number, f: (r: Cannon) => number) => median(runs.map((round) => f(round.get(c)!)))
    const p50 = (c: number) => med(c, (r) => r.latency.p50)
    const perRound = runs.map((round) => (round.get(cLast)!.latency.p50 / Math.max(round.get(c0)!.latency.p50, 1)).toFixed(1)).join(', ')
    const non2xx = runs.reduce((n, round) => n + [...round.values()].reduce((m, r) => m + r.non2xx, 0), 0)
    console.log(
      `| ${name} | ${first[name]!.toFixed(1)} ms | ${connectionCounts.map((c) => `${p50(c)} ms | ${med(c, (r) => r.latency.p99)} ms | ${Math.round(med(c, (r) => r.requests.average))}`).join(' | ')} | ` +
        `${(p50(cLast) / Math.max(p50(c0), 1)).toFixed(1)} (${perRound}) | ${mib(peak)} MiB | ${non2xx} | ${loads.join(', ')} |`,
    )
  }
  console.log(`VmHWM after the load: ${mib(service.hwm())} MiB; ${new Date().toISOString()}, uptime: ${(await run('uptime')).stdout.trim()}`)
  if ('server' in service) await service.server.close()
  else await service.close()
  await db.close()
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
