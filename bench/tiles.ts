// npm run bench:tiles [-- --patches 100000 --zoom 14 --tiles 40 --passes 3 --rounds 3 --max-load 1.5 --wait-s 30]
// Vector tiles through the service (HTTP on a real port, a county key) against the identical tile
// statement alone through pg: the same SQL text and bindings, built by the same module
// (src/tiles/queries.ts tileStatement), on a pg pool with the service's session settings. Three
// services over the same database: the tile cache off (every tile built: "cold"), memory only and
// disk only (every tile asked for once before, so each request is a repeat served from that level).
// At 1 and 10 connections (closed loops over the same tile addresses, `passes` times); rounds
// alternate which side runs first; each round starts when the 1-minute load is under --max-load
// (waiting up to --wait-s) and prints the load it started at.
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { parseArgs } from 'node:util'
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import { benchDatabaseUrl, ensureBenchDatabase, generatedSurvey3, importZip, median, waitForQuiet } from './db.js'
import { tileContaining } from '../src/tiles/queries.js'
import app, { serverOptions } from '../src/app.js'
import { createKey } from '../src/auth/keys.js'
import { defaultConfig, projectRoot } from '../src/config.js'
import { attachDatabase, type Database } from '../src/db/connection.js'
import { migrateLatest } from '../src/db/migrate.js'
import { activeDataset } from '../src/db/read-model.js'
import { collectionById } from '../src/ogc/collections.js'
import { hasAsMvt, tileStatement, type TileAddress } from '../src/tiles/queries.js'

const { values } = parseArgs({
  options: {
    patches: { type: 'string', default: '100000' },
    zoom: { type: 'string', default: '14' },
    tiles: { type: 'string', default: '40' },
    passes: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '1,10' },
    'max-load': { type: 'string', default: '1.5' },
    'wait-s': { type: 'string', default: '30' },
    verbose: { type: 'boolean', default: false },
  },
})
const county = '371502'
const zoom = Number(values.zoom)
const connections = values.connections.split(',').map(Number)
const maxLoad = Number(values['max-load'])
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!

const quiet = async () => (await waitForQuiet(maxLoad, Number(values['wait-s']))).load

/** `jobs` run by `n` closed loops; each job's latency in ms and the wall time of all. */
async function closedLoops(n: number, jobs: Array<() => Promise<void>>): Promise<{ latencies: number[]; wall: number }> {
  const latencies: number[] = []
  let next = 0
  const start = performance.now()
  const loop = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!
      const t0 = performance.now()
      await job()
      latencies.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: n }, loop))
  return { latencies, wall: performance.now() - start }
}

/** The service with its tile cache set as given, its own data directory (the disk level's), on a free port. */
async function startService(
  db: Database,
  tileCache: { memoryBytes: number; diskBytes: number },
  dataDir: string,
): Promise<{ server: FastifyInstance; base: string }> {
  const server = Fastify(serverOptions({ logLevel: 'silent', bodyLimitBytes: 1 << 20 }, false))
  await server.register(app, {
    database: db,
    config: { dataDir, uploadLimitBytes: 1 << 20, tileCache },
    protection: { maxInFlight: 100_000, maxEventLoopDelayMs: 0 },
  })
  await server.listen({ port: 0, host: '127.0.0.1' })
  return { server, base: `http://127.0.0.1:${(server.server.address() as { port: number }).port}` }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })

/** GET a tile; resolves with its X-Tile-Cache header once the body is read. */
function getTile(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers }, (res) => {
        res.on('data', () => {})
        res.on('end', () => (res.statusCode === 200 ? resolve(String(res.headers['x-tile-cache'])) : reject(new Error(`${url}: ${res.statusCode}`))))
      })
      .on('error', reject)
  })
}

async function main() {
  await ensureBenchDatabase()
  const db = attachDatabase(benchDatabaseUrl, 'server', 12)
  const knex = db.knex
  await migrateLatest(knex)
  const { zip, sha256 } = await generatedSurvey3(Number(values.patches))
  await importZip(knex, { layer: 'survey3', county, zip, sha256 })
  const active = await activeDataset(knex, 'survey3', county).first('id', 'feature_count')
  await knex.raw('ANALYZE survey3_patches')
  if (!(await hasAsMvt(knex))) throw new Error('this PostGIS has no ST_AsMVT: the statement alone cannot be compared')
  const c = collectionById('survey3')!
  const caps = defaultConfig().limits.tiles
  const scope = { kind: 'county', code: county } as const

  const e = (
    await knex.raw(`SELECT ST_XMin(e) x0, ST_YMin(e) y0, ST_XMax(e) x1, ST_YMax(e) y1 FROM (SELECT extent::box2d e FROM datasets WHERE id = ?) s`, [active.id])
  ).rows[0]
  const seen = new Set<string>()
  const addresses: TileAddress[] = []
  for (let i = 0; addresses.length < Number(values.tiles) && i < 100 * Number(values.tiles); i++) {
    const a = tileContaining(e.x0 + (e.x1 - e.x0) * ((i * 0.6180339887) % 1), e.y0 + (e.y1 - e.y0) * ((i * 0.7548776662) % 1), zoom)
    if (!seen.has(`${a.x}/${a.y}`)) addresses.push(a)
    seen.add(`${a.x}/${a.y}`)
  }
  // The identical statements, as node-pg receives them from knex ($n placeholders).
  const statements = await Promise.all(
    addresses.map(async (a) => {
      const s = await tileStatement(knex, c, scope, a, caps, [active.id])
      const native = knex.raw(s.sql, s.bindings).toSQL().toNative()
      return { sql: native.sql, bindings: [...native.bindings] as unknown[] }
    }),
  )
  // the service's session settings (src/db/connection.ts)
  const pool = new pg.Pool({ connectionString: benchDatabaseUrl, max: 12, options: '-c jit=off -c max_parallel_workers_per_gather=0' })

  const out = path.join(projectRoot, 'bench', 'out', `tiles-${process.pid}`)
  const services = {
    cold: await startService(db, { memoryBytes: 0, diskBytes: 0 }, path.join(out, 'off')),
    memory: await startService(db, { memoryBytes: 512 << 20, diskBytes: 0 }, path.join(out, 'memory')),
    disk: await startService(db, { memoryBytes: 0, diskBytes: 1 << 30 }, path.join(out, 'disk')),
  }
  const { token } = await createKey(knex, { name: 'bench', role: 'county', region: county, createdBy: 'bench' })
  const headers = { 'x-api-key': token }
  const urls = (base: string) => addresses.map((a) => `${base}/tiles/survey3/${a.z}/${a.x}/${a.y}.mvt`)
  // Every tile once into the memory and disk levels (the disk service keeps nothing in memory).
  for (const s of [services.memory, services.disk]) for (const u of urls(s.base)) await getTile(u, headers)
  await new Promise((r) => setTimeout(r, 500)) // disk writes are in the background
  const sizes = await Promise.all(statements.map((s) => pool.query(s.sql, s.bindings).then((r) => (r.rows[0].tile as Buffer | null)?.length ?? 0)))
  console.log(
    `survey3: ${active.feature_count} patches; ${addresses.length} tiles at z${zoom} (${(sizes.reduce((a, b) => a + b, 0) / sizes.length / 1024).toFixed(1)} KiB avg), ${values.passes} passes a side`,
  )

  const passes = Number(values.passes)
  const times = <T>(xs: T[]) => Array.from({ length: passes }, () => xs).flat()
  const sides = {
    statement: () => times(statements).map((s) => async () => void (await pool.query(s.sql, s.bindings))),
    cold: () => times(urls(services.cold.base)).map((u) => () => getTile(u, headers).then((l) => void (l === 'miss' || fail(l)))),
    memory: () => times(urls(services.memory.base)).map((u) => () => getTile(u, headers).then((l) => void (l === 'memory' || fail(l)))),
    disk: () => times(urls(services.disk.base)).map((u) => () => getTile(u, headers).then((l) => void (l === 'disk' || fail(l)))),
  }
  const fail = (level: string) => {
    throw new Error(`unexpected X-Tile-Cache: ${level}`)
  }
  type Side = keyof typeof sides
  const order: Side[] = ['statement', 'cold', 'memory', 'disk']
  for (const n of connections) {
    const p50s: Record<Side, number[]> = { statement: [], cold: [], memory: [], disk: [] }
    const walls: Record<Side, number[]> = { statement: [], cold: [], memory: [], disk: [] }
    const p95s: Record<Side, number[]> = { statement: [], cold: [], memory: [], disk: [] }
    const loads: string[] = []
    for (let r = 0; r < Number(values.rounds); r++) {
      loads.push((await quiet()).toFixed(2))
      for (const side of r % 2 ? [...order].reverse() : order) {
        const { latencies, wall } = await closedLoops(n, sides[side]())
        p50s[side].push(median(latencies))
        p95s[side].push(p95(latencies))
        walls[side].push(wall)
      }
    }
    const st = median(p50s.statement)
    if (values.verbose) for (const side of order) console.log(`  ${side} p50 by round: ${p50s[side].map((x) => x.toFixed(1)).join(', ')}`)
    const line = (side: Side) =>
      `  ${side.padEnd(9)} p50 ${median(p50s[side]).toFixed(2).padStart(6)} ms  p95 ${median(p95s[side]).toFixed(2).padStart(6)} ms  ` +
      `${((passes * addresses.length) / (median(walls[side]) / 1000)).toFixed(0).padStart(5)} tiles/s` +
      (side === 'statement' ? '' : `  ratio p50 ${(median(p50s[side]) / st).toFixed(2)}, wall ${(median(walls[side]) / median(walls.statement)).toFixed(2)}`)
    console.log(
      `${n} connection${n > 1 ? 's' : ''} (${values.rounds} rounds, 1-min load at their start ${loads.join(', ')}; p50 by round: ${p50s.cold.map((x, i) => `${(x / p50s.statement[i]!).toFixed(2)}`).join(', ')}):`,
    )
    for (const side of order) console.log(line(side))
  }
  agent.destroy()
  for (const s of Object.values(services)) await s.server.close()
  await pool.end()
  await db.close()
  fs.rmSync(out, { recursive: true, force: true })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
