// The one job lifecycle: a lost connection fails the job in hand and nothing else; a job whose own
// error handling fails is failed by the runner; at start every interrupted job of every kind is
// failed and its partial rows removed.
import fs from 'node:fs/promises'
import pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { partitionName } from '../../src/import/queries.js'
import { layerKind } from '../../src/catalogue/layer-kinds.js'
import { recoverInterruptedJobs } from '../../src/jobs/lifecycle.js'
import type { Database } from '../../src/db/connection.js'
import { buildTestApp, keyFor, openTestDatabase, resetData, testDatabase, type TestApp } from '../helpers/app.js'
import { tempFilesLeft, upload } from '../helpers/imports.js'
import { rect, shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
// The test's own connections, apart from the service's pool whose connections are killed.
let observer: Database
const testKnex = (table: string) => observer.knex(table)
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
      await new Promise((r) => setTimeout(r, 10))
    }
    return killed
  } finally {
    await client.end()
  }
}

/** Whether a job row has ended (read on the killer's side of the test, not through the service). */
const ended = (table: string, id: number) => async () => {
  const row = await testKnex(table)
    .first('status')
    .where({ id })
    .catch(() => null)
  return Boolean(row && !['queued', 'running'].includes(row.status))
}

/** Polls like a client: a 503 right after the loss (a pooled connection not yet seen to be dead) is retried. */
async function jobWhenEnded(id: number) {
  for (let i = 0; i < 1200; i++) {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: { 'x-api-key': key } })
    if (res.statusCode === 200 && !['queued', 'running'].includes(res.json().status)) return res.json()
    if (res.statusCode !== 200) expect(res.statusCode, res.body).toBe(503)
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`import ${id} did not end`)
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
    expect(await terminate(/INSERT INTO "survey3_patches_d/, ended('import_jobs', res.json().id))).toBeGreaterThan(0)
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
    expect(await terminate(/INSERT INTO bundles/, ended('bundle_runs', id))).toBeGreaterThan(0)
    for (let i = 0; i < 1200; i++) {
      const row = await t
        .knex('bundle_runs')
        .first('status', 'errors')
        .where({ id })
        .catch(() => null)
      if (row && !['queued', 'running'].includes(row.status)) {
        expect(row.status).toBe('failed')
        expect(row.errors[0].message).toMatch(/connection was lost/)
        expect(await t.knex('bundles').where({ run_id: id }).count<{ n: number }>({ n: '*' }).first()).toEqual({ n: 0 })
        // The bundles of the import's own run are still current.
        expect((await t.knex('bundle_runs').first('id').where({ xzqdm: '371502', active: true }))?.id).not.toBe(id)
        return
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error('the bundle run did not end')
  })
})

describe('the job runner', () => {
  it('fails a job whose task rejects without recording its end (its own handler failed), removing its partial rows', async () => {
    const [run] = await t.knex('bundle_runs').insert({ xzqdm: '371502', gap_meters: 0, min_bundle_m2: 0, created_by: 'test' }).returning('id')
    t.app.jobs.enqueue('bundles', run.id, async () => {
      await t.knex('bundle_runs').where({ id: run.id }).update({ status: 'running' })
      await t.knex.raw(
        `INSERT INTO bundles (run_id, xzqdm, bundle_no, members, member_ids, m2, geom)
                        VALUES (?, '371502', 1, '{a}', '{1}', 1, ST_Multi(ST_MakeEnvelope(117, 36, 117.001, 36.001, 4490)))`,
        [run.id],
      )
      throw Object.assign(new Error('Connection terminated unexpectedly'), {})
    })
    for (let i = 0; i < 200; i++) {
      const row = await t.knex('bundle_runs').first('status', 'errors').where({ id: run.id })
      if (row.status === 'failed') {
        expect(row.errors[0].message).toMatch(/connection was lost/)
        expect(await t.knex('bundles').where({ run_id: run.id }).count<{ n: number }>({ n: '*' }).first()).toEqual({ n: 0 })
        return
      }
      await new Promise((r) => setTimeout(r, 25))
    }
    throw new Error('the run stayed running')
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

    expect(await recoverInterruptedJobs(t.knex)).toEqual({ import: 1, analysis: 1, bundles: 2 })
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
