// npm run bench:compression [-- --patches 10000]
// Size and time of one 10 000-feature GeoJSON page (and a CSV and a GeoPackage of the layer, and a
// dense vector tile) sent plain, gzip and brotli, over HTTP from the service as configured
// (src/plugins/compression.ts).
import path from 'node:path'
import os from 'node:os'
import { parseArgs } from 'node:util'
import Fastify from 'fastify'
import { benchDatabaseUrl, ensureBenchDatabase, generatedSurvey3, importZip } from './db.js'
import { tileContaining } from '../src/tiles/queries.js'
import app, { serverOptions } from '../src/app.js'
import { createKey } from '../src/auth/keys.js'
import { defaultConfig, projectRoot } from '../src/config.js'
import { attachDatabase } from '../src/db/connection.js'
import { migrateLatest } from '../src/db/migrate.js'

const { values } = parseArgs({ options: { patches: { type: 'string', default: '10000' } } })
const county = '371502'

await ensureBenchDatabase()
const db = attachDatabase(benchDatabaseUrl, 'server', 4)
await migrateLatest(db.knex)
const { zip, sha256 } = await generatedSurvey3(Number(values.patches))
await importZip(db.knex, { layer: 'survey3', county: county, zip: zip, sha256: sha256 })
const server = Fastify(serverOptions({ logLevel: 'silent', bodyLimitBytes: 1 << 20 }, false))
await server.register(app, { database: db, config: { ...defaultConfig(), dataDir: path.join(projectRoot, 'bench', 'out') } })
const base = await server.listen({ port: 0, host: '127.0.0.1' })
const { token } = await createKey(db.knex, { name: 'bench', role: 'county', region: county, createdBy: 'bench' })

console.log(
  `${new Date().toISOString().slice(0, 10)}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ')}`,
)
// The tile at zoom 14 around the middle of the data: the densest the layer's minimum zoom allows.
const { rows } = await db.knex.raw(
  'SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1 FROM (SELECT ST_Extent(geom) AS e FROM survey3_patches) s',
)
const tile = tileContaining((rows[0].x0 + rows[0].x1) / 2, (rows[0].y0 + rows[0].y1) / 2, 14)
console.log('| response | identity | gzip | br |\n|---|---:|---:|---:|')
for (const [label, url] of [
  ['the layer as GeoPackage', '/ogc/collections/survey3/items?f=gpkg'],
  [`a z14 vector tile (${tile.z}/${tile.x}/${tile.y})`, `/tiles/survey3/${tile.z}/${tile.x}/${tile.y}.mvt`],
  ['items, limit 10 000 (GeoJSON)', '/ogc/collections/survey3/items?limit=10000'],
  ['items, limit 1 000 (GeoJSON)', '/ogc/collections/survey3/items?limit=1000'],
  ['the layer as CSV', '/ogc/collections/survey3/items?f=csv'],
]) {
  const cells = []
  for (const encoding of ['identity', 'gzip', 'br']) {
    const times = []
    let bytes = 0
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now()
      // undici decodes gzip/br: read the raw bytes from a plain http request instead.
      bytes = await rawLength(`${base}${url}`, encoding)
      times.push(performance.now() - t0)
    }
    const ms = times.sort((a, b) => a - b)[1]!
    cells.push(`${(bytes / 1e6).toFixed(2)} MB, ${ms.toFixed(0)} ms`)
  }
  console.log(`| ${label} | ${cells.join(' | ')} |`)
}
await server.close()
await db.close()

async function rawLength(url: string, encoding: string): Promise<number> {
  const http = await import('node:http')
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'x-api-key': token, 'accept-encoding': encoding } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`))
        let n = 0
        res.on('data', (d: Buffer) => (n += d.length))
        res.on('end', () => resolve(n))
      })
      .on('error', reject)
  })
}
