// Import jobs: the row a user polls (status, progress, counts, warnings, errors), the run itself,
// and recovery of jobs that a restart interrupted. Shared by the HTTP API and the CLI.
import fs from 'node:fs/promises'
import path from 'node:path'
import type { Knex } from 'knex'
import { recordAudit } from '../audit/log.js'
import { auditedWrite, type Actor } from '../auth/actor.js'
import { whereInScope } from '../db/scope.js'
import type { Scope } from '../domain/region.js'
import { problem } from '../errors/index.js'
import { runAfterImport } from '../jobs/hooks.js'
import type { JobKind } from '../jobs/kinds.js'
import { errorText, lostConnection, markRunning } from '../jobs/lifecycle.js'
import { layerKind, layerKinds } from '../catalogue/layer-kinds.js'
import * as q from './queries.js'
import { emptyReport, ImportFailure, type ImportReport } from './report.js'
import type { ImportLimits, ImportOptions, ImportRequest } from './request.js'
import { runImport } from './run.js'

export interface ImportJobParams extends ImportOptions {
  layer: string
}

export const importWorkRoot = (dataDir: string) => path.join(dataDir, 'tmp', 'imports')

export async function createImportJob(knex: Knex, actor: Actor, params: ImportJobParams, file: { name: string; sha256: string }): Promise<number> {
  return auditedWrite(
    knex,
    actor,
    async (trx) => {
      const [row] = await trx('import_jobs')
        .insert({
          layer: params.layer,
          xzqdm: params.county,
          mode: params.mode,
          source_name: file.name,
          source_sha256: file.sha256,
          options: JSON.stringify({
            srid: params.srid,
            encoding: params.encoding,
            towgs84: params.towgs84,
            fieldMap: params.fieldMap,
            onInvalid: params.onInvalid,
          }),
          created_by: actor.principal.prefix,
        })
        .returning('id')
      return row.id as number
    },
    (id) => ({
      action: 'import.create',
      objectType: 'import_job',
      objectId: id,
      county: params.county,
      detail: { layer: params.layer, file: file.name, mode: params.mode },
    }),
  )
}

function reportColumns(report: ImportReport) {
  return {
    counts: JSON.stringify(report.counts),
    source_crs: report.sourceCrs ? JSON.stringify(report.sourceCrs) : null,
    encoding: report.encoding ? JSON.stringify(report.encoding) : null,
    warnings: JSON.stringify(report.warnings),
    errors: JSON.stringify(report.errors),
    dataset_id: report.datasetId,
    timings: JSON.stringify(report.timings),
  }
}

/** Runs a queued job to its end, keeping its row current; never throws for a bad upload. */
export async function executeImportJob(
  deps: {
    knex: Knex
    limits?: Partial<ImportLimits>
    signal: AbortSignal
    onProgress?: (fraction: number) => void
    /** versions of a layer and county kept after a successful import (0 or unset: all) */
    keepVersions?: number
  },
  jobId: number,
  params: ImportJobParams,
  /** workDir: the upload's own directory, removed before the job's end is recorded */
  file: { path: string; name: string; sha256: string; workDir?: string },
  importedBy: string,
): Promise<ImportReport> {
  const { knex } = deps
  await markRunning(knex, 'import', jobId)
  let lastWrite = 0
  const request: ImportRequest = { ...params, kind: layerKind(params.layer)!, file, importedBy, jobId }
  const finish = async (status: 'succeeded' | 'failed' | 'cancelled', report: ImportReport) => {
    // A client that sees the job end must find no temporary file left.
    if (file.workDir) await fs.rm(file.workDir, { recursive: true, force: true })
    await knex('import_jobs')
      .where({ id: jobId })
      .update({ status, progress: status === 'succeeded' ? 1 : lastProgress, ...reportColumns(report), finished_at: knex.fn.now() })
    await recordAudit(knex, {
      keyPrefix: importedBy,
      action: 'import.finish',
      objectType: 'import_job',
      objectId: jobId,
      county: params.county,
      result: status === 'succeeded' ? 'ok' : 'failed',
      detail: { status, datasetId: report.datasetId, version: report.version, counts: report.counts, unchanged: report.unchanged },
    })
  }
  let lastProgress = 0
  try {
    const report = await runImport(
      {
        knex,
        limits: deps.limits,
        signal: deps.signal,
        onProgress: (fraction, r) => {
          lastProgress = fraction
          deps.onProgress?.(fraction)
          // A few writes a second keep pollers current without slowing the load.
          if (Date.now() - lastWrite < 500) return
          lastWrite = Date.now()
          void knex('import_jobs')
            .where({ id: jobId })
            .update({ progress: fraction, counts: JSON.stringify(r.counts) })
            .catch(() => {})
        },
      },
      request,
    )
    // The new version is active now: what follows from it may fail without undoing the import.
    if (!report.unchanged && report.datasetId !== null) {
      report.warnings.push(...(await runAfterImport(knex, { layer: params.layer, county: params.county, datasetId: report.datasetId })))
    }
    if (deps.keepVersions && !report.unchanged) {
      await q
        .purgeOldVersions(knex, request.kind, params.county, deps.keepVersions)
        .then(
          (dropped) =>
            dropped.length && report.warnings.push({ message: `old versions dropped (keeping the newest ${deps.keepVersions}): ${dropped.join(', ')}` }),
        )
        .catch((err: Error) => report.warnings.push({ message: `imported, but dropping old versions failed: ${err.message.split(' - ').at(-1)}` }))
    }
    await finish('succeeded', report)
    return report
  } catch (err) {
    const report = (err as { report?: ImportReport }).report
    if (!(err instanceof ImportFailure) || !report) {
      // Never the SQL or table names: a lost connection says so, anything else only the database's own words.
      await finish('failed', { ...emptyReport(), errors: [{ message: lostConnection(err as Error) ? errorText(err) : `internal error: ${errorText(err)}` }] })
      throw err
    }
    await finish(deps.signal.aborted ? 'cancelled' : 'failed', report)
    return report
  }
}

const jobColumns = {
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
  createdBy: 'created_by',
  createdAt: 'created_at',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  timings: 'timings',
}

export async function getImportJob(knex: Knex, id: number, scope: Scope) {
  const job = await whereInScope(knex('import_jobs').first(jobColumns).where({ id }), scope)
  if (!job) throw problem('LR_NOT_FOUND', `import ${id} not found`, { detailZh: `导入任务 ${id} 不存在或不在权限范围内` })
  return job
}

export async function listImportJobs(knex: Knex, scope: Scope, f: { county?: string; layer?: string; status?: string; limit: number }) {
  const query = whereInScope(knex('import_jobs').select(jobColumns).orderBy('id', 'desc').limit(f.limit), scope)
  if (f.county) query.where('xzqdm', f.county)
  if (f.layer) query.where('layer', f.layer)
  if (f.status) query.where('status', f.status)
  return query
}

/** Import jobs in the one job lifecycle: an unfinished import leaves a version being loaded. */
export const importJobKind: JobKind = {
  key: 'import',
  table: 'import_jobs',
  async removePartial(knex, id) {
    const left: Array<{ id: number; layer: string; county: string }> = await knex('datasets')
      .select('id', 'layer', { county: 'xzqdm' })
      .where({ import_job_id: id, status: 'loading' })
    for (const d of left) {
      const kind = layerKinds.find((k) => k.key === d.layer)
      if (kind) await q.discardDataset(knex, kind, d)
    }
  },
}

/** After a restart: versions left loading by any job are removed, and the uploads' temp files. */
export async function removeImportLeftovers(knex: Knex, dataDir: string): Promise<void> {
  for (const d of await q.datasetsLeftLoading(knex)) {
    const kind = layerKinds.find((k) => k.key === d.layer)
    if (kind) await q.discardDataset(knex, kind, d)
  }
  await fs.rm(importWorkRoot(dataDir), { recursive: true, force: true })
}
