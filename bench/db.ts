// What the benchmarks share: their PostGIS database (BENCH_DATABASE_URL, default a local
// lowland_bench, created if missing), the generated third-survey layer, and statistics.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Knex } from 'knex'
import pg from 'pg'
import app, { serverOptions } from '../src/app.js'
import { createKey } from '../src/auth/keys.js'
import { layerKind } from '../src/catalogue/layer-kinds.js'
import { projectRoot } from '../src/config.js'
import { createKnex, type Database } from '../src/db/connection.js'
import { runImport } from '../src/import/run.js'
import { generateCounty } from '../src/testdata/generate.js'

export const benchDatabaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/lowland_bench'

/**
 * A bench database of its own for a bench whose data others would change (`bench:pull` adds
 * projects to the county `bench:projects` lists): BENCH_DATABASE_URL's database name with a suffix.
 */
export const ownBenchDatabaseUrl = (suffix: string) => {
  const u = new URL(benchDatabaseUrl)
  u.pathname = `${u.pathname}_${suffix}`
  return u.toString()
}

export async function ensureBenchDatabase(url = benchDatabaseUrl): Promise<void> {
  const name = new URL(url).pathname.slice(1)
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/?]*(\?|$)/, '/postgres$1') })
  await admin.connect()
  if (!(await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount) await admin.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`)
  await admin.end()
}

/** A generated third-survey shapefile zip of `patches` patches under bench/out (made once), with its SHA-256. */
export async function generatedSurvey3(patches: number): Promise<{ zip: string; sha256: string }> {
  const outDir = path.join(projectRoot, 'bench', 'out', `survey3-${patches}`)
  const zip = path.join(outDir, '371502_survey3.zip')
  if (!fs.existsSync(zip)) {
    console.log(`generating ${patches} patches …`)
    await generateCounty({ outDir, patches, layers: ['survey3'] })
  }
  return { zip, sha256: createHash('sha256').update(fs.readFileSync(zip)).digest('hex') }
}

/**
 * Waits up to `waitS` seconds for the 1-minute load average to fall under `maxLoad` (issue 26: a
 * ratio counts from a quiet machine); the load found, and whether it was quiet.
 */
export async function waitForQuiet(maxLoad: number, waitS: number): Promise<{ load: number; quiet: boolean; label: string }> {
  const until = Date.now() + waitS * 1000
  while (os.loadavg()[0]! >= maxLoad && Date.now() < until) await new Promise((r) => setTimeout(r, 5_000))
  const load = os.loadavg()[0]!
  const quiet = load < maxLoad
  return { load, quiet, label: `${load.toFixed(2)}${quiet ? '' : ' (not quiet)'}` }
}

/** CPU time (user + system) a process has used, ms (clock ticks of 10 ms), from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** Drops what an import left (datasets, the layer's version partitions) so that each round starts alike. */
export async function resetLayer(knex: Knex, table: string): Promise<void> {
  await knex.raw('TRUNCATE datasets CASCADE')
  const { rows } = await knex.raw(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = ?::regclass`, [table])
  for (const p of rows as Array<{ name: string }>) await knex.raw(`DROP TABLE "${p.name.replace(/"/g, '')}"`)
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** Imports a zipped layer as the service does (a new version replacing the county's), outside any job. */
export async function importZip(knex: Knex, o: { layer: string; county: string; zip: string; sha256?: string }) {
  const sha256 = o.sha256 ?? createHash('sha256').update(fs.readFileSync(o.zip)).digest('hex')
  return runImport(
    { knex },
    {
      kind: layerKind(o.layer)!,
      county: o.county,
      mode: 'replace',
      onInvalid: 'fail',
      file: { path: o.zip, name: path.basename(o.zip), sha256 },
      importedBy: 'bench',
      jobId: null,
    },
  )
}

/**
 * The service on a free port of 127.0.0.1 over the bench database, with a county key (or a province
 * key: o.role): the overload
 * guard off (it is what the load benches measure around), failed keys not exercised.
 */
export async function startBenchService(
  db: Database,
  county: string | null,
  o: { role?: 'county' | 'province'; register?: (server: FastifyInstance) => void } = {},
): Promise<{ server: FastifyInstance; base: string; headers: Record<string, string> }> {
  const server = Fastify(serverOptions({ logLevel: 'silent', bodyLimitBytes: 1 << 20 }, false))
  await server.register(app, {
    database: db,
    config: { dataDir: path.join(projectRoot, 'bench', 'out'), uploadLimitBytes: 1 << 20 },
    protection: { maxInFlight: 100_000, maxEventLoopDelayMs: 0 },
  })
  // a bench's own reference route beside the service's (bench:pull)
  o.register?.(server)
  await server.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`
  const role = o.role ?? 'county'
  const { token } = await createKey(db.knex, { name: 'bench', role, region: role === 'county' ? county : null, createdBy: 'bench' })
  return { server, base, headers: { 'x-api-key': token } }
}

/**
 * The service as `npm start` runs it (src/server.ts in its own Node process, with npm start's flags
 * unless `nodeArgs` says otherwise), on a free port of 127.0.0.1 over `url`, with a county key: its
 * memory is its own (rss reads its resident set from /proc), and it does not share the bench's event loop.
 */
export async function startServiceProcess(
  url: string,
  county: string,
  o: { nodeArgs?: string[]; dataDir?: string } = {},
): Promise<{ base: string; headers: Record<string, string>; pid: number; rss: () => number; hwm: () => number; close: () => Promise<void> }> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = net.createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
  const dataDir = o.dataDir ?? path.join(projectRoot, 'bench', 'out', 'service-data')
  fs.mkdirSync(dataDir, { recursive: true })
  const child = spawn(process.execPath, [...(o.nodeArgs ?? ['--max-semi-space-size=64']), '--import', 'tsx', 'src/server.ts'], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', MAX_IN_FLIGHT: '100000' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode}`)
    if (i > 1500) throw new Error('the service did not answer /health within 5 minutes')
    try {
      if ((await fetch(`${base}/health`)).status < 500) break
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  const knex = createKnex(url, 1)
  const { token } = await createKey(knex, { name: 'bench', role: 'county', region: county, createdBy: 'bench' })
  await knex.destroy()
  const status = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024
  return {
    base,
    headers: { 'x-api-key': token },
    pid: child.pid!,
    rss: () => status('VmRSS'),
    hwm: () => status('VmHWM'),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
