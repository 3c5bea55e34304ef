// The one job lifecycle: a lost connection fails the job in hand and nothing else; a run that throws
// is failed by the lifecycle, its partial rows removed; at start every interrupted job of every kind
// is failed and its partial rows removed, except a recorded follow-up, which runs again.
import fs from 'node:fs/promises'
import pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { layerKind, partitionName } from '../../src/catalogue/layer-kinds.js'
import { cliActor } from '../../src/auth/service.js'
import { bundleJobKind } from '../../src/bundles/service.js'
import { ActivationHooks } from '../../src/jobs/hooks.js'
import { Jobs } from '../../src/jobs/jobs.js'
import type { Database } from '../../src/db/connection.js'
import { buildTestApp, keyFor, openTestDatabase, resetData, testDatabase, type TestApp } from '../helpers/app.js'
import { tempFilesLeft, upload } from '../helpers/imports.js'
import { rect, shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
// The test's own connections, apart from the service's pool whose connections are killed.
let observer: Database
const server = testDatabase().backend === 'server'

beforeAll(async () => {
  observer = openTestDatabase()
  t = await buildTestApp()
  dir = await tempDir()
})
afterAll(async () => {
  await observer.close()
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})
beforeEach(async () => {
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
})

/**
 * Kills, from a connection of its own, every backend of the service running a query that matches
 * `pattern`, again and again until `done()` (a kill can land just after a statement ended, on an
 * idle connection; the next one lands mid-statement). Returns how many were killed.
 */
async function terminate(pattern: RegExp, done: () => Promise<boolean>, timeoutMs = 60_000): Promise<number> {
  const client = new pg.Client({ connectionString: testDatabase().url, application_name: 'test-killer' })
  await client.connect()
  let killed = 0
  try {
    for (const t0 = Date.now(); Date.now() - t0 < timeoutMs && !(await done());) {
      const { rows } = await client.query(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'lowland-redevelopment' AND state = 'active' AND query ~ $1`,
        [pattern.source],
      )
      killed += rows.filter((r: { ok: boolean }) => r.ok).length
      // The pace of the kill rounds, not a wait for a condition (that is done(), checked each round).
      await new Promise((r) => setTimeout(r, 10))
    }
    return killed
  } finally {
    await client.end()
  }
}

/** Whether a job has ended, as its runner says (no polling of the database). */
function ended(kind: 'import' | 'bundles', id: number) {
  let over = false
  void t.app.jobs.ended(kind, id).then(() => (over = true))
  return async () => over
}

/** The job as a client reads it once its run ended; a 503 (a pooled connection not yet seen to be dead) is asked again. */
async function jobWhenEnded(id: number) {
  await t.app.jobs.ended('import', id)
  for (let i = 0; i < 5; i++) {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: { 'x-api-key': key } })
    if (res.statusCode === 200) return res.json()
    expect(res.statusCode, res.body).toBe(503)
  }
  throw new Error(`import ${id} could not be read`)
}

describe.skipIf(!server)('a lost database connection (pg_terminate_backend)', () => {
  it('during an import fails that import only; the service keeps serving, the version and the upload are gone', async () => {
    const features = []
    for (let i = 0; i < 30_000; i++) {
      const x = 410000 + (i % 200) * 20
      const y = 4030000 + Math.floor(i / 200) * 20
      features.push({ parts: [rect(x, y, x + 15, y + 15)], values: { BSM: i + 1, DLBM: '0601' } })
    }
    const zip = await shapefileZip(dir, 'big', { fields: surveyFields, features })
    const res = await upload(t, key, { layer: 'survey3' }, zip)
    expect(res.statusCode, res.body).toBe(202)
    // the load's statements: by COPY on a server where they can, by INSERT otherwise (src/import/copy-batch.ts)
    expect(await terminate(/(INSERT INTO|COPY) "survey3_patches_d/, ended('import', res.json().id))).toBeGreaterThan(0)
    const job = await jobWhenEnded(res.json().id)
    expect(job.status).toBe('failed')
    expect(job.errors[0].message).toMatch(/connection was lost/)
    expect(JSON.stringify(job.errors)).not.toMatch(/INSERT|WITH ins|survey3_patches/)
    // Nothing of the version is left, and the service still answers from the database.
    expect(await t.knex('datasets').count<{ n: number }>({ n: '*' }).first()).toEqual({ n: 0 })
    const { rows } = await t.knex.raw(`SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'survey3_patches_d%'`)
    expect(rows[0].n).toBe(0)
    expect(tempFilesLeft(t.dataDir)).toEqual([])
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/imports', headers: { 'x-api-key': key } })
    expect(list.statusCode).toBe(200)
  })
})

describe.skipIf(!server)('a lost database connection during a bundle run', () => {
  it('fails that run with a clear reason and leaves none of its bundles', async () => {
    const plots = []
    for (let i = 0; i < 8000; i++) {
      const x = 410000 + (i % 100) * 30 // rows of touching 30 m plots: 80 bundles to dissolve
      const y = 4030000 + Math.floor(i / 100) * 40
      plots.push({ parts: [rect(x, y, x + 30, y + 30)], values: { TBBH: `P${i}`, ZLDWDM: '371502001000', QSDWDM: '371502001001' } })
    }
    const zip = await shapefileZip(dir, 'plots', {
      fields: [
        { name: 'TBBH', type: 'C', length: 10 },
        { name: 'ZLDWDM', type: 'C', length: 12 },
        { name: 'QSDWDM', type: 'C', length: 12 },
      ],
      features: plots,
    })
    const imported = await upload(t, key, { layer: 'plots' }, zip)
    expect((await jobWhenEnded(imported.json().id)).status).toBe('succeeded')
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/bundles/runs', headers: { 'x-api-key': key }, payload: { gapMeters: 0 } })
    expect(res.statusCode, res.body).toBe(202)
    const id = res.json().id
    expect(await terminate(/INSERT INTO bundles/, ended('bundles', id))).toBeGreaterThan(0)
    const row = await observer.knex('bundle_runs').first('status', 'errors').where({ id })
    expect(row.status).toBe('failed')
    expect(row.errors[0].message).toMatch(/connection was lost/)
    expect(await observer.knex('bundles').where({ run_id: id }).count<{ n: number }>({ n: '*' }).first()).toEqual({ n: 0 })
    // The bundles of the import's own run are still current.
    expect((await observer.knex('bundle_runs').first('id').where({ xzqdm: '371502', active: true }))?.id).not.toBe(id)
  })
})

describe('the job lifecycle', () => {
  it('fails a run that throws after writing, removing its partial rows in the transaction that records the end', async () => {
    // The real bundle kind, whose run writes a bundle and then loses its connection.
    const jobs = new Jobs({
      knex: t.knex,
      log: { error: () => {}, warn: () => {} },
      hooks: new ActivationHooks(),
      kinds: [
        {
          ...bundleJobKind,
          async run({ knex, id }) {
            await knex.raw(
              `INSERT INTO bundles (run_id, xzqdm, bundle_no, members, member_ids, m2, geom)
                 VALUES (?, '371502', 1, '{a}', '{1}', 1, ST_Multi(ST_MakeEnvelope(117, 36, 117.001, 36.001, 4490)))`,
              [id],
            )
            throw new Error('Connection terminated unexpectedly')
          },
        },
      ],
    })
    const { id, url } = await jobs.start('bundles', cliActor(), { county: '371502', gapMeters: 0, minBundleM2: 0 })
    expect(url).toBe(`/api/v1/bundles/runs/${id}`)
    expect(await jobs.ended('bundles', id)).toBe('failed')
    const row = await t.knex('bundle_runs').first('status', 'errors', 'finished_at').where({ id })
    expect(row).toMatchObject({ status: 'failed', errors: [{ message: expect.stringMatching(/connection was lost/) }], finished_at: expect.any(Date) })
    expect(await t.knex('bundles').where({ run_id: id }).count<{ n: number }>({ n: '*' }).first()).toEqual({ n: 0 })
    // Its start was audited with it; ending it twice writes nothing.
    expect(
      await t
        .knex('audit_log')
        .where({ action: 'bundle.run', object_id: String(id) })
        .count<{ n: number }>({ n: '*' })
        .first(),
    ).toEqual({ n: 1 })
    await jobs.close()
  })
})

describe('recovery at start', () => {
  it('fails every interrupted job of every kind and removes its partial rows', async () => {
    const [imp] = await t
      .knex('import_jobs')
      .insert({ layer: 'survey3', xzqdm: '371502', mode: 'replace', source_name: 'a.zip', source_sha256: 'x', status: 'running', options: '{}' })
      .returning('id')
    const [ds] = await t
      .knex('datasets')
      .insert({ layer: 'survey3', xzqdm: '371502', version: 1, source_name: 'a.zip', status: 'loading', import_job_id: imp.id })
      .returning('id')
    const part = partitionName(layerKind('survey3')!, ds.id)
    await t.knex.raw(`CREATE TABLE "${part}" (LIKE survey3_patches)`)
    const [ana] = await t.knex('analysis_runs').insert({ xzqdm: '371502', status: 'running', created_by: 'test' }).returning('id')
    const [bun] = await t
      .knex('bundle_runs')
      .insert({ xzqdm: '371502', gap_meters: 0, min_bundle_m2: 0, status: 'running', created_by: 'test' })
      .returning('id')
    await t.knex.raw(
      `INSERT INTO bundles (run_id, xzqdm, bundle_no, members, member_ids, m2, geom)
                      VALUES (?, '371502', 1, '{a}', '{1}', 1, ST_Multi(ST_MakeEnvelope(117, 36, 117.001, 36.001, 4490)))`,
      [bun.id],
    )
    const [queued] = await t
      .knex('bundle_runs')
      .insert({ xzqdm: '371502', gap_meters: 0, min_bundle_m2: 0, status: 'queued', created_by: 'test' })
      .returning('id')

    // A bundle run that follows an import is not failed: it runs again (below).
    const [followUp] = await t
      .knex('bundle_runs')
      .insert({ xzqdm: '371502', gap_meters: 0, min_bundle_m2: 0, status: 'running', created_by: 'import:1', after_import_job_id: imp.id })
      .returning('id')
    await t.knex.raw(
      `INSERT INTO bundles (run_id, xzqdm, bundle_no, members, member_ids, m2, geom)
                      VALUES (?, '371502', 1, '{a}', '{1}', 1, ST_Multi(ST_MakeEnvelope(117, 36, 117.001, 36.001, 4490)))`,
      [followUp.id],
    )

    const settled = await t.app.jobs.recover()
    expect(settled).toEqual({ failed: { import: 1, analysis: 1, bundles: 2 }, resumed: { import: 0, analysis: 0, bundles: 1 } })
    // The county has no plots layer: the resumed run fails for that reason, having removed its old rows.
    expect(await t.app.jobs.ended('bundles', followUp.id)).toBe('failed')
    expect((await t.knex('bundle_runs').first('errors').where({ id: followUp.id })).errors[0].message).toMatch(/no plots layer/)
    for (const [table, id] of [
      ['import_jobs', imp.id],
      ['analysis_runs', ana.id],
      ['bundle_runs', bun.id],
      ['bundle_runs', queued.id],
    ] as const) {
      const row = await t.knex(table).first('status', 'errors', 'finished_at').where({ id })
      expect(row.status, `${table} ${id}`).toBe('failed')
      expect(row.errors[0].message).toMatch(/interrupted/)
      expect(row.finished_at).not.toBeNull()
    }
    expect(await t.knex('bundles').count<{ n: number }>({ n: '*' }).first()).toEqual({ n: 0 })
    expect(await t.knex('datasets').where({ id: ds.id }).first()).toBeUndefined()
    const { rows } = await t.knex.raw(`SELECT to_regclass(?) AS t`, [part])
    expect(rows[0].t).toBeNull()
  })
})
