// npm run bench:pull [-- --projects 58563 --limit 1000 --rounds 3 --max-load 1.5 --wait-s 60]
// The province pull (GET /api/v1/province/projects, cursor-paged) of every project of a province
// against its reference, in the same run, without the hour of bench:province's imports: the bench
// database gets --projects projects over the 136 counties of data/regions/shandong.json by SQL
// (0.5–1.5 × the mean a county, inserted county after county as imports stamp them), each with two
// stored analyses of the shape the service writes (≈ 6 KB, the older stale) and, as after
// bench:province's review round, 2 in 10 given a milestone and 1 in 10 approved (the newer analysis
// pinned), re-stamped in that order. Then, rounds alternating which side runs first, each waiting for
// a quiet machine (1-minute load under --max-load, up to --wait-s) or saying it could not:
//   - the service: every page over HTTP with a province key, as the provincial system pulls;
//   - the reference: the same statement shape with ONE cursor position (updated_at, id) over the
//     whole table instead of one per county, rows through the same pullItem, JSON and ETag, served
//     by a route of this bench in the same Fastify — what the pull cost before the per-county cursor.
//   - the floor: per page the service's statement with its rows (pullPage, prepared) and then the
//     service's own body for that page (recorded once), sent with its ETag through the same Fastify
//     and compression: what any pull of these items costs here before items, JSON and cursor.
// All three must return the same items in the same order (a digest of every page's items is compared).
// Then where a page's time goes: the statement (planning apart, from EXPLAIN ANALYZE), the items, the JSON.
import { createHash } from 'node:crypto'
import { execFile } from 'node:child_process'
import { parseArgs, promisify } from 'node:util'
import type { FastifyReply } from 'fastify'
import type { Knex } from 'knex'
import { cpuMs, ensureBenchDatabase, ownBenchDatabaseUrl, median, startBenchService, waitForQuiet } from './db.js'
import { attachDatabase } from '../src/db/connection.js'
import { migrateLatest } from '../src/db/migrate.js'
import { checkClauses, checkIds } from '../src/domain/rules.js'
import { countyCodes } from '../src/domain/regions.js'
import { pullAnalysisJoin, pullColumns, pullPage, toPullRow, type PulledRow } from '../src/province/queries.js'
import { pullItem, pullProjects } from '../src/province/service.js'
import { decodeCursor } from '../src/province/cursor.js'
import { analysisSchemaVersion } from '../src/schemas/analysis.js'

const run = promisify(execFile)
const { values } = parseArgs({
  options: {
    projects: { type: 'string', default: '58563' },
    limit: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    'max-load': { type: 'string', default: '1.5' },
    'wait-s': { type: 'string', default: '60' },
  },
})
const target = Number(values.projects)
const limit = Number(values.limit)
const rounds = Number(values.rounds)
const maxLoad = Number(values['max-load'])

/** A stored result as the analysis writes it (src/schemas/analysis.ts), ≈ 6 KB as JSON; `eligible` sets the checks' verdicts. */
function resultTemplate(eligible: boolean) {
  const layer = (version: number) => ({ version, datasetId: 1000 + version, importedAt: '2026-11-30T08:00:00.000Z' })
  return {
    schemaVersion: analysisSchemaVersion,
    projectId: 0,
    code: '',
    county: '',
    plane: { epsg: 4548, description: 'CGCS2000 / 3-degree Gauss-Kruger CM 117E' },
    area: { m2: 0, mu: 0, planarM2: 0, planarEpsg: 4548 },
    survey2Construction: {
      method: 'survey2-construction-gross',
      m2: 21345.67,
      mu: 32.0185,
      planarM2: 21340.12,
      ratio: 0.8123,
      patches: 7,
      latestChange: '20081231',
      usedForStock: true,
      codes: ['201', '202', '203', '204', '205'],
    },
    survey2ChangedAfterBaseline: null,
    survey2ConstructionNet: null,
    footprint: {
      m2: 9876.54,
      mu: 14.8148,
      planarM2: 9874.1,
      ratio: 0.31,
      buildings: 23,
      types: [
        { type: '工业厂房', buildings: 15, class: 'counted', category: 'industrial', counted: true },
        { type: '仓库', buildings: 6, class: 'counted', category: 'storage', counted: true },
        { type: '临时建筑', buildings: 2, class: 'excluded', category: 'temporary', counted: false },
      ],
    },
    survey3: ['0601', '0602', '0508', '1004', '1202', '0101', '0702', '1006'].map((code, i) => ({
      code,
      name: ['工业用地', '采矿用地', '物流仓储用地', '城镇村道路用地', '空闲地', '水田', '城镇住宅用地', '公路用地'][i],
      m2: 3000 - i * 300.25,
      mu: 4.5 - i * 0.45,
      apportionedM2: null,
    })),
    conflicts: { approvedUnsupplied: { m2: 0, ids: [] }, idleLand: { m2: 0, ids: [] }, outsidePlan: { m2: 12.5 } },
    onPlots: { m2: 25000.5, share: 0.98, plots: ['LX371502001', 'LX371502002'] },
    overlaps: [],
    stockArea: {
      method: 'survey2-construction',
      m2: 21345.67,
      mu: 32.0185,
      approach: {
        applied: 'default',
        recorded: 'default',
        derived: false,
        reason: 'the recorded approach',
        reasonZh: '按登记的再开发方式',
      },
      figure: 'gross',
    },
    checks: checkIds.map((id, i) => ({
      id,
      passed: eligible || i % 4 !== 1,
      value: 0.31 + i / 100,
      threshold: 0.3,
      message: `check ${id}: the measured value against the configured threshold, as the policy clause reads it`,
      messageZh: `${id}：按配置阈值核定，测得值与阈值比较的结果说明（鲁自然资字〔2023〕165号）`,
      clause: checkClauses[id],
      needsReview: false,
      nearThreshold: false,
    })),
    eligible,
    verdictZh: eligible ? '符合' : '不符合',
    rewardCounted: eligible,
    rewardVerdictZh: eligible ? '计入奖励' : '不计入奖励',
    needsReview: [],
    nearThreshold: [],
    inputs: {
      survey2: layer(1),
      survey3: layer(2),
      'survey2-lines': null,
      buildings: layer(3),
      'approved-unsupplied': layer(4),
      'idle-land': layer(5),
      'plan-zones': layer(6),
    },
    computedAt: '2026-11-30T08:00:00.000Z',
  }
}

/** The province's projects, analyses and review, by SQL; skipped when the database already holds `target` projects. */
async function fill(knex: Knex) {
  const have = Number((await knex.raw('SELECT count(*) AS n FROM projects')).rows[0].n)
  if (have === target) return false
  console.log(`filling: ${target} projects over ${countyCodes.length} counties …`)
  await knex.raw('TRUNCATE projects, analysis_results CASCADE')
  const mean = target / countyCodes.length
  const sizes = countyCodes.map((_, i) => mean * (0.5 + (i % 5) / 4))
  const scale = target / sizes.reduce((a, b) => a + b, 0)
  const counts = sizes.map((s) => Math.round(s * scale))
  counts[counts.length - 1]! += target - counts.reduce((a, b) => a + b, 0)
  // county after county, as the imports stamp them (projects_touch: clock_timestamp())
  for (const [i, county] of countyCodes.entries())
    await knex.raw(
      `INSERT INTO projects (xzqdm, code, name, geom, development_mode, approach, original_use, new_use)
       SELECT ?, 'P' || lpad(g::text, 5, '0'), '项目' || g,
              ST_Multi(ST_MakeEnvelope(x, y, x + 0.002 + (g % 7) * 0.0003, y + 0.0015, 4490)),
              (ARRAY['government-reserve', 'original-owner', 'collective', 'market'])[1 + g % 4],
              CASE WHEN g % 5 = 0 THEN 'retreat-secondary' ELSE 'default' END,
              CASE WHEN g % 5 = 0 THEN 'industrial' END, CASE WHEN g % 5 = 0 THEN 'commercial' END
         FROM generate_series(1, ?::int) g,
              LATERAL (SELECT 115.5 + (?::int % 12) * 0.3 + (g % 25) * 0.004 AS x, 34.5 + (?::int / 12) * 0.3 + (g / 25) * 0.003 AS y) xy`,
      [county, counts[i]!, i, i],
    )
  // two stored analyses a project (the first batch run, stale since; the review's batch run)
  const templates = [resultTemplate(false), resultTemplate(true)]
  await knex.raw(
    `INSERT INTO analysis_results (project_id, xzqdm, inputs, result, eligible, stale, computed_at, trigger)
     SELECT p.id, p.xzqdm, t.result->'inputs',
            jsonb_set(jsonb_set(jsonb_set(jsonb_set(t.result, '{projectId}', to_jsonb(p.id)), '{code}', to_jsonb(p.code)),
                      '{stockArea,m2}', to_jsonb(round((p.area_m2 * v.k)::numeric, 2))),
                      '{footprint,ratio}', to_jsonb(round((0.2 + (p.id % 7) / 20.0)::numeric, 4))),
            (t.result->>'eligible')::boolean, v.stale, now() - v.age, 'batch'
       FROM projects p
       CROSS JOIN (VALUES (0.5, true, interval '2 days'), (0.8, false, interval '1 day')) v(k, stale, age)
       JOIN (VALUES (0, ?::jsonb), (1, ?::jsonb)) t(eligible, result) ON t.eligible = (p.id % 3 = 0)::int
      ORDER BY p.id, v.age DESC`,
    templates.map((t) => JSON.stringify(t)),
  )
  // the review round, county after county: 2 in 10 given a milestone (re-stamped), then 1 in 10 approved with the newer analysis pinned
  await knex.raw(`
    UPDATE projects p SET milestone_type = 'land-supply', milestone_date = '2025-06-30', status = 'submitted'
      FROM (SELECT id, xzqdm FROM projects WHERE id % 5 = 0 ORDER BY xzqdm, id) s
     WHERE p.id = s.id AND p.xzqdm = s.xzqdm`)
  await knex.raw(`
    UPDATE projects p SET status = 'province-approved', approved_result_id = r.id
      FROM (SELECT DISTINCT ON (project_id) project_id, xzqdm, id FROM analysis_results ORDER BY project_id, id DESC) r
     WHERE p.id = r.project_id AND p.xzqdm = r.xzqdm AND p.id % 10 = 0`)
  await knex.raw('VACUUM ANALYZE projects')
  await knex.raw('VACUUM ANALYZE analysis_results')
  return true
}

const quiet = () => waitForQuiet(maxLoad, Number(values['wait-s']))

/** CPU seconds used so far by the PostgreSQL backends of the bench database (the server is on this machine): utime + stime of /proc/<pid>/stat. */
async function databaseCpu(knex: Knex): Promise<number> {
  const { rows } = await knex.raw('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')
  let ms = 0
  for (const { pid } of rows as Array<{ pid: number }>) {
    try {
      ms += cpuMs(pid)
    } catch {
      // ended meanwhile
    }
  }
  return ms / 1000
}

interface Pull {
  ms: number
  /** CPU seconds of this process (the service and the client) and of the database's backends */
  nodeCpu: number
  dbCpu: number
  pages: number
  items: number
  /** sha-256 of every page's items in order */
  digest: string
  cursorChars: number
}

/** A bench route's JSON sent as the service sends a page (src/routes/province: encoded once, its ETag over the bytes). */
function sendJson(reply: FastifyReply, text: string) {
  const body = Buffer.from(text)
  reply.header('etag', `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`)
  return reply.type('application/json; charset=utf-8').send(body)
}

/** Every page of `path`, following nextCursor until hasMore is false. */
async function pullAllPages(knex: Knex, base: string, path: string, headers: Record<string, string>, o: { digest?: boolean } = {}): Promise<Pull> {
  const hash = createHash('sha256')
  const db0 = await databaseCpu(knex)
  const node0 = process.cpuUsage()
  let cursor: string | null = null
  let pages = 0
  let items = 0
  const t0 = performance.now()
  for (;;) {
    const res = await fetch(`${base}${path}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers })
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`)
    const page = (await res.json()) as { items: unknown[]; nextCursor: string | null; hasMore: boolean }
    if (o.digest) hash.update(JSON.stringify(page.items))
    pages++
    items += page.items.length
    cursor = page.nextCursor
    if (!page.hasMore) break
  }
  const ms = performance.now() - t0
  const node = process.cpuUsage(node0)
  return {
    ms,
    nodeCpu: (node.user + node.system) / 1e6,
    dbCpu: (await databaseCpu(knex)) - db0,
    pages,
    items,
    digest: o.digest ? hash.digest('hex').slice(0, 16) : '',
    cursorChars: cursor?.length ?? 0,
  }
}

async function main() {
  // its own database: another bench's data would change what this one measures
  const dbUrl = ownBenchDatabaseUrl('pull')
  await ensureBenchDatabase(dbUrl)
  const db = attachDatabase(dbUrl, 'server', 10)
  const knex = db.knex
  await migrateLatest(knex)
  const t0 = Date.now()
  if (await fill(knex)) console.log(`filled in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  const stats = (
    await knex.raw(`SELECT (SELECT count(*) FROM projects) AS projects, (SELECT count(DISTINCT xzqdm) FROM projects) AS counties,
                                        (SELECT count(*) FROM analysis_results) AS results, (SELECT count(*) FROM projects WHERE approved_result_id IS NOT NULL) AS approved,
                                        (SELECT round(avg(pg_column_size(result))) FROM analysis_results WHERE id % 100 = 0) AS stored,
                                        (SELECT round(avg(octet_length(result::text))) FROM analysis_results WHERE id % 100 = 0) AS text`)
  ).rows[0]
  console.log(
    `${stats.projects} projects in ${stats.counties} counties, ${stats.results} analyses (${stats.text} B as JSON, ${stats.stored} B stored), ${stats.approved} approved; ${limit} a page`,
  )

  /** The service's page bodies by the cursor that asked for them ('' the first), for the floor. */
  const floorBodies = new Map<string, string>()
  // The reference: one position over the whole table, the same columns, items, JSON and ETag as the service.
  const { server, base, headers } = await startBenchService(db, null, {
    role: 'province',
    register: (app) =>
      app
        .get('/bench/pull-reference', async (request, reply) => {
          const q = request.query as { cursor?: string; limit: string }
          const [key, id] = q.cursor ? q.cursor.split(',') : [null, null]
          const n = Number(q.limit)
          const { rows } = await knex.raw(
            `SELECT ${pullColumns} FROM projects p ${pullAnalysisJoin}
            WHERE ${key ? '(p.updated_at, p.id) > (?::timestamptz, ?)' : 'true'}
            ORDER BY p.updated_at, p.id LIMIT ?`,
            [...(key ? [key, Number(id)] : []), n + 1],
          )
          const page = (rows as PulledRow[]).slice(0, n).map(toPullRow)
          const last = page.at(-1)
          return sendJson(
            reply,
            JSON.stringify({
              items: page.map(pullItem),
              nextCursor: last ? `${last.updatedKey},${last.id}` : (q.cursor ?? null),
              hasMore: rows.length > n,
            }),
          )
        })
        .get('/bench/pull-floor', async (request, reply) => {
          // The floor under the service: the page's statement with its rows (as the service runs it,
          // prepared), then the service's own body for that page, sent as the service sends it (ETag
          // over its bytes, the same compression): what is left to the service is items, JSON, cursor.
          const q = request.query as { cursor?: string; limit: string }
          const text = floorBodies.get(q.cursor ?? '')
          if (text === undefined) throw new Error('a page the floor was not given')
          await pullPage(knex, {}, q.cursor ? decodeCursor(q.cursor, {}) : new Map(), Number(q.limit) + 1)
          return sendJson(reply, text)
        }),
  })
  console.log(`${new Date().toISOString()}, uptime: ${(await run('uptime')).stdout.trim()}`)

  // (the digest only where the items are compared, outside the timed rounds: it costs ≈ 4 ms a page)
  const sides = {
    service: (digest = false) => pullAllPages(knex, base, '/api/v1/province/projects', headers, { digest }),
    reference: (digest = false) => pullAllPages(knex, base, '/bench/pull-reference', {}, { digest }),
    floor: (digest = false) => pullAllPages(knex, base, '/bench/pull-floor', {}, { digest }),
  }
  // warm both (JIT, caches, the pool's connections), comparing their items
  const warm = { service: await sides.service(true), reference: await sides.reference(true) }
  if (warm.service.digest !== warm.reference.digest || warm.service.items !== Number(stats.projects))
    throw new Error(`the pulls differ: service ${JSON.stringify(warm.service)}, reference ${JSON.stringify(warm.reference)}`)
  // the service's bodies, page by page, for the floor (which then serves them)
  for (let cursor: string | null = null; ;) {
    const res = await fetch(`${base}/api/v1/province/projects?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers })
    const text = await res.text()
    floorBodies.set(cursor ?? '', text)
    const page = JSON.parse(text) as { nextCursor: string; hasMore: boolean }
    if (!page.hasMore) break
    cursor = page.nextCursor
  }
  const floorWarm = await sides.floor(true)
  if (floorWarm.digest !== warm.service.digest) throw new Error('the floor does not serve the service’s pages')
  console.log(
    `both pull ${warm.service.items} items in ${warm.service.pages} pages, items digest ${warm.service.digest}; service cursor ${warm.service.cursorChars} characters`,
  )

  const results = {
    service: [] as number[],
    reference: [] as number[],
    floor: [] as number[],
    ratio: [] as number[],
    overFloor: [] as number[],
    serviceCpu: [] as number[],
    referenceCpu: [] as number[],
    floorCpu: [] as number[],
  }
  console.log(
    '\n| round (order) | load (1 min) | service | reference | floor | service / reference | service / floor | CPU (Node + PostgreSQL): service | reference | floor |',
  )
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  const orders = [
    ['service', 'reference', 'floor'],
    ['floor', 'reference', 'service'],
    ['reference', 'floor', 'service'],
  ] as const
  for (let round = 0; round < rounds; round++) {
    const { load, quiet: isQuiet } = await quiet()
    const order = orders[round % orders.length]!
    const got: Partial<Record<'service' | 'reference' | 'floor', Pull>> = {}
    for (const side of order) got[side] = await sides[side]()
    if (Object.values(got).some((p) => p.items !== warm.service.items)) throw new Error('a pull returned another number of items')
    const [svc, ref, flo] = [got.service!, got.reference!, got.floor!]
    results.service.push(svc.ms)
    results.reference.push(ref.ms)
    results.floor.push(flo.ms)
    results.ratio.push(svc.ms / ref.ms)
    results.overFloor.push(svc.ms / flo.ms)
    results.serviceCpu.push(svc.nodeCpu + svc.dbCpu)
    results.referenceCpu.push(ref.nodeCpu + ref.dbCpu)
    results.floorCpu.push(flo.nodeCpu + flo.dbCpu)
    const cpu = (p: Pull) => `${(p.nodeCpu + p.dbCpu).toFixed(2)} s (${p.nodeCpu.toFixed(2)} + ${p.dbCpu.toFixed(2)})`
    const s = (p: Pull) => `${(p.ms / 1000).toFixed(2)} s`
    console.log(
      `| ${round + 1} (${order.join(', ')}) | ${load.toFixed(2)}${isQuiet ? '' : ' (not quiet)'} | ${s(svc)} | ${s(ref)} | ${s(flo)} | ${results.ratio.at(-1)!.toFixed(2)} | ${results.overFloor.at(-1)!.toFixed(2)} | ${cpu(svc)} | ${cpu(ref)} | ${cpu(flo)} |`,
    )
  }
  const sec = (xs: number[]) => `${(median(xs) / 1000).toFixed(2)} s`
  console.log(
    `\nmedians: service ${sec(results.service)} (goal ≤ 1.5 s), reference ${sec(results.reference)}, floor ${sec(results.floor)}; service / reference ${median(results.ratio).toFixed(2)}, service / floor ${median(results.overFloor).toFixed(2)}; ` +
      `CPU a pull: service ${median(results.serviceCpu).toFixed(2)} s, reference ${median(results.referenceCpu).toFixed(2)} s, floor ${median(results.floorCpu).toFixed(2)} s`,
  )

  // Where a page's time goes, through the service functions (no HTTP): the statement, the items, the JSON.
  const split = { sql: 0, items: 0, json: 0, pages: 0 }
  let cursor: string | undefined
  for (;;) {
    const a = performance.now()
    const page = await pullProjects(knex, { limit, cursor })
    const b = performance.now()
    JSON.stringify(page)
    split.json += performance.now() - b
    split.sql += b - a
    split.pages++
    if (!page.hasMore) break
    cursor = page.nextCursor!
  }
  const rows = await pullPage(knex, {}, new Map(), limit + 1)
  const c = performance.now()
  rows.map(pullItem)
  split.items = (performance.now() - c) * split.pages
  split.sql -= split.items
  // one middle page's statement: planning and execution as PostgreSQL reports them
  const middle = await pullProjects(knex, { limit: Math.floor(Number(stats.projects) / 2) })
  const explainPositions = decodeCursor(middle.nextCursor!, {})
  const explain = async () => {
    const captured: { sql: string; bindings: readonly unknown[] }[] = []
    const spy = (data: { sql: string; bindings: readonly unknown[] }) => captured.push(data)
    knex.on('query', spy)
    await pullPage(knex, {}, explainPositions, limit + 1)
    knex.off('query', spy)
    const { sql, bindings } = captured.at(-1)!
    // the statement as knex sent it ($1, $2 …), through node-pg
    const conn = (await knex.client.acquireConnection()) as import('pg').Client
    const { rows: plan } = await conn.query(`EXPLAIN (ANALYZE, SUMMARY) ${sql}`, bindings as unknown[]).finally(() => knex.client.releaseConnection(conn))
    return plan.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).filter((l: string) => /Planning Time|Execution Time/.test(l))
  }
  await explain()
  const summary = await explain()
  const per = (ms: number) => `${(ms / split.pages).toFixed(1)} ms`
  console.log(
    `\na page through pullProjects (${split.pages} pages, no HTTP): statement and rows ${per(split.sql)}, items (pullItem, checksums) ${per(split.items)}, JSON ${per(split.json)}; ` +
      `a middle page's statement: ${summary.join(', ')}`,
  )
  console.log(`uptime at the end: ${(await run('uptime')).stdout.trim()}`)
  await server.close()
  await db.close()
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
