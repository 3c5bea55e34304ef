// Loading one version: the source read in batches, each stored while the next is read. A batch
// the database refuses for its data has the record at fault named; a lost connection rejects the load.
import { sourceCrsNameZh, type SourceCrs } from '../crs/resolve.js'
import { faultPoint } from '../jobs/fault-points.js'
import { lostConnection } from '../jobs/lifecycle.js'
import { BatchBuilder } from './batch-rows.js'
import type { ResolvedColumn } from './columns.js'
import { copyBatch, loadPlan, type LoadPlan } from './copy-batch.js'
import * as q from './queries.js'
import type { BatchRows } from './queries.js'
import { abortedSaid, ImportFailure, issueAt, type ImportReport, type IssueList } from './report.js'
import type { ImportContext, ImportLimits, ImportRequest } from './request.js'
import type { FeatureSource } from './source.js'
import { validityReasonZh } from './validity-zh.js'

/** What loading one version needs: the source read, where its rows go, and where issues are reported. */
export interface LoadStep {
  ctx: ImportContext
  req: ImportRequest
  source: FeatureSource
  columns: ResolvedColumn[]
  target: { datasetId: number; crs: SourceCrs }
  report: ImportReport
  issues: { warnings: IssueList; errors: IssueList }
  limits: Pick<ImportLimits, 'batchSize' | 'maxInFlight' | 'loader'>
}

/** Reads the source in batches and stores them, the next batch read while the last is stored. */
export async function load(step: LoadStep): Promise<void> {
  const { ctx, req, source, columns, report, issues, limits } = step
  const counts = report.counts
  const builder = new BatchBuilder(source.fieldNames, columns)
  const plan = limits.loader === 'insert' ? null : await loadPlan(ctx.knex, req.kind, columns, step.target)
  // The ring proof goes to the worker with the projection, off the main thread that reads.
  if (plan) source.deferRingProof?.()
  const inFlight: Array<Promise<void>> = []
  try {
    for (;;) {
      if (ctx.signal?.aborted) throw new ImportFailure(abortedSaid(ctx.signal))
      const batch = await source.next(limits.batchSize)
      if (batch.features.length === 0) break
      const rows = builder.build(batch, source.fileName, issues, counts)
      // Once a record has failed, the rest is only read to report every problem at once.
      const failing = issues.errors.count > 0 && req.onInvalid === 'fail'
      if (!failing && rows.records.length) {
        if (inFlight.length >= limits.maxInFlight) await inFlight.shift()
        const stored = storeBatch(step, rows, plan)
        // Handled now, awaited later: a batch failing while the next one is read (its connection
        // killed) must reject this load, not surface as an unhandled rejection that ends the process.
        stored.catch(() => {})
        inFlight.push(stored)
      }
      ctx.onProgress?.(source.total ? Math.min(counts.read / source.total, 0.99) : 0, report)
    }
    await Promise.all(inFlight)
  } catch (err) {
    await Promise.allSettled(inFlight) // no insert may still be running when the version is discarded
    throw err
  }
}

/**
 * Stores one batch: by COPY what it can (./copy-batch.ts), the rest by INSERT from the source CRS.
 * A record the database cannot take (coordinates outside the projection) is named.
 */
async function storeBatch(step: LoadStep, rows: BatchRows, plan: LoadPlan | null): Promise<void> {
  const { ctx, req, target } = step
  let rest: BatchRows | null = rows
  if (plan) {
    try {
      rest = await copyBatch(ctx.knex, plan, rows, { datasetId: target.datasetId, county: req.county })
    } catch (err) {
      // Nothing of the batch was stored: the INSERT stores it, or names the record the database refuses.
      if (lostConnection(err as Error) || !isDataError(err)) throw err
      rest = rows
    }
  }
  if (rest) await insertBatch(step, rest, target.crs)
  await faultPoint('import.loading-batch', ctx.knex)
}

/** Inserts rows with shapes in `crs`; a record the database cannot take is named, repaired shapes are reported. */
async function insertBatch(step: LoadStep, rows: BatchRows, crs: SourceCrs): Promise<void> {
  const { ctx, req, source, columns, target, report, issues } = step
  let repaired
  try {
    repaired = await q.insertBatch(ctx.knex, req.kind, columns, { datasetId: target.datasetId, crs, county: req.county }, rows)
  } catch (err) {
    if (lostConnection(err as Error) || !isDataError(err)) throw err
    const bad = await q.firstUntransformableRecord(ctx.knex, { crs }, rows)
    const why = bad ? `its coordinates cannot be transformed from ${crs.name} to CGCS2000 (${bad.reason})` : 'the database refused the batch holding it'
    const whyZh = bad
      ? `坐标无法从 ${sourceCrsNameZh(crs)} 转换到 2000国家大地坐标系（${bad.reason}）：请核对坐标系是否选对`
      : '数据库拒收了包含该记录的一批数据：请检查该记录的图形和属性'
    const record = bad?.record ?? rows.records[0]!
    const issue = issueAt({ file: source.fileName, record, field: 'geometry', fieldZh: '图形' }, { message: why, messageZh: whyZh })
    throw new ImportFailure({ message: `record ${record}: ${why}`, messageZh: issue.messageZh }, [issue])
  }
  for (const r of repaired) {
    report.counts.repaired++
    issues.warnings.add(
      issueAt(
        { file: source.fileName, record: r.record },
        {
          message: `invalid shape repaired: ${r.reason}${r.lost ? ' (nothing with area was left: stored without geometry)' : ''}`,
          messageZh: r.lost
            ? `图形无效（${validityReasonZh(r.reason)}），修复后没有剩余面积，已只导入属性：请在 GIS 软件中检查该要素`
            : `图形无效（${validityReasonZh(r.reason)}），已自动修复后导入：请在地图上核对该要素`,
        },
      ),
    )
  }
}

/** An error of the data (PostGIS's XX000 from a transform, a value out of range), not of the connection or the SQL. */
const isDataError = (err: unknown) => /^(XX|22)/.test((err as { code?: string }).code ?? '')
