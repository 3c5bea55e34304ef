// A shape's WKB rewritten as PostGIS's EWKB in the storage CRS: the SRID in the header, every point
// through a projection, straight from the batch's WKB into the bytes of a binary COPY
// (src/import/copy-batch.ts). Handles what the readers give: little-endian 2D points, lines,
// polygons and their multi forms (ISO or EWKB headers); anything else is left to the database.

/** Grid → storage coordinates of one point into out[at], out[at + 1]; false if it cannot be done. */
export interface PointProjection {
  inverse(x: number, y: number, out: Float64Array, at: number): boolean
}

const ewkbSrid = 0x20000000
const zOrM = 0xc0000000

/** Bytes the EWKB of `src[at, at + length)` takes at most (its WKB with an SRID added once). */
export const maxEwkbLength = (length: number) => length + 4

/**
 * Writes shapes as EWKB with an SRID, their points through `projection` (null: as they are). One
 * per batch: it keeps no state between shapes but its scratch point.
 */
export class EwkbWriter {
  private src: Buffer = Buffer.alloc(0)
  private out: Buffer = Buffer.alloc(0)
  private end = 0
  private p = 0
  private o = 0
  private xy = new Float64Array(2048)
  private bytes = new Uint8Array(this.xy.buffer)

  constructor(private readonly projection: PointProjection | null) {}

  /**
   * Writes `src[at, at + length)` as EWKB with `srid` (null: plain WKB) into `out` at `o`, which has room for
   * maxEwkbLength(length) bytes. Returns the bytes written, or -1 when the shape is not one this
   * handles or a point is refused (what was written is then garbage).
   */
  write(src: Buffer, at: number, length: number, srid: number | null, out: Buffer, o: number): number {
    this.src = src
    this.out = out
    this.end = at + length
    this.p = at
    this.o = o
    return this.geometry(srid) && this.p === this.end ? this.o - o : -1
  }

  /** Copies or projects `n` points; false if one is refused or the shape runs past its end. */
  private points(n: number): boolean {
    const { src, out, projection } = this
    if (this.p + n * 16 > this.end) return false
    if (projection === null) {
      src.copy(out, this.o, this.p, this.p + n * 16)
      this.p += n * 16
      this.o += n * 16
      return true
    }
    // Through an aligned scratch (one memcpy in, one out): doubles read and written as array
    // elements, not by readDoubleLE/writeDoubleLE at unaligned offsets.
    if (this.xy.length < 2 * n) {
      this.xy = new Float64Array(4 * n)
      this.bytes = new Uint8Array(this.xy.buffer)
    }
    const xy = this.xy
    src.copy(this.bytes, 0, this.p, this.p + n * 16)
    for (let k = 0; k < 2 * n; k += 2) if (!projection.inverse(xy[k]!, xy[k + 1]!, xy, k)) return false
    out.set(this.bytes.subarray(0, n * 16), this.o)
    this.p += n * 16
    this.o += n * 16
    return true
  }

  private count(): number {
    if (this.p + 4 > this.end) return -1
    const n = this.src.readUInt32LE(this.p)
    this.out.writeUInt32LE(n, this.o)
    this.p += 4
    this.o += 4
    return n
  }

  /** One geometry; the outermost gets the SRID. */
  private geometry(srid: number | null): boolean {
    const { src, out } = this
    if (this.p + 5 > this.end || src[this.p] !== 1) return false
    const type = src.readUInt32LE(this.p + 1)
    if (type & zOrM) return false
    const base = type & 0x0fffffff
    if (base < 1 || base > 6) return false // ISO Z/M (1001 …) and curves included
    this.p += type & ewkbSrid ? 9 : 5
    out[this.o] = 1
    out.writeUInt32LE(srid === null ? base : (base | ewkbSrid) >>> 0, this.o + 1)
    this.o += 5
    if (srid !== null) {
      out.writeInt32LE(srid, this.o)
      this.o += 4
    }
    if (base === 1) return this.points(1)
    const n = this.count()
    if (n < 0) return false
    if (base === 2) return this.points(n)
    for (let k = 0; k < n; k++) {
      if (base === 3) {
        const m = this.count()
        if (m < 0 || !this.points(m)) return false
      } else if (!this.geometry(null)) return false
    }
    return true
  }
}
