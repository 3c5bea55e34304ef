import os from 'node:os'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import app, { serverOptions } from '../../src/app.js'
import { attachDatabase } from '../../src/db/connection.js'
import { migrateDown, migrateLatest, migrateStep } from '../../src/db/migrate.js'
import { healthProbe } from '../../src/health/check.js'
import { buildTestApp, openTestDatabase, testDatabase, type TestApp } from '../helpers/app.js'

/** Every migration, in order, named literally: what /health must report. */
const allMigrations = [
  '20261123000000_foundation',
  '20261123010000_import',
  '20261123020000_analysis_runs',
  '20261123030000_bundles',
  '20261123040000_review',
  '20261123050000_layer_partitions',
  '20261130010000_analysis_round2',
  '20261130130000_job_lifecycle',
  '20261201010000_citus_keys',
  '20261201020000_pull_per_county',
  '20261201030000_layer_county_index',
  '20261201040000_citus_no_set_null',
  '20261201050000_project_area',
  '20261203010000_job_follow_ups',
  '20261203020000_result_schema_version',
  '20261204010000_milestone_review',
  '20261205010000_milestone_evidence',
  '20261205020000_project_scattered_land',
  '20261205030000_reward_extractions',
  '20261205060000_plan_land_use_code',
  '20261206020000_analysis_trigger',
  '20261206040000_project_attachments',
  '20261206060000_project_bundle_members',
  '20261206090000_accounts',
  '20261207010000_job_owners',
  '20261208020000_import_job_layers',
  '20261208040000_result_lz4',
  '20261208050000_result_pull_parts',
  '20261209010000_dataset_central_meridian',
]

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(async () => {
  await migrateLatest(t.knex)
  await t.close()
})

describe('GET /health', () => {
  it('reports the database, PostGIS version, backend and current migrations', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.status).toBe('ok')
    expect(body.backend).toBe(testDatabase().backend)
    expect(body.database.reachable).toBe(true)
    expect(body.database.postgis).toMatch(/^3\.\d+/)
    expect(body.database.postgres).toMatch(/^\d+/)
    expect(body.migrations).toEqual({
      current: true,
      applied: allMigrations,
      pending: [],
    })
  })

  it('answers 503 degraded while a migration is pending', async () => {
    await migrateDown(t.knex, true)
    const res = await t.app.inject({ method: 'GET', url: '/health' })
    expect(res.statusCode).toBe(503)
    expect(res.headers['content-type']).toMatch(/problem\+json/)
    expect(res.json()).toMatchObject({ code: 'LR_UNHEALTHY', status: 503, component: 'migrations', title: '服务暂不可用' })
    expect(res.json().health).toMatchObject({
      status: 'degraded',
      migrations: {
        current: false,
        pending: allMigrations,
      },
    })
    await migrateLatest(t.knex)
  })

  it('answers 503 unavailable when the database cannot be reached', async () => {
    // A port nothing listens on: a closed database, not a mocked one.
    const { backend } = testDatabase()
    const db = attachDatabase('postgres://postgres@127.0.0.1:9/none?connect_timeout=2', backend, 1, { warn: () => {}, error: () => {} })
    const instance = Fastify(serverOptions({ logLevel: 'silent', bodyLimitBytes: 1024 }, false))
    await instance.register(app, { database: db, config: { dataDir: os.tmpdir(), uploadLimitBytes: 1024 } })
    const res = await instance.inject({ method: 'GET', url: '/health' })
    expect(res.statusCode).toBe(503)
    expect(res.headers['content-type']).toMatch(/problem\+json/)
    expect(res.json()).toMatchObject({
      code: 'LR_UNHEALTHY',
      component: 'database',
      health: { status: 'unavailable', backend, database: { reachable: false } },
    })
    expect(res.body).not.toMatch(/127\.0\.0\.1|:9\b|postgres@/)
    // When to come back (RFC 9110): every 503 for want of the database says it.
    expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/)
    for (const method of ['GET', 'POST'] as const) {
      const api = await instance.inject({ method, url: '/api/v1/projects', headers: { 'x-api-key': `lr_${'a'.repeat(8)}_${'b'.repeat(32)}` } })
      expect(api.statusCode).toBe(503)
      expect(api.headers['content-type']).toMatch(/problem\+json/)
      expect(api.json()).toMatchObject({ code: 'LR_DB_UNAVAILABLE', status: 503 })
      expect(api.headers['retry-after']).toMatch(/^[1-9][0-9]*$/)
    }
    await instance.close()
    await db.close()
  })
})

describe('/health statements', () => {
  it('runs one statement per probe while the migrations stay, and sees another process migrate at the next probe', async () => {
    const probe = healthProbe(t.db, { version: 'test', deadlineMs: 30_000, busyLimitMs: 60_000 })
    expect((await probe.check()).migrations.current).toBe(true)
    const statements: string[] = []
    const count = (q: { sql: string }) => statements.push(q.sql)
    t.knex.on('query', count)
    try {
      for (let i = 0; i < 3; i++) expect((await probe.check()).status).toBe('ok')
      expect(statements).toHaveLength(3)
      // Another process (its own connections) undoes the last migration, then applies it again.
      const other = openTestDatabase()
      try {
        await migrateStep(other.knex, 'down')
        expect((await probe.check()).migrations).toEqual({ current: false, applied: allMigrations.slice(0, -1), pending: allMigrations.slice(-1) })
        await migrateLatest(other.knex)
        expect((await probe.check()).migrations).toEqual({ current: true, applied: allMigrations, pending: [] })
      } finally {
        await other.close()
      }
    } finally {
      t.knex.off('query', count)
    }
  })
})

describe('/health while the database is at work', () => {
  // One connection, as the embedded database has: a statement holding it keeps the probe waiting.
  const { url, backend } = testDatabase()
  const busyDatabase = async (seconds: number) => {
    const db = attachDatabase(url, backend, 1)
    const probe = healthProbe(db, { version: 'test', deadlineMs: 200, busyLimitMs: 1500 })
    // The first reading, however long a loaded machine takes for it (a check past the deadline
    // without a reading says unavailable; later checks wait on the same reading).
    await expect.poll(async () => (await probe.check()).status, { timeout: 30_000 }).toBe('ok')
    // knex runs a query when it is awaited: `.then` starts it now
    const slow = db.knex.raw('SELECT pg_sleep(?)', [seconds]).then(() => undefined)
    // the statement holds the one connection once it is out of the pool
    await expect.poll(() => db.knex.client.pool.numUsed(), { timeout: 30_000 }).toBe(1)
    return { db, probe, slow }
  }

  it('answers busy from its last reading, without waiting for the statement', async () => {
    const { db, probe, slow } = await busyDatabase(4)
    const answer = await probe.check()
    expect(answer).toMatchObject({ status: 'ok', database: { reachable: true, busy: true }, migrations: { current: true } })
    expect(answer.database.postgis).toMatch(/^3\./)
    // the statement is still running: the answer did not wait for it
    expect(db.knex.client.pool.numUsed()).toBe(1)
    await slow
    // once free, a fresh reading again
    await expect.poll(async () => (await probe.check()).database.busy, { timeout: 30_000 }).toBeUndefined()
    await db.close()
  })

  it('answers unavailable once the probe has waited longer than a statement may run', async () => {
    // Long enough that the statement still runs when the last check below is made, however slowly
    // a loaded machine gets there (1.5 s of waiting makes the probe give up).
    const { db, probe, slow } = await busyDatabase(8)
    expect((await probe.check()).database.busy).toBe(true)
    await expect.poll(async () => (await probe.check()).status, { timeout: 30_000, interval: 300 }).toBe('unavailable')
    expect((await probe.check()).database).toMatchObject({ reachable: false, error: expect.stringMatching(/has not answered for \d+ s/) })
    await slow
    await db.close()
  })
})

describe('API documents', () => {
  it('serves OpenAPI 3 built from the route schemas, and the docs UI', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' })
    expect(res.statusCode).toBe(200)
    const doc = res.json()
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/api/v1/projects', '/api/v1/projects/{id}', '/api/v1/keys']))
    expect(doc.paths['/api/v1/projects'].post.requestBody.content['application/json'].schema.anyOf[0].properties.code).toBeDefined()
    expect(doc.components.schemas.Problem.properties.title).toBeDefined()
    const ui = await t.app.inject({ method: 'GET', url: '/docs/' })
    expect(ui.statusCode).toBe(200)
    expect(ui.headers['content-type']).toMatch(/text\/html/)
  })
})
