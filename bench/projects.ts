// npm run bench:projects [-- --patches 200000 --seconds 5 --rounds 3 --max-load 1.5]
// The project list and /health, each alone (1 connection) and at 10 connections, on a county of
// the generator's projects (200 000 patches → 1 176 projects, as bench:province makes a county),
// each project with two stored analyses, the older one stale (as after an input changed). The
// service listens on loopback; the load comes from bench/http-loop.ts in its own process. Rounds alternate which
// connection count runs first and wait for a quiet machine (1-minute load under --max-load, up to
// --wait-s seconds) or say they could not. Prints p50s, the 10-connection ÷ 1-connection ratio and medians.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { parseArgs, promisify } from 'node:util'
import { ensureBenchDatabase, ownBenchDatabaseUrl, importZip, median, startBenchService, waitForQuiet } from './db.js'
import { projectRoot } from '../src/config.js'
import { attachDatabase } from '../src/db/connection.js'
import { migrateLatest } from '../src/db/migrate.js'
import { analysisSchemaVersion } from '../src/schemas/analysis.js'
import { syncProjectsFromLayer } from '../src/projects/from-layer.js'
import { generateCounty } from '../src/testdata/generate.js'
const run = promisify(execFile)
const { values } = parseArgs({
  options: {
    patches: { type: 'string', default: '200000' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    'max-load': { type: 'string', default: '1.5' },
    'wait-s': { type: 'string', default: '60' },
    only: { type: 'string' },
  },
})
const patches = Number(values.patches)
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const maxLoad = Number(values['max-load'])
const county = '371502'

interface Loop {
  p50: number
  p99: number
  rps: number
  non2xx: number
}

/** bench/http-loop.ts as its own process (microseconds, where autocannon has whole milliseconds). */
async function loop(url: string, headers: Record<string, string>, connections: number): Promise<Loop> {
  const bin = path.join(projectRoot, 'node_modules', '.bin', 'tsx')
  const args = [
    path.join(projectRoot, 'bench', 'http-loop.ts'),
    url,
    String(connections),
    String(seconds),
    ...Object.entries(headers).map(([k, v]) => `${k}=${v}`),
  ]
  const { stdout } = await run(bin, args, { maxBuffer: 1 << 24 })
  return JSON.parse(stdout)
}
const ms = (x: number) => `${x.toFixed(2)} ms`

const quiet = () => waitForQuiet(maxLoad, Number(values['wait-s']))

async function main() {
  // its own database: another bench's data would change what this one measures
  const dbUrl = ownBenchDatabaseUrl('plist')
  await ensureBenchDatabase(dbUrl)
  const db = attachDatabase(dbUrl, 'server', 10)
  const knex = db.knex
  await migrateLatest(knex)

  const count = async () => Number((await knex('projects').count<{ n: number }>({ n: '*' }).where({ xzqdm: county }).first())?.n ?? 0)
  if ((await count()) < 1000) {
    const outDir = path.join(projectRoot, 'bench', 'out', `projects-${patches}`)
    const [gen] = await generateCounty({ outDir, patches, county, layers: ['projects'] })
    const r = await importZip(knex, { layer: 'projects', county, zip: gen!.zip })
    await syncProjectsFromLayer(knex, r.datasetId!, county)
  }
  // Two stored analyses a project (the older stale), with the values the list reads from a result.
  await knex.raw(
    `INSERT INTO analysis_results (project_id, xzqdm, inputs, result, eligible, stale, computed_at)
     SELECT p.id, p.xzqdm, '{}'::jsonb,
            jsonb_build_object('stockArea', jsonb_build_object('m2', round((p.area_m2 * v.k)::numeric, 2)),
                               'footprint', jsonb_build_object('ratio', round((0.2 + (p.id % 7) / 10.0)::numeric, 4)),
                               'rewardCounted', p.id % 3 = 0, 'schemaVersion', ?::int),
            p.id % 2 = 0, v.stale, now() - v.age
       FROM projects p CROSS JOIN (VALUES (0.5, true, interval '1 day'), (0.8, false, interval '0')) v(k, stale, age)
      WHERE p.xzqdm = ? AND NOT EXISTS (SELECT 1 FROM analysis_results r WHERE r.xzqdm = p.xzqdm AND r.project_id = p.id)
      ORDER BY p.id, v.age DESC`,
    [analysisSchemaVersion, county],
  )
  await knex.raw('ANALYZE projects, analysis_results, api_keys')
  const projects = await count()

  const { server, base, headers } = await startBenchService(db, county)

  const endpoints: Array<[string, string]> = [
    ['project list', '/api/v1/projects'],
    // The same list, but each connection asks its own page (offset 0–9 at c=10): identical lists
    // asked together share one reading (src/db/shared-read.ts), different ones cannot.
    ['project list, a page a connection', '/api/v1/projects?offset={connection}'],
    ['health', '/health'],
  ].filter(([name]) => !values.only || name!.includes(values.only)) as Array<[string, string]>
  const first = await (await fetch(`${base}/api/v1/projects`, { headers })).json()
  console.log(`${projects} projects in ${county}; the list answers total ${first.total}, ${first.items.length} items a page`)
  console.log(`${new Date().toISOString()}, uptime: ${(await run('uptime')).stdout.trim()}`)

  const results: Record<string, { one: number[]; ten: number[]; ratio: number[]; cpu: number[] }> = {}
  console.log('\n| round | endpoint | load (1 min) | c=1 p50 | c=1 req/s | c=10 p50 | c=10 p99 | c=10 req/s | ratio | service CPU a request (c=1) | non-2xx |')
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (let round = 0; round < rounds; round++) {
    for (const [name, url] of endpoints) {
      const { load, quiet: isQuiet } = await quiet()
      // Alternate which connection count goes first: the first run of a round warms what the second uses.
      const order = round % 2 === 0 ? [1, 10] : [10, 1]
      const got: Record<number, Loop> = {}
      const cpu: Record<number, number> = {}
      for (const c of order) {
        // The service runs in this process: its CPU time a request, which the machine's other work does not inflate as it does latency.
        const before = process.cpuUsage()
        got[c] = await loop(base + url, headers, c)
        const used = process.cpuUsage(before)
        cpu[c] = (used.user + used.system) / 1000 / (got[c]!.rps * seconds)
      }
      const [one, ten] = [got[1]!, got[10]!]
      const r = (results[name] ??= { one: [], ten: [], ratio: [], cpu: [] })
      r.one.push(one.p50)
      r.ten.push(ten.p50)
      r.ratio.push(ten.p50 / one.p50)
      r.cpu.push(cpu[1]!)
      console.log(
        `| ${round + 1}${order[0] === 10 ? ' (c=10 first)' : ''} | ${name} | ${load.toFixed(2)}${isQuiet ? '' : ' (not quiet)'} | ${ms(one.p50)} | ${Math.round(one.rps)} | ${ms(ten.p50)} | ${ms(ten.p99)} | ${Math.round(ten.rps)} | ${r.ratio.at(-1)!.toFixed(1)} | ${ms(cpu[1]!)} | ${one.non2xx + ten.non2xx} |`,
      )
    }
  }
  console.log('\nmedians:')
  for (const [name, r] of Object.entries(results))
    console.log(
      `  ${name}: c=1 p50 ${ms(median(r.one))}, c=10 p50 ${ms(median(r.ten))}, ratio ${median(r.ratio).toFixed(1)}, service CPU ${ms(median(r.cpu))} a request (rounds ${r.ratio.map((x) => x.toFixed(1)).join(', ')})`,
    )
  console.log(`uptime at the end: ${(await run('uptime')).stdout.trim()}`)
  await server.close()
  await db.close()
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
