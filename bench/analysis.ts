// npm run bench:analysis [-- --patches 100000 --pool 4]
// A generated county (third survey N patches, second survey 0.6 N, ~0.55 N buildings, ~N/170
// projects) is imported through the service, then: the batch analysis of every project through the
// service, against one hand-written PostGIS statement computing the same construction and footprint
// areas, in the same run; and single-project analysis latency (p50, p95), after one untimed pass
// over the same projects (prepared statements and their plans in place, as in a running service).
// The reference is hand-written SQL for every measure the service returns (area and planar area,
// construction land gross/net with ids and change dates, building types, footprint, third-survey
// breakdown, the two conflict layers: approved-unsupplied and idle land), cut the same way (in the
// county's plane, measured on the ellipsoid), run on the same pool, and stored as the service
// stores its results (one jsonb row per project inserted, the previous round's rows deleted, the
// projects' updated_at stamped). Rounds alternate which side runs first. With --profile, one more
// batch run times each of the service's statements (knex query events) and prints where it went.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { Knex } from 'knex'
import { benchDatabaseUrl, ensureBenchDatabase, importZip, waitForQuiet } from './db.js'
import { footprints, survey2Construction } from '../src/analysis/queries.js'
import { projectAnalysis } from '../src/analysis/service.js'
import { cliActor } from '../src/auth/service.js'
import { projectRoot } from '../src/config.js'
import { createKnex } from '../src/db/connection.js'
import { migrateLatest } from '../src/db/migrate.js'
import { analysisDefaults, survey2LandOf } from '../src/domain/analysis-config.js'
import { syncProjectsFromLayer } from '../src/projects/from-layer.js'
import { generateCounty, type GeneratedLayer } from '../src/testdata/generate.js'
import { buildJobs } from '../src/plugins/job-kinds.js'
import { activeDatasets } from '../src/db/read-model.js'

const { values } = parseArgs({
  options: {
    patches: { type: 'string', default: '100000' },
    // 200: over 60 after 60 warm analyses the p50 was 8.5–9.4 ms, over 200 after 200 7.4–7.7 ms: a
    // process is still warming up in its first hundred (bench/README.md, 2026-12-06)
    samples: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    profile: { type: 'boolean', default: false },
    // connections shared by both sides (the service's DB_POOL_MAX is 10; a run leaves two of them to requests)
    pool: { type: 'string', default: '4' },
    'max-load': { type: 'string', default: '1.5' },
    'wait-s': { type: 'string', default: '120' },
  },
})
const patches = Number(values.patches)
const url = benchDatabaseUrl
const county = '371502'
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!

async function main() {
  await ensureBenchDatabase()
  const knex = createKnex(url, Number(values.pool))
  await migrateLatest(knex)
  const layers: GeneratedLayer[] = ['survey3', 'survey2', 'buildings', 'approved-unsupplied', 'idle-land', 'projects']
  const outDir = path.join(projectRoot, 'bench', 'out', `county-${patches}`)
  if (!layers.every((l) => fs.existsSync(path.join(outDir, `${county}_${l}.zip`)))) {
    console.log(`generating a county of ${patches} patches …`)
    await generateCounty({ outDir, patches, layers })
  }
  await knex.raw('TRUNCATE datasets, projects CASCADE')
  for (const layer of layers) {
    const zip = path.join(outDir, `${county}_${layer}.zip`)
    const sha256 = createHash('sha256').update(fs.readFileSync(zip)).digest('hex')
    const t0 = Date.now()
    const r = await importZip(knex, { layer: layer, county: county, zip: zip, sha256: sha256 })
    if (layer === 'projects') await syncProjectsFromLayer(knex, r.datasetId!, county)
    console.log(`  imported ${layer}: ${r.counts.stored} features in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  }
  await knex.raw('ANALYZE')
  const projectCount = Number((await knex('projects').count<{ n: number }>({ n: '*' }).first())!.n)
  const ds = Object.fromEntries((await activeDatasets(knex).select('layer', 'id')).map((d) => [d.layer, d.id]))

  // Reference: hand-written statements, one per measure, every project of the county, cut in the
  // county's plane (EPSG:4548, CM 117°E, where the generator draws) and measured on the ellipsoid.
  const srid = 4548
  const excluded = ['临时建筑', '可移动的临时建筑物', '活动板房']
  const cutIn = (table: string, extra = '') =>
    `FROM p JOIN ${table} f ON f.dataset_id = ? AND ST_DWithin(f.geom, p.geom, 5e-5) ${extra}
     CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(ST_Transform(f.geom, ${srid}), p.plane), 3) AS piece OFFSET 0) c`
  const withP = `WITH p AS MATERIALIZED (SELECT id, geom, ST_Transform(geom, ${srid}) AS plane FROM projects WHERE xzqdm = ?)`
  const geo = (g: string) => `ST_Area(ST_Transform(${g}, 4490)::geography)`
  const conflict = (table: string, id: string, dataset: number): [string, unknown[]] => [
    `${withP} SELECT p.id, ${geo('ST_Union(piece)')}, ST_Area(ST_Union(piece)), array_agg(${id}) ${cutIn(table)} WHERE NOT ST_IsEmpty(piece) GROUP BY p.id`,
    [county, dataset],
  ]
  // Where the reference stores its results: the shape of analysis_results, without its key to projects.
  await knex.raw('CREATE TABLE IF NOT EXISTS bench_reference_results (LIKE analysis_results INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING INDEXES)')
  const raw = async () => {
    const t0 = Date.now()
    const statements: Array<[string, unknown[]]> = [
      [`${withP} SELECT id, ST_Area(geom::geography), ST_Area(plane) FROM p`, [county]],
      [
        `${withP} SELECT p.id, ${geo('ST_Union(piece)')}, ST_Area(ST_Union(piece)), sum(${geo('piece')} * coalesce(f.tbdlmj / nullif(f.tbmj, 0), 1)), array_agg(f.id), max(f.attrs->>'BGRQ')
           ${cutIn('survey2_patches', 'AND f.dlbm = ANY(?::text[])')} GROUP BY p.id`,
        [county, ds.survey2, analysisDefaults.survey2ConstructionCodes],
      ],
      [
        `${withP} SELECT p.id, f.building_type, count(*) FROM p JOIN buildings f ON f.dataset_id = ? AND ST_Intersects(f.geom, p.geom) GROUP BY 1, 2`,
        [county, ds.buildings],
      ],
      [
        `${withP} SELECT p.id, ${geo('ST_Union(piece)')}, ST_Area(ST_Union(piece)), array_agg(f.id) ${cutIn('buildings', "AND NOT (coalesce(f.building_type, '') = ANY(?::text[]))")} GROUP BY p.id`,
        [county, ds.buildings, excluded],
      ],
      [
        `${withP} SELECT id, dlbm, min(dlmc), sum(part), sum(tbmj * part / whole)
           FROM (SELECT p.id, f.dlbm, f.dlmc, f.tbmj, ${geo('piece')} AS part, ST_Area(f.geom::geography) AS whole ${cutIn('survey3_patches')} OFFSET 0) s GROUP BY id, dlbm`,
        [county, ds.survey3],
      ],
      conflict('approved_unsupplied', 'coalesce(f.approval_no, f.id::text)', ds['approved-unsupplied']),
      conflict('idle_land', 'coalesce(f.code, f.id::text)', ds['idle-land']),
    ]
    const measured = await Promise.all(statements.map(([sql, b]) => knex.raw(sql, b as never[]).then((r: { rows: Array<Record<string, unknown>> }) => r.rows)))
    // Stored: one jsonb of each project's measures, the rows of earlier rounds deleted, the projects stamped.
    const byProject = new Map<number, Record<string, unknown[]>>()
    measured.forEach((rows, i) => {
      for (const row of rows) {
        const id = Number(row.id)
        const m = byProject.get(id) ?? {}
        ;(m[`m${i}`] ??= []).push(row)
        byProject.set(id, m)
      }
    })
    const inputs = JSON.stringify(ds)
    const stored: Array<{ id: number }> = await knex('bench_reference_results')
      .insert([...byProject].map(([id, m]) => ({ project_id: id, xzqdm: county, inputs, result: JSON.stringify(m) })))
      .returning('id')
    const first = Math.min(...stored.map((r) => Number(r.id)))
    await knex('bench_reference_results').where('xzqdm', county).where('id', '<', first).delete()
    await knex('projects')
      .where('xzqdm', county)
      .whereIn('id', [...byProject.keys()])
      .update({ updated_at: knex.fn.now() })
    return { ms: Date.now() - t0 }
  }
  // The service's own job (row, audit, lifecycle), as POST /analysis/runs starts it.
  const jobs = buildJobs({ knex, log: console, dataDir: path.join(outDir, 'data') })
  const batch = async () => {
    const t0 = Date.now()
    const { id } = await jobs.start('analysis', cliActor(), { county })
    if ((await jobs.ended('analysis', id)) !== 'succeeded') throw new Error(`analysis run ${id} did not succeed`)
    return Date.now() - t0
  }
  // The service's own statements for the same two measures, to compare like with like.
  const same = async () => {
    const ids = (await knex('projects').select('id').where({ xzqdm: county })).map((p) => p.id as number)
    const t0 = Date.now()
    await Promise.all([
      survey2Construction(knex, { county, ids }, ds.survey2, survey2LandOf(analysisDefaults)),
      footprints(knex, { county, ids }, ds.buildings, ['临时建筑', '可移动的临时建筑物', '活动板房']),
    ])
    return Date.now() - t0
  }
  const rawTimes: number[] = []
  const batchTimes: number[] = []
  const sameTimes: number[] = []
  const loads: string[] = []
  for (let r = 0; r < Number(values.rounds); r++) {
    // each round starts on a quiet machine, or says it could not (issue 26)
    loads.push((await waitForQuiet(Number(values['max-load']), Number(values['wait-s']))).label)
    // alternate which side runs first, so neither always meets the other's warm cache
    if (r % 2) {
      batchTimes.push(await batch())
      sameTimes.push(await same())
      rawTimes.push((await raw()).ms)
    } else {
      rawTimes.push((await raw()).ms)
      sameTimes.push(await same())
      batchTimes.push(await batch())
    }
  }
  if (values.profile) await profile(knex, 'one batch run', batch)
  const ids = (await knex('projects').select('id').orderBy('id')).map((p) => p.id as number)
  const actor = cliActor()
  // Warm: each sample once, untimed, so that every pooled connection holds the single project's
  // prepared statements and PostgreSQL has settled on their plans (after five executions each), as
  // in a service that has been running; the batch runs above prepare none.
  for (let i = 0; i < Number(values.samples); i++) await projectAnalysis(knex, actor, ids[(i * 7919) % ids.length]!, { force: true })
  const singleLoad = await waitForQuiet(Number(values['max-load']), Number(values['wait-s']))
  const single: number[] = []
  for (let i = 0; i < Number(values.samples); i++) {
    const id = ids[(i * 7919) % ids.length]!
    const t0 = performance.now()
    await projectAnalysis(knex, actor, id, { force: true })
    single.push(performance.now() - t0)
  }
  if (values.profile) {
    await profile(knex, '20 single-project analyses', async () => {
      const t0 = performance.now()
      for (let i = 0; i < 20; i++) await projectAnalysis(knex, actor, ids[(i * 7919) % ids.length]!, { force: true })
      return performance.now() - t0
    })
  }
  await knex.destroy()
  const median = (xs: number[]) => pct(xs, 50)
  console.log(`\nanalysis of ${projectCount} projects (county of ${patches} third-survey-sized patches; 1-min load at each round's start ${loads.join(', ')})`)
  console.log(
    `  batch through the service : ${(median(batchTimes) / 1000).toFixed(2)} s  (${batchTimes.map((x) => (x / 1000).toFixed(2)).join(', ')})  — all measures, checks, stored`,
  )
  console.log(
    `  raw SQL (every measure, hand-written, stored): ${(median(rawTimes) / 1000).toFixed(2)} s  (${rawTimes.map((x) => (x / 1000).toFixed(2)).join(', ')})`,
  )
  // each round's own ratio too: both sides of a round met the same load, so these vary less on a shared machine
  const byRound = batchTimes.map((b, i) => b / rawTimes[i]!)
  console.log(
    `  ratio batch / raw SQL: ${(median(batchTimes) / median(rawTimes)).toFixed(2)} (by round ${byRound.map((x) => x.toFixed(2)).join(', ')}; median ${median(byRound).toFixed(2)})`,
  )
  console.log(
    `  service statements for the same two measures: ${(median(sameTimes) / 1000).toFixed(2)} s, ratio ${(median(sameTimes) / median(rawTimes)).toFixed(2)} (they also give the net reading and the feature ids)`,
  )
  console.log(
    `  single project: p50 ${median(single).toFixed(1)} ms, p95 ${pct(single, 95).toFixed(1)} ms (${single.length} projects; load at the start ${singleLoad.label})`,
  )
}

/** One batch run with each statement timed (sent → answered, so pool waits are not counted), grouped by its text. */
async function profile(knex: Knex, what: string, work: () => Promise<number>) {
  const started = new Map<string, number>()
  const by = new Map<string, { n: number; ms: number }>()
  const label = (sql: string) => {
    const flat = sql.replace(/\s+/g, ' ')
    const body = flat.startsWith('WITH p AS MATERIALIZED') ? flat.slice(flat.indexOf(' OFFSET 0) s)') + 13) : flat
    return body.slice(0, 110)
  }
  const onQuery = (q: { __knexQueryUid: string }) => started.set(q.__knexQueryUid, performance.now())
  const onResponse = (_r: unknown, q: { __knexQueryUid: string; sql: string }) => {
    const t0 = started.get(q.__knexQueryUid)
    if (t0 === undefined) return
    const k = label(q.sql)
    const e = by.get(k) ?? { n: 0, ms: 0 }
    e.n++
    e.ms += performance.now() - t0
    by.set(k, e)
  }
  knex.on('query', onQuery).on('query-response', onResponse)
  const cpu0 = process.cpuUsage()
  const total = await work()
  const cpu = process.cpuUsage(cpu0)
  knex.off('query', onQuery).off('query-response', onResponse)
  console.log(
    `\n${what}: Node CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms (user ${(cpu.user / 1000).toFixed(0)}, system ${(cpu.system / 1000).toFixed(0)})`,
  )
  console.log(`profile of ${what} (${total.toFixed(0)} ms wall; statements overlap on the pool, so their sum exceeds it):`)
  for (const [k, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 18))
    console.log(`  ${e.ms.toFixed(0).padStart(6)} ms ${String(e.n).padStart(4)}×  ${k}`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
