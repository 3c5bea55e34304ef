// Cancel goes through the job owner for imports, analysis runs and bundle runs alike: a queued job
// is dropped and ended at once; a running one is aborted and the answer waits for its recorded end.
// Same problem documents, audit rows and region checks for every kind.
import fs from 'node:fs/promises'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/connection.js'
import { buildTestApp, keyFor, openTestDatabase, resetData, testDatabase, withKey, type TestApp } from '../helpers/app.js'
import { lonLatRectangle } from '../helpers/geometry.js'
import { gkRect } from '../helpers/gk.js'
import { importFile, jobEvent, upload } from '../helpers/imports.js'
import { shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
let plots: string
let big: string
let observer: Database
const server = testDatabase().backend === 'server'

beforeAll(async () => {
  t = await buildTestApp()
  observer = openTestDatabase()
  dir = await tempDir()
  const plotFields = [
    { name: 'TBBH', type: 'C' as const, length: 10 },
    { name: 'ZLDWDM', type: 'C' as const, length: 12 },
  ]
  plots = await shapefileZip(dir, 'plots', {
    fields: plotFields,
    features: Array.from({ length: 40 }, (_, i) => ({ parts: [gkRect(i * 100, 0, i * 100 + 90, 90)], values: { TBBH: `P${i}`, ZLDWDM: '371502001000' } })),
  })
  big = await shapefileZip(dir, 'big', {
    fields: surveyFields,
    features: Array.from({ length: 30_000 }, (_, i) => {
      const x = 5000 + (i % 200) * 20
      const y = Math.floor(i / 200) * 20
      return { parts: [gkRect(x, y, x + 15, y + 15)], values: { BSM: i + 1, DLBM: '0601' } }
    }),
  })
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

const post = (url: string, payload: object, k = key) => t.app.inject({ method: 'POST', url, headers: withKey(k), payload })
const del = (url: string, k = key) => t.app.inject({ method: 'DELETE', url, headers: withKey(k) })
const audits = (action: string, id: number) =>
  t
    .knex('audit_log')
    .select('result', 'detail')
    .where({ action, object_id: String(id) })

/** A long import holding the runner (one job at a time), so that what is started next waits in the queue. */
async function holdRunner() {
  const running = jobEvent(t.app, (e) => e.kind === 'import' && e.type === 'running')
  const job = (await upload(t, key, { layer: 'survey3' }, big)).json()
  await running
  return job as { id: number; url: string }
}

describe('cancelling a queued job', () => {
  for (const [kind, start] of [
    ['analysis', () => post('/api/v1/analysis/runs', {})],
    ['bundle', () => post('/api/v1/bundles/runs', { gapMeters: 0 })],
  ] as const) {
    it(`ends a queued ${kind} run at once, audited; another county's key gets 404, an ended run 409`, async () => {
      const holder = await holdRunner()
      const res = await start()
      expect(res.statusCode, res.body).toBe(202)
      const { id, url } = res.json()
      const other = await keyFor(t.knex, 'county', '371521')
      const refused = await del(url, other)
      expect(refused.statusCode).toBe(404)
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/)
      const cancelled = await del(url)
      expect(cancelled.statusCode, cancelled.body).toBe(200)
      expect(cancelled.json()).toMatchObject({ id, status: 'cancelled', errors: [{ message: 'cancelled' }], finishedAt: expect.any(String) })
      expect(await audits(`${kind}.cancel`, id)).toEqual([{ result: 'ok', detail: { how: 'dequeued' } }])
      // It never runs: the runner no longer holds it, and its row says how it ended.
      expect(await t.app.jobs.ended(kind === 'bundle' ? 'bundles' : 'analysis', id)).toBe('cancelled')
      expect(
        (
          await t
            .knex(kind === 'bundle' ? 'bundle_runs' : 'analysis_runs')
            .first('started_at')
            .where({ id })
        ).started_at,
      ).toBeNull()
      const again = await del(url)
      expect(again.statusCode).toBe(409)
      expect(again.json()).toMatchObject({ status: 409, detail: expect.stringMatching(/has already cancelled/), detailZh: expect.stringMatching(/无法取消/) })
      // The refused attempts are recorded too, by the request (404 for the other county's key, 409).
      const refusals = await t
        .knex('audit_log')
        .select('result', 'detail')
        .where({ action: `DELETE ${url.replace(/\d+$/, ':id')}`, object_id: String(id) })
      expect(refusals.map((r) => [r.result, r.detail.status])).toEqual([
        ['denied', 404],
        ['failed', 409],
      ])
      // The holder has done its part; stop it if it still runs.
      await del(holder.url)
      await t.app.jobs.ended('import', holder.id)
    })
  }
})

describe('cancelling a running job', () => {
  it('answers an import’s end only once its run has stopped and removed what it loaded', async () => {
    const loading = jobEvent(t.app, (e) => e.kind === 'import' && e.type === 'progress')
    const { id, url } = (await upload(t, key, { layer: 'survey3' }, big)).json()
    await loading
    const res = await del(url)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ id, status: 'cancelled', datasetId: null })
    expect(await t.knex('datasets').count<{ n: number }>({ n: '*' }).first()).toEqual({ n: 0 })
    expect(await audits('import.cancel', id)).toEqual([{ result: 'ok', detail: { how: 'aborted' } }])
    expect(await audits('import.finish', id)).toEqual([{ result: 'failed', detail: expect.objectContaining({ status: 'cancelled' }) }])
  })

  // The run is held inside a statement by a table lock from another connection (a server database:
  // the embedded one serves one transaction at a time), the cancel is sent, then the lock is released.
  describe.skipIf(!server)('held by a lock', () => {
    /** Until a statement of the service waits for the lock on `table` (asked of the database, from the observer). */
    async function waitedOnLock(table: string) {
      const waiting = async () => {
        const { rows } = await observer.knex.raw(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE NOT l.granted AND l.relation = ?::regclass AND a.application_name = 'lowland-redevelopment'`,
          [table],
        )
        return rows[0].n as number
      }
      await expect.poll(waiting, { timeout: 30_000, message: `a statement of the service waiting for the lock on ${table}` }).toBeGreaterThan(0)
    }

    async function cancelWhileHeld(table: string, start: () => Promise<{ id: number; url: string }>) {
      const trx = await observer.knex.transaction()
      try {
        await trx.raw(`LOCK TABLE ${table} IN SHARE MODE`)
        const job = await start()
        await waitedOnLock(table)
        const cancelling = jobEvent(t.app, (e) => e.type === 'cancelling' && e.id === job.id)
        const answer = del(job.url)
        await cancelling
        await trx.commit()
        return { job, answer: await answer }
      } finally {
        if (!trx.isCompleted()) await trx.rollback()
      }
    }

    it('stops a bundle run: none of its bundles stay, the current ones remain', async () => {
      const imported = await importFile(t, key, { layer: 'plots' }, plots)
      const current = imported.followUps[0].id
      const { job, answer } = await cancelWhileHeld('bundles', async () => (await post('/api/v1/bundles/runs', { gapMeters: 20 })).json())
      expect(answer.statusCode, answer.body).toBe(200)
      expect(answer.json()).toMatchObject({ id: job.id, status: 'cancelled', active: false })
      expect(await t.knex('bundles').where({ run_id: job.id }).count<{ n: number }>({ n: '*' }).first()).toEqual({ n: 0 })
      expect((await t.knex('bundle_runs').first('id').where({ xzqdm: '371502', active: true })).id).toBe(current)
      expect(await t.knex('bundles').where({ run_id: current }).count<{ n: number }>({ n: '*' }).first()).toEqual({ n: 40 })
      expect(await audits('bundle.cancel', job.id)).toEqual([{ result: 'ok', detail: { how: 'aborted' } }])
    })

    it('stops an analysis run after the projects in hand; what it stored stays, nothing is pruned', async () => {
      for (let i = 0; i < 3; i++) {
        const geometry = lonLatRectangle(115.95 + i * 0.01, 36.45, 115.953 + i * 0.01, 36.452)
        expect((await post('/api/v1/projects', { code: `P-${i}`, geometry })).statusCode).toBe(201)
      }
      const { job, answer } = await cancelWhileHeld('analysis_results', async () => (await post('/api/v1/analysis/runs', {})).json())
      expect(answer.statusCode, answer.body).toBe(200)
      expect(answer.json()).toMatchObject({ id: job.id, status: 'cancelled', done: 3, errors: [{ message: 'cancelled' }] })
      expect(await t.knex('analysis_results').count<{ n: number }>({ n: '*' }).first()).toEqual({ n: 3 })
      expect(await audits('analysis.cancel', job.id)).toEqual([{ result: 'ok', detail: { how: 'aborted' } }])
    })
  })
})
