// npm run bench:ogc [-- --patches 100000 --pages 20 --tiles 40 --rounds 3 --seconds 5 --offset 0 --max-load 1.5 --wait-s 60 --only floor]
// Items against the floor (issue 26): the service as its own process (src/server.ts, as npm start
// runs it) against a minimal node:http server running the same page statement (bench/ogc-reference.ts),
// at limit 100 and 1000 with 1 and 10 connections (closed loop, bench/http-loop.ts in its own
// process), rounds alternating which side runs first, medians; the service's peak RSS per load.
// OGC API items throughput (features/s at limit=1000, over HTTP on a real port, GeoJSON as served)
// against the same pages straight from PostGIS (one SELECT json_build_object(…ST_AsGeoJSON…) per
// page, no HTTP, the page selected before it is serialised); vector tile latency against raw ST_AsMVT of the same tiles. Same run, same data.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import { defaultConfig } from '../src/config.js'
import path from 'node:path'
import { promisify } from 'node:util'
import { parseArgs } from 'node:util'
import Fastify from 'fastify'
import { benchDatabaseUrl, ensureBenchDatabase, cpuMs, generatedSurvey3, importZip, median, waitForQuiet } from './db.js'
import { tileContaining } from '../src/tiles/queries.js'
import app, { serverOptions } from '../src/app.js'
import { createKey } from '../src/auth/keys.js'
import { projectRoot } from '../src/config.js'
import { attachDatabase } from '../src/db/connection.js'
import { migrateLatest } from '../src/db/migrate.js'
import { collectionById } from '../src/ogc/collections.js'
import { hasAsMvt, tileEncodedHere } from '../src/tiles/queries.js'
import { activeDataset } from '../src/db/read-model.js'

const { values } = parseArgs({
  options: {
    patches: { type: 'string', default: '100000' },
    pages: { type: 'string', default: '20' },
    tiles: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    offset: { type: 'string', default: '0' },
    'max-load': { type: 'string', default: '1.5' },
    'wait-s': { type: 'string', default: '60' },
    /** floor: only the items-against-the-floor runs */
    only: { type: 'string' },
  },
})
const run = promisify(execFile)
const patches = Number(values.patches)
const pageCount = Number(values.pages)
const tileCount = Number(values.tiles)
const url = benchDatabaseUrl
const county = '371502'
const limit = 1000

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6

async function main() {
  await ensureBenchDatabase()
  const db = attachDatabase(url, 'server', 4)
  const knex = db.knex
  await migrateLatest(knex)
  const { zip, sha256 } = await generatedSurvey3(patches)
  // An identical file already active is not imported again.
  const report = await importZip(knex, { layer: 'survey3', county: county, zip: zip, sha256: sha256 })
  const active = await activeDataset(knex, 'survey3', county).first('id', 'feature_count')
  console.log(`survey3: ${active.feature_count} patches (dataset ${active.id}${report.counts.stored ? ', imported now' : ''})`)
  await knex.raw('ANALYZE survey3_patches')
  await floor(active.id)
  if (values.only === 'floor') return await db.close()

  const server = Fastify(serverOptions({ logLevel: 'silent', bodyLimitBytes: 1 << 20 }, false))
  await server.register(app, { database: db, config: { dataDir: path.join(projectRoot, 'bench', 'out'), uploadLimitBytes: 1 << 20 } })
  await server.listen({ port: 0, host: '127.0.0.1' })
  const port = (server.server.address() as { port: number }).port
  const { token } = await createKey(knex, { name: 'bench', role: 'county', region: county, createdBy: 'bench' })
  const headers = { 'x-api-key': token }

  // Items: the same pages from the service (HTTP, JSON text received) and straight from PostGIS.
  const c = collectionById('survey3')!
  const props = c.properties.map((p) => `'${p.name}', ${p.sql}`).join(', ')
  const step = Math.max(limit, Math.floor((active.feature_count - limit) / pageCount))
  const offsets = Array.from({ length: pageCount }, (_, i) => Math.min(i * step, active.feature_count - limit))
  const service: number[] = []
  const raw: number[] = []
  let bytes = 0
  for (const [i, offset] of offsets.entries()) {
    const runService = async () => {
      const t0 = process.hrtime.bigint()
      const res = await fetch(`http://127.0.0.1:${port}/ogc/collections/survey3/items?limit=${limit}&offset=${offset}`, { headers })
      const text = await res.text()
      service.push(ms(t0))
      bytes += text.length
      if (res.status !== 200) throw new Error(text)
    }
    const runRaw = async () => {
      const t0 = process.hrtime.bigint()
      await knex.raw(
        // The page first, then its GeoJSON: as a person would write it (OFFSET rows are not serialised).
        `SELECT json_build_object('type', 'Feature', 'id', f.id, 'geometry', ST_AsGeoJSON(f.geom, 9, 0)::json, 'properties', json_build_object(${props}))::text AS feature
           FROM (SELECT * FROM survey3_patches WHERE dataset_id = ? ORDER BY id LIMIT ? OFFSET ?) f ORDER BY f.id`,
        [active.id, limit, offset],
      )
      raw.push(ms(t0))
    }
    // Alternate which side runs first, so neither always meets a warm cache.
    if (i % 2) await runService().then(runRaw)
    else await runRaw().then(runService)
  }
  const fps = (t: number) => Math.round(limit / (t / 1000))
  console.log(
    `items limit=${limit}: service p50 ${median(service).toFixed(1)} ms (${fps(median(service))} features/s, ${(bytes / service.length / 1024).toFixed(0)} KiB/page) ` +
      `vs raw SQL p50 ${median(raw).toFixed(1)} ms (${fps(median(raw))} features/s): ratio ${(median(service) / median(raw)).toFixed(2)}`,
  )

  // Tiles at zoom 14–16 over the county's extent.
  const ext = await knex.raw(`SELECT ST_XMin(e) x0, ST_YMin(e) y0, ST_XMax(e) x1, ST_YMax(e) y1 FROM (SELECT extent::box2d e FROM datasets WHERE id = ?) s`, [
    active.id,
  ])
  const e = ext.rows[0]
  const addresses = Array.from({ length: tileCount }, (_, i) => {
    const f = (i * 0.6180339887) % 1
    const g = (i * 0.7548776662) % 1
    return tileContaining(e.x0 + (e.x1 - e.x0) * f, e.y0 + (e.y1 - e.y0) * g, 14 + (i % 3))
  })
  const mvt = await hasAsMvt(knex)
  const tService: number[] = []
  const tRaw: number[] = []
  const tJs: number[] = []
  let tileBytes = 0
  for (const [i, a] of addresses.entries()) {
    const runService = async () => {
      const t0 = process.hrtime.bigint()
      const res = await fetch(`http://127.0.0.1:${port}/tiles/survey3/${a.z}/${a.x}/${a.y}.mvt`, { headers })
      tileBytes += (await res.arrayBuffer()).byteLength
      tService.push(ms(t0))
    }
    const runRaw = async () => {
      const t0 = process.hrtime.bigint()
      await knex.raw(
        `SELECT ST_AsMVT(t, 'survey3', 4096, 'geom') FROM (
           SELECT f.id, f.dlbm, f.dlmc, ST_AsMVTGeom(ST_Transform(f.geom, 3857), ST_TileEnvelope(?, ?, ?), 4096, 64, true) AS geom
             FROM survey3_patches f WHERE f.dataset_id = ? AND f.geom && ST_Transform(ST_TileEnvelope(?, ?, ?), 4490)) t`,
        [a.z, a.x, a.y, active.id, a.z, a.x, a.y],
      )
      tRaw.push(ms(t0))
    }
    if (!mvt) await runService()
    else if (i % 2) await runService().then(runRaw)
    else await runRaw().then(runService)
    const t0 = process.hrtime.bigint()
    await tileEncodedHere(knex, c, { kind: 'county', code: county }, a, defaultConfig().limits.tiles)
    tJs.push(ms(t0))
  }
  console.log(
    `tiles z14–16 (${tileCount}, ${(tileBytes / tileCount / 1024).toFixed(1)} KiB avg): service p50 ${median(tService).toFixed(1)} ms, p95 ${p95(tService).toFixed(1)} ms` +
      (mvt ? ` vs raw ST_AsMVT p50 ${median(tRaw).toFixed(1)} ms: ratio ${(median(tService) / median(tRaw)).toFixed(2)}` : ' (no ST_AsMVT in this PostGIS)') +
      `; JS-encoded path (used on PGlite) p50 ${median(tJs).toFixed(1)} ms`,
  )
  await server.close()
  await db.close()
}

interface Loop {
  p50: number
  p99: number
  rps: number
  non2xx: number
}

/** bench/http-loop.ts as its own process: closed loop, `connections` keep-alive sockets. */
async function loop(url: string, headers: Record<string, string>, connections: number): Promise<Loop> {
  const bin = path.join(projectRoot, 'node_modules', '.bin', 'tsx')
  const args = [
    path.join(projectRoot, 'bench', 'http-loop.ts'),
    url,
    String(connections),
    values.seconds!,
    ...Object.entries(headers).map(([k, v]) => `${k}=${v}`),
  ]
  const { stdout } = await run(bin, args, { maxBuffer: 1 << 24 })
  return JSON.parse(stdout)
}

const quiet = () => waitForQuiet(Number(values['max-load']), Number(values['wait-s']))

/** A port nothing listens on now. */
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

/** A child process until it printed its first line (the reference server's port), or a URL answers. */
async function started(child: ChildProcess, ready: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`a child exited with code ${child.exitCode}`)
    if (await ready().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error('a child did not start')
}

/**
 * Items against the floor: the service (own process, as npm start runs it) and the minimal server
 * (bench/ogc-reference.ts) on the same database with the same pool size, GETting the same page.
 */
async function floor(datasetId: number) {
  const db = attachDatabase(url, 'server', 2)
  const { token } = await createKey(db.knex, { name: 'bench-floor', role: 'county', region: county, createdBy: 'bench' })
  await db.close()
  const poolMax = String(defaultConfig().dbPoolMax)
  const dataDir = path.join(projectRoot, 'bench', 'out', 'ogc-floor')
  fs.mkdirSync(dataDir, { recursive: true })
  const servicePort = await freePort()
  const service = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', 'src/server.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(servicePort),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      MAX_IN_FLIGHT: '10000',
      DB_POOL_MAX: poolMax,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const reference = spawn(process.execPath, ['--import', 'tsx', 'bench/ogc-reference.ts', url, 'survey3', county, String(datasetId), poolMax], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    let referencePort = 0
    reference.stdout!.once('data', (b: Buffer) => (referencePort = Number(b.toString().trim())))
    await started(service, async () => (await fetch(`http://127.0.0.1:${servicePort}/health`)).status < 500)
    await started(reference, async () => referencePort > 0)
    const peakMiB = () => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${service.pid}/status`, 'utf8'))![1]) / 1024
    const resetPeak = () => fs.writeFileSync(`/proc/${service.pid}/clear_refs`, '5')
    const headers = { 'x-api-key': token }
    const offset = Number(values.offset)
    const cases = [100, 1000].flatMap((limit) => [1, 10].map((connections) => ({ limit, connections })))
    const results = new Map(
      cases.map((k) => [
        k,
        { service: [] as number[], reference: [] as number[], ratio: [] as number[], rss: [] as number[], cpu: [] as number[], cpuRef: [] as number[] },
      ]),
    )
    const pathOf = (limit: number) => `/ogc/collections/survey3/items?limit=${limit}&offset=${offset}`
    // Both answer the page (and say so) before anything is timed.
    for (const limit of [100, 1000]) {
      const s = await (await fetch(`http://127.0.0.1:${servicePort}${pathOf(limit)}`, { headers })).json()
      const r = await (await fetch(`http://127.0.0.1:${referencePort}${pathOf(limit)}`)).json()
      if (s.numberReturned !== r.numberReturned || s.numberMatched !== r.numberMatched || JSON.stringify(s.features) !== JSON.stringify(r.features))
        throw new Error(`the service and the reference answer limit=${limit} differently`)
    }
    // Warm both (connections opened, code compiled) before anything is timed.
    await loop(`http://127.0.0.1:${servicePort}${pathOf(1000)}`, headers, 10)
    await loop(`http://127.0.0.1:${referencePort}${pathOf(1000)}`, {}, 10)
    console.log(`\nitems against a minimal server running the same statement (offset ${offset}, ${values.seconds} s a load, pool ${poolMax}):`)
    console.log(
      '| round | limit | connections | load | service p50 | reference p50 | ratio | service req/s | reference req/s | service peak RSS | Node CPU a request, service / reference |',
    )
    console.log(
      '| ----: | ----: | ----------: | ---: | ----------: | ------------: | ----: | ------------: | --------------: | ---------------: | --------------------------------------: |',
    )
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const [i, k] of cases.entries()) {
        const { load, quiet: isQuiet } = await quiet()
        const onService = async () => {
          resetPeak()
          const cpu0 = cpuMs(service.pid!)
          const r = await loop(`http://127.0.0.1:${servicePort}${pathOf(k.limit)}`, headers, k.connections)
          return { ...r, rss: peakMiB(), cpu: (cpuMs(service.pid!) - cpu0) / (r.rps * Number(values.seconds)) }
        }
        const onReference = async () => {
          const cpu0 = cpuMs(reference.pid!)
          const r = await loop(`http://127.0.0.1:${referencePort}${pathOf(k.limit)}`, {}, k.connections)
          return { ...r, cpu: (cpuMs(reference.pid!) - cpu0) / (r.rps * Number(values.seconds)) }
        }
        // Alternate which side runs first, by round and by case.
        const serviceFirst = (round + i) % 2 === 0
        const s = serviceFirst ? await onService() : null
        const r = await onReference()
        const s2 = s ?? (await onService())
        if (s2.non2xx || r.non2xx) throw new Error(`non-2xx answers: service ${s2.non2xx}, reference ${r.non2xx}`)
        const res = results.get(k)!
        res.service.push(s2.p50)
        res.reference.push(r.p50)
        res.ratio.push(s2.p50 / r.p50)
        res.rss.push(s2.rss)
        res.cpu.push(s2.cpu)
        res.cpuRef.push(r.cpu)
        console.log(
          `| ${round + 1}${serviceFirst ? ' (service first)' : ''} | ${k.limit} | ${k.connections} | ${load.toFixed(2)}${isQuiet ? '' : ' (not quiet)'} | ${s2.p50.toFixed(2)} ms | ${r.p50.toFixed(2)} ms | ${(s2.p50 / r.p50).toFixed(2)} | ${Math.round(s2.rps)} | ${Math.round(r.rps)} | ${s2.rss.toFixed(0)} MiB | ${s2.cpu.toFixed(2)} / ${r.cpu.toFixed(2)} ms |`,
        )
      }
    }
    console.log('\nmedians:')
    for (const [k, r] of results)
      console.log(
        `  limit ${k.limit}, ${k.connections} connection${k.connections > 1 ? 's' : ''}: service p50 ${median(r.service).toFixed(2)} ms, reference ${median(r.reference).toFixed(2)} ms, ` +
          `ratio ${median(r.ratio).toFixed(2)} (rounds ${r.ratio.map((x) => x.toFixed(2)).join(', ')}), service peak RSS ${Math.max(...r.rss).toFixed(0)} MiB, Node CPU a request ${median(r.cpu).toFixed(2)} ms against ${median(r.cpuRef).toFixed(2)} ms`,
      )
    console.log(`uptime at the end: ${(await run('uptime')).stdout.trim()}`)
  } finally {
    service.kill()
    reference.kill()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
