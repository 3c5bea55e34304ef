// npm run bench:bundles [-- --plots 100000]
// Bundles 100 000 generated low-efficiency plots (a grid of 60 × 50 m cells, 35 % of them present:
// low-efficiency plots are a small share of the land, so clusters stay below percolation) through the service, against one hand-written statement that
// clusters and dissolves the same plots, in the same run.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { benchDatabaseUrl, ensureBenchDatabase, importZip } from './db.js'
import { cliActor } from '../src/auth/service.js'
import { projectRoot } from '../src/config.js'
import { createKnex } from '../src/db/connection.js'
import { migrateLatest } from '../src/db/migrate.js'
import { bundleDefaults } from '../src/domain/bundles.js'
import { esriPrj } from '../src/formats/shapefile/prj-writer.js'
import { ShapefileWriter } from '../src/formats/shapefile/writer.js'
import { zipFiles } from '../src/formats/zip-writer.js'
import { rectangle } from '../src/testdata/generate.js'
import { rng } from '../src/testdata/random.js'
import { buildJobs } from '../src/plugins/job-kinds.js'

const { values } = parseArgs({ options: { plots: { type: 'string', default: '100000' } } })
const target = Number(values.plots)
const url = benchDatabaseUrl
const county = '371502'

/** Writes a GBK shapefile in CGCS2000 3° GK CM 117°E through `write`, zipped to `zip`. */
async function writeZip(zip: string, name: string, fields: Array<{ name: string; type: 'C'; length: number }>, write: (w: ShapefileWriter) => Promise<void>) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-bundles-'))
  const w = await ShapefileWriter.create({
    basePath: path.join(tmp, name),
    shapeType: 5,
    encoding: 'GBK',
    languageDriver: 0x4d,
    cpg: 'GBK',
    prj: esriPrj({ datum: 'CGCS2000', centralMeridian: 117, falseEasting: 500000 }),
    fields,
  })
  await write(w)
  await w.close()
  fs.mkdirSync(path.dirname(zip), { recursive: true })
  await zipFiles(
    zip,
    ['shp', 'shx', 'dbf', 'prj', 'cpg'].map((e) => ({ path: path.join(tmp, `${name}.${e}`), name: `${name}.${e}` })),
  )
  fs.rmSync(tmp, { recursive: true, force: true })
}

const cols = Math.ceil(Math.sqrt(target / 0.35))

const writePlots = (zip: string) =>
  writeZip(
    zip,
    'DXYDTB',
    [
      { name: 'TBBH', type: 'C', length: 12 },
      { name: 'ZLDWDM', type: 'C', length: 12 },
    ],
    async (w) => {
      const r = rng(7)
      let n = 0
      for (let i = 0; n < target; i++) {
        if (r.next() > 0.35) continue
        const [c, row] = [i % cols, Math.floor(i / cols)]
        await w.write([rectangle(405000 + c * 60, 4030000 + row * 50, 405060 + c * 60, 4030050 + row * 50)], {
          TBBH: `DX${++n}`,
          ZLDWDM: `371502${String(1 + (c % 9)).padStart(3, '0')}000`,
        })
      }
    },
  )

/** Third-survey land: blocks of 2 × 2 plot cells covering the whole grid, so every bundle has non-member land around it. */
const writeLand = (zip: string) =>
  writeZip(
    zip,
    'DLTB',
    [
      { name: 'TBBH', type: 'C', length: 12 },
      { name: 'DLBM', type: 'C', length: 5 },
    ],
    async (w) => {
      const rows = Math.ceil(target / 0.35 / cols) + 1
      let n = 0
      for (let row = 0; row < rows; row += 2) {
        for (let c = 0; c < cols; c += 2) {
          await w.write([rectangle(405000 + c * 60, 4030000 + row * 50, 405120 + c * 60, 4030100 + row * 50)], {
            TBBH: String(++n),
            DLBM: n % 3 ? '0601' : '0702',
          })
        }
      }
    },
  )

async function main() {
  await ensureBenchDatabase()
  const knex = createKnex(url, 4)
  await migrateLatest(knex)
  const zip = path.join(projectRoot, 'bench', 'out', `plots-${target}.zip`)
  if (!fs.existsSync(zip)) await writePlots(zip)
  const landZip = path.join(projectRoot, 'bench', 'out', `land-${target}.zip`)
  if (!fs.existsSync(landZip)) await writeLand(landZip)
  await knex.raw('DELETE FROM bundle_runs WHERE xzqdm = ?', [county])
  await knex('low_efficiency_plots').where({ xzqdm: county }).delete()
  // Their import jobs forget them first: that key refuses to delete a version still named (no SET NULL for Citus).
  await knex('import_jobs').where({ xzqdm: county, layer: 'plots' }).update({ dataset_id: null })
  await knex('datasets').where({ xzqdm: county, layer: 'plots' }).delete()
  const sha256 = createHash('sha256').update(fs.readFileSync(zip)).digest('hex')
  const report = await importZip(knex, { layer: 'plots', county: county, zip: zip, sha256: sha256 })
  await knex.raw('ANALYZE low_efficiency_plots')
  const landSha = createHash('sha256').update(fs.readFileSync(landZip)).digest('hex')
  // an identical file is not imported again
  const land = await importZip(knex, { layer: 'survey3', county: county, zip: landZip, sha256: landSha })
  await knex.raw('ANALYZE survey3_patches')
  console.log(`third-survey layer: ${land.counts.stored} patches`)
  console.log(`imported ${report.counts.stored} plots`)
  const jobs = buildJobs({ knex, log: console, dataDir: os.tmpdir() })
  for (const gap of [0, 5]) {
    const t0 = Date.now()
    const { rows } = await knex.raw(
      `SELECT count(*) AS n, sum(a) AS a FROM (
         SELECT ST_Area(ST_Union(geom)::geography) AS a FROM (
           SELECT geom, ST_ClusterDBSCAN(ST_Transform(geom, 4548), eps := ?, minpoints := 1) OVER () AS cid FROM low_efficiency_plots WHERE dataset_id = ?) c
         GROUP BY cid) b`,
      [gap, report.datasetId],
    )
    const raw = Date.now() - t0
    const t1 = Date.now()
    // The service's own job (row, audit, lifecycle), as POST /bundles/runs starts it.
    const { id } = await jobs.start('bundles', cliActor(), { county, gapMeters: gap, minBundleM2: bundleDefaults.minBundleM2 })
    if ((await jobs.ended('bundles', id)) !== 'succeeded') throw new Error(`bundle run ${id} did not succeed`)
    const service = Date.now() - t1
    const n = (await knex('bundle_runs').first('bundle_count').where({ id }))!.bundle_count
    console.log(
      `gap ${gap} m: ${n} bundles (raw ${rows[0].n}); service ${(service / 1000).toFixed(2)} s (cluster, dissolve, holes, land around, flags, stored) vs raw SQL ${(raw / 1000).toFixed(2)} s (cluster, dissolve, area): ratio ${(service / raw).toFixed(2)}`,
    )
  }
  await knex.destroy()
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
