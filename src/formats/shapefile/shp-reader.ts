// Shapefile geometry (.shp) reader: records parsed in order from large chunks, geometry turned
// straight into WKB (coordinates are copied as they are: little-endian doubles in both formats).
import { ChunkedFile, fileSource, type ByteSource } from '../chunked-file.js'
import { WkbBatch } from '../wkb-batch.js'
import { provenSimpleRing } from '../../geometry/simple-ring.js'
import { organizeRings, type Ring } from './rings.js'
import { BilingualError } from '../../errors/bilingual.js'

export const shapeTypes = {
  0: 'Null',
  1: 'Point',
  3: 'PolyLine',
  5: 'Polygon',
  8: 'MultiPoint',
  11: 'PointZ',
  13: 'PolyLineZ',
  15: 'PolygonZ',
  18: 'MultiPointZ',
  21: 'PointM',
  23: 'PolyLineM',
  25: 'PolygonM',
  28: 'MultiPointM',
  31: 'MultiPatch',
} as Record<number, string>

export type GeometryFamily = 'polygon' | 'line'
export const familyOf = (shapeType: number): GeometryFamily | null =>
  [5, 15, 25].includes(shapeType) ? 'polygon' : [3, 13, 23].includes(shapeType) ? 'line' : null

export interface ShpHeader {
  fileLength: number // bytes
  shapeType: number
  bbox: { minX: number; minY: number; maxX: number; maxY: number }
}

/** A shape's WKB lies at [wkbAt, wkbAt + wkbLength) of the WkbBatch given to next(). */
export type ShpRecord =
  | {
      recordNumber: number
      kind: 'shape'
      wkbAt: number
      wkbLength: number
      vertices: number
      reorganized: boolean
      /** proven valid here (a simple one-ring polygon): the database need not check it again */
      proven: boolean
      /** a one-ring polygon whose proof was left to whoever stores it (deferRingProof) */
      deferred?: boolean
    }
  | { recordNumber: number; kind: 'null' }
  | { recordNumber: number; kind: 'rejected'; message: string; messageZh: string }

/** The .shp itself is broken (not one record): the whole file is refused. */
export class ShpFormatError extends BilingualError {}

const redraw = '请在 GIS 软件中检查并修复该要素的几何后重新导出'
const reexport = '请在 ArcGIS 或 QGIS 中重新导出该图层后上传'

const rejected = (recordNumber: number, message: string, messageZh: string): ShpRecord => ({ recordNumber, kind: 'rejected', message, messageZh })

export function parseShpHeader(head: Buffer): ShpHeader {
  if (head.length < 100 || head.readInt32BE(0) !== 9994)
    throw new ShpFormatError('not a shapefile: the .shp header is missing or has the wrong file code', `.shp 文件头缺失或不是 shapefile 格式。${reexport}`)
  return {
    fileLength: head.readInt32BE(24) * 2,
    shapeType: head.readInt32LE(32),
    bbox: { minX: head.readDoubleLE(36), minY: head.readDoubleLE(44), maxX: head.readDoubleLE(52), maxY: head.readDoubleLE(60) },
  }
}

/** Number of records from a .shx header: 100-byte header plus 8 bytes per record. */
export function shxRecordCount(shxHead: Buffer): number {
  if (shxHead.length < 100 || shxHead.readInt32BE(0) !== 9994)
    throw new ShpFormatError('the .shx file is not a shapefile index', `.shx 文件不是有效的 shapefile 索引。${reexport}`)
  return (shxHead.readInt32BE(24) * 2 - 100) / 8
}

export class ShpReader {
  private count = 0
  /**
   * Leaves the proof of one-ring polygons (src/geometry/simple-ring.ts) to the one who stores
   * them: set by a COPY load, which proves them on its worker thread beside the projection, off
   * the main thread that reads (src/import/copy-batch.ts). Such a shape is `proven: false,
   * deferred: true`: whatever stores it without the proof lets PostGIS check it.
   */
  deferRingProof = false

  private constructor(
    private readonly file: ChunkedFile,
    readonly header: ShpHeader,
    private readonly family: GeometryFamily,
    private readonly maxVertices: number,
  ) {}

  static async open(from: string | ByteSource, opts: { family: GeometryFamily; maxVertices: number }): Promise<ShpReader> {
    const file = new ChunkedFile(typeof from === 'string' ? await fileSource(from) : from)
    const header = parseShpHeader(Buffer.from(file.take(await file.ensure(100))))
    return new ShpReader(file, header, opts.family, opts.maxVertices)
  }

  get recordsRead(): number {
    return this.count
  }

  get bytesRead(): number {
    return this.file.offset
  }

  /** The next record, or null at the end of the file; its WKB is written into `wkb`. */
  async next(wkb: WkbBatch): Promise<ShpRecord | null> {
    const record = this.nextBuffered(wkb)
    if (record !== undefined) return record
    if (this.file.offset >= this.header.fileLength) return null
    if ((await this.file.ensure(8)) < 8) return null
    const length = this.file.peek(8).readInt32BE(4) * 2
    const got = await this.file.ensure(8 + length)
    if (got < 8 + length)
      throw new ShpFormatError(`the .shp file ends inside record ${this.count + 1}`, `.shp 文件在第 ${this.count + 1} 条记录中途结束，文件不完整。${reexport}`)
    return this.nextBuffered(wkb)!
  }

  /**
   * The next record when it is already in memory (null at the end of the file), undefined when it
   * must be read first: most records need no promise.
   */
  nextBuffered(wkb: WkbBatch): ShpRecord | null | undefined {
    const f = this.file
    if (f.offset >= this.header.fileLength) return null
    if (f.available < 8) return undefined
    const length = f.buffer.readInt32BE(f.skip(0) + 4) * 2
    if (f.available < 8 + length) return undefined
    const at = f.skip(8 + length) + 8
    this.count++
    return this.parse(this.count, f.buffer, at, length, wkb)
  }

  /** The record content at [s, s + length) of `c`. */
  private parse(index: number, c: Buffer, s: number, length: number, wkb: WkbBatch): ShpRecord {
    const type = length >= 4 ? c.readInt32LE(s) : 0
    if (type === 0) return { recordNumber: index, kind: 'null' }
    const family = familyOf(type)
    if (family !== this.family) {
      return rejected(
        index,
        `shape type ${shapeTypes[type] ?? type} where a ${this.family} was expected`,
        `图形类型为 ${shapeTypes[type] ?? type}，该图层须为${this.family === 'polygon' ? '面' : '线'}：请确认所选图层类型`,
      )
    }
    const numParts = c.readInt32LE(s + 36)
    const numPoints = c.readInt32LE(s + 40)
    const pointsAt = s + 44 + 4 * numParts
    if (numParts <= 0 || numPoints <= 0 || pointsAt - s + numPoints * 16 > length) {
      return rejected(
        index,
        `corrupt record: ${numParts} parts and ${numPoints} points do not fit in ${length} bytes`,
        `记录已损坏（${numParts} 个部分、${numPoints} 个点与记录长度 ${length} 字节不符）。${reexport}`,
      )
    }
    if (numPoints > this.maxVertices) {
      return rejected(
        index,
        `${numPoints} vertices, more than the limit of ${this.maxVertices}`,
        `该要素有 ${numPoints} 个节点，超过上限 ${this.maxVertices} 个：请在 GIS 软件中简化或拆分后重新导出`,
      )
    }
    for (let i = 0; i < numPoints * 2; i++) {
      if (!Number.isFinite(c.readDoubleLE(pointsAt + 8 * i))) {
        return rejected(
          index,
          `vertex ${Math.floor(i / 2) + 1} has a NaN or infinite coordinate`,
          `第 ${Math.floor(i / 2) + 1} 个节点坐标无效（非数值或无穷大）。${redraw}`,
        )
      }
    }
    if (numParts === 1 && this.family === 'polygon') return singleRingRecord(index, c, s, pointsAt, numPoints, wkb, this.deferRingProof)
    const parts: Ring[] = []
    for (let p = 0; p < numParts; p++) {
      const start = c.readInt32LE(s + 44 + 4 * p)
      const end = p + 1 < numParts ? c.readInt32LE(s + 44 + 4 * (p + 1)) : numPoints
      if (start < 0 || end > numPoints || end <= start) {
        return rejected(
          index,
          `corrupt record: part ${p + 1} points ${start}..${end} out of range`,
          `记录已损坏（第 ${p + 1} 个部分的点序号 ${start}..${end} 超出范围）。${reexport}`,
        )
      }
      parts.push({ bytes: c.subarray(pointsAt + start * 16, pointsAt + end * 16), points: end - start })
    }
    return this.family === 'polygon' ? polygonRecord(index, parts, numPoints, wkb) : lineRecord(index, parts, numPoints, wkb)
  }

  close(): Promise<void> {
    return this.file.close()
  }
}

/** Why a ring cannot be a polygon ring, or null; `at` is its first point in `b`. */

const WKB_LINESTRING = 2
const WKB_POLYGON = 3
const WKB_MULTILINESTRING = 5
const WKB_MULTIPOLYGON = 6

/** A little-endian WKB geometry header: byte order, type, and its count of parts, rings or points. */
function header(w: Buffer, at: number, type: number, count: number): void {
  w[at] = 1
  w.writeUInt32LE(type, at + 1)
  w.writeUInt32LE(count, at + 5)
}

function ringProblem(r: number, b: Buffer, at: number, points: number): { en: string; zh: string } | null {
  if (points < 4)
    return {
      en: `ring ${r + 1} has ${points} points; a ring needs at least 4`,
      zh: `第 ${r + 1} 个环只有 ${points} 个点，一个闭合环至少需要 4 个点（首尾相同）。${redraw}`,
    }
  const last = at + (points - 1) * 16
  if (b.readDoubleLE(at) !== b.readDoubleLE(last) || b.readDoubleLE(at + 8) !== b.readDoubleLE(last + 8)) {
    return { en: `ring ${r + 1} is not closed (its first and last points differ)`, zh: `第 ${r + 1} 个环未闭合（首点与末点不同）。${redraw}` }
  }
  return null
}

/**
 * The common case (one ring, hence one polygon, nothing to organise) written straight from the
 * record: no ring objects or views. Same checks and WKB as polygonRecord.
 */
function singleRingRecord(index: number, c: Buffer, s: number, pointsAt: number, numPoints: number, wkb: WkbBatch, defer: boolean): ShpRecord {
  const start = c.readInt32LE(s + 44)
  if (start < 0 || numPoints <= start) {
    return rejected(
      index,
      `corrupt record: part 1 points ${start}..${numPoints} out of range`,
      `记录已损坏（第 1 个部分的点序号 ${start}..${numPoints} 超出范围）。${reexport}`,
    )
  }
  const points = numPoints - start
  const problem = ringProblem(0, c, pointsAt + start * 16, points)
  if (problem) return rejected(index, problem.en, problem.zh)
  const size = 9 + 9 + 4 + points * 16
  const o = wkb.reserve(size)
  const w = wkb.bytes
  header(w, o, WKB_MULTIPOLYGON, 1)
  header(w, o + 9, WKB_POLYGON, 1)
  w.writeUInt32LE(points, o + 18)
  c.copy(w, o + 22, pointsAt + start * 16, pointsAt + numPoints * 16)
  if (defer) return { recordNumber: index, kind: 'shape', wkbAt: o, wkbLength: size, vertices: numPoints, reorganized: false, proven: false, deferred: true }
  const proven = provenSimpleRing(c, pointsAt + start * 16, points)
  return { recordNumber: index, kind: 'shape', wkbAt: o, wkbLength: size, vertices: numPoints, reorganized: false, proven }
}

function polygonRecord(index: number, rings: Ring[], vertices: number, wkb: WkbBatch): ShpRecord {
  for (let r = 0; r < rings.length; r++) {
    const problem = ringProblem(r, rings[r]!.bytes, 0, rings[r]!.points)
    if (problem) return rejected(index, problem.en, problem.zh)
  }
  const { polygons, reorganized } = organizeRings(rings)
  let size = 9
  for (const poly of polygons) {
    size += 9
    for (const ring of poly) size += 4 + ring.points * 16
  }
  const at = wkb.reserve(size)
  const w = wkb.bytes
  header(w, at, WKB_MULTIPOLYGON, polygons.length)
  let o = at + 9
  for (const poly of polygons) {
    header(w, o, WKB_POLYGON, poly.length)
    o += 9
    for (const ring of poly) {
      w.writeUInt32LE(ring.points, o)
      ring.bytes.copy(w, o + 4)
      o += 4 + ring.points * 16
    }
  }
  return { recordNumber: index, kind: 'shape', wkbAt: at, wkbLength: size, vertices, reorganized, proven: false }
}

function lineRecord(index: number, parts: Ring[], vertices: number, wkb: WkbBatch): ShpRecord {
  for (let p = 0; p < parts.length; p++) {
    if (parts[p]!.points < 2)
      return rejected(
        index,
        `line part ${p + 1} has ${parts[p]!.points} point; a line needs at least 2`,
        `第 ${p + 1} 段线只有 ${parts[p]!.points} 个点，一条线至少需要 2 个点。${redraw}`,
      )
  }
  let size = 9
  for (const part of parts) size += 9 + part.points * 16
  const at = wkb.reserve(size)
  const w = wkb.bytes
  header(w, at, WKB_MULTILINESTRING, parts.length)
  let o = at + 9
  for (const part of parts) {
    header(w, o, WKB_LINESTRING, part.points)
    part.bytes.copy(w, o + 9)
    o += 9 + part.points * 16
  }
  return { recordNumber: index, kind: 'shape', wkbAt: at, wkbLength: size, vertices, reorganized: false, proven: false }
}
