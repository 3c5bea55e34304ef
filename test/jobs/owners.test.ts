// Jobs carry their owner (issue 25): a start settles only the interrupted jobs whose process is
// gone. A command-line import running beside the service keeps its job, its version being loaded
// and its upload; a job whose process was killed (kill -9) or whose heartbeat is stale is failed
// and cleaned up at once. A cancelled queued import takes its upload with it.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs/promises'
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { cliActor } from '../../src/auth/service.js'
import { bundleJobKind } from '../../src/bundles/service.js'
import { layerKind, partitionName } from '../../src/catalogue/layer-kinds.js'
import { projectRoot } from '../../src/config.js'
import { importJobKind, importWorkRoot } from '../../src/import/jobs.js'
import { ActivationHooks } from '../../src/jobs/hooks.js'
import { Jobs } from '../../src/jobs/jobs.js'
import { buildTestApp, resetData, testDatabase, type TestApp } from '../helpers/app.js'
import { rect, shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let dir: string
const server = testDatabase().backend === 'server'
const quiet = { error: () => {}, warn: () => {} }

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})
beforeEach(async () => {
  await resetData(t.knex)
})

/** A process that only stays alive, for its pid: a live owner on this host. */
function liveProcess(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' })
}

/** A pid that existed and is gone: a child killed with SIGKILL, as kill -9, and reaped. */
async function deadPid(): Promise<number> {
  const child = liveProcess()
  const exited = new Promise((r) => child.on('exit', r))
  child.kill('SIGKILL')
  await exited
  return child.pid!
}

interface Owner {
  host: string
  pid: number
  /** seconds since the last heartbeat */
  age: number
}

/**
 * An import interrupted mid-load as another process leaves it: its row (running, owned by `owner`),
 * its version loading with a table of its own, its upload directory; a bundle run of the same owner
 * with a partial bundle.
 */
async function jobsOf(owner: Owner | null) {
  const uploadDir = `u-${randomUUID()}`
  await fs.mkdir(path.join(importWorkRoot(t.dataDir), uploadDir), { recursive: true })
  await fs.writeFile(path.join(importWorkRoot(t.dataDir), uploadDir, 'upload.zip'), 'PK')
  const owned = owner && {
    owner: randomUUID(),
    owner_host: owner.host,
    owner_pid: owner.pid,
    heartbeat_at: t.knex.raw('now() - make_interval(secs => ?)', [owner.age]),
  }
  const [imp] = await t
    .knex('import_jobs')
    .insert({
      layer: 'survey3',
      xzqdm: '371502',
      mode: 'replace',
      source_name: 'a.zip',
      source_sha256: 'x',
      status: 'running',
      options: '{}',
      upload_dir: uploadDir,
      ...owned,
    })
    .returning('id')
  const [ds] = await t
    .knex('datasets')
    .insert({ layer: 'survey3', xzqdm: '371502', version: 1, source_name: 'a.zip', status: 'loading', import_job_id: imp.id })
    .returning('id')
  const part = partitionName(layerKind('survey3')!, ds.id)
  await t.knex.raw(`CREATE TABLE "${part}" (LIKE survey3_patches)`)
  const [bun] = await t
    .knex('bundle_runs')
    .insert({ xzqdm: '371502', gap_meters: 0, min_bundle_m2: 0, status: 'running', created_by: 'test', ...owned })
    .returning('id')
  await t.knex.raw(
    `INSERT INTO bundles (run_id, xzqdm, bundle_no, members, member_ids, m2, geom)
       VALUES (?, '371502', 1, '{a}', '{1}', 1, ST_Multi(ST_MakeEnvelope(117, 36, 117.001, 36.001, 4490)))`,
    [bun.id],
  )
  const left = async () => ({
    importStatus: (await t.knex('import_jobs').first('status').where({ id: imp.id })).status as string,
    bundleStatus: (await t.knex('bundle_runs').first('status').where({ id: bun.id })).status as string,
    version: Boolean(await t.knex('datasets').first('id').where({ id: ds.id })),
    versionTable: (await t.knex.raw('SELECT to_regclass(?) AS t', [part])).rows[0].t !== null,
    bundles: Number((await t.knex('bundles').where({ run_id: bun.id }).count<{ n: number }[]>({ n: '*' }))[0]!.n),
    upload: existsSync(path.join(importWorkRoot(t.dataDir), uploadDir)),
  })
  return { left, importId: imp.id as number, bundleRunId: bun.id as number }
}

const untouched = { importStatus: 'running', bundleStatus: 'running', version: true, versionTable: true, bundles: 1, upload: true }
const settled = { importStatus: 'failed', bundleStatus: 'failed', version: false, versionTable: false, bundles: 0, upload: false }

describe('recovery at start, by owner', () => {
  it('leaves the jobs of a live process on this host alone: its version table, bundles and upload remain', async () => {
    const alive = liveProcess()
    try {
      const jobs = await jobsOf({ host: os.hostname(), pid: alive.pid!, age: 0 })
      expect(await t.app.jobs.recover()).toEqual({ failed: { import: 0, analysis: 0, bundles: 0 }, resumed: { import: 0, analysis: 0, bundles: 0 } })
      expect(await jobs.left()).toEqual(untouched)
    } finally {
      alive.kill('SIGKILL')
    }
  })

  it('leaves the jobs of a process on another host with a fresh heartbeat alone', async () => {
    const jobs = await jobsOf({ host: 'another-host.example', pid: process.pid, age: 5 })
    await t.app.jobs.recover()
    expect(await jobs.left()).toEqual(untouched)
  })

  it('settles at once the jobs of a process of this host killed with kill -9, its heartbeat still fresh', async () => {
    const jobs = await jobsOf({ host: os.hostname(), pid: await deadPid(), age: 0 })
    expect(await t.app.jobs.recover()).toEqual({ failed: { import: 1, analysis: 0, bundles: 1 }, resumed: { import: 0, analysis: 0, bundles: 0 } })
    expect(await jobs.left()).toEqual(settled)
  })

  it('settles at once the jobs of an earlier process that had this process’s pid (a restarted container)', async () => {
    const jobs = await jobsOf({ host: os.hostname(), pid: process.pid, age: 0 })
    await t.app.jobs.recover()
    expect(await jobs.left()).toEqual(settled)
  })

  it('settles the jobs of a process on another host whose heartbeat is stale', async () => {
    const jobs = await jobsOf({ host: 'another-host.example', pid: process.pid, age: 3600 })
    await t.app.jobs.recover()
    expect(await jobs.left()).toEqual(settled)
  })

  it('settles jobs that name no owner (rows from before owners)', async () => {
    const jobs = await jobsOf(null)
    await t.app.jobs.recover()
    expect(await jobs.left()).toEqual(settled)
  })

  it('removes upload directories no active job holds, but not one a live process holds', async () => {
    const alive = liveProcess()
    try {
      const jobs = await jobsOf({ host: os.hostname(), pid: alive.pid!, age: 0 })
      const orphan = path.join(importWorkRoot(t.dataDir), `u-${randomUUID()}`)
      await fs.mkdir(orphan)
      // Older than the grace an upload still arriving gets.
      const old = new Date(Date.now() - 3600_000)
      await fs.utimes(orphan, old, old)
      await t.app.jobs.recover()
      expect(existsSync(orphan)).toBe(false)
      expect((await jobs.left()).upload).toBe(true)
    } finally {
      alive.kill('SIGKILL')
    }
  })
})

describe('cancelling a job that runs in another process', () => {
  it('is refused while that process lives: it is its to stop', async () => {
    const alive = liveProcess()
    try {
      const jobs = await jobsOf({ host: os.hostname(), pid: alive.pid!, age: 0 })
      await expect(t.app.jobs.cancel('bundles', cliActor(), jobs.bundleRunId)).rejects.toThrow(/runs in another process/)
      expect(await jobs.left()).toEqual(untouched)
    } finally {
      alive.kill('SIGKILL')
    }
  })

  it('ends it at once when that process is gone, its partial rows and upload with it', async () => {
    const jobs = await jobsOf({ host: os.hostname(), pid: await deadPid(), age: 0 })
    expect(await t.app.jobs.cancel('import', cliActor(), jobs.importId)).toMatchObject({ status: 'cancelled' })
    expect(await t.app.jobs.cancel('bundles', cliActor(), jobs.bundleRunId)).toMatchObject({ status: 'cancelled' })
    expect(await jobs.left()).toEqual({ ...settled, importStatus: 'cancelled', bundleStatus: 'cancelled' })
    const audit = await t
      .knex('audit_log')
      .first('detail')
      .where({ action: 'bundle.cancel', object_id: String(jobs.bundleRunId) })
    expect(audit).toEqual({ detail: { how: 'owner-gone' } })
  })
})

/** A kind that runs until released: holds the runner, so that what is started after it stays queued. */
function blockingJobs(heartbeatSeconds?: number) {
  let release!: () => void
  const released = new Promise<void>((r) => (release = r))
  const jobs = new Jobs({
    knex: t.knex,
    log: quiet,
    hooks: new ActivationHooks(),
    heartbeatSeconds,
    kinds: [importJobKind({ dataDir: t.dataDir }), { ...bundleJobKind, run: async () => released }],
  })
  return { jobs, release }
}

describe('the owner of a job', () => {
  it('is written when the job is queued and when it runs, and its heartbeat advances while it is held', async () => {
    const { jobs, release } = blockingJobs(1)
    try {
      const { id } = await jobs.start('bundles', cliActor(), { county: '371502', gapMeters: 0, minBundleM2: 0 })
      const row = () => t.knex('bundle_runs').first('status', 'owner', 'owner_host', 'owner_pid', 'heartbeat_at').where({ id })
      const first = await row()
      expect(first).toMatchObject({ owner: jobs.owner.id, owner_host: os.hostname(), owner_pid: process.pid, heartbeat_at: expect.any(Date) })
      // Each beat moves heartbeat_at on (the database's clock); waited for, not timed.
      let later = first
      while ((later = await row()).heartbeat_at <= first.heartbeat_at || later.status !== 'running') await new Promise((r) => setTimeout(r, 100))
      expect(later.owner).toBe(jobs.owner.id)
    } finally {
      release()
      await jobs.close()
    }
  })
})

describe('a cancelled queued import', () => {
  it('removes its upload before the cancel answers', async () => {
    const { jobs, release } = blockingJobs()
    try {
      await jobs.start('bundles', cliActor(), { county: '371502', gapMeters: 0, minBundleM2: 0 })
      const workDir = path.join(importWorkRoot(t.dataDir), `u-${randomUUID()}`)
      await fs.mkdir(workDir, { recursive: true })
      const file = path.join(workDir, 'upload.zip')
      await fs.writeFile(file, 'PK')
      const { id } = await jobs.start('import', cliActor(), {
        layer: 'survey3',
        county: '371502',
        mode: 'replace',
        onInvalid: 'fail',
        file: { path: file, name: 'a.zip', sha256: 'x', workDir },
      })
      const row = await jobs.cancel('import', cliActor(), id)
      expect(row.status).toBe('cancelled')
      expect(existsSync(workDir)).toBe(false)
    } finally {
      release()
      await jobs.close()
    }
  })
})

/** What a statement's text or a table name in a message looks like. */
const sqlText = /insert into|select |survey3_patches|datasets|import_jobs/i

/** `cli import` as an operator runs it, in a process of its own; its exit code and output. */
function cliImport(zip: string, env: Record<string, string> = {}) {
  const { url } = testDatabase()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'import', zip, '--layer', 'survey3', '--county', '371502'], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: url, DATA_DIR: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exit = new Promise<{ code: number | null; output: string }>((r) => child.on('exit', (code) => r({ code, output })))
  return { child, exit }
}

/** The import job of the CLI once its version is being loaded: polled, the CLI being another process. */
async function loadingImport(exit: Promise<{ output: string }>) {
  let over = false
  void exit.then(() => (over = true))
  while (!over) {
    const row = await t
      .knex('import_jobs as j')
      .join('datasets as d', 'd.import_job_id', 'j.id')
      .first('j.id', 'j.status', 'd.id as datasetId')
      .where({ 'j.status': 'running', 'd.status': 'loading' })
    if (row) return row as { id: number; datasetId: number }
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`the CLI import ended before it loaded: ${(await exit).output}`)
}

describe.skipIf(!server)('a command-line import beside a starting service', () => {
  let zip: string
  beforeAll(async () => {
    const features = []
    for (let i = 0; i < 30_000; i++) {
      const x = 410000 + (i % 200) * 20
      const y = 4030000 + Math.floor(i / 200) * 20
      features.push({ parts: [rect(x, y, x + 15, y + 15)], values: { BSM: i + 1, DLBM: '0601' } })
    }
    zip = await shapefileZip(dir, 'big', { fields: surveyFields, features })
  })

  it('is left to run: the start fails nothing, the CLI imports the version', async () => {
    const cli = cliImport(zip)
    const job = await loadingImport(cli.exit)
    expect((await t.app.jobs.recover()).failed.import).toBe(0)
    const { code, output } = await cli.exit
    expect(code, output).toBe(0)
    expect(await t.knex('import_jobs').first('status').where({ id: job.id })).toEqual({ status: 'succeeded' })
    expect(await t.knex('datasets').first('active').where({ id: job.datasetId })).toEqual({ active: true })
  })

  it('whose heartbeat went stale is failed by the start; the CLI says so, without SQL', async () => {
    // Its own heartbeat would not come back before the start decides (one an hour).
    const cli = cliImport(zip, { JOB_HEARTBEAT_SECONDS: '3600' })
    const job = await loadingImport(cli.exit)
    await t
      .knex('import_jobs')
      .where({ id: job.id })
      .update({ heartbeat_at: t.knex.raw("now() - interval '1 hour'") })
    expect((await t.app.jobs.recover()).failed.import).toBe(1)
    const { code, output } = await cli.exit
    expect(code, output).toBe(1)
    expect(output).toMatch(/ended by another process/)
    expect(output).toMatch(/error: interrupted: the process that ran it stopped, or stopped answering/)
    expect(output).not.toMatch(sqlText)
    expect(await t.knex('datasets').first('id').where({ id: job.datasetId })).toBeUndefined()
  })

  it('that loses its database connection says so, without SQL', async () => {
    const cli = cliImport(zip)
    await loadingImport(cli.exit)
    let over = false
    void cli.exit.then(() => (over = true))
    // The CLI's loading statements are killed until it gives up (a kill may land between two of them).
    while (!over) {
      await t.knex.raw(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query ~ ?`,
        // rows go by COPY on a server where they can, by INSERT otherwise (src/import/copy-batch.ts)
        ['(INSERT INTO|COPY) "survey3_patches_d'],
      )
      await new Promise((r) => setTimeout(r, 10))
    }
    const { code, output } = await cli.exit
    expect(code, output).toBe(1)
    expect(output).toMatch(/connection was lost/)
    expect(output).not.toMatch(sqlText)
  })
})
