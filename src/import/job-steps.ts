// The steps an import job and a survey database's layer job share (./jobs.ts, ./database-job.ts):
// the report's columns, the activation hooks in the switch's transaction, old versions dropped.
import type { Knex } from 'knex'
import { ActivationHookError } from '../jobs/hooks.js'
import type { JobKind } from '../jobs/kinds.js'
import { lostConnection } from '../jobs/lifecycle.js'
import * as q from './queries.js'
import { ImportFailure, type ImportReport } from './report.js'
import type { Activation, ImportLimits, ImportRequest } from './request.js'

export function reportColumns(report: ImportReport) {
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

export interface ImportKindOptions {
  /** DATA_DIR: uploads being imported live under it (importWorkRoot) */
  dataDir: string
  limits?: Partial<ImportLimits>
  /** versions of a layer and county kept after a successful import (0 or unset: all) */
  keepVersions?: number
}

export type ImportJobContext = Parameters<JobKind<'import'>['run']>[0]

/**
 * The activation hooks of a version, in its switch's transaction, their notes added to its warnings;
 * a hook that fails undoes the switch and fails the import, saying which step.
 */
export async function runActivationHooks(ctx: ImportJobContext, trx: Knex.Transaction, layer: string, activation: Activation) {
  const followed = await ctx.hooks
    .run(trx, { layer, county: ctx.params.county, datasetId: activation.datasetId, importJobId: ctx.id })
    .catch((err: unknown) => {
      // The version is not switched to without what must follow it: the import fails, saying which step.
      if (err instanceof ActivationHookError && !lostConnection(err.cause as Error))
        throw new ImportFailure({
          message: `the new version was not activated: ${err.message}`,
          messageZh: `数据已读入，但新版本未启用（${err.message}）：请稍后重新导入，仍失败请联系管理员`,
        })
      throw err instanceof ActivationHookError ? err.cause : err
    })
  for (const n of followed.notes) activation.warn({ ...n, messageZh: n.messageZh ?? n.message })
  return followed.followUps
}

/** The versions beyond the newest `keep` dropped; what the user is told of it, or null when none went. */
export async function dropOldVersions(knex: Knex, r: { request: ImportRequest; keep: number }): Promise<{ message: string; messageZh: string } | null> {
  return q.purgeOldVersions(knex, r.request.kind, r.request.county, r.keep).then(
    (dropped) =>
      dropped.length
        ? {
            message: `old versions dropped (keeping the newest ${r.keep}): ${dropped.join(', ')}`,
            messageZh: `已删除旧版本 ${dropped.join('、')}（保留最新 ${r.keep} 个版本）`,
          }
        : null,
    (err: Error) => ({
      message: `imported, but dropping old versions failed: ${err.message.split(' - ').at(-1)}`,
      messageZh: `已导入，但删除旧版本失败（${err.message.split(' - ').at(-1)}）：下次导入时会再次删除`,
    }),
  )
}

/** The warnings of an ended job, written after its end (the note of old versions dropped); a lost write loses only the note. */
export async function writeWarnings(knex: Knex, id: number, warnings: unknown[]): Promise<void> {
  await knex('import_jobs')
    .where({ id })
    .update({ warnings: JSON.stringify(warnings) })
    .catch(() => {})
}
