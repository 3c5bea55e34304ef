// Survey databases as delivered: a zipped FileGDB (.gdb folder) or a GeoPackage, read by GDAL
// (gdal3.js, WebAssembly, in a worker: ./gdal/). The upload is listed (layers, fields, CRS, counts)
// and one layer at a time is written by GDAL as COPY rows (hex EWKB) in the source CRS beside the upload, then
// streamed line by line into the same batch loader as a shapefile. Why this reader: docs/decisions.md.
import { isUtf8 } from 'node:buffer'
import fs from 'node:fs'
import path from 'node:path'
import type { Bbox } from '../crs/resolve.js'
import type { DbfValue } from '../formats/shapefile/dbf-values.js'
import { geojsonToWkb } from '../formats/geojson/to-wkb.js'
import { WkbBatch } from '../formats/wkb-batch.js'
import { ArchiveError, defaultArchiveLimits, isZip, listEntries, openZip } from './archive.js'
import type { DatabaseField, DatabaseLayer } from './database-layers.js'
import { checkedWkb, copyColumns, copyValue, ewkbToGeometry, provenOneRingPolygon } from './gdal/copy-rows.js'
import { hostPath, nativeInfo, nativeTranslate, type NativeGdal, type NativeTranslation } from './gdal/native.js'
import { GdalCancelled, GdalReader } from './gdal/reader.js'
import { SourceError } from './shapefile-source.js'
import { checkedShape, type FeatureSource, type SourceBatch, type SourceFeature } from './source.js'

export interface DatabaseUpload {
  format: 'gpkg' | 'gdb'
  /** the .gdb folder inside the zip, or the file's name */
  name: string
  /** the upload's directory: GDAL sees it as /work, and writes its output there */
  dir: string
  /** the dataset as GDAL opens it (the worker's path: /work = dir; ./gdal/native.ts hostPath for the machine's GDAL) */
  gdalPath: string
  /** the uploaded file */
  path: string
  size: number
  /** the database's bytes: a GeoPackage's size, or the .gdb's files uncompressed */
  dataBytes: number
  /** a zip's entry names, when not flagged as UTF-8: as the service reads them (raw UTF-8, else GB18030), for the machine's GDAL (CPL_ZIP_ENCODING) */
  zipEncoding?: 'UTF-8' | 'GB18030'
}

export interface DatabaseListing {
  format: 'gpkg' | 'gdb'
  name: string
  layers: DatabaseLayer[]
}

const sqliteMagic = Buffer.from('SQLite format 3\0', 'latin1')
/** a GeoPackage row takes at least this many bytes (rowid, record header, a geometry blob header) */
const minBytesPerFeature = 16
/** a zipped FileGDB of a county's whole survey: several files per table, dozens of tables */
const gdbMaxEntries = 5000

/** what a technician does about a damaged database, said after each such message */
export const reexportZh = '请在 ArcGIS 或 QGIS 中重新导出数据库后上传'

async function head(file: string, n: number): Promise<Buffer> {
  const fd = await fs.promises.open(file, 'r')
  try {
    const b = Buffer.alloc(n)
    const { bytesRead } = await fd.read(b, 0, n, 0)
    return b.subarray(0, bytesRead)
  } finally {
    await fd.close()
  }
}

/** The database in an upload (a GeoPackage, or a zip holding one .gdb folder), or null for anything else. */
export async function detectDatabase(file: { path: string; name: string }): Promise<DatabaseUpload | null> {
  const dir = path.dirname(file.path)
  const base = path.basename(file.path)
  const size = (await fs.promises.stat(file.path)).size
  if ((await head(file.path, 16)).equals(sqliteMagic))
    return { format: 'gpkg', name: file.name, dir, gdalPath: `/work/${base}`, path: file.path, size, dataBytes: size }
  if (/\.gpkg$/i.test(file.name))
    throw new SourceError(
      `${file.name} is not a GeoPackage: it is not an SQLite database (no "SQLite format 3" header)`,
      `“${file.name}”不是 GeoPackage 文件：不是 SQLite 数据库（文件头不是“SQLite format 3”），可能上传不完整或扩展名有误。${reexportZh}`,
    )
  if (!(await isZip(file.path))) return null
  // A zip that cannot be listed (damaged, unsafe entries, a bomb) is left to the shapefile path,
  // whose job reports it as it always has.
  let entries: Array<{ name: string; entry: { fileName: unknown; uncompressedSize: number } }>
  try {
    const zip = await openZip(file.path)
    try {
      entries = await listEntries(zip, { ...defaultArchiveLimits, maxEntries: gdbMaxEntries })
    } finally {
      zip.close()
    }
  } catch (err) {
    if (err instanceof ArchiveError) return null
    throw err
  }
  const roots = new Set<string>()
  for (const e of entries) {
    if (e.name.split('/').some((s) => s.startsWith('__MACOSX'))) continue
    const m = /^(.*?\.gdb)\//i.exec(e.name)
    if (m) roots.add(m[1]!)
  }
  if (roots.size === 0) return null
  if (roots.size > 1) {
    const names = [...roots].join(', ')
    throw new SourceError(
      `the zip holds ${roots.size} file geodatabases (${names}); upload one .gdb per import`,
      `压缩包中有 ${roots.size} 个文件地理数据库（${[...roots].join('、')}）：每次只能上传一个 .gdb，请分别打包上传`,
    )
  }
  const root = [...roots][0]!
  // a00000001.gdbtable is the geodatabase's system catalogue: without it nothing in the folder can be found
  const files = new Set(entries.map((e) => e.name.toLowerCase()))
  if (!files.has(`${root.toLowerCase()}/a00000001.gdbtable`))
    throw new SourceError(
      `${root} has no system tables (a00000001.gdbtable, the catalogue of its layers): not a complete file geodatabase`,
      `“${root}”中缺少系统表（a00000001.gdbtable，即图层目录），不是完整的文件地理数据库：请将整个 .gdb 文件夹打包上传`,
    )
  const inRoot = entries.filter((e) => e.name.startsWith(`${root}/`))
  return {
    format: 'gdb',
    name: root,
    dir,
    gdalPath: `/vsizip//work/${base}/${root}`,
    path: file.path,
    size,
    dataBytes: inRoot.reduce((n, e) => n + e.entry.uncompressedSize, 0),
    zipEncoding: inRoot.every((e) => isUtf8(e.entry.fileName as Buffer)) ? 'UTF-8' : 'GB18030',
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)

/** ogrinfo's JSON (GDAL ≥ 3.7) → the listing. */
function layersOf(info: unknown): DatabaseLayer[] {
  const layers = ((info as { layers?: unknown[] }).layers ?? []) as Array<Record<string, unknown>>
  return layers.map((l) => {
    const g = ((l.geometryFields as Array<Record<string, unknown>> | undefined) ?? [])[0]
    const cs = g?.coordinateSystem as { wkt?: string; projjson?: { name?: string; id?: { authority?: string; code?: number } } } | undefined
    const id = cs?.projjson?.id
    const meta = ((l.metadata as Record<string, Record<string, string>> | undefined) ?? {})['']
    const extent = g?.extent as number[] | undefined
    const fields = ((l.fields as Array<Record<string, unknown>> | undefined) ?? []).map((f): DatabaseField => ({
      name: String(f.name),
      // "alias" in GDAL's JSON (3.7+); "alternativeName" is the C API's word for it
      alias: str(f.alias) ?? str(f.alternativeName),
      type: String(f.type),
      ...(str(f.subType) && { subType: String(f.subType) }),
    }))
    return {
      name: String(l.name),
      alias: str(meta?.ALIAS_NAME) ?? str(meta?.IDENTIFIER),
      geometryType: g ? String(g.type) : null,
      featureCount: typeof l.featureCount === 'number' ? l.featureCount : -1,
      crs: { epsg: id?.authority === 'EPSG' && typeof id.code === 'number' ? id.code : null, name: str(cs?.projjson?.name), wkt: str(cs?.wkt) },
      extent: extent?.length === 4 && extent.every(Number.isFinite) ? (extent as [number, number, number, number]) : null,
      fields,
      ...(g && { geometryName: String(g.name) }),
      ...(str(l.fidColumnName) && { fidName: String(l.fidColumnName) }),
    }
  })
}

/**
 * Listings of recent uploads, by the file's identity (device, inode, size, modification time): the
 * job of an upload (or of each layer mapped, whose uploads are hard links to the same file) finds
 * the listing the upload's answer was made from instead of asking GDAL again.
 */
const recentListings = new Map<string, { at: number; listing: DatabaseListing }>()
const listingKeptMs = 15 * 60_000
const listingsKept = 32

/** Forgets the listings kept (a benchmark's job lists as one without an upload before it). */
export function forgetListings(): void {
  recentListings.clear()
}

async function fileKey(file: string): Promise<string | null> {
  const s = await fs.promises.stat(file).catch(() => null)
  return s ? `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}` : null
}

/** The listing kept under a file's identity (`key`) for the database `name`, or null; forgets the expired ones. */
function keptFor(key: string | null, name: string): DatabaseListing | null {
  const now = Date.now()
  for (const [k, v] of recentListings) if (now - v.at > listingKeptMs) recentListings.delete(k)
  const hit = key ? recentListings.get(key) : undefined
  return hit && hit.listing.name === name ? hit.listing : null
}

/** The listing kept from the upload of this very file (see recentListings), or null. */
export async function keptListing(db: DatabaseUpload): Promise<DatabaseListing | null> {
  return keptFor(await fileKey(db.path), db.name)
}

/**
 * The database's layers, as GDAL lists them: the machine's GDAL when `native` lists (≥ 3.7), else
 * gdal3.js, with a worker of its own unless given one (GdalReader.start(db.dir)).
 */
export async function listDatabase(
  db: DatabaseUpload,
  opts: { reader?: GdalReader; native?: NativeGdal | null; signal?: AbortSignal } = {},
): Promise<DatabaseListing> {
  const key = await fileKey(db.path)
  const kept = keptFor(key, db.name)
  if (kept) return kept
  const now = Date.now()
  const unreadable = (err: Error) => {
    if (err instanceof GdalCancelled) throw err
    throw new SourceError(
      `GDAL cannot open ${db.name}: ${err.message || 'not a readable database'}`,
      `无法打开“${db.name}”（GDAL：${err.message || '不是可读的数据库'}）：文件可能不完整或已损坏。${reexportZh}`,
    )
  }
  let info: unknown
  if (opts.native?.lists) info = await nativeInfo(hostPath(db.gdalPath, db.dir), db.zipEncoding).catch(unreadable)
  else {
    const reader = opts.reader ?? (await GdalReader.start(db.dir, opts.signal))
    try {
      info = await reader.info(db.gdalPath, db.zipEncoding).catch(unreadable)
    } finally {
      if (!opts.reader) await reader.close()
    }
  }
  const listing: DatabaseListing = { format: db.format, name: db.name, layers: layersOf(info) }
  if (key) {
    recentListings.delete(key)
    recentListings.set(key, { at: now, listing })
    if (recentListings.size > listingsKept) recentListings.delete(recentListings.keys().next().value!)
  }
  return listing
}

/**
 * Bytes gdal3.js's COPY rows of a layer take beside the upload while it is read (the machine's GDAL
 * writes them to a pipe: none): at most about 3× a .gdb's files uncompressed (FileGDB stores
 * coordinates as varints, the rows as hex doubles; measured 2.5–2.6×) and 2× a GeoPackage (its
 * WKB as hex, the attributes as they are; measured 1.3×). Counted for the whole database: one
 * layer is never more, and the jobs of several layers may run at once.
 */
export const gdalScratchBytes = (db: DatabaseUpload): number => Math.ceil(db.dataBytes * (db.format === 'gdb' ? 3 : 2))

/** The layer's extent as the loader's bounding box (the location check), or null when GDAL gave none. */
export function layerBbox(layer: DatabaseLayer): Bbox | null {
  const b = layer.extent
  return b ? { minX: b[0], minY: b[1], maxX: b[2], maxY: b[3] } : null
}

/** At the end of a layer's rows: as many read as the layer declares (when it declares a count), else the database is damaged. */
export function checkCount(layer: DatabaseLayer, read: number): void {
  if (layer.featureCount >= 0 && read !== layer.featureCount)
    throw new SourceError(
      `layer ${layer.name}: ${read} features read, but the layer declares ${layer.featureCount}; the database is damaged or incomplete`,
      `图层 ${layer.name}：读出 ${read} 个要素，而图层声明有 ${layer.featureCount} 个，数据库已损坏或不完整。${reexportZh}`,
    )
}

/** Problems that refuse a layer before anything is read: a count the file cannot hold. */
export function layerProblem(db: DatabaseUpload, l: DatabaseLayer): { message: string; messageZh: string } | null {
  if (l.featureCount > db.size / minBytesPerFeature)
    return {
      message: `layer ${l.name} claims ${l.featureCount} features, more than a file of ${db.size} bytes can hold: the database is damaged`,
      messageZh: `图层 ${l.name} 声称有 ${l.featureCount} 个要素，而文件只有 ${db.size} 字节，不可能容纳：数据库已损坏。${reexportZh}`,
    }
  return null
}

/**
 * One layer of the database as the loader's source. With gdal3.js (`reader`), GDAL writes it as
 * COPY rows to a file beside the upload in its worker thread while they are read back by line, so
 * GDAL's part and the loading overlap; the source owns the reader from here: it ends when GDAL has
 * written the layer, or when the source is closed. With the machine's GDAL (`native`), ogr2ogr
 * writes the same rows to a pipe, killed when the source is closed or `signal` aborts.
 */
export async function openDatabaseLayer(
  db: DatabaseUpload,
  layer: DatabaseLayer,
  gdal: { reader: GdalReader } | { native: NativeGdal; signal?: AbortSignal },
  opts: { family: 'polygon' | 'line'; maxVertices: number },
): Promise<FeatureSource> {
  const problem = layerProblem(db, layer)
  if (problem) throw new SourceError(problem.message, problem.messageZh)
  const fam =
    layer.geometryType && /polygon|surface/i.test(layer.geometryType) ? 'polygon' : layer.geometryType && /line|curve/i.test(layer.geometryType) ? 'line' : null
  if (fam !== opts.family)
    throw new SourceError(
      `layer ${layer.name} holds ${layer.geometryType ?? 'no'} geometries, but this layer kind needs ${opts.family === 'polygon' ? 'polygons' : 'lines'}`,
      `图层 ${layer.name} 的几何类型为 ${layer.geometryType ?? '无'}，而该图层类型须为${opts.family === 'polygon' ? '面' : '线'}要素：请确认图层和所选类型是否对应`,
    )
  const unreadable = (err: Error) =>
    err instanceof GdalCancelled
      ? err
      : new SourceError(
          `layer ${layer.name} of ${db.name} cannot be read: ${err.message}`,
          `${db.name} 的图层 ${layer.name} 无法读取（GDAL：${err.message}）：数据库文件可能不完整或已损坏（如 .gdbtable 被截断）。${reexportZh}`,
        )
  const bbox = layerBbox(layer)
  if ('native' in gdal) {
    const t = nativeTranslate(hostPath(db.gdalPath, db.dir), layer.name, db.zipEncoding)
    const signal = gdal.signal
    const stop = () => t.kill()
    signal?.addEventListener('abort', stop, { once: true })
    if (signal?.aborted) stop()
    const lines = new PipeLines(t, (err) => (signal?.aborted ? new GdalCancelled('cancelled') : unreadable(err)))
    return new CopyRowsSource(`${db.name}:${layer.name}`, lines, layer, bbox, opts, async () => {
      signal?.removeEventListener('abort', stop)
      await lines.close()
    })
  }
  const reader = gdal.reader
  const out = path.join(db.dir, `layer-${Math.random().toString(36).slice(2)}.sql`)
  const writer: Writer = { done: false, error: null, settled: Promise.resolve() }
  writer.settled = reader.translate(db.gdalPath, layer.name, path.basename(out), db.zipEncoding).then(
    async () => {
      await reader.close()
      writer.done = true
    },
    async (err: Error) => {
      await reader.close()
      writer.error = unreadable(err)
    },
  )
  const lines = new GrowingLines(out, writer)
  return new CopyRowsSource(`${db.name}:${layer.name}`, lines, layer, bbox, opts, async () => {
    // a source closed early (a failed or cancelled import) stops GDAL too
    await reader.close()
    await lines.close()
    await fs.promises.rm(out, { force: true })
  })
}

/** Lines of GDAL's output, null after the last. */
interface Lines {
  next(): Promise<string | null>
}

/** Splits chunks of UTF-8 text into lines: a line is split at a byte boundary only at '\n' (UTF-8 never has 0x0A inside a character). */
class LineSplitter {
  private pending: Buffer = Buffer.alloc(0)
  queue: string[] = []
  at = 0

  push(chunk: Buffer): void {
    const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk
    const end = data.lastIndexOf(10)
    this.pending = Buffer.from(end === -1 ? data : data.subarray(end + 1))
    this.queue = end === -1 ? [] : data.toString('utf8', 0, end).split('\n')
    this.at = 0
  }

  /** the last line, when it has no '\n' */
  rest(): string | null {
    if (!this.pending.length) return null
    const last = this.pending.toString('utf8')
    this.pending = Buffer.alloc(0)
    return last
  }
}

/** GDAL writing the layer: settled never rejects (the error is kept for the reader to throw). */
interface Writer {
  done: boolean
  error: Error | null
  settled: Promise<void>
}

/** Lines of a file another thread is still appending to; null at the end, once the writer is done. */
class GrowingLines implements Lines {
  private fh: fs.promises.FileHandle | null = null
  private pos = 0
  private readonly split = new LineSplitter()
  private readonly chunk = Buffer.allocUnsafe(1 << 20)

  constructor(
    private readonly file: string,
    private readonly writer: Writer,
  ) {}

  private wait(): Promise<void> {
    return Promise.race([this.writer.settled, new Promise<void>((r) => setTimeout(r, 20))])
  }

  async next(): Promise<string | null> {
    const split = this.split
    for (;;) {
      if (split.at < split.queue.length) return split.queue[split.at++]!
      if (this.writer.error) throw this.writer.error
      const done = this.writer.done // read before the file: whatever was written before done is read below
      if (!this.fh) {
        this.fh = await fs.promises.open(this.file, 'r').catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return null // GDAL has not created it yet
          throw err
        })
        if (!this.fh) {
          if (done) throw new Error(`GDAL wrote no output for ${path.basename(this.file)}`)
          await this.wait()
          continue
        }
      }
      const { bytesRead } = await this.fh.read(this.chunk, 0, this.chunk.length, this.pos)
      if (bytesRead > 0) {
        this.pos += bytesRead
        split.push(this.chunk.subarray(0, bytesRead))
        continue
      }
      if (done) return split.rest()
      await this.wait()
    }
  }

  async close(): Promise<void> {
    await this.fh?.close()
    this.fh = null
  }
}

/**
 * Lines of ogr2ogr's stdout. A chunk is taken only when the loader asks for more lines, so when the
 * loader is behind the pipe fills and ogr2ogr waits: memory stays at the pipe's and one chunk's.
 */
class PipeLines implements Lines {
  private readonly chunks: AsyncIterator<Buffer>
  private readonly split = new LineSplitter()
  private ended = false

  constructor(
    private readonly t: NativeTranslation,
    private readonly failed: (err: Error) => Error,
  ) {
    this.chunks = t.stdout[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  }

  async next(): Promise<string | null> {
    const split = this.split
    for (;;) {
      if (split.at < split.queue.length) return split.queue[split.at++]!
      if (this.ended) return split.rest()
      const r = await this.chunks.next().catch((err: Error) => ({ done: true as const, value: err }))
      if (r.done) {
        // the output is whole only when ogr2ogr exited without an error
        const err = await this.t.failure
        if (err) throw this.failed(err)
        if (r.value instanceof Error) throw this.failed(r.value)
        this.ended = true
        continue
      }
      split.push(r.value)
    }
  }

  async close(): Promise<void> {
    this.t.kill()
    this.t.stdout.destroy()
    await this.t.failure
  }
}

/** A COPY text value as the shapefile reader gives the same field: numbers as numbers, booleans as booleans. */
function valueOf(raw: string, field: DatabaseField): DbfValue {
  const v = copyValue(raw)
  if (v === null) return null
  if (field.subType === 'Boolean') return v === 't' || v === '1' || v === 'true'
  if (field.type === 'Integer' || field.type === 'Integer64' || field.type === 'Real') {
    const n = Number(v)
    return Number.isFinite(n) ? n : v
  }
  return v
}

/** GDAL's PGDump output of the layer (./gdal/copy-rows.ts), read line by line (from the file or the pipe). */
class CopyRowsSource implements FeatureSource {
  readonly fieldNames: string[]
  readonly total: number
  private read = 0
  /** for each field of the layer, its column in the COPY rows */
  private at: number[] = []
  private geometryAt = -1
  private fidAt = -1
  private inRows = false

  constructor(
    readonly fileName: string,
    private readonly lines: Lines,
    private readonly layer: DatabaseLayer,
    readonly bbox: Bbox | null,
    private readonly opts: { family: 'polygon' | 'line'; maxVertices: number },
    private readonly onClose: () => Promise<void>,
  ) {
    this.fieldNames = layer.fields.map((f) => f.name)
    this.total = layer.featureCount
  }

  /** The COPY header names the columns: the fields by name, the geometry and the FID column. */
  private header(line: string): void {
    const cols = copyColumns(line)!
    this.at = this.fieldNames.map((n) => cols.indexOf(n))
    this.geometryAt = cols.indexOf(this.layer.geometryName ?? '')
    this.fidAt = cols.findIndex((c) => c === this.layer.fidName || c === 'ogc_fid')
    this.inRows = true
  }

  async next(max: number): Promise<SourceBatch> {
    const out: SourceFeature[] = []
    const wkb = new WkbBatch(256 << 10)
    while (out.length < max) {
      const line = await this.lines.next()
      if (line === null) break
      if (!this.inRows) {
        if (line.startsWith('COPY ')) this.header(line)
        continue
      }
      if (line === '\\.') {
        this.inRows = false
        continue
      }
      const cols = line.split('\t')
      this.read++
      const fid = this.fidAt >= 0 ? Number(cols[this.fidAt]) : NaN
      const record = Number.isInteger(fid) ? fid : this.read
      const values = this.layer.fields.map((f, i) => (this.at[i]! >= 0 ? valueOf(cols[this.at[i]!]!, f) : null))
      const hex = this.geometryAt >= 0 ? cols[this.geometryAt]! : '\\N'
      if (hex === '\\N') {
        out.push({ record, shape: { kind: 'null' }, values, issues: [], deleted: false })
        continue
      }
      const fast = checkedWkb(hex, this.opts.family, this.opts.maxVertices)
      if (fast) {
        out.push({
          record,
          shape: {
            kind: 'shape',
            wkbAt: wkb.append(fast),
            wkbLength: fast.length,
            reorganized: false,
            proven: this.opts.family === 'polygon' && provenOneRingPolygon(fast),
          },
          values,
          issues: [],
          deleted: false,
        })
        continue
      }
      const w = geojsonToWkb(ewkbToGeometry(hex), this.opts.family, this.opts.maxVertices)
      out.push({
        record,
        shape: checkedShape(w, wkb),
        values,
        issues: [],
        deleted: false,
      })
    }
    if (out.length === 0) checkCount(this.layer, this.read)
    return { features: out, wkb: wkb.take() }
  }

  close(): Promise<void> {
    return this.onClose()
  }
}
