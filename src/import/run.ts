// One import from upload to active layer version: unpack, decide encoding and CRS, map fields,
// load in batches into a new (invisible) version, then switch readers to it in one transaction.
// Anything wrong fails the whole import and removes what was loaded.
import type { Knex } from 'knex'
import { CrsError, resolveSourceCrs, type SourceCrs } from '../crs/resolve.js'
import { outsideChina } from '../domain/extent.js'
import { DbfReader } from '../formats/shapefile/dbf-reader.js'
import { ArchiveError, defaultArchiveLimits, isZip, openShapefileArchive, type ShapefileArchive } from './archive.js'
import { EncodingError, resolveEncoding } from './encoding.js'
import { BatchBuilder } from './batch-rows.js'
import { resolveFields, type ResolvedColumn } from './fields.js'
import { openGeoJson } from './geojson-source.js'
import type { LayerKind } from './layers.js'
import * as q from './queries.js'
import type { BatchRows } from './queries.js'
import { lostConnection } from '../jobs/lifecycle.js'
import { emptyReport, ImportFailure, IssueList, type ImportReport } from './report.js'
import { openShapefile, SourceError } from './shapefile-source.js'
import type { FeatureSource } from './source.js'

/** What the user chose for an import (upload form or CLI options). */
export interface ImportOptions {
  county: string
  mode: 'replace' | 'append'
  srid?: number
  encoding?: string
  towgs84?: number[]
  fieldMap?: Record<string, string>
  /** fail (default): any rejected record fails the import; skip: store the rest and list them */
  onInvalid: 'fail' | 'skip'
}

export interface ImportRequest extends ImportOptions {
  kind: LayerKind
  file: { path: string; name: string; sha256: string }
  importedBy: string
  jobId: number | null
}

export interface ImportLimits {
  maxVertices: number
  geojsonMaxBytes: number
  geojsonMaxDepth: number
  batchSize: number
  /** batches being stored at once while the next is read */
  maxInFlight: number
}

export const defaultImportLimits: ImportLimits = { maxVertices: 1_000_000, geojsonMaxBytes: 256 * 1024 * 1024, geojsonMaxDepth: 32, batchSize: 2000, maxInFlight: 2 }

export interface ImportContext {
  knex: Knex
  limits?: ImportLimits
  onProgress?: (fraction: number, report: ImportReport) => void
  signal?: AbortSignal
}

const expected = (e: unknown) => e instanceof ArchiveError || e instanceof SourceError || e instanceof CrsError || e instanceof EncodingError

/** Runs the import; resolves with the report of a success, rejects with ImportFailure (report attached). */
export async function runImport(ctx: ImportContext, req: ImportRequest): Promise<ImportReport> {
  const limits = ctx.limits ?? defaultImportLimits
  const report = emptyReport()
  const warnings = new IssueList(200)
  const errors = new IssueList(100)
  const t0 = Date.now()
  let source: FeatureSource | null = null
  let archive: ShapefileArchive | null = null
  let dataset: { id: number; version: number } | null = null
  const finish = () => {
    report.warnings = warnings.toJSON()
    report.errors = errors.toJSON()
    report.timings.totalMs = Date.now() - t0
    return report
  }
  try {
    if (req.mode === 'replace') {
      const active = await q.activeDataset(ctx.knex, req.kind.key, req.county)
      if (active && active.sha256 === req.file.sha256) {
        warnings.add({ file: req.file.name, message: `identical to active version ${active.version} (same SHA-256); nothing imported` })
        Object.assign(report, { unchanged: true, datasetId: active.id, version: active.version })
        report.counts.stored = active.featureCount
        return finish()
      }
    }
    let declaredEpsg: number | null = null
    let prjText: string | null = null
    if (await isZip(req.file.path)) {
      archive = await openShapefileArchive(req.file.path, defaultArchiveLimits)
      prjText = await archive.text('prj')
      const cpgText = await archive.text('cpg')
      const dbfHead = await DbfReader.open(await archive.open('dbf'))
      const languageDriver = dbfHead.header.languageDriver
      await dbfHead.close()
      const zip = archive
      const encoding = await resolveEncoding({ param: req.encoding, cpgText, openDbf: () => zip.open('dbf'), languageDriver })
      report.encoding = encoding
      const opened = await openShapefile(archive, { family: req.kind.family, encoding: encoding.name, maxVertices: limits.maxVertices })
      source = opened.source
      for (const w of opened.warnings) warnings.add({ file: archive.name, message: w })
    } else if (/\.(geo)?json$/i.test(req.file.name)) {
      const opened = await openGeoJson(req.file.path, req.file.name, { family: req.kind.family, maxVertices: limits.maxVertices, maxBytes: limits.geojsonMaxBytes, maxDepth: limits.geojsonMaxDepth })
      source = opened.source
      declaredEpsg = opened.declaredEpsg
      report.encoding = { name: 'UTF-8', how: 'utf8-json' }
    } else {
      throw new ImportFailure(`${req.file.name} is neither a zip (holding a shapefile) nor a .geojson/.json file`)
    }
    report.timings.openMs = Date.now() - t0

    const { crs, warnings: crsWarnings } = await resolveSourceCrs(ctx.knex, {
      srid: req.srid ?? declaredEpsg ?? undefined,
      towgs84: req.towgs84,
      prjText,
      bbox: source.bbox,
    })
    if (req.srid === undefined && declaredEpsg !== null) crs.how = 'prj'
    report.sourceCrs = { epsg: crs.epsg, name: crs.name, how: crs.how, ...(crs.proj4 && { proj4: crs.proj4 }) }
    for (const w of crsWarnings) warnings.add({ file: source.fileName, message: w })
    if (source.bbox) await checkExtent(ctx.knex, source, crs)

    const fields = resolveFields(req.kind, source.fieldNames, req.fieldMap)
    if (fields.problems.length) throw new ImportFailure(fields.problems.join('; '), fields.problems.map((message) => ({ file: source!.fileName, message })))
    for (const n of fields.notes) warnings.add({ file: source.fileName, message: n })

    dataset = await q.createDataset(ctx.knex, {
      layer: req.kind.key,
      county: req.county,
      sourceName: req.file.name,
      sha256: req.file.sha256,
      crs: report.sourceCrs,
      encoding: report.encoding,
      importedBy: req.importedBy,
      jobId: req.jobId,
    })
    Object.assign(report, { datasetId: dataset.id, version: dataset.version })
    // The version is loaded into a table of its own, attached as the layer's partition once complete.
    await q.createVersionTable(ctx.knex, req.kind, dataset.id)
    if (req.mode === 'append') {
      const active = await q.activeDataset(ctx.knex, req.kind.key, req.county)
      if (active) warnings.add({ message: `appended to version ${active.version}: ${await q.copyRows(ctx.knex, req.kind, active.id, dataset.id)} features copied` })
    }
    const tLoad = Date.now()
    await load({ ctx, req, source, columns: fields.columns, target: { datasetId: dataset.id, crs }, report, issues: { warnings, errors }, limits })
    report.timings.loadMs = Date.now() - tLoad
    if (errors.count > 0 && req.onInvalid === 'fail') {
      throw new ImportFailure(`${errors.count} record(s) could not be imported; nothing was stored (see errors, or import with onInvalid=skip to store the rest)`, errors.items)
    }
    if (ctx.signal?.aborted) throw new ImportFailure('cancelled')
    const tIndex = Date.now()
    const [, summary] = await Promise.all([q.attachVersionTable(ctx.knex, req.kind, dataset.id), q.summarizeDataset(ctx.knex, req.kind, dataset.id)])
    report.timings.indexMs = Date.now() - tIndex
    report.counts.stored = summary.featureCount
    // Planner statistics before readers see the version: without them (autovacuum off or behind,
    // and PGlite has none) the first pages after an import sort the whole partition.
    await q.analyzeVersionTable(ctx.knex, req.kind, dataset.id)
    await q.activateDataset(ctx.knex, { id: dataset.id, layer: req.kind.key, county: req.county })
    ctx.onProgress?.(1, finish())
    return finish()
  } catch (err) {
    if (dataset) await q.discardDataset(ctx.knex, req.kind, dataset.id).catch(() => {})
    Object.assign(report, { datasetId: null, version: null })
    if (err instanceof ImportFailure) {
      if (err.issues !== errors.items) for (const i of err.issues) errors.add(i)
    } else if (expected(err)) errors.add({ file: source?.fileName ?? req.file.name, message: (err as Error).message })
    else if (ctx.signal?.aborted) errors.add({ message: 'cancelled' })
    else throw err
    throw Object.assign(new ImportFailure(errors.items[0]?.message ?? 'import failed', errors.items), { report: finish() })
  } finally {
    await source?.close().catch(() => {})
    archive?.close()
  }
}

/** Why coordinates and a CRS do not fit together, judged from the coordinate range. */
function likelyCause(b: NonNullable<FeatureSource['bbox']>, crs: SourceCrs): string {
  const id = crs.identity
  if (id?.projected && id.zonePrefix === false && b.minX > 1e6) return `the X values (${Math.round(b.minX)}…) carry a zone prefix but ${crs.name} has none`
  if (id?.projected && id.zonePrefix && b.maxX < 1e6) return `the X values (${Math.round(b.minX)}…) have no zone prefix but ${crs.name} expects one`
  if (id && !id.projected && Math.abs(b.maxX) > 360) return `the coordinates are projected metres but ${crs.name} is longitude/latitude`
  if (id && !id.projected && b.minX >= 3 && b.maxX <= 54 && b.minY >= 73) return 'latitude and longitude look swapped'
  return 'the coordinate system is probably wrong (central meridian or zone)'
}

async function checkExtent(knex: Knex, source: FeatureSource, crs: SourceCrs): Promise<void> {
  const b = source.bbox!
  let box
  try {
    box = await q.transformedBbox(knex, b, crs)
  } catch (err) {
    // knex prefixes the SQL to the database's message; the user needs only the latter.
    const why = (err as Error).message.split(' - ').at(-1)
    throw new CrsError(`in ${crs.name} the data cannot be placed on the earth (${why}), let alone inside China: ${likelyCause(b, crs)}. Pass srid to name the right system`)
  }
  if (!outsideChina(box)) return
  const f = (n: number) => n.toFixed(3)
  throw new CrsError(
    `in ${crs.name} the data lands at ${f(box.minX)},${f(box.minY)} – ${f(box.maxX)},${f(box.maxY)}, not inside China (73–136°E, 3–54°N): ${likelyCause(b, crs)}. Pass srid to name the right system`,
  )
}

/** What loading one version needs: the source read, where its rows go, and where issues are reported. */
interface LoadStep {
  ctx: ImportContext
  req: ImportRequest
  source: FeatureSource
  columns: ResolvedColumn[]
  target: { datasetId: number; crs: SourceCrs }
  report: ImportReport
  issues: { warnings: IssueList; errors: IssueList }
  limits: Pick<ImportLimits, 'batchSize' | 'maxInFlight'>
}

/** Reads the source in batches and stores them, the next batch read while the last is stored. */
async function load(step: LoadStep): Promise<void> {
  const { ctx, req, source, columns, report, issues, limits } = step
  const counts = report.counts
  const builder = new BatchBuilder(source.fieldNames, columns)
  const inFlight: Array<Promise<void>> = []
  try {
    for (;;) {
      if (ctx.signal?.aborted) throw new ImportFailure('cancelled')
      const batch = await source.next(limits.batchSize)
      if (batch.features.length === 0) break
      const rows = builder.build(batch, source.fileName, issues, counts)
      // Once a record has failed, the rest is only read to report every problem at once.
      const failing = issues.errors.count > 0 && req.onInvalid === 'fail'
      if (!failing && rows.records.length) {
        if (inFlight.length >= limits.maxInFlight) await inFlight.shift()
        const stored = storeBatch(step, rows)
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

/** Stores one batch; a record the database cannot take (coordinates outside the projection) is named. */
async function storeBatch(step: LoadStep, rows: BatchRows): Promise<void> {
  const { ctx, req, source, columns, target, report, issues } = step
  let repaired
  try {
    repaired = await q.insertBatch(ctx.knex, req.kind, columns, { ...target, county: req.county }, rows)
  } catch (err) {
    if (lostConnection(err as Error) || !isDataError(err)) throw err
    const bad = await q.firstUntransformableRecord(ctx.knex, { crs: target.crs }, rows)
    const why = bad ? `its coordinates cannot be transformed from ${target.crs.name} to CGCS2000 (${bad.reason})` : 'the database refused the batch holding it'
    const record = bad?.record ?? rows.records[0]!
    throw new ImportFailure(`record ${record}: ${why}`, [{ file: source.fileName, record, field: 'geometry', message: why }])
  }
  for (const r of repaired) {
    report.counts.repaired++
    issues.warnings.add({ file: source.fileName, record: r.record, message: `invalid shape repaired: ${r.reason}${r.lost ? ' (nothing with area was left: stored without geometry)' : ''}` })
  }
}

/** An error of the data (PostGIS's XX000 from a transform, a value out of range), not of the connection or the SQL. */
const isDataError = (err: unknown) => /^(XX|22)/.test((err as { code?: string }).code ?? '')
