// One import job for a survey database's mapped layers (issue 24: "one job showing the progress of
// each"). The layers are imported one after the other, each a version of its own kind that commits
// atomically, as every import, with its entry in the job's `layers` in the same transaction (a
// checkpoint of the job). A layer that fails is named and the others go on (docs/decisions.md, issue
// 24); a cancel stops the current layer and skips the rest; a stop (kill -9) leaves the committed
// layers succeeded, and whoever ends the job settles the others (settleLayers).
import fs from 'node:fs/promises'
import { activeStatuses, stoppedByService, stoppedSaid } from '../jobs/kinds.js'
import { layerKind } from '../catalogue/layer-kinds.js'
import type { FinalStatus } from '../jobs/kinds.js'
import type { FollowUp } from '../jobs/keys.js'
import { dropOldVersions, reportColumns, runActivationHooks, writeWarnings, type ImportJobContext, type ImportKindOptions } from './job-steps.js'
import { abortedSaid, emptyReport, ImportFailure, type ImportCounts, type ImportIssue, type ImportReport } from './report.js'
import type { ImportRequest } from './request.js'
import { runImport } from './run.js'
import { surveyYearLayers } from './survey-year.js'

/** A mapped layer as the job is started with it. */
export interface DatabaseJobLayer {
  /** its name in the database (DLTB) */
  sourceLayer: string
  /** the layer kind it is imported as (survey3) */
  layer: string
  /** as the listing counted them: the layer's share of the job's progress */
  featureCount: number
}

export type LayerStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'

/** One layer's entry in the job's `layers`: what a poller shows as its bar and its line. */
export interface JobLayer extends DatabaseJobLayer {
  status: LayerStatus
  progress: number
  datasetId: number | null
  version: number | null
  unchanged: boolean
  counts: ImportCounts | null
  /** the layer's own coordinate system and attribute encoding (a job's top-level ones are its last layer's) */
  sourceCrs: ImportReport['sourceCrs']
  encoding: ImportReport['encoding']
  warnings: number
  errors: number
  message: string | null
  messageZh: string | null
}

export const initialLayers = (layers: DatabaseJobLayer[]): JobLayer[] =>
  layers.map((l) => ({
    sourceLayer: l.sourceLayer,
    layer: l.layer,
    featureCount: l.featureCount,
    status: 'queued',
    progress: 0,
    datasetId: null,
    version: null,
    unchanged: false,
    counts: null,
    sourceCrs: null,
    encoding: null,
    warnings: 0,
    errors: 0,
    message: null,
    messageZh: null,
  }))

const notReached = {
  cancelled: { message: 'not imported: the job was cancelled before this layer', messageZh: '未导入：任务在导入此图层之前已取消' },
  failed: { message: 'not imported: the job stopped before this layer', messageZh: '未导入：任务在导入此图层之前已中断' },
}

/**
 * The layers as the job ends (its run, a cancel, a start settling it after a stop): the layer being
 * imported gets the job's end and its first error, those not reached are cancelled, the committed
 * ones stay succeeded.
 */
export function settleLayers(layers: JobLayer[], status: FinalStatus, errors: Array<{ message?: string; messageZh?: string }> | null): JobLayer[] {
  const why = errors?.[0]
  return layers.map((l): JobLayer => {
    if (l.status === 'running')
      return status === 'cancelled'
        ? { ...l, status: 'cancelled', message: 'cancelled', messageZh: '已取消' }
        : { ...l, status: 'failed', message: why?.message ?? 'failed', messageZh: why?.messageZh ?? why?.message ?? '导入失败' }
    if (l.status === 'queued') return { ...l, status: 'cancelled', ...(status === 'cancelled' ? notReached.cancelled : notReached.failed) }
    return l
  })
}

/** A layer's entry once its import has ended, from its report. */
function ended(l: JobLayer, status: LayerStatus, report: ImportReport): void {
  Object.assign(l, {
    status,
    progress: status === 'succeeded' ? 1 : l.progress,
    datasetId: status === 'succeeded' ? report.datasetId : null,
    version: status === 'succeeded' ? report.version : null,
    unchanged: report.unchanged,
    counts: report.counts,
    sourceCrs: report.sourceCrs,
    encoding: report.encoding,
    warnings: report.warnings.length,
    errors: report.errors.length,
  })
  const first = report.errors[0]
  const said =
    status !== 'succeeded'
      ? { message: first?.message ?? status, messageZh: first?.messageZh ?? (status === 'cancelled' ? '已取消' : '导入失败') }
      : report.unchanged
        ? {
            message: `identical to active version ${report.version} (same SHA-256); nothing imported`,
            messageZh: `与当前版本（第 ${report.version} 版）相同，未导入`,
          }
        : {
            message: `imported as version ${report.version}: ${report.counts.stored} features stored`,
            messageZh: `已导入为第 ${report.version} 版，入库 ${report.counts.stored} 个要素`,
          }
  Object.assign(l, said)
}

function summedCounts(layers: JobLayer[]): ImportCounts {
  const sum = emptyReport().counts
  for (const l of layers) for (const k of Object.keys(sum) as Array<keyof ImportCounts>) sum[k] += l.counts?.[k] ?? 0
  return sum
}

/** Runs a survey database's mapped layers to the job's end (see the top of this file). */
export async function runDatabaseJob(o: ImportKindOptions, ctx: ImportJobContext) {
  const { knex, params, id, signal } = ctx
  const layers = initialLayers(params.databaseLayers!)
  const reports: Array<ImportReport | null> = layers.map(() => null)
  const followUps: FollowUp[] = []
  const weights = layers.map((l) => Math.max(l.featureCount, 1))
  const total = weights.reduce((a, b) => a + b, 0)
  const fraction = () => layers.reduce((s, l, i) => s + weights[i]! * (l.status === 'queued' ? 0 : l.status === 'running' ? l.progress : 1), 0) / total
  const rowColumns = () => ({ layers: JSON.stringify(layers), counts: JSON.stringify(summedCounts(layers)) })
  const show = (i: number) =>
    ctx.progress(
      fraction(),
      rowColumns(),
      `${layers[i]!.sourceLayer} → ${layers[i]!.layer} (${i + 1}/${layers.length}) ${Math.round(layers[i]!.progress * 100)}%`,
    )
  // an issue names its layer: file `<upload>:<layer>` where the source did not name it already
  const named = (i: number, list: ImportIssue[]) =>
    list.map((x) => (x.file?.endsWith(`:${layers[i]!.sourceLayer}`) ? x : { ...x, file: `${x.file ?? params.file.name}:${layers[i]!.sourceLayer}` }))
  const endColumns = () => {
    const done = reports.map((r, i) => (r ? { r, i } : null)).filter((x) => x !== null)
    const last = done.at(-1)?.r
    // not imported: failed, or cancelled by anything but the user's cancel (a layer a stop kept the job from reaching counts)
    const userCancel = signal.aborted && !stoppedByService(signal)
    const failed = layers.filter((l) => l.status === 'failed' || (l.status === 'cancelled' && !userCancel))
    const lead: ImportIssue[] = []
    if (failed.length) {
      const ok = layers.filter((l) => l.status === 'succeeded').map((l) => l.sourceLayer)
      lead.push({
        message: `${failed.length} of ${layers.length} layers not imported: ${failed.map((l) => `${l.sourceLayer} (${l.message})`).join('; ')}${ok.length ? `; imported: ${ok.join(', ')}` : ''}`,
        messageZh: `${layers.length} 个图层中有 ${failed.length} 个未导入：${failed.map((l) => `${l.sourceLayer}（${l.messageZh}）`).join('；')}${ok.length ? `。已导入：${ok.join('、')}` : ''}`,
      })
    } else if (signal.aborted) lead.push(abortedSaid(signal))
    const succeeded = layers.filter((l) => l.status === 'succeeded' && l.datasetId !== null)
    return {
      ...reportColumns({
        ...(last ?? emptyReport()),
        counts: summedCounts(layers),
        warnings: done.flatMap(({ r, i }) => named(i, r.warnings)),
        errors: [...lead, ...done.flatMap(({ r, i }) => named(i, r.errors))],
        datasetId: succeeded.at(-1)?.datasetId ?? null,
        timings: Object.fromEntries(done.map(({ r, i }) => [layers[i]!.sourceLayer, r.timings])) as unknown as Record<string, number>,
      }),
      layers: JSON.stringify(layers),
      follow_ups: JSON.stringify(followUps),
    }
  }
  // A client that sees the job end must find no temporary file left: the upload goes before the end is written.
  const removeUpload = async () => {
    if (params.file.workDir) await fs.rm(params.file.workDir, { recursive: true, force: true })
  }
  let jobEnded = false
  try {
    const { created_by: importedBy } = await knex('import_jobs').first('created_by').where({ id })
    for (const [i, l] of layers.entries()) {
      if (signal.aborted) break
      const kind = layerKind(l.layer)!
      const request: ImportRequest = {
        ...params,
        kind,
        sourceLayer: l.sourceLayer,
        surveyYear: surveyYearLayers.includes(l.layer) ? params.surveyYear : undefined,
        importedBy,
        jobId: id,
      }
      const endsJob = i === layers.length - 1 && layers.slice(0, i).every((x) => x.status === 'succeeded')
      let made: FollowUp[] = []
      let committed = false
      l.status = 'running'
      // a layer's start is written at once (not folded into the next progress write): a stop then names it
      await knex.transaction(async (trx) => {
        await ctx.checkpoint(trx)
        await trx('import_jobs')
          .where({ id })
          .whereIn('status', activeStatuses)
          .update({ ...rowColumns(), progress: fraction() })
      })
      show(i)
      try {
        const report = await runImport(
          {
            knex,
            limits: o.limits,
            signal,
            onProgress: (f, r) => {
              l.progress = f
              l.counts = { ...r.counts }
              show(i)
            },
            onActivate: async (trx, activation) => {
              trx.executionPromise.then(
                () => void (committed = true),
                () => {},
              )
              made = await runActivationHooks(ctx, trx, l.layer, activation)
              const r = activation.report()
              ended(l, 'succeeded', r)
              reports[i] = r
              const all = [...followUps, ...made]
              if (endsJob) {
                // the last layer, every one before it committed: its version and the job's success commit together
                await removeUpload()
                await ctx.succeed(trx, { columns: { ...endColumns(), follow_ups: JSON.stringify(all) }, followUps: made })
                jobEnded = true
              } else {
                // the layer's version and its entry commit together; the job goes on
                await ctx.checkpoint(trx, made)
                await trx('import_jobs')
                  .where({ id })
                  .update({ ...rowColumns(), progress: fraction(), follow_ups: JSON.stringify(all) })
              }
            },
          },
          request,
        )
        followUps.push(...made)
        reports[i] = report
        if ((l.status as LayerStatus) !== 'succeeded') ended(l, 'succeeded', report)
        // Housekeeping after the switch, not part of it: a version not dropped now is dropped by the next import.
        const note = o.keepVersions && !report.unchanged ? await dropOldVersions(knex, { request, keep: o.keepVersions }) : null
        if (note) {
          report.warnings.push(note)
          l.warnings = report.warnings.length
          if (jobEnded) await writeWarnings(knex, id, JSON.parse(endColumns().warnings))
        }
        show(i)
      } catch (err) {
        if (committed) {
          // the layer's version committed, and something after it failed (a connection lost): it stands
          followUps.push(...made)
          if (err instanceof ImportFailure) continue
          throw err
        }
        jobEnded = false
        const report = (err as { report?: ImportReport }).report
        if (!(err instanceof ImportFailure && report)) throw err
        reports[i] = report
        // a stop of the service fails the layer it interrupted (its report says so); a user's cancel cancels it
        ended(l, signal.aborted && !stoppedByService(signal) ? 'cancelled' : 'failed', report)
        show(i)
      }
    }
  } catch (err) {
    await removeUpload()
    throw err
  }
  await removeUpload()
  if (signal.aborted)
    layers.splice(0, layers.length, ...(stoppedByService(signal) ? settleLayers(layers, 'failed', [stoppedSaid]) : settleLayers(layers, 'cancelled', null)))
  const columns = endColumns()
  if (jobEnded || layers.every((l) => l.status === 'succeeded')) return { columns }
  return { status: 'failed' as const, columns }
}
