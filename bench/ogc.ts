// npm run bench:ogc [-- --patches 100000 --pages 20 --tiles 40]
// OGC API items throughput (features/s at limit=1000, over HTTP on a real port, GeoJSON as served)
// against the same pages straight from PostGIS (one SELECT json_build_object(…ST_AsGeoJSON…) per
// page, no HTTP, the page selected before it is serialised); vector tile latency against raw ST_AsMVT of the same tiles. Same run, same data.
import { defaultConfig } from '../src/config.js'
import path from 'node:path'
import { parseArgs } from 'node:util'
import Fastify from 'fastify'
import { benchDatabaseUrl, ensureBenchDatabase, generatedSurvey3, importZip, median, tileOf } from './db.js'
import app, { serverOptions } from '../src/app.js'
import { createKey } from '../src/auth/keys.js'
import { projectRoot } from '../src/config.js'
import { attachDatabase } from '../src/db/connection.js'
import { migrateLatest } from '../src/db/migrate.js'
import { collectionById } from '../src/ogc/collections.js'
import { hasAsMvt, tileEncodedHere } from '../src/tiles/queries.js'
import { activeDataset } from '../src/db/read-model.js'

const { values } = parseArgs({
  options: { patches: { type: 'string', default: '100000' }, pages: { type: 'string', default: '20' }, tiles: { type: 'string', default: '40' } },
})
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
    return tileOf(e.x0 + (e.x1 - e.x0) * f, e.y0 + (e.y1 - e.y0) * g, 14 + (i % 3))
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

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
