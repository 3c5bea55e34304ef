// npm run bench:pieces [-- --patches 100000 --projects 2000 --rounds 3]
// The analysis pieces computed on request, with a province (admin) key, over a generated county
// (third survey N patches, second survey 0.6 N, ~0.55 N buildings, the generator's projects topped
// up to --projects with a grid of 200 × 150 m red lines): an OGC `analysis-pieces` items page with
// a ~1 km² bbox, and the z14 analysis-pieces tile at the same spot, through the app (fastify
// inject), each paired with its reference in the same round: the projects in that bbox with their
// geometry (raw SQL), and ST_AsMVT of the projects layer for that tile. Rounds alternate which side
// runs first. Before issue 20's one cut, a province key cut every project it could see per request.
// The database (BENCH_PIECES_DATABASE_URL, default lowland_bench_pieces) is loaded once and reused,
// so the code before and after the change can be timed on the same data.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import Fastify from 'fastify'
import { ensureBenchDatabase, importZip, median } from './db.js'
import { tileContaining } from '../src/tiles/queries.js'
import app, { serverOptions } from '../src/app.js'
import { createKey } from '../src/auth/keys.js'
import { projectRoot } from '../src/config.js'
import { attachDatabase } from '../src/db/connection.js'
import { migrateLatest } from '../src/db/migrate.js'
import { syncProjectsFromLayer } from '../src/projects/from-layer.js'
import { generateCounty, type GeneratedLayer } from '../src/testdata/generate.js'
import { activeDataset } from '../src/db/read-model.js'

const { values } = parseArgs({
  options: { patches: { type: 'string', default: '100000' }, projects: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' } },
})
const patches = Number(values.patches)
const projectTarget = Number(values.projects)
const rounds = Number(values.rounds)
const url = process.env.BENCH_PIECES_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/lowland_bench_pieces'
const county = '371502'
const layers: GeneratedLayer[] = ['survey3', 'survey2', 'buildings', 'projects']
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')

async function main() {
  await ensureBenchDatabase(url)
  const db = attachDatabase(url, 'server', 4)
  const knex = db.knex
  await migrateLatest(knex)
  const outDir = path.join(projectRoot, 'bench', 'out', `county-${patches}`)
  if (!layers.every((l) => fs.existsSync(path.join(outDir, `${county}_${l}.zip`)))) {
    console.log(`generating a county of ${patches} patches …`)
    await generateCounty({ outDir, patches, layers })
  }
  // Loaded once and reused (by the code before and after a change alike); projects are topped up once.
  for (const layer of layers) {
    if (await activeDataset(knex, layer, county).first('id')) continue
    const zip = path.join(outDir, `${county}_${layer}.zip`)
    const sha256 = createHash('sha256').update(fs.readFileSync(zip)).digest('hex')
    const r = await importZip(knex, { layer: layer, county: county, zip: zip, sha256: sha256 })
    if (layer === 'projects' && r.counts.stored) await syncProjectsFromLayer(knex, r.datasetId!, county)
    if (r.counts.stored) console.log(`  imported ${layer}: ${r.counts.stored} features`)
  }
  const have = Number((await knex('projects').where({ xzqdm: county }).count<{ n: number }>({ n: '*' }).first())!.n)
  if (have < projectTarget) {
    // A grid of 200 × 150 m red lines over the survey's extent, in the plane the generator draws in.
    const extra = projectTarget - have
    const nx = Math.ceil(Math.sqrt(extra * 1.3))
    const ny = Math.ceil(extra / nx)
    await knex.raw(
      `WITH e AS (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, 4490), 4548) AS g
                    FROM survey3_patches f JOIN datasets d ON d.id = f.dataset_id AND d.active WHERE f.xzqdm = ?),
            b AS (SELECT ST_XMin(g) AS x0, ST_YMin(g) AS y0, (ST_XMax(g) - ST_XMin(g)) / ? AS w, (ST_YMax(g) - ST_YMin(g)) / ? AS h FROM e)
       INSERT INTO projects (xzqdm, code, geom)
       SELECT ?, 'BENCH-' || i || '-' || j,
              ST_Multi(ST_Transform(ST_MakeEnvelope(x0 + i * w + 20, y0 + j * h + 20, x0 + i * w + 220, y0 + j * h + 170, 4548), 4490))
         FROM b, generate_series(0, ? - 1) i, generate_series(0, ? - 1) j
        ORDER BY j, i LIMIT ?`,
      [county, nx, ny, county, nx, ny, extra],
    )
    await knex.raw('ANALYZE')
  }
  const projectCount = Number((await knex('projects').count<{ n: number }>({ n: '*' }).first())!.n)
  const survey3 = await activeDataset(knex, 'survey3', county).first('feature_count')
  console.log(`county ${county}: ${survey3.feature_count} third-survey patches, ${projectCount} projects`)

  // The spot: the middle one of the generator's projects (by id), among its neighbours.
  const { rows: spot } = await knex.raw(
    `SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT ST_PointOnSurface(geom) AS c FROM projects WHERE xzqdm = ? AND code NOT LIKE 'BENCH-%' ORDER BY id) s
      OFFSET (SELECT count(*) / 2 FROM projects WHERE xzqdm = ? AND code NOT LIKE 'BENCH-%') LIMIT 1`,
    [county, county],
  )
  const { lon, lat } = spot[0] as { lon: number; lat: number }
  // ~1 km²: 1 000 m × 1 000 m around the spot (1° of latitude ≈ 111 km; of longitude × cos(lat)).
  const dLat = 500 / 111_000
  const dLon = 500 / (111_000 * Math.cos((lat * Math.PI) / 180))
  const bbox = [lon - dLon, lat - dLat, lon + dLon, lat + dLat]
  const tile = tileContaining(lon, lat, 14)

  const server = Fastify(serverOptions({ logLevel: 'silent', bodyLimitBytes: 1 << 20 }, false))
  // The event-loop-delay guard would answer 503 on this shared, loaded machine: timing is the point here.
  await server.register(app, {
    database: db,
    config: { dataDir: path.join(projectRoot, 'bench', 'out'), uploadLimitBytes: 1 << 20 },
    protection: { maxEventLoopDelayMs: 0 },
  })
  await server.ready()
  const { token } = await createKey(knex, { name: 'bench pieces', role: 'admin', region: null, createdBy: 'bench' })
  const headers = { 'x-api-key': token }

  const timed = async (what: () => Promise<void>, into: number[]) => {
    const t0 = process.hrtime.bigint()
    await what()
    into.push(ms(t0))
  }
  const counts = { page: 0, projectsInBox: 0, tileBytes: 0, rawTileBytes: 0 }
  const page = async () => {
    const res = await server.inject({ method: 'GET', url: `/ogc/collections/analysis-pieces/items?limit=1000&bbox=${bbox.join(',')}`, headers })
    if (res.statusCode !== 200) throw new Error(res.body)
    counts.page = res.json().features.length
  }
  const pageRaw = async () => {
    const { rows } = await knex.raw(
      `SELECT id, code, ST_AsGeoJSON(geom, 9, 0) AS geometry FROM projects
        WHERE xzqdm = ? AND geom && ST_MakeEnvelope(?, ?, ?, ?, 4490) AND ST_Intersects(geom, ST_MakeEnvelope(?, ?, ?, ?, 4490))`,
      [county, ...bbox, ...bbox],
    )
    counts.projectsInBox = rows.length
  }
  const mvt = async () => {
    const res = await server.inject({ method: 'GET', url: `/tiles/analysis-pieces/${tile.z}/${tile.x}/${tile.y}.mvt`, headers })
    if (res.statusCode !== 200 && res.statusCode !== 204) throw new Error(`${res.statusCode} ${res.body}`)
    counts.tileBytes = res.rawPayload.length
  }
  const mvtRaw = async () => {
    const { rows } = await knex.raw(
      `SELECT ST_AsMVT(t, 'projects', 4096, 'geom') AS tile FROM (
         SELECT f.id, f.code, ST_AsMVTGeom(ST_Transform(f.geom, 3857), ST_TileEnvelope(?, ?, ?), 4096, 64, true) AS geom
           FROM projects f WHERE f.xzqdm = ? AND f.geom && ST_Transform(ST_TileEnvelope(?, ?, ?), 4490)) t`,
      [tile.z, tile.x, tile.y, county, tile.z, tile.x, tile.y],
    )
    counts.rawTileBytes = (rows[0].tile as Buffer).length
  }

  const pageTimes: number[] = []
  const pageRawTimes: number[] = []
  const tileTimes: number[] = []
  const tileRawTimes: number[] = []
  const loads: string[] = [load()]
  for (let r = 0; r < rounds; r++) {
    if (r % 2) {
      await timed(page, pageTimes)
      await timed(pageRaw, pageRawTimes)
      await timed(mvt, tileTimes)
      await timed(mvtRaw, tileRawTimes)
    } else {
      await timed(pageRaw, pageRawTimes)
      await timed(page, pageTimes)
      await timed(mvtRaw, tileRawTimes)
      await timed(mvt, tileTimes)
    }
    console.log(
      `  round ${r + 1}: page ${pageTimes.at(-1)!.toFixed(0)} ms (raw ${pageRawTimes.at(-1)!.toFixed(1)} ms), ` +
        `tile ${tileTimes.at(-1)!.toFixed(0)} ms (raw ${tileRawTimes.at(-1)!.toFixed(1)} ms), load ${load()}`,
    )
    loads.push(load())
  }
  const line = (what: string, service: number[], raw: number[]) =>
    `${what}: service median ${median(service).toFixed(0)} ms vs raw SQL median ${median(raw).toFixed(1)} ms: ratio ${(median(service) / median(raw)).toFixed(1)}`
  console.log(`bbox ${bbox.map((x) => x.toFixed(5)).join(',')} (${counts.projectsInBox} projects touch it): ${counts.page} pieces on the page`)
  console.log(line('OGC analysis-pieces page, ~1 km² bbox', pageTimes, pageRawTimes))
  console.log(`z14 tile ${tile.z}/${tile.x}/${tile.y}: ${counts.tileBytes} bytes (projects layer raw ${counts.rawTileBytes} bytes)`)
  console.log(line('analysis-pieces z14 tile', tileTimes, tileRawTimes))
  console.log(`rounds ${rounds}; load average (1/5/15 min) before and after each round: ${loads.join(' | ')}`)
  await server.close()
  await db.close()
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
