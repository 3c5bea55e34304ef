// npm run bench:province [-- --counties 136 --patches 73500 --concurrency 2 --rounds 15 --connections 1,10 --pairs 3 --max-load 1.5 --wait-s 60]
// A province on one PostGIS: every county of data/regions/shandong.json (or the first --counties of
// them, with the same average) gets a generated delivery — third survey with 30 000–150 000 patches
// (0.5–1.5 × --patches), second survey (0.6 ×), buildings (≈ 0.55 ×) and projects (÷ 170) — laid
// side by side in the CM 117°E plane, uploaded through the running service's import API, two counties
// at a time. Then, against the same county in a database that holds only that county (both services
// running, --pairs rounds of the measures on each, the side measured first alternating and each
// round starting on a quiet machine or saying it could not; medians of the rounds, each round's
// ratio beside them):
//   - OGC items (limit 1000, bbox) and vector tile p50 (ratio full / single, goal ≤ 1.2), at each
//     number of --connections (closed loops, each making --rounds requests);
//   - the county's batch analysis (goal ≤ 1.2), then one project's analysis (GET, the stored result)
//     p50 at each number of connections;
//   - a tenth of each county's projects approved through the review workflow (province-review.ts),
//     then the province pull of every project (cursor-paged), the totals per county and the rewards report, total and per county;
//   - the service's peak memory (VmHWM of its process, goal < 1 GiB) and the database size.
// The service runs as its own process (npm start's entry), so its memory is its own.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { benchDatabaseUrl, median, waitForQuiet } from './db.js'
import { createKey } from '../src/auth/keys.js'
import { projectRoot } from '../src/config.js'
import { createKnex } from '../src/db/connection.js'
import { migrateLatest } from '../src/db/migrate.js'
import { cities } from '../src/domain/regions.js'
import { generateCounty, type GeneratedLayer } from '../src/testdata/generate.js'
import { tileContaining } from '../src/tiles/queries.js'
import { REWARD_YEAR, reviewRound } from './province-review.js'

const { values } = parseArgs({
  options: {
    counties: { type: 'string', default: '136' },
    patches: { type: 'string', default: '73500' },
    concurrency: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '15' },
    connections: { type: 'string', default: '1,10' },
    pairs: { type: 'string', default: '3' },
    'max-load': { type: 'string', default: '1.5' },
    'wait-s': { type: 'string', default: '60' },
  },
})
const countyCount = Number(values.counties)
const meanPatches = Number(values.patches)
const concurrency = Number(values.concurrency)
const rounds = Number(values.rounds)
/** rounds of the county's measures on each database, the side measured first alternating */
const pairs = Number(values.pairs)
const maxLoad = Number(values['max-load'])
const waitS = Number(values['wait-s'])
/** the reads are measured at each of these numbers of connections at once (closed loops, `rounds` requests each) */
const connectionCounts = values.connections.split(',').map(Number)
const layers: GeneratedLayer[] = ['survey3', 'survey2', 'buildings', 'projects']
const outDir = path.join(projectRoot, 'bench', 'out', 'province')
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** The counties of the run, each with its size and the south-west corner of its grid (25 × 30 km apart). */
function province() {
  const all = cities.flatMap((c) => c.counties.map((k) => k.code))
  return all.slice(0, countyCount).map((code, i) => ({
    code,
    patches: Math.round(meanPatches * (0.5 + (i % 5) / 4)),
    origin: { x: 355_000 + (i % 12) * 25_000, y: 3_860_000 + Math.floor(i / 12) * 30_000 },
  }))
}
type County = ReturnType<typeof province>[number]

/** The run's databases are named after BENCH_DATABASE_URL's (lowland_bench → lowland_bench_province, lowland_bench_single): two runs on a shared server each keep their own. */
const databaseOf = (which: 'province' | 'single') => `${new URL(benchDatabaseUrl).pathname.slice(1)}_${which}`

const urlOf = (name: string) => {
  const u = new URL(benchDatabaseUrl)
  u.pathname = `/${name}`
  return u.toString()
}

async function freshDatabase(name: string) {
  const admin = new pg.Client({ connectionString: urlOf('postgres') })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  await admin.query(`CREATE DATABASE "${name}"`)
  await admin.end()
  const knex = createKnex(urlOf(name), 2)
  await migrateLatest(knex)
  return knex
}

interface Service {
  base: string
  child: ChildProcess
  peakMiB: () => number
}

/** A port nothing listens on now, so that two benchmark runs on one machine do not clash. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** The service as `npm start` runs it, on its own port, against one database. */
async function startService(database: string, port: number): Promise<Service> {
  const dataDir = path.join(outDir, `data-${database}`)
  fs.mkdirSync(dataDir, { recursive: true })
  const child = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', 'src/server.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      DATABASE_URL: urlOf(database),
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      MAX_IN_FLIGHT: '10000',
      UPLOAD_LIMIT_BYTES: String(4 * 2 ** 30),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode}`)
    try {
      if ((await fetch(`${base}/health`)).status < 500) break
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  const peakMiB = () => {
    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8')
    return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024
  }
  return { base, child, peakMiB }
}

async function call(s: Service, key: string, url: string, init: RequestInit = {}) {
  const res = await fetch(`${s.base}${url}`, { ...init, headers: { 'x-api-key': key, ...(init.headers ?? {}) } })
  if (!res.ok && res.status !== 304) throw new Error(`${url}: ${res.status} ${await res.text()}`)
  return res
}

async function waitFor(s: Service, key: string, url: string) {
  for (;;) {
    const job = await (await call(s, key, url)).json()
    if (!['queued', 'running'].includes(job.status)) return job
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** Uploads a county's layers through the import API, one after the other. */
async function importCounty(s: Service, key: string, c: County) {
  for (const layer of layers) {
    const zip = path.join(outDir, `${c.code}-${c.patches}`, `${c.code}_${layer}.zip`)
    const form = new FormData()
    form.set('layer', layer)
    form.set('county', c.code)
    form.set('file', await fs.openAsBlob(zip), path.basename(zip))
    const { url } = await (await call(s, key, '/api/v1/imports', { method: 'POST', body: form })).json()
    const job = await waitFor(s, key, url)
    if (job.status !== 'succeeded') throw new Error(`${c.code} ${layer}: ${job.status} ${JSON.stringify(job.errors)}`)
  }
}

async function importAll(s: Service, key: string, counties: readonly County[]) {
  const queue = [...counties]
  const t0 = Date.now()
  let done = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        await importCounty(s, key, c)
        done++
        if (done % 10 === 0 || done === counties.length) console.log(`  ${done}/${counties.length} counties imported, ${seconds(Date.now() - t0)}`)
      }
    }),
  )
  return Date.now() - t0
}

/** The p50 of the requests `request(i)` made by `connections` closed loops at once, `rounds` each. */
async function underLoad(connections: number, request: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = []
  await Promise.all(
    Array.from({ length: connections }, async (_, loop) => {
      for (let i = 0; i < rounds; i++) {
        const t0 = performance.now()
        await request(loop * rounds + i)
        times.push(performance.now() - t0)
      }
    }),
  )
  return median(times)
}

/** Item pages, tiles and one project's analysis of one county at each number of connections, and its batch analysis, with a county key. */
async function countyMeasures(s: Service, key: string, c: County) {
  // A 2 × 2 km box and z14 tiles near the middle of the county's grid (lon/lat from the generator's plane).
  const layers = (await (await call(s, key, `/api/v1/layers?county=${c.code}`)).json()) as Array<{ layer: string; active: { extent: number[] } }>
  const [x0, y0, x1, y1] = layers.find((l) => l.layer === 'survey3')!.active.extent as [number, number, number, number]
  const cx = (x0 + x1) / 2
  const cy = (y0 + y1) / 2
  const body = async (url: string) => {
    const res = await call(s, key, url)
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`)
    await res.arrayBuffer()
  }
  const item = (i: number) => {
    const dx = ((i % 5) - 2) * 0.01
    return body(`/ogc/collections/survey3/items?limit=1000&bbox=${cx + dx},${cy},${cx + dx + 0.02},${cy + 0.02}`)
  }
  const centre = tileContaining(cx, cy, 14)
  const tile = (i: number) => body(`/tiles/survey3/${centre.z}/${centre.x + (i % 3)}/${centre.y + (Math.floor(i / 3) % 3)}.mvt`)
  const itemsMs: Record<number, number> = {}
  const tileMs: Record<number, number> = {}
  for (const n of connectionCounts) {
    itemsMs[n] = await underLoad(n, item)
    tileMs[n] = await underLoad(n, tile)
  }
  const t0 = Date.now()
  const { url } = await (
    await call(s, key, '/api/v1/analysis/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ county: c.code }) })
  ).json()
  const run = await waitFor(s, key, url)
  if (run.status !== 'succeeded') throw new Error(`analysis ${c.code}: ${run.status}`)
  const analysisMs = Date.now() - t0
  // one project's analysis as a reviewer's page asks for it (the stored result, current after the run)
  const page = (await (await call(s, key, `/api/v1/projects?county=${c.code}&limit=100`)).json()) as { items: Array<{ id: number }> }
  const ids = page.items.map((p) => p.id)
  const oneAnalysisMs: Record<number, number> = {}
  for (const n of connectionCounts) oneAnalysisMs[n] = await underLoad(n, (i) => body(`/api/v1/projects/${ids[i % ids.length]}/analysis`))
  return { itemsMs, tileMs, oneAnalysisMs, analysisMs, projects: run.total as number }
}

async function main() {
  const counties = province()
  const total = counties.reduce((n, c) => n + c.patches, 0)
  console.log(`province of ${counties.length} counties, ${total} third-survey patches (${(total * 2.15).toFixed(0)} features with second survey and buildings)`)
  for (const c of counties) {
    // Generated once per county and size (deterministic), kept under bench/out for the next run.
    const dir = path.join(outDir, `${c.code}-${c.patches}`)
    if (!layers.every((l) => fs.existsSync(path.join(dir, `${c.code}_${l}.zip`))))
      await generateCounty({ outDir: dir, patches: c.patches, county: c.code, origin: c.origin, layers })
  }
  console.log('deliveries generated')
  // The county measured on both databases: the middle-sized one (1.0 ×).
  const probe = counties[Math.min(2, counties.length - 1)]!

  type Measures = Awaited<ReturnType<typeof countyMeasures>>
  interface Side {
    name: 'province' | 'single'
    set: readonly County[]
    knex: Awaited<ReturnType<typeof freshDatabase>>
    s: Service
    keys: { admin: string; county: string; province: string }
    importMs: number
    rounds: Measures[]
  }
  const sides: Side[] = []
  try {
    // Both databases first, each behind its own service, both kept running: the measures then
    // alternate between them, round by round.
    for (const [name, set] of [
      ['province', counties],
      ['single', [probe]],
    ] as const) {
      const knex = await freshDatabase(databaseOf(name))
      const keys = {
        admin: (await createKey(knex, { name: 'bench', role: 'admin', region: null, createdBy: 'bench' })).token,
        county: (await createKey(knex, { name: 'bench county', role: 'county', region: probe.code, createdBy: 'bench' })).token,
        province: (await createKey(knex, { name: 'bench province', role: 'province', region: null, createdBy: 'bench' })).token,
      }
      let s: Service
      try {
        s = await startService(databaseOf(name), await freePort())
      } catch (err) {
        await knex.destroy()
        throw err
      }
      const side: Side = { name, set, knex, s, keys, importMs: 0, rounds: [] }
      sides.push(side)
      console.log(`${name}: importing ${set.length} counties, ${concurrency} at a time`)
      side.importMs = await importAll(s, keys.admin, set)
    }
    // --pairs rounds of the county's measures on each database, the side measured first alternating,
    // each round starting on a quiet machine (issue 26) or saying it could not
    const loads: string[] = []
    for (let r = 0; r < pairs; r++) {
      for (const side of r % 2 ? [...sides].reverse() : sides) {
        loads.push(`${side.name} ${(await waitForQuiet(maxLoad, waitS)).label}`)
        side.rounds.push(await countyMeasures(side.s, side.keys.county, probe))
      }
    }
    console.log(`  load before each round: ${loads.join(', ')}`)
    const full = sides.find((x) => x.name === 'province')!
    await provinceReads(full)
    const single = sides.find((x) => x.name === 'single')!
    const dbMiB = async (side: Side) => Number((await side.knex.raw('SELECT pg_database_size(current_database()) AS b')).rows[0].b) / 2 ** 20

    console.log(
      `\ncounty ${probe.code} (${probe.patches} patches, ${full.rounds[0]!.projects} projects), full province vs that county alone, medians of ${pairs} rounds:`,
    )
    const line = (what: string, of: (m: Measures) => number, unit: (v: number) => string) => {
      const f = median(full.rounds.map(of))
      const one = median(single.rounds.map(of))
      const each = full.rounds.map((m, i) => (of(m) / of(single.rounds[i]!)).toFixed(2)).join(', ')
      console.log(`  ${what}: ${unit(f)} vs ${unit(one)}, ratio ${(f / one).toFixed(2)} (rounds ${each})`)
    }
    const ms = (v: number) => `${v.toFixed(1)} ms`
    for (const n of connectionCounts) {
      line(`OGC items limit 1000 + bbox p50 at ${n} connection(s)`, (m) => m.itemsMs[n]!, ms)
      line(`tile z14 p50 at ${n} connection(s)`, (m) => m.tileMs[n]!, ms)
      line(`one project's analysis p50 at ${n} connection(s)`, (m) => m.oneAnalysisMs[n]!, ms)
    }
    line('batch analysis', (m) => m.analysisMs, seconds)
    console.log(
      `  import of the province: ${seconds(full.importMs)}; service peak memory ${full.s.peakMiB().toFixed(0)} MiB (that county alone ${single.s.peakMiB().toFixed(0)} MiB); ` +
        `database ${((await dbMiB(full)) / 1024).toFixed(2)} GiB`,
    )
  } finally {
    for (const side of sides) {
      side.s.child.kill('SIGTERM')
      await side.knex.destroy()
    }
  }
}

/**
 * On the province: a tenth of each county's projects approved through the review workflow (so that
 * the rewards report reads approved analyses: bench/province-review.ts), then the province pull of
 * every project, a poll with the kept cursor, the rewards report and the per-county totals.
 */
async function provinceReads({
  s,
  knex,
  set,
  keys,
}: {
  s: Service
  knex: Awaited<ReturnType<typeof freshDatabase>>
  set: readonly County[]
  keys: { admin: string; province: string }
}) {
  const { province, admin } = keys
  const api = {
    call: (key: string, url: string, init?: RequestInit) => call(s, key, url, init),
    waitFor: (key: string, url: string) => waitFor(s, key, url),
  }
  const review = await reviewRound(
    api,
    knex,
    set.map((c) => c.code),
    { province, admin },
    concurrency,
  )
  console.log(
    `  review: ${review.approved} of ${review.projects} projects approved (submit, check, approve over HTTP) in ${seconds(review.reviewMs)} of county time, ` +
      `after every county's batch analysis (${seconds(review.analysisMs)}); ${seconds(review.wallMs)} wall, ${concurrency} counties at a time`,
  )
  let cursor: string | undefined
  let pulled = 0
  const t0 = Date.now()
  for (;;) {
    const page = await (await call(s, province, `/api/v1/province/projects?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json()
    pulled += page.items.length
    if (!page.items.length || !page.nextCursor || page.nextCursor === cursor) break
    cursor = page.nextCursor
  }
  const pullMs = Date.now() - t0
  // a client that has everything asks again with its kept cursor: nothing new
  const t2 = Date.now()
  const poll = await (await call(s, province, `/api/v1/province/projects?limit=1000&cursor=${encodeURIComponent(cursor!)}`)).json()
  const pollMs = Date.now() - t2
  const t1 = Date.now()
  const rewards = await (await call(s, province, `/api/v1/province/rewards?year=${REWARD_YEAR}`)).json()
  const rewardsMs = Date.now() - t1
  // the per-county totals (the province page and the provincial system's county figures)
  const t3 = Date.now()
  const totals = await (await call(s, province, '/api/v1/province/counties')).json()
  const totalsMs = Date.now() - t3
  if (totals.total.projects !== pulled) throw new Error(`per-county totals count ${totals.total.projects} projects, the pull ${pulled}`)
  const count = (list: 'qualifyingProjects' | 'excludedProjects') =>
    (rewards.counties as Array<Record<typeof list, unknown[]>>).reduce((n, c) => n + c[list].length, 0)
  // why the excluded ones are: the generated projects rarely pass the footprint check (≥ 30 %)
  const exclusions = () => {
    const by = new Map<string, number>()
    for (const c of rewards.counties as Array<{ excludedProjects: Array<{ exclusion: string }> }>)
      for (const p of c.excludedProjects) by.set(p.exclusion, (by.get(p.exclusion) ?? 0) + 1)
    return [...by].map(([why, n]) => `${why} ${n}`).join(', ')
  }
  console.log(
    `  province pull: ${pulled} projects in ${seconds(pullMs)} (${(pullMs / set.length).toFixed(0)} ms per county), cursor of ${cursor!.length} characters; ` +
      `poll with it: ${poll.items.length} new in ${pollMs} ms`,
  )
  console.log(`  totals per county: ${totals.counties.length} counties, ${totals.total.projects} projects in ${totalsMs} ms`)
  console.log(
    `  rewards report ${REWARD_YEAR}: ${rewardsMs} ms (${(rewardsMs / set.length).toFixed(1)} ms per county), ` +
      `${count('qualifyingProjects')} qualifying and ${count('excludedProjects')} excluded projects (${exclusions()})`,
  )
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
