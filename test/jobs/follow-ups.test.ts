// What follows a new layer version: re-bundling is a bundle run of its own, recorded with the
// version's activation. A process killed (SIGKILL) between that commit and the bundle run's end
// leaves it recorded; the next start runs it again, so nothing that must follow the version is lost.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { cliActor } from '../../src/auth/service.js'
import { projectRoot } from '../../src/config.js'
import { importJobKind } from '../../src/import/jobs.js'
import { ActivationHooks } from '../../src/jobs/hooks.js'
import { Jobs } from '../../src/jobs/jobs.js'
import { buildTestApp, keyFor, resetData, testDatabase, withKey, type TestApp } from '../helpers/app.js'
import { gkRect } from '../helpers/gk.js'
import { jobEvent, upload } from '../helpers/imports.js'
import { shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
let plots: string

const plotFields = [
  { name: 'TBBH', type: 'C' as const, length: 10 },
  { name: 'ZLDWDM', type: 'C' as const, length: 12 },
  { name: 'QSDWDM', type: 'C' as const, length: 12 },
]
/** Rows of touching 100 m plots, 10 to a row: one bundle per row. */
const plotRows = (rows: number) =>
  Array.from({ length: rows * 10 }, (_, i) => {
    const x = (i % 10) * 100
    const y = Math.floor(i / 10) * 200
    return { parts: [gkRect(x, y, x + 100, y + 100)], values: { TBBH: `P${i}`, ZLDWDM: '371502001000', QSDWDM: '371502001001' } }
  })

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  plots = await shapefileZip(dir, 'plots', { fields: plotFields, features: plotRows(12) })
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})
beforeEach(async () => {
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
})

/** Runs the import in a process of its own that kills itself at `event` of the follow-up; its exit signal. */
async function importAndDie(event: 'queued' | 'progress'): Promise<{ signal: string | null; output: string }> {
  const { url, backend } = testDatabase()
  const sha256 = createHash('sha256')
    .update(await fs.readFile(plots))
    .digest('hex')
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/jobs/fixtures/stop-after-activation.ts', url, backend, t.dataDir, plots, sha256, event], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ signal, output })))
}

const bundlesOf = async (runId: number) => Number((await t.knex('bundles').where({ run_id: runId }).count<{ n: number }>({ n: '*' }).first())!.n)

describe('a process killed after the activation commits', () => {
  for (const event of ['queued', 'progress'] as const) {
    it(`leaves the recorded bundle run to the next start, which runs it (killed at its '${event}')`, async () => {
      const died = await importAndDie(event)
      expect(died.signal, died.output).toBe('SIGKILL')
      // The version, the import's success and the queued follow-up committed together.
      const imp = await t.knex('import_jobs').first('id', 'status', 'follow_ups', 'warnings').where({ layer: 'plots' })
      expect(imp.status).toBe('succeeded')
      expect(await t.knex('datasets').first('active').where({ layer: 'plots', import_job_id: imp.id })).toEqual({ active: true })
      expect(imp.follow_ups).toEqual([{ kind: 'bundles', id: expect.any(Number) }])
      const runId = imp.follow_ups[0].id
      const before = await t.knex('bundle_runs').first('status', 'active', 'after_import_job_id').where({ id: runId })
      expect(before).toEqual({ status: event === 'queued' ? 'queued' : 'running', active: false, after_import_job_id: imp.id })
      if (event === 'progress') expect(await bundlesOf(runId)).toBe(12) // written, not yet current

      // The next start (what server.ts does once) runs it again instead of failing it.
      expect(await t.app.jobs.recover()).toEqual({ failed: { import: 0, analysis: 0, bundles: 0 }, resumed: { import: 0, analysis: 0, bundles: 1 } })
      expect(await t.app.jobs.ended('bundles', runId)).toBe('succeeded')
      const run = (await t.app.inject({ method: 'GET', url: `/api/v1/bundles/runs/${runId}`, headers: withKey(key) })).json()
      expect(run).toMatchObject({ status: 'succeeded', active: true, bundleCount: 12, afterImportJobId: imp.id })
      expect(await bundlesOf(runId)).toBe(12) // its rows from before the kill were removed first, not doubled
      const job = (await t.app.inject({ method: 'GET', url: `/api/v1/imports/${imp.id}`, headers: withKey(key) })).json()
      expect(job.followUps).toEqual([{ kind: 'bundles', id: runId, url: `/api/v1/bundles/runs/${runId}`, status: 'succeeded' }])
    })
  }
})

describe('a follow-up bundle run', () => {
  it('is a job of its own: named by the import, with progress, and cancellable while it waits', async () => {
    // A long import holds the runner, so the plots' follow-up waits in the queue behind it.
    const land = Array.from({ length: 30_000 }, (_, i) => {
      const x = 2000 + (i % 200) * 20
      const y = Math.floor(i / 200) * 20
      return { parts: [gkRect(x, y, x + 15, y + 15)], values: { BSM: i + 1, DLBM: '0601' } }
    })
    const big = await shapefileZip(dir, 'big', { fields: surveyFields, features: land })
    const plotsJob = (await upload(t, key, { layer: 'plots' }, plots)).json()
    const queued = jobEvent(t.app, (e) => e.kind === 'bundles' && e.type === 'queued')
    const bigJob = (await upload(t, key, { layer: 'survey3' }, big)).json()
    const followUp = await queued
    // The plots import ended before its follow-up was queued (behind the big import, still running).
    const job = (await t.app.inject({ method: 'GET', url: plotsJob.url, headers: withKey(key) })).json()
    expect(job).toMatchObject({ status: 'succeeded', followUps: [{ kind: 'bundles', id: followUp.id, status: 'queued' }] })
    // Owned by this process from the activation's commit on: a start elsewhere leaves it to this one.
    expect(await t.knex('bundle_runs').first('owner').where({ id: followUp.id })).toEqual({ owner: t.app.jobs.owner.id })

    const other = await keyFor(t.knex, 'county', '371521')
    const url = `/api/v1/bundles/runs/${followUp.id}`
    expect((await t.app.inject({ method: 'DELETE', url, headers: withKey(other) })).statusCode).toBe(404)
    const cancelled = await t.app.inject({ method: 'DELETE', url, headers: withKey(key) })
    expect(cancelled.statusCode, cancelled.body).toBe(200)
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', afterImportJobId: plotsJob.id })
    // Cancelled is an end: the next start leaves it so.
    await t.app.jobs.ended('import', bigJob.id)
    expect((await t.app.jobs.recover()).resumed.bundles).toBe(0)
    expect((await t.knex('bundle_runs').first('status').where({ id: followUp.id })).status).toBe('cancelled')
    const audit = await t
      .knex('audit_log')
      .first('result', 'detail')
      .where({ action: 'bundle.cancel', object_id: String(followUp.id) })
    expect(audit).toEqual({ result: 'ok', detail: { how: 'dequeued' } })
    // None of its bundles was made: the county has none.
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/bundles', headers: withKey(key) })).json().features).toEqual([])
    expect((await t.knex('import_jobs').first('status').where({ id: bigJob.id })).status).toBe('succeeded')
  })
})

describe('what must follow a new version', () => {
  it('commits with its activation: a hook that fails undoes its own writes and the switch, and the import says which step', async () => {
    const hooks = new ActivationHooks()
      .register('writing first', async (trx, e) => {
        await trx('audit_log').insert({ action: 'test.hook', object_type: 'dataset', object_id: String(e.datasetId), xzqdm: e.county, result: 'ok' })
        return { notes: [{ message: 'written' }] }
      })
      .register('failing next', async () => {
        throw new Error('no such thing')
      })
    const jobs = new Jobs({ knex: t.knex, log: { error: () => {}, warn: () => {} }, hooks, kinds: [importJobKind({ dataDir: t.dataDir })] })
    const sha256 = createHash('sha256')
      .update(await fs.readFile(plots))
      .digest('hex')
    const params = { layer: 'plots', county: '371502', mode: 'replace' as const, onInvalid: 'fail' as const, file: { path: plots, name: 'plots.zip', sha256 } }
    const { id } = await jobs.start('import', cliActor(), params)
    expect(await jobs.ended('import', id)).toBe('failed')
    const job = await t.knex('import_jobs').first('errors', 'dataset_id').where({ id })
    expect(job.errors).toEqual([
      {
        message: 'the new version was not activated: failing next failed: no such thing',
        messageZh: expect.stringMatching(/^数据已读入，但新版本未启用（failing next failed: no such thing）/),
      },
    ])
    expect(job.dataset_id).toBeNull()
    expect(await t.knex('audit_log').where({ action: 'test.hook' }).first()).toBeUndefined()
    expect(await t.knex('datasets').count<{ n: number }>({ n: '*' }).first()).toEqual({ n: 0 })
    await jobs.close()
  })
})
