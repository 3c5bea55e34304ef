// Import jobs in the one job lifecycle: the row a user polls (status, progress, counts, warnings,
// errors), the run itself, and what a stop leaves behind. Shared by the HTTP API and the CLI.
import fs from 'node:fs/promises'
import path from 'node:path'
import type { Knex } from 'knex'
import { recordAudit } from '../audit/log.js'
import { actorNameOf } from '../auth/names.js'
import { whereInScope } from '../db/scope.js'
import type { Scope } from '../domain/region.js'
import { problem } from '../errors/index.js'
import { activeStatuses, type JobKind } from '../jobs/kinds.js'
import { errorText, lostConnection } from '../jobs/lifecycle.js'
import { layerKind, layerKinds } from '../catalogue/layer-kinds.js'
import * as q from './queries.js'
import { ImportFailure, type ImportReport } from './report.js'
import type { ImportOptions, ImportRequest } from './request.js'
import { runImport } from './run.js'
import { initialLayers, runDatabaseJob, settleLayers, type DatabaseJobLayer } from './database-job.js'
import { dropOldVersions, reportColumns, runActivationHooks, writeWarnings, type ImportJobContext, type ImportKindOptions } from './job-steps.js'

export interface ImportJobParams extends ImportOptions {
  layer: string
  /**
   * A survey database's mapped layers (the form's `layers`), imported one after the other by this
   * one job, each a version of its own (./database-job.ts); `layer` is then the first one's kind.
   */
  databaseLayers?: DatabaseJobLayer[]
}

/** An import as it is started: the choices and the file (workDir: the upload's own directory, removed as the job ends). */
export interface ImportStart extends ImportJobParams {
  file: { path: string; name: string; sha256: string; workDir?: string }
}

declare module '../jobs/kinds.js' {
  interface JobParamsByKind {
    import: ImportStart
  }
}

export const importWorkRoot = (dataDir: string) => path.join(dataDir, 'tmp', 'imports')

/**
 * The import kind. The version's switch, what the activation hooks commit with it (stale marks,
 * projects, follow-up jobs recorded as queued rows) and the job's success are one transaction.
 */
export function importJobKind(o: ImportKindOptions): JobKind<'import'> {
  return {
    key: 'import',
    table: 'import_jobs',
    path: '/api/v1/imports',
    noun: { en: 'import', zh: '导入任务' },
    audit: { objectType: 'import_job', action: 'import' },
    async insert(trx, actor, params) {
      const [row] = await trx('import_jobs')
        .insert({
          layer: params.layer,
          xzqdm: params.county,
          mode: params.mode,
          source_name: params.file.name,
          source_sha256: params.file.sha256,
          options: JSON.stringify({
            srid: params.srid,
            encoding: params.encoding,
            towgs84: params.towgs84,
            fieldMap: params.fieldMap,
            onInvalid: params.onInvalid,
            surveyYear: params.surveyYear,
            sourceLayer: params.sourceLayer,
          }),
          layers: params.databaseLayers ? JSON.stringify(initialLayers(params.databaseLayers)) : null,
          created_by: actor.principal.prefix,
          upload_dir: uploadDirName(o.dataDir, params.file.workDir),
        })
        .returning('id')
      const detail = {
        layer: params.layer,
        file: params.file.name,
        mode: params.mode,
        ...(params.databaseLayers && { layers: params.databaseLayers.map((l) => ({ sourceLayer: l.sourceLayer, layer: l.layer })) }),
      }
      return { id: row.id as number, audit: { action: 'import.create', objectType: 'import_job', county: params.county, detail } }
    },
    run: (ctx) => (ctx.params.databaseLayers ? runDatabaseJob(o, ctx) : runImportJob(o, ctx)),
    get: getImportJob,
    async removePartial(knex, id) {
      const left: Array<{ id: number; layer: string; county: string }> = await knex('datasets')
        .select('id', 'layer', { county: 'xzqdm' })
        .where({ import_job_id: id, status: 'loading' })
      for (const d of left) {
        const kind = layerKinds.find((k) => k.key === d.layer)
        if (kind) await q.discardDataset(knex, kind, d)
      }
    },
    async ended(trx, id, status) {
      // Read back from the row the final state has just been written to.
      const row = await trx('import_jobs').first('created_by', 'xzqdm', 'dataset_id', 'counts', 'upload_dir', 'layers', 'errors').where({ id })
      // a survey database's layers not committed end with the job (those committed stay succeeded)
      if (row.layers)
        await trx('import_jobs')
          .where({ id })
          .update({ layers: JSON.stringify(settleLayers(row.layers, status, row.errors)) })
      // Whoever ends the job (its run, a cancel while it is queued, a start settling it) removes its
      // upload now, in whichever process: the run removed it already unless it never ran.
      await removeUploadDir(o.dataDir, row.upload_dir)
      await recordAudit(trx, {
        keyPrefix: row.created_by,
        action: 'import.finish',
        objectType: 'import_job',
        objectId: id,
        county: row.xzqdm,
        result: status === 'succeeded' ? 'ok' : 'failed',
        detail: { status, datasetId: row.dataset_id, counts: row.counts },
      })
    },
    atStart: (knex, live) => removeImportLeftovers(knex, { dataDir: o.dataDir, uploadGraceSeconds: live.heartbeatLimitSeconds }),
    // Never the SQL or table names: a lost connection says so, anything else only the database's own words.
    errorMessage: (err) => (lostConnection(err as Error) ? errorText(err) : `internal error: ${errorText(err)}`),
  }
}

/** Runs a queued import to its end; a bad upload is a failed outcome with its report, not a throw. */
async function runImportJob(o: ImportKindOptions, ctx: ImportJobContext) {
  const { knex, params, id } = ctx
  // A client that sees the job end must find no temporary file left: the upload goes before the end is written.
  const removeUpload = async () => {
    if (params.file.workDir) await fs.rm(params.file.workDir, { recursive: true, force: true })
  }
  try {
    const { created_by: importedBy } = await knex('import_jobs').first('created_by').where({ id })
    const request: ImportRequest = { ...params, kind: layerKind(params.layer)!, importedBy, jobId: id }
    const report = await runImport(
      {
        knex,
        limits: o.limits,
        signal: ctx.signal,
        onProgress: (fraction, r) => ctx.progress(fraction, { counts: JSON.stringify(r.counts) }, `job ${id}`),
        onActivate: async (trx, activation) => {
          const followUps = await runActivationHooks(ctx, trx, params.layer, activation)
          await removeUpload()
          const report = activation.report()
          await ctx.succeed(trx, { columns: { ...reportColumns(report), follow_ups: JSON.stringify(followUps) }, followUps })
        },
      },
      request,
    )
    await removeUpload()
    // Housekeeping after the switch, not part of it: a version not dropped now is dropped by the next import.
    if (o.keepVersions && !report.unchanged) {
      const note = await dropOldVersions(knex, { request, keep: o.keepVersions })
      if (note) {
        report.warnings.push(note)
        await writeWarnings(knex, id, report.warnings)
      }
    }
    return { columns: reportColumns(report) }
  } catch (err) {
    await removeUpload()
    const report = (err as { report?: ImportReport }).report
    if (err instanceof ImportFailure && report) return { status: 'failed' as const, columns: reportColumns(report) }
    throw err
  }
}

const jobColumns = (knex: Knex) => ({
  id: 'id',
  layer: 'layer',
  county: 'xzqdm',
  status: 'status',
  progress: 'progress',
  mode: 'mode',
  sourceName: 'source_name',
  sourceSha256: 'source_sha256',
  options: 'options',
  counts: 'counts',
  sourceCrs: 'source_crs',
  encoding: 'encoding',
  warnings: 'warnings',
  errors: 'errors',
  datasetId: 'dataset_id',
  followUps: 'follow_ups',
  createdBy: 'created_by',
  createdByName: actorNameOf(knex, 'import_jobs.created_by'),
  createdAt: 'created_at',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  timings: 'timings',
  layers: 'layers',
})

/**
 * Jobs stored before issues carried Chinese (and the endings the job runner writes, such as an
 * interrupted run) have issues with `message` only: they are shown with that text rather than refused.
 */
function withChinese<T extends { warnings?: unknown; errors?: unknown }>(job: T): T & { unchanged: boolean } {
  const fill = (list: unknown) =>
    Array.isArray(list) ? list.map((i: { message?: string; messageZh?: string; code?: string }) => ({ ...i, messageZh: i.messageZh ?? i.message ?? '' })) : []
  const warnings = fill(job.warnings)
  // a survey database's job is unchanged only when each of its layers is
  const layers = (job as { layers?: Array<{ unchanged?: boolean }> | null }).layers
  const unchanged = layers ? layers.length > 0 && layers.every((l) => l.unchanged) : warnings.some((w) => w.code === 'unchanged')
  return { ...job, warnings, errors: fill(job.errors), unchanged }
}

export async function getImportJob(knex: Knex, id: number, scope: Scope) {
  const job = await whereInScope(knex('import_jobs').first(jobColumns(knex)).where({ id }), scope)
  if (!job) throw problem('LR_NOT_FOUND', `import ${id} not found`, { detailZh: `导入任务 ${id} 不存在或不在权限范围内` })
  return withChinese(job)
}

export async function listImportJobs(knex: Knex, scope: Scope, f: { county?: string; layer?: string; status?: string; limit: number }) {
  const query = whereInScope(knex('import_jobs').select(jobColumns(knex)).orderBy('id', 'desc').limit(f.limit), scope)
  if (f.county) query.where('xzqdm', f.county)
  // a survey database's job is listed under each of its layers' kinds
  if (f.layer) query.where((w) => w.where('layer', f.layer!).orWhereRaw('layers @> ?::jsonb', [JSON.stringify([{ layer: f.layer }])]))
  if (f.status) query.where('status', f.status)
  return (await query).map(withChinese)
}

/** Upload directories are made by saveUpload (upload.ts) as `u-<uuid>` under importWorkRoot. */
const uploadDirPattern = /^u-[0-9a-f-]{36}$/

/** The name of an upload's own directory, as the job's row keeps it; null for a file that is not an upload (the CLI's). */
function uploadDirName(dataDir: string, workDir: string | undefined): string | null {
  if (!workDir || path.dirname(workDir) !== importWorkRoot(dataDir)) return null
  const name = path.basename(workDir)
  return uploadDirPattern.test(name) ? name : null
}

/** Removes an upload directory named by a job's row; only such a name, only under importWorkRoot. */
async function removeUploadDir(dataDir: string, name: string | null | undefined): Promise<void> {
  if (name && uploadDirPattern.test(name)) await fs.rm(path.join(importWorkRoot(dataDir), name), { recursive: true, force: true })
}

/**
 * After the interrupted jobs were settled at a start: versions left loading and upload directories
 * that no active import holds (the active ones left are those of live owners: a command-line import,
 * another instance). An upload directory younger than uploadGraceSeconds may be an upload still
 * arriving at another instance, its job not yet written: it stays for the next start.
 */
export async function removeImportLeftovers(knex: Knex, o: { dataDir: string; uploadGraceSeconds: number }): Promise<void> {
  for (const d of await q.datasetsLeftLoading(knex)) {
    const kind = layerKinds.find((k) => k.key === d.layer)
    if (kind) await q.discardDataset(knex, kind, d)
  }
  const root = importWorkRoot(o.dataDir)
  const entries = await fs.readdir(root).catch(() => [] as string[])
  if (!entries.length) return
  const held = new Set((await knex('import_jobs').pluck('upload_dir').whereIn('status', activeStatuses).whereNotNull('upload_dir')) as string[])
  const youngerThan = Date.now() - o.uploadGraceSeconds * 1000
  for (const name of entries) {
    if (held.has(name)) continue
    const dir = path.join(root, name)
    if (uploadDirPattern.test(name) && (await lastWritten(dir)) > youngerThan) continue
    await fs.rm(dir, { recursive: true, force: true })
  }
}

/** The latest modification time of a directory or the files in it (an upload being written grows its file). */
async function lastWritten(dir: string): Promise<number> {
  const times = [(await fs.stat(dir).catch(() => null))?.mtimeMs ?? 0]
  for (const f of await fs.readdir(dir).catch(() => [] as string[])) times.push((await fs.stat(path.join(dir, f)).catch(() => null))?.mtimeMs ?? 0)
  return Math.max(...times)
}
