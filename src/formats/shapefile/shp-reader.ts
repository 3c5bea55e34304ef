// Shapefile geometry (.shp) reader: records parsed in order from large chunks, geometry turned
// straight into WKB (coordinates are copied as they are: little-endian doubles in both formats).
import { ChunkedFile, fileSource, type ByteSource } from '../chunked-file.js'
import { organizeRings, type Ring } from './rings.js'

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

export type ShpRecord =
  | { recordNumber: number; kind: 'shape'; wkb: Buffer; vertices: number; reorganized: boolean }
  | { recordNumber: number; kind: 'null' }
  | { recordNumber: number; kind: 'rejected'; message: string }

export class ShpFormatError extends Error {}

export function parseShpHeader(head: Buffer): ShpHeader {
  if (head.length < 100 || head.readInt32BE(0) !== 9994) throw new ShpFormatError('not a shapefile: the .shp header is missing or has the wrong file code')
  return {
    fileLength: head.readInt32BE(24) * 2,
    shapeType: head.readInt32LE(32),
    bbox: { minX: head.readDoubleLE(36), minY: head.readDoubleLE(44), maxX: head.readDoubleLE(52), maxY: head.readDoubleLE(60) },
  }
}

/** Number of records from a .shx header: 100-byte header plus 8 bytes per record. */
export function shxRecordCount(shxHead: Buffer): number {
  if (shxHead.length < 100 || shxHead.readInt32BE(0) !== 9994) throw new ShpFormatError('the .shx file is not a shapefile index')
  return (shxHead.readInt32BE(24) * 2 - 100) / 8
}

export class ShpReader {
  private count = 0

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

  /** The next record, or null at the end of the file. */
  async next(): Promise<ShpRecord | null> {
    if (this.file.offset >= this.header.fileLength) return null
    if ((await this.file.ensure(8)) < 8) return null
    const head = this.file.take(8)
    const recordNumber = head.readInt32BE(0)
    const length = head.readInt32BE(4) * 2
    const got = await this.file.ensure(length)
    if (got < length) throw new ShpFormatError(`the .shp file ends inside record ${this.count + 1}`)
    const content = this.file.take(length)
    this.count++
    return this.parse(this.count, content, recordNumber)
  }

  private parse(index: number, c: Buffer, _declared: number): ShpRecord {
    const type = c.length >= 4 ? c.readInt32LE(0) : 0
    if (type === 0) return { recordNumber: index, kind: 'null' }
    const family = familyOf(type)
    if (family !== this.family) {
      return { recordNumber: index, kind: 'rejected', message: `shape type ${shapeTypes[type] ?? type} where a ${this.family} was expected` }
    }
    const numParts = c.readInt32LE(36)
    const numPoints = c.readInt32LE(40)
    const pointsAt = 44 + 4 * numParts
    if (numParts <= 0 || numPoints <= 0 || pointsAt + numPoints * 16 > c.length) {
      return { recordNumber: index, kind: 'rejected', message: `corrupt record: ${numParts} parts and ${numPoints} points do not fit in ${c.length} bytes` }
    }
    if (numPoints > this.maxVertices) {
      return { recordNumber: index, kind: 'rejected', message: `${numPoints} vertices, more than the limit of ${this.maxVertices}` }
    }
    for (let i = 0; i < numPoints * 2; i++) {
      if (!Number.isFinite(c.readDoubleLE(pointsAt + 8 * i))) {
        return { recordNumber: index, kind: 'rejected', message: `vertex ${Math.floor(i / 2) + 1} has a NaN or infinite coordinate` }
      }
    }
    const parts: Ring[] = []
    for (let p = 0; p < numParts; p++) {
      const start = c.readInt32LE(44 + 4 * p)
      const end = p + 1 < numParts ? c.readInt32LE(44 + 4 * (p + 1)) : numPoints
      if (start < 0 || end > numPoints || end <= start) {
        return { recordNumber: index, kind: 'rejected', message: `corrupt record: part ${p + 1} points ${start}..${end} out of range` }
      }
      parts.push({ bytes: c.subarray(pointsAt + start * 16, pointsAt + end * 16), points: end - start })
    }
    return this.family === 'polygon' ? polygonRecord(index, parts, numPoints) : lineRecord(index, parts, numPoints)
  }

  close(): Promise<void> {
    return this.file.close()
  }
}

function polygonRecord(index: number, rings: Ring[], vertices: number): ShpRecord {
  for (let r = 0; r < rings.length; r++) {
    const ring = rings[r]!
    if (ring.points < 4) return { recordNumber: index, kind: 'rejected', message: `ring ${r + 1} has ${ring.points} points; a ring needs at least 4` }
    const last = (ring.points - 1) * 16
    if (ring.bytes.readDoubleLE(0) !== ring.bytes.readDoubleLE(last) || ring.bytes.readDoubleLE(8) !== ring.bytes.readDoubleLE(last + 8)) {
      return { recordNumber: index, kind: 'rejected', message: `ring ${r + 1} is not closed (its first and last points differ)` }
    }
  }
  const { polygons, reorganized } = organizeRings(rings)
  let size = 9
  for (const poly of polygons) {
    size += 9
    for (const ring of poly) size += 4 + ring.points * 16
  }
  const wkb = Buffer.allocUnsafe(size)
  wkb[0] = 1
  wkb.writeUInt32LE(6, 1) // MultiPolygon
  wkb.writeUInt32LE(polygons.length, 5)
  let o = 9
  for (const poly of polygons) {
    wkb[o] = 1
    wkb.writeUInt32LE(3, o + 1)
    wkb.writeUInt32LE(poly.length, o + 5)
    o += 9
    for (const ring of poly) {
      wkb.writeUInt32LE(ring.points, o)
      ring.bytes.copy(wkb, o + 4)
      o += 4 + ring.points * 16
    }
  }
  return { recordNumber: index, kind: 'shape', wkb, vertices, reorganized }
}

function lineRecord(index: number, parts: Ring[], vertices: number): ShpRecord {
  for (let p = 0; p < parts.length; p++) {
    if (parts[p]!.points < 2) return { recordNumber: index, kind: 'rejected', message: `line part ${p + 1} has ${parts[p]!.points} point; a line needs at least 2` }
  }
  let size = 9
  for (const part of parts) size += 9 + part.points * 16
  const wkb = Buffer.allocUnsafe(size)
  wkb[0] = 1
  wkb.writeUInt32LE(5, 1) // MultiLineString
  wkb.writeUInt32LE(parts.length, 5)
  let o = 9
  for (const part of parts) {
    wkb[o] = 1
    wkb.writeUInt32LE(2, o + 1)
    wkb.writeUInt32LE(part.points, o + 5)
    part.bytes.copy(wkb, o + 9)
    o += 9 + part.points * 16
  }
  return { recordNumber: index, kind: 'shape', wkb, vertices, reorganized: false }
}
