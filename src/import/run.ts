// One import from upload to active layer version: unpack, decide encoding and CRS, map fields,
// load in batches into a new (invisible) version, then switch readers to it in one transaction.
// Anything wrong fails the whole import and removes what was loaded.
import type { Knex } from 'knex'
import { defaultConfig } from '../config.js'
import { chooseCrsZh, CrsError, resolveSourceCrs, sourceCrsNameZh, type SourceCrs } from '../crs/resolve.js'
import { outsideChina } from '../domain/extent.js'
import { BilingualError } from '../errors/bilingual.js'
import { faultPoint } from '../jobs/fault-points.js'
import { DbfFormatError, DbfReader } from '../formats/shapefile/dbf-reader.js'
import { ShpFormatError } from '../formats/shapefile/shp-reader.js'
import { ArchiveError, defaultArchiveLimits, isZip, openShapefileArchive, type ShapefileArchive } from './archive.js'
import { EncodingError, resolveEncoding } from './encoding.js'
import type { ResolvedColumn } from './columns.js'
import { resolveFields } from './fields.js'
import { openGeoJson } from './geojson-source.js'
import { openDatabase } from './database-import.js'
import { detectDatabase } from './database-source.js'
import { GdalCancelled } from './gdal/reader.js'
import { diskFull, diskFullSaid } from '../jobs/lifecycle.js'
import * as q from './queries.js'
import type { Activation, ImportContext, ImportLimits, ImportRequest } from './request.js'
import { load } from './load.js'
import { locate, locationVerdict } from './location.js'
import { abortedSaid, emptyReport, ImportFailure, issueAt, IssueList, type ImportIssue, type ImportReport } from './report.js'
import { openShapefile, SourceError } from './shapefile-source.js'
import { surveyYearFromSjnf, surveyYearLayers } from './survey-year.js'
import type { FeatureSource } from './source.js'

/** The size limits are configuration (IMPORT_MAX_VERTICES, GEOJSON_MAX_*); batching is tuning. */
export const defaultImportLimits: ImportLimits = {
  ...defaultConfig().limits.import,
  batchSize: 2000,
  maxInFlight: 2,
}

/** Faults of the upload itself (said in both languages), as opposed to a lost connection or a bug. */
const expected = (e: unknown): e is BilingualError =>
  e instanceof ArchiveError ||
  e instanceof SourceError ||
  e instanceof CrsError ||
  e instanceof EncodingError ||
  e instanceof ShpFormatError ||
  e instanceof DbfFormatError

/** One import in progress: what each step reads and adds to. */
interface ImportRun {
  ctx: ImportContext
  req: ImportRequest
  limits: ImportLimits
  report: ImportReport
  issues: { warnings: IssueList; errors: IssueList }
  startedAt: number
  source: FeatureSource | null
  archive: ShapefileArchive | null
  /** EPSG code a GeoJSON file declares (its `crs` member) */
  declaredEpsg: number | null
  prjText: string | null
  dataset: { id: number; version: number } | null
}

/**
 * Runs the import; resolves with the report of a success, rejects with ImportFailure (report attached).
 * The steps: is it the active version already → open the source → its CRS and extent → map its
 * fields → a new (invisible) version → load → index, count, statistics → switch readers to it.
 */
export async function runImport(ctx: ImportContext, req: ImportRequest): Promise<ImportReport> {
  const run: ImportRun = {
    ctx,
    req,
    limits: { ...defaultImportLimits, ...ctx.limits },
    report: emptyReport(),
    issues: { warnings: new IssueList(200), errors: new IssueList(100) },
    startedAt: Date.now(),
    source: null,
    archive: null,
    declaredEpsg: null,
    prjText: null,
    dataset: null,
  }
  try {
    if (await unchanged(run)) return finished(run)
    const source = await openSource(run)
    run.report.timings.openMs = Date.now() - run.startedAt
    await faultPoint('import.opened', ctx.knex)
    const crs = await sourceCrs(run, source)
    const columns = mapFields(run, source)
    const dataset = await createVersion(run)
    await faultPoint('import.version-created', ctx.knex)
    const tLoad = Date.now()
    await load({ ctx, req, source, columns, target: { datasetId: dataset.id, crs }, report: run.report, issues: run.issues, limits: run.limits })
    run.report.timings.loadMs = Date.now() - tLoad
    await faultPoint('import.loaded', ctx.knex)
    await checkLocation(run, dataset)
    await completeVersion(run, dataset)
    ctx.onProgress?.(1, finished(run))
    return finished(run)
  } catch (err) {
    throw await failed(run, err)
  } finally {
    await run.source?.close().catch(() => {})
    run.archive?.close()
  }
}

/** The report as it stands, issues and total time included. */
function finished(run: ImportRun): ImportReport {
  run.report.warnings = run.issues.warnings.toJSON()
  run.report.errors = run.issues.errors.toJSON()
  run.report.timings.totalMs = Date.now() - run.startedAt
  return run.report
}

/** A replace with the file of the active version changes nothing: said, and nothing loaded. */
async function unchanged({ ctx, req, report, issues }: ImportRun): Promise<boolean> {
  if (req.mode !== 'replace') return false
  const active = await q.activeDataset(ctx.knex, req.kind.key, req.county)
  if (!active || active.sha256 !== req.file.sha256) return false
  issues.warnings.add(
    issueAt(
      { file: req.file.name },
      {
        message: `identical to active version ${active.version} (same SHA-256); nothing imported`,
        messageZh: `与当前版本（第 ${active.version} 版）相同，未导入`,
        code: 'unchanged',
      },
    ),
  )
  Object.assign(report, { unchanged: true, datasetId: active.id, version: active.version })
  report.counts.stored = active.featureCount
  return true
}

/** The features of the upload: a zipped shapefile (its encoding decided here) or a GeoJSON file. */
async function openSource(run: ImportRun): Promise<FeatureSource> {
  const { req, limits, report, issues } = run
  // A survey database (zipped .gdb, .gpkg): one of its layers, read by GDAL (./database-import.ts).
  const db = await detectDatabase(req.file)
  if (db) return (run.source = await openDatabase(run, db))
  if (await isZip(req.file.path)) {
    const archive = await openShapefileArchive(req.file.path, defaultArchiveLimits)
    run.archive = archive
    run.prjText = await archive.text('prj')
    const cpgText = await archive.text('cpg')
    const dbfHead = await DbfReader.open(await archive.open('dbf'))
    const languageDriver = dbfHead.header.languageDriver
    await dbfHead.close()
    const encoding = await resolveEncoding({ param: req.encoding, cpgText, openDbf: () => archive.open('dbf'), languageDriver })
    report.encoding = encoding
    const opened = await openShapefile(archive, { family: req.kind.family, encoding: encoding.name, maxVertices: limits.maxVertices })
    run.source = opened.source
    for (const w of opened.warnings) issues.warnings.add(issueAt({ file: archive.name }, w))
    return opened.source
  }
  if (/\.(geo)?json$/i.test(req.file.name)) {
    const opened = await openGeoJson(req.file.path, req.file.name, {
      family: req.kind.family,
      maxVertices: limits.maxVertices,
      maxBytes: limits.geojsonMaxBytes,
      maxDepth: limits.geojsonMaxDepth,
    })
    run.source = opened.source
    run.declaredEpsg = opened.declaredEpsg
    report.encoding = { name: 'UTF-8', how: 'utf8-json' }
    return opened.source
  }
  const issue = issueAt(
    { file: req.file.name },
    {
      message: `${req.file.name} is neither a zip (holding a shapefile) nor a .geojson/.json file`,
      messageZh: '文件既不是 ZIP 压缩包（内含 shapefile），也不是 .geojson/.json 文件：请将 .shp、.shx、.dbf、.prj 打包为 .zip 后上传',
    },
  )
  throw new ImportFailure(issue, [issue])
}

/** The source's coordinate system (parameter, .prj or GeoJSON, or detected) and a check that it lands in China. */
async function sourceCrs(run: ImportRun, source: FeatureSource): Promise<SourceCrs> {
  const { ctx, req, report, issues, declaredEpsg } = run
  const { crs, warnings } = await resolveSourceCrs(ctx.knex, {
    srid: req.srid ?? declaredEpsg ?? undefined,
    towgs84: req.towgs84,
    prjText: run.prjText,
    bbox: source.bbox,
  })
  if (req.srid === undefined && declaredEpsg !== null) crs.how = 'prj'
  report.sourceCrs = {
    epsg: crs.epsg,
    name: crs.name,
    nameZh: sourceCrsNameZh(crs),
    how: crs.how,
    ...(crs.proj4 && { proj4: crs.proj4 }),
    // the plane the county's projects are cut in (src/db/analysis-cut.ts countyPlane)
    ...(crs.identity?.centralMeridian !== undefined && { centralMeridian: crs.identity.centralMeridian }),
  }
  for (const w of warnings) issues.warnings.add(issueAt({ file: source.fileName }, w))
  if (source.bbox) await checkExtent(ctx.knex, source, crs)
  return crs
}

/** The layer's typed columns from the source's fields (and the user's fieldMap). */
function mapFields({ req, issues }: ImportRun, source: FeatureSource): ResolvedColumn[] {
  const fields = resolveFields(req.kind, source.fieldNames, req.fieldMap)
  if (fields.problems.length) {
    const all = fields.problems.map((p) => issueAt({ file: source.fileName }, p))
    throw new ImportFailure({ message: fields.problems.map((p) => p.message).join('; '), messageZh: all.map((i) => i.messageZh).join('；') }, all)
  }
  for (const n of fields.notes) issues.warnings.add(issueAt({ file: source.fileName }, n))
  return fields.columns
}

/** The delivery must lie in its county, where the county's boundary is loaded (src/import/location.ts). */
async function checkLocation({ ctx, req, issues }: ImportRun, dataset: { id: number }): Promise<void> {
  if (req.kind.key === 'admin-divisions') return
  const verdict = locationVerdict(await locate(ctx.knex, { kind: req.kind, datasetId: dataset.id, county: req.county }), req.county)
  if (!verdict) return
  const issue = issueAt({ file: req.file.name }, verdict)
  if (verdict.refuse) throw new ImportFailure(issue, [issue])
  issues.warnings.add(issue)
}

/** A new version in a table of its own, attached as the layer's partition once complete; an append starts with the active rows. */
async function createVersion(run: ImportRun): Promise<{ id: number; version: number }> {
  const { ctx, req, report, issues } = run
  const dataset = await q.createDataset(ctx.knex, {
    layer: req.kind.key,
    county: req.county,
    sourceName: req.file.name,
    sha256: req.file.sha256,
    crs: report.sourceCrs!,
    encoding: report.encoding,
    importedBy: req.importedBy,
    jobId: req.jobId,
  })
  run.dataset = dataset
  Object.assign(report, { datasetId: dataset.id, version: dataset.version })
  await q.createVersionTable(ctx.knex, req.kind, dataset.id)
  if (req.mode === 'append') {
    const active = await q.activeDataset(ctx.knex, req.kind.key, req.county)
    if (active) {
      const copied = await q.copyRows(ctx.knex, req.kind, active.id, dataset.id)
      issues.warnings.add({
        message: `appended to version ${active.version}: ${copied} features copied`,
        messageZh: `追加到第 ${active.version} 版：已复制原有要素 ${copied} 个`,
      })
    }
  }
  return dataset
}

/** A survey delivery's year (调查年度): the one given, else the one every record's SJNF gives (./survey-year.ts). */
async function datedVersion({ ctx, req, issues, source }: ImportRun, dataset: { id: number }): Promise<void> {
  if (!surveyYearLayers.includes(req.kind.key)) return
  const target = { id: dataset.id, county: req.county }
  if (req.surveyYear !== undefined) return q.setSurveyYear(ctx.knex, target, req.surveyYear, 'given')
  // the field as the source names it (SJNF, sjnf …): attributes are kept under their source names
  const field = source?.fieldNames.find((f) => f.toUpperCase() === 'SJNF')
  const read = surveyYearFromSjnf(field ? await q.attributeValues(ctx.knex, req.kind, dataset.id, field) : [])
  if (read.year !== null) return q.setSurveyYear(ctx.knex, target, read.year, 'sjnf')
  issues.warnings.add(issueAt({ file: req.file.name }, read.said))
}

/** Indexes, count and extent, planner statistics, then readers switch to the version in one transaction. */
async function completeVersion(run: ImportRun, dataset: { id: number }): Promise<void> {
  const { ctx, req, report, issues } = run
  if (issues.errors.count > 0 && req.onInvalid === 'fail') {
    const summary: ImportIssue = {
      message: `${issues.errors.count} record(s) could not be imported; nothing was stored (see errors, or import with onInvalid=skip to store the rest)`,
      messageZh: `${issues.errors.count} 条记录无法导入，整批未导入：请按错误列表修改数据，或在“遇到错误要素”中选择“跳过并列出错误要素”导入其余要素`,
      code: 'invalid-records',
    }
    // first in the list: what the records below add up to, and what to do
    issues.errors.lead(summary)
    throw new ImportFailure(summary, issues.errors.items)
  }
  if (ctx.signal?.aborted) throw new ImportFailure(abortedSaid(ctx.signal))
  const tIndex = Date.now()
  const [, summary] = await Promise.all([
    q.attachVersionTable(ctx.knex, req.kind, dataset.id),
    q.summarizeDataset(ctx.knex, req.kind, dataset.id),
    datedVersion(run, dataset),
  ])
  report.timings.indexMs = Date.now() - tIndex
  report.counts.stored = summary.featureCount
  await faultPoint('import.attached', ctx.knex)
  // Planner statistics before readers see the version: without them (autovacuum off or behind,
  // and PGlite has none) the first pages after an import sort the whole partition.
  await q.analyzeVersionTable(ctx.knex, req.kind, dataset.id)
  const activation: Activation = { datasetId: dataset.id, warn: (i) => issues.warnings.add(i), report: () => finished(run) }
  await faultPoint('import.before-activation', ctx.knex)
  await q.activateDataset(ctx.knex, { id: dataset.id, layer: req.kind.key, county: req.county }, ctx.onActivate && ((trx) => ctx.onActivate!(trx, activation)))
  // The version is the layer's now: nothing that fails from here on may discard it.
  run.dataset = null
  await faultPoint('import.after-activation', ctx.knex)
}

/**
 * Drops the version being loaded. After a lost connection the pool may first hand out another
 * connection that died with it: the next attempt gets a fresh one. What still fails is removed at
 * the next start (jobs recovery); the job is failed either way.
 */
async function discardWithRetry(run: ImportRun, attempts = 5): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    try {
      return await q.discardDataset(run.ctx.knex, run.req.kind, { id: run.dataset!.id, county: run.req.county })
    } catch {
      await new Promise((r) => setTimeout(r, 100 * (i + 1)))
    }
  }
}

/**
 * Removes what was loaded and turns the error into the ImportFailure the caller reports (report
 * attached); an error that is neither the upload's nor a cancel (a lost connection) is returned as is.
 */
async function failed(run: ImportRun, err: unknown): Promise<unknown> {
  const { ctx, req, report, source, issues } = run
  if (run.dataset) await discardWithRetry(run)
  Object.assign(report, { datasetId: null, version: null })
  if (err instanceof ImportFailure) {
    if (err.issues !== issues.errors.items) for (const i of err.issues) issues.errors.add(i)
  } else if (expected(err))
    issues.errors.add(
      issueAt(
        { file: source?.fileName ?? req.file.name },
        { message: err.message, messageZh: err.messageZh, ...(err instanceof CrsError && { code: err.code }) },
      ),
    )
  else if (ctx.signal?.aborted || err instanceof GdalCancelled) issues.errors.add(abortedSaid(ctx.signal))
  else if (diskFull(err as Error)) issues.errors.add(diskFullSaid)
  else return err
  const first = issues.errors.items[0] ?? { message: 'import failed', messageZh: '导入失败' }
  return Object.assign(new ImportFailure(first, issues.errors.items), { report: finished(run) })
}

/** Why coordinates and a CRS do not fit together, judged from the coordinate range. */
function likelyCause(b: NonNullable<FeatureSource['bbox']>, crs: SourceCrs): { en: string; zh: string } {
  const id = crs.identity
  const x = Math.round(b.minX)
  const zh = sourceCrsNameZh(crs)
  if (id?.projected && id.zonePrefix === false && b.minX > 1e6)
    return { en: `the X values (${x}…) carry a zone prefix but ${crs.name} has none`, zh: `X 坐标（${x}…）带有带号，而${zh}不带带号` }
  if (id?.projected && id.zonePrefix && b.maxX < 1e6)
    return { en: `the X values (${x}…) have no zone prefix but ${crs.name} expects one`, zh: `X 坐标（${x}…）不带带号，而${zh}须带带号` }
  if (id && !id.projected && Math.abs(b.maxX) > 360)
    return { en: `the coordinates are projected metres but ${crs.name} is longitude/latitude`, zh: `坐标是以米为单位的投影坐标，而${zh}是经纬度` }
  if (id && !id.projected && b.minX >= 3 && b.maxX <= 54 && b.minY >= 73) return { en: 'latitude and longitude look swapped', zh: '经度和纬度似乎颠倒了' }
  return { en: 'the coordinate system is probably wrong (central meridian or zone)', zh: '坐标系可能选错了（中央经线或带号不对）' }
}

async function checkExtent(knex: Knex, source: FeatureSource, crs: SourceCrs): Promise<void> {
  const b = source.bbox!
  let box
  try {
    box = await q.transformedBbox(knex, b, crs)
  } catch (err) {
    // knex prefixes the SQL to the database's message; the user needs only the latter.
    const why = (err as Error).message.split(' - ').at(-1)
    const cause = likelyCause(b, crs)
    throw new CrsError(
      `in ${crs.name} the data cannot be placed on the earth (${why}), let alone inside China: ${cause.en}. Pass srid to name the right system`,
      `按${sourceCrsNameZh(crs)}无法把数据放到地球上（${why}）：${cause.zh}。${chooseCrsZh()}`,
    )
  }
  if (!outsideChina(box)) return
  const f = (n: number) => n.toFixed(3)
  const cause = likelyCause(b, crs)
  throw new CrsError(
    `in ${crs.name} the data lands at ${f(box.minX)},${f(box.minY)} – ${f(box.maxX)},${f(box.maxY)}, not inside China (73–136°E, 3–54°N): ${cause.en}. Pass srid to name the right system`,
    `按${sourceCrsNameZh(crs)}，数据落在经纬度 ${f(box.minX)},${f(box.minY)} – ${f(box.maxX)},${f(box.maxY)}，不在我国范围内：${cause.zh}。${chooseCrsZh()}`,
  )
}
