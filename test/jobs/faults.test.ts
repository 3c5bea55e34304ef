// The fault run: a job stopped at each named stage (src/jobs/fault-points.ts), as a crash does it
// (kill -9 of the process running it, then the next start's recovery) and as a database restart
// does it (pg_terminate_backend of the job's connection, the service running on). Whatever the
// stage, recovery must be clean: every job ended (or a recorded follow-up run again to its end), no
// version left loading and no table without its version, the layer's active version the old one or
// the new one with what follows it (stale analyses, projects, bundles) in the same state, no upload
// left, and the same file importable again.
import { spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { layerKinds } from '../../src/catalogue/layer-kinds.js'
import { defaultConfig, projectRoot } from '../../src/config.js'
import { setFaultHook, type FaultPointName } from '../../src/jobs/fault-points.js'
import { generateCounty } from '../../src/testdata/generate.js'
import { buildTestApp, keyFor, resetData, testDatabase, withKey, type TestApp } from '../helpers/app.js'
import { importFile, tempFilesLeft, upload } from '../helpers/imports.js'
import { tempDir } from '../helpers/shapefiles.js'

type Job = 'import' | 'analysis' | 'bundles'
/** What is stopped: a job, and for an import the layer (survey3: stale marks and a re-bundle follow-up; projects: project sync). */
interface Case {
  job: Job
  layer?: 'survey3' | 'projects'
  stage: FaultPointName
}

const server = testDatabase().backend === 'server'
const county = '371502'
const defaults = defaultConfig()
let t: TestApp & { dataDir: string }
let key: string
let dir: string
/** the county's first delivery, and a second one of survey3 and projects (another seed: other files) */
const first: Record<string, string> = {}
const second: Record<string, string> = {}

beforeAll(async () => {
  // Small batches, so that a small file is loaded in several and a stage between them exists (the
  // app hands these limits to the import as they are; batchSize is tuning, not configuration).
  const importLimits = { ...defaults.limits.import, batchSize: 100 } as typeof defaults.limits.import
  t = await buildTestApp(undefined, { config: { limits: { ...defaults.limits, import: importLimits } } })
  dir = await tempDir()
  const layers = ['survey3', 'projects', 'plots'] as const
  for (const g of await generateCounty({ outDir: path.join(dir, 'a'), patches: 300, layers: [...layers] })) first[g.layer] = g.zip
  for (const g of await generateCounty({ outDir: path.join(dir, 'b'), patches: 300, seed: 7, layers: ['survey3', 'projects'] })) second[g.layer] = g.zip
})
afterAll(async () => {
  await t?.close()
  await fs.rm(dir, { recursive: true, force: true })
})
afterEach(() => setFaultHook(undefined))

interface Baseline {
  /** the active dataset of each layer */
  active: Record<string, number>
  bundleRun: number
  analyses: number
}

/** The county before the fault: survey3, projects and plots loaded (with their bundle run), every project analysed. */
async function baseline(): Promise<Baseline> {
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', county)
  for (const layer of ['survey3', 'projects', 'plots']) {
    const job = await importFile(t, key, { layer }, first[layer]!)
    expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
  }
  const run = await t.app.inject({ method: 'POST', url: '/api/v1/analysis/runs', headers: withKey(key), payload: {} })
  expect(await t.app.jobs.ended('analysis', run.json().id)).toBe('succeeded')
  const analyses = await count('analysis_results', { stale: false })
  expect(analyses).toBeGreaterThan(0)
  const active = Object.fromEntries((await t.knex('datasets').select('layer', 'id').where({ active: true })).map((d) => [d.layer, d.id]))
  const bundleRun = (await t.knex('bundle_runs').first('id').where({ active: true })).id
  return { active, bundleRun, analyses }
}

const count = async (table: string, where: Record<string, unknown> = {}) =>
  Number((await t.knex(table).where(where).count<{ n: number }>({ n: '*' }).first())!.n)

/** Runs the case's job in a process of its own that kills itself at the stage; its exit signal and output. */
async function runAndKill(c: Case): Promise<{ signal: string | null; output: string }> {
  const { url, backend } = testDatabase()
  const args = [url, backend, t.dataDir, c.job, ...(c.layer ? [c.layer, second[c.layer]!] : [])]
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/jobs/fixtures/fault-run.ts', ...args], {
    cwd: projectRoot,
    env: { ...process.env, LR_FAULT_AT: c.stage },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ signal, output })))
}

/** Waits for every bundle run the recovery (or an import) started in this process. */
async function followUpsEnded() {
  for (const r of await t.knex('bundle_runs').select('id').whereIn('status', ['queued', 'running'])) await t.app.jobs.ended('bundles', r.id)
}

/** A user's text that shows SQL or a table's name. */
const sqlInText = /\b(SELECT|INSERT|UPDATE|DELETE|ALTER|CREATE|DROP)\b|_d\d+\b|"|_(jobs|runs|results|patches|plots)\b/

/** Everything a fault may not leave behind, whatever the stage; answers the job of the case. */
async function expectClean(c: Case, before: Baseline, lost: RegExp) {
  // Every job ended; a failed one says why, without SQL.
  for (const table of ['import_jobs', 'analysis_runs', 'bundle_runs']) {
    const rows = await t.knex(table).select('id', 'status', 'errors')
    for (const r of rows) {
      expect(['succeeded', 'failed', 'cancelled'], `${table} ${r.id}`).toContain(r.status)
      if (r.status === 'failed') {
        expect(r.errors[0].message, JSON.stringify(r.errors)).toMatch(lost)
        expect(r.errors[0].messageZh).toMatch(/[\u4e00-\u9fff]/)
        for (const e of r.errors) expect(`${e.message} ${e.messageZh}`).not.toMatch(sqlInText)
      }
    }
  }
  // No version left loading, and the version tables are exactly the ready versions', each attached.
  expect(await count('datasets', { status: 'loading' })).toBe(0)
  const pattern = `^(${layerKinds.map((k) => k.table).join('|')})_d([0-9]+)$`
  const { rows: tables } = await t.knex.raw(
    `SELECT c.relname AS name, EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid) AS attached
       FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace AND c.relname ~ ? ORDER BY 1`,
    [pattern],
  )
  const ready = await t.knex('datasets').select('id', 'layer').where({ status: 'ready' })
  const expected = ready.map((d) => `${layerKinds.find((k) => k.key === d.layer)!.table}_d${d.id}`).sort()
  expect(tables.map((r: { name: string }) => r.name)).toEqual(expected)
  expect(tables.every((r: { attached: boolean }) => r.attached)).toBe(true)
  expect(tempFilesLeft(t.dataDir)).toEqual([])
  // The service answers.
  expect((await t.app.inject({ method: 'GET', url: '/api/v1/imports', headers: withKey(key) })).statusCode).toBe(200)

  const table = { import: 'import_jobs', analysis: 'analysis_runs', bundles: 'bundle_runs' }[c.job]
  const job = await t.knex(table).first('*').orderBy('id', 'desc')
  if (c.job === 'import') await importConsistent(c, before, job)
  else if (c.job === 'bundles') {
    // A run that did not end succeeded leaves none of its bundles, and the county's current ones stand.
    const active = (await t.knex('bundle_runs').first('id').where({ active: true })).id
    expect(active).toBe(job.status === 'succeeded' ? job.id : before.bundleRun)
    if (job.status !== 'succeeded') expect(await count('bundles', { run_id: job.id })).toBe(0)
  } else {
    // What an analysis run stored stays valid (each result complete); nothing went stale.
    expect(await count('analysis_results', { stale: true })).toBe(0)
  }
  return job
}

/** The faulted import: its version active exactly when it succeeded, and what follows a version with it. */
async function importConsistent(c: Case, before: Baseline, job: { id: number; status: string; follow_ups: unknown }) {
  const layer = c.layer!
  const active = await t.knex('datasets').first('id', 'import_job_id').where({ layer, active: true })
  const landed = job.status === 'succeeded'
  expect(active.id === before.active[layer], `active ${layer} version`).toBe(!landed)
  if (landed) expect(active.import_job_id).toBe(job.id)
  if (layer === 'survey3') {
    // Stale marks commit with the switch: every stored analysis stale, or none.
    expect(await count('analysis_results', { stale: true })).toBe(landed ? before.analyses : 0)
    // The re-bundle follow-up was recorded with the switch, and ran (again) to its end.
    const run = await t.knex('bundle_runs').first('id', 'status', 'after_import_job_id').where({ active: true })
    if (landed) {
      expect(job.follow_ups).toEqual([{ kind: 'bundles', id: expect.any(Number) }])
      const followUp = await t.knex('bundle_runs').first('id', 'status').where({ after_import_job_id: job.id })
      expect(followUp.status).not.toMatch(/queued|running/)
      // Failed only by a lost connection (below, the cases that end it): then the old bundles stand.
      expect(run.id).toBe(followUp.status === 'succeeded' ? followUp.id : before.bundleRun)
    } else expect(run.id).toBe(before.bundleRun)
  } else {
    // Projects follow their layer in the switch's transaction: all from the new version, or all from the old.
    const sources = await t.knex('projects').distinct('source_dataset_id').pluck('source_dataset_id')
    expect(sources).toEqual([active.id])
  }
}

/** The same file again, through the API: 'unchanged' only if the faulted import landed; else it lands now. */
async function importAgain(c: Case, landed: boolean) {
  const again = await importFile(t, key, { layer: c.layer! }, second[c.layer!]!)
  expect(again.status, JSON.stringify(again.errors)).toBe('succeeded')
  expect(again.unchanged).toBe(landed)
  const active = await t.knex('datasets').first('import_job_id').where({ layer: c.layer, active: true })
  if (!landed) expect(active.import_job_id).toBe(again.id)
}

const importStages: FaultPointName[] = [
  'import.queued',
  'import.opened',
  'import.version-created',
  'import.loading-batch',
  'import.loaded',
  'import.attached',
  'import.before-activation',
  'import.inside-activation',
  'import.after-activation',
]
const cases: Case[] = [
  ...importStages.map((stage) => ({ job: 'import' as const, layer: 'survey3' as const, stage })),
  // the re-bundle follow-up of the survey3 import, stopped in its run
  { job: 'import', layer: 'survey3', stage: 'bundles.written' },
  { job: 'import', layer: 'survey3', stage: 'bundles.inside-activation' },
  // project sync commits with the switch, or not at all
  { job: 'import', layer: 'projects', stage: 'import.inside-activation' },
  { job: 'import', layer: 'projects', stage: 'import.after-activation' },
  { job: 'analysis', stage: 'analysis.chunk-stored' },
  { job: 'analysis', stage: 'analysis.before-prune' },
  { job: 'bundles', stage: 'bundles.written' },
  { job: 'bundles', stage: 'bundles.inside-activation' },
]
const name = (c: Case) => `${c.job}${c.layer ? ` of ${c.layer}` : ''} at ${c.stage}`

describe('a process killed (SIGKILL) at each stage, then the next start', () => {
  let before: Baseline
  beforeEach(async () => {
    before = await baseline()
  })

  for (const c of cases) {
    it(name(c), async () => {
      const died = await runAndKill(c)
      expect(died.signal, died.output).toBe('SIGKILL')
      // What server.ts does once at start.
      await t.app.jobs.recover()
      await followUpsEnded()
      const job = await expectClean(c, before, /^interrupted\b/)
      // Before the switch's commit the import is failed by the recovery; from it on, it has succeeded.
      if (c.job === 'import') {
        const committed = !importStages.slice(0, importStages.indexOf('import.inside-activation') + 1).includes(c.stage)
        expect(job.status).toBe(committed ? 'succeeded' : 'failed')
        await importAgain(c, committed)
      } else expect(job.status).toBe('failed')
    })
  }
})

// A server only: PGlite has one backend for every client, so there pg_terminate_backend would end
// the database, not a connection; a client connection lost on the embedded database is the wire
// server's to handle (test/embedded/launcher.test.ts: a client killed in its transaction).
describe.skipIf(!server)('the job’s database connection ended (pg_terminate_backend) at each stage', () => {
  let before: Baseline
  beforeEach(async () => {
    before = await baseline()
  })

  // import.queued: the job holds no connection there yet.
  for (const c of cases.filter((c) => c.stage !== 'import.queued')) {
    it(name(c), async () => {
      let ended = 0
      setFaultHook(async (stage, db) => {
        if (stage !== c.stage || ended++ || !db) return
        // The backend the job works on at that stage ends itself, as a restart of the database ends it.
        await db.raw('SELECT pg_terminate_backend(pg_backend_pid())')
      })
      const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, headers: withKey(key), payload })
      const res =
        c.job === 'import'
          ? await upload(t, key, { layer: c.layer! }, second[c.layer!]!)
          : await post(c.job === 'analysis' ? '/api/v1/analysis/runs' : '/api/v1/bundles/runs', c.job === 'analysis' ? {} : { gapMeters: 0 })
      expect(res.statusCode, res.body).toBe(202)
      await t.app.jobs.ended(c.job, res.json().id)
      await followUpsEnded()
      expect(ended, 'the stage was reached').toBeGreaterThan(0)
      // No recovery: the service ends the job itself and removes what it wrote.
      const job = await expectClean(c, before, /connection was lost/)
      const own = c.job === 'import' && c.stage.startsWith('bundles.') ? 'succeeded' : 'failed'
      expect(job.status).toBe(c.stage === 'import.after-activation' ? 'succeeded' : own)
      if (c.job === 'import' && c.stage.startsWith('bundles.')) {
        // the re-bundle follow-up lost its connection: it ran again on a fresh one, and its bundles are current
        const followUp = await t.knex('bundle_runs').first('status', 'active').where({ after_import_job_id: job.id })
        expect(followUp).toEqual({ status: 'succeeded', active: true })
      }
      if (c.job === 'import') await importAgain(c, job.status === 'succeeded')
    })
  }
})
