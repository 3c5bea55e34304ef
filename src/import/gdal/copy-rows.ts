// Rows of GDAL's PGDump output in COPY mode (PG_USE_COPY=YES): one line per feature, columns
// separated by tabs, text escaped as PostgreSQL's COPY text format, NULL as \N, the geometry as
// hex EWKB. GDAL writes this about 8× faster than GeoJSON here (no decimal formatting of
// coordinates), and the coordinates arrive as the source's exact doubles.
import { provenSimpleRing } from '../../geometry/simple-ring.js'

/** `COPY "schema"."table" ("a", "b") FROM STDIN;` → the column names. */
export function copyColumns(line: string): string[] | null {
  const m = /^COPY .*? \((.*)\) FROM STDIN;$/.exec(line)
  if (!m) return null
  const names: string[] = []
  const re = /"((?:[^"]|"")*)"/g
  for (let hit = re.exec(m[1]!); hit; hit = re.exec(m[1]!)) names.push(hit[1]!.replace(/""/g, '"'))
  return names
}

const escapes: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' }

/** One COPY text value: null for \N, else unescaped. */
export function copyValue(raw: string): string | null {
  if (raw === '\\N') return null
  if (!raw.includes('\\')) return raw
  return raw.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) =>
    e[0] === 'x' ? String.fromCharCode(parseInt(e.slice(1), 16)) : /^[0-7]/.test(e) ? String.fromCharCode(parseInt(e, 8)) : (escapes[e] ?? e),
  )
}

/**
 * Hex EWKB (2D, as `-dim XY` writes) → GeoJSON-like coordinates, so that the checks of every upload
 * format (./to-wkb.ts: ring closure, vertex limit, finite numbers) say the same here.
 */
export function ewkbToGeometry(hex: string | Buffer): { type: string; coordinates: unknown } {
  const b = typeof hex === 'string' ? Buffer.from(hex, 'hex') : hex
  let o = 0
  const geometry = (): { type: string; coordinates: unknown } => {
    const le = b[o] === 1
    const u32 = () => {
      const v = le ? b.readUInt32LE(o) : b.readUInt32BE(o)
      o += 4
      return v
    }
    const f64 = () => {
      const v = le ? b.readDoubleLE(o) : b.readDoubleBE(o)
      o += 8
      return v
    }
    o += 1
    const flags = u32()
    if (flags & 0x20000000) o += 4 // SRID: the layer's CRS is taken from the listing
    if (flags & 0xc0000000) throw new Error('Z or M coordinates in a 2D output')
    const type = flags & 0xffff
    const points = () => {
      const n = u32()
      const out: number[][] = new Array(n)
      for (let i = 0; i < n; i++) out[i] = [f64(), f64()]
      return out
    }
    const rings = () => {
      const n = u32()
      const out: number[][][] = new Array(n)
      for (let i = 0; i < n; i++) out[i] = points()
      return out
    }
    const members = () => {
      const n = u32()
      const out: unknown[] = new Array(n)
      for (let i = 0; i < n; i++) out[i] = geometry().coordinates
      return out
    }
    switch (type) {
      case 1:
        return { type: 'Point', coordinates: [f64(), f64()] }
      case 2:
        return { type: 'LineString', coordinates: points() }
      case 3:
        return { type: 'Polygon', coordinates: rings() }
      case 4:
        return { type: 'MultiPoint', coordinates: members() }
      case 5:
        return { type: 'MultiLineString', coordinates: members() }
      case 6:
        return { type: 'MultiPolygon', coordinates: members() }
      default:
        return { type: `WKB type ${type}`, coordinates: [] }
    }
  }
  return geometry()
}

/**
 * GDAL's hex EWKB as plain little-endian WKB when it passes every check of ../to-wkb.ts (the
 * expected multi type, parts not empty, rings of ≥ 4 closed positions, lines of ≥ 2, finite
 * numbers, the vertex limit); null otherwise, and the caller takes the slow path, which says what is
 * wrong in the words of every other upload format. No coordinate arrays on the way: the bytes are
 * checked where they lie, and the SRID is dropped by moving the header over it.
 */
export function checkedWkb(hex: string | Buffer, family: 'polygon' | 'line', maxVertices: number): Buffer | null {
  // a Buffer is checked (and its header moved) in place
  const b = typeof hex === 'string' ? Buffer.from(hex, 'hex') : hex
  if (b.length < 13 || b[0] !== 1) return null
  const flags = b.readUInt32LE(1)
  if ((flags & 0xdfffffff) !== (family === 'polygon' ? 6 : 5)) return null
  let o = flags & 0x20000000 ? 9 : 5
  const start = o - 5
  const members = b.readUInt32LE(o)
  o += 4
  let vertices = 0
  const finite = (at: number) => Number.isFinite(b.readDoubleLE(at)) && Number.isFinite(b.readDoubleLE(at + 8))
  for (let m = 0; m < members; m++) {
    if (o + 9 > b.length || b[o] !== 1 || b.readUInt32LE(o + 1) !== (family === 'polygon' ? 3 : 2)) return null
    o += 5
    const rings = family === 'polygon' ? b.readUInt32LE(o) : 1
    if (family === 'polygon') o += 4
    if (rings === 0) return null
    for (let r = 0; r < rings; r++) {
      if (o + 4 > b.length) return null
      const n = b.readUInt32LE(o)
      o += 4
      if (o + 16 * n > b.length || n < (family === 'polygon' ? 4 : 2)) return null
      for (let i = 0; i < n; i++) if (!finite(o + 16 * i)) return null
      if (family === 'polygon' && (b.readDoubleLE(o) !== b.readDoubleLE(o + 16 * (n - 1)) || b.readDoubleLE(o + 8) !== b.readDoubleLE(o + 16 * n - 8)))
        return null
      o += 16 * n
      vertices += n
    }
  }
  if (o !== b.length || vertices > maxVertices) return null
  if (start === 0) return b
  // header moved over the SRID: byte order, then the type without its SRID flag
  b[start] = 1
  b.writeUInt32LE(flags & 0xdfffffff, start + 1)
  return b.subarray(start)
}

/**
 * True when plain WKB from checkedWkb is a one-part, one-ring polygon whose ring is proven simple
 * (../../geometry/simple-ring.ts): valid as GEOS judges it, so the database skips ST_IsValid, as it
 * does for the same shape read from a shapefile. False when unsure (the database decides).
 */
export function provenOneRingPolygon(w: Buffer): boolean {
  if (w.length < 22 || w.readUInt32LE(1) !== 6 || w.readUInt32LE(5) !== 1 || w.readUInt32LE(10) !== 3 || w.readUInt32LE(14) !== 1) return false
  const n = w.readUInt32LE(18)
  return w.length === 22 + 16 * n && provenSimpleRing(w, 22, n)
}
