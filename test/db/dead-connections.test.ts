// Pooled connections whose backends PostgreSQL terminated (pg_terminate_backend, as a restart or a
// failover does): the requests that meet them are served on fresh connections, not answered 503
// (issue 25). On the server backend only: the embedded database's one connection is its own child.
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectionLost } from '../../src/db/connection.js'
import { asRequestWork } from '../../src/db/request-work.js'
import { eachRow } from '../../src/ogc/row-stream.js'
import { buildTestApp, keyFor, resetData, testDatabase, withKey, type TestApp } from '../helpers/app.js'

const server = testDatabase().backend === 'server'
let t: TestApp
let key: string
let observer: pg.Client

beforeAll(async () => {
  if (!server) return
  t = await buildTestApp()
  await resetData(t.knex)
  key = await keyFor(t.knex, 'province')
  // Not the service's application_name: the observer must not terminate itself.
  observer = new pg.Client({ connectionString: testDatabase().url, application_name: 'lowland-test-observer' })
  await observer.connect()
})
afterAll(async () => {
  await observer?.end()
  await t?.close()
})

const pool = () => t.knex.client.pool as { numFree(): number; numUsed(): number }

/** Opens `n` pooled connections at once (each held by a statement until all are out), then frees them. */
async function warm(n: number) {
  await Promise.all(Array.from({ length: n }, () => t.knex.raw('SELECT pg_sleep(0.2)')))
  expect(pool().numFree()).toBeGreaterThanOrEqual(n)
}

/**
 * Terminates the service's backends in this test database (never another database's: the server
 * is shared) and answers how many; their pooled clients do not know yet.
 */
async function terminateService(): Promise<number> {
  const { rows } = await observer.query(
    `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = 'lowland-redevelopment' AND datname = current_database() AND pid <> pg_backend_pid()) k`,
  )
  return rows[0].n
}

const reads = ['/api/v1/projects', '/ogc/collections/projects/items?limit=5', '/api/v1/layers', '/api/v1/projects?limit=1']

describe.skipIf(!server)('pooled connections whose backends were terminated', () => {
  it('every GET after the termination answers 200, concurrent or one after another', async () => {
    for (let round = 0; round < 3; round++) {
      await warm(4)
      expect(await terminateService()).toBeGreaterThanOrEqual(4)
      const answers = await Promise.all(reads.map((url) => t.app.inject({ method: 'GET', url, headers: withKey(key) })))
      for (const [i, res] of answers.entries())
        expect({ url: reads[i], status: res.statusCode, body: res.statusCode === 200 ? '' : res.body }).toEqual({ url: reads[i], status: 200, body: '' })
      await warm(4)
      expect(await terminateService()).toBeGreaterThanOrEqual(4)
      for (const url of reads) {
        const res = await t.app.inject({ method: 'GET', url, headers: withKey(key) })
        expect({ url, status: res.statusCode, body: res.statusCode === 200 ? '' : res.body }).toEqual({ url, status: 200, body: '' })
      }
    }
  })

  it('a statement read row by row (OGC items, src/ogc/row-stream.ts) that met a terminated backend is read again on a fresh connection', async () => {
    for (let round = 0; round < 3; round++) {
      await warm(1)
      expect(await terminateService()).toBeGreaterThanOrEqual(1)
      const work = { statementTimeoutMs: 0, running: new Set<pg.Client>(), readOnly: true }
      const rows: number[] = []
      await asRequestWork(work, () => eachRow<{ n: number }>(t.knex, 'SELECT generate_series(1, 3) AS n', [], (r) => rows.push(r.n)))
      expect(rows).toEqual([1, 2, 3])
    }
  })

  it('a statement in a transaction is not run again elsewhere: it fails, and so does the transaction', async () => {
    await warm(1)
    let statement: unknown
    // As the work of a GET, whose statements alone may be run again.
    const work = { statementTimeoutMs: 0, running: new Set<pg.Client>(), readOnly: true }
    const transaction = asRequestWork(work, () =>
      t.knex.transaction(async (trx) => {
        await trx.raw('SELECT 1')
        expect(await terminateService()).toBeGreaterThanOrEqual(1)
        // Run on another connection it would answer, outside the transaction it belongs to.
        statement = await trx.raw('SELECT 2 AS two').then(
          () => 'answered',
          (err: Error) => err,
        )
      }),
    )
    const ended = await transaction.then(
      () => 'committed',
      (err: Error) => err,
    )
    // Both failed as a lost connection does (the wording varies with when node-pg learnt it).
    expect(connectionLost(statement as Error), String(statement)).toBe(true)
    expect(connectionLost(ended as Error), String(ended)).toBe(true)
    // The pool has let the dead connections go.
    expect((await t.knex.raw('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  })
})
