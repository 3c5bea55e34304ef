// GeoJSON geometry → little-endian WKB (MultiPolygon or MultiLineString), checked on the way.

type Result = { wkb: Buffer; vertices: number } | { error: string }

function positions(ps: unknown, what: string): number[][] | string {
  if (!Array.isArray(ps)) return `${what} is not an array of positions`
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]
    if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number') return `${what} position ${i + 1} is not [x, y]`
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) return `${what} position ${i + 1} has a non-finite coordinate`
  }
  return ps as number[][]
}

function writeMulti(type: 5 | 6, members: number[][][][]): Buffer {
  const inner = type === 6 ? 3 : 2
  let size = 9
  for (const m of members) size += type === 6 ? 9 + m.reduce((s, r) => s + 4 + 16 * r.length, 0) : 9 + 16 * m[0]!.length
  const b = Buffer.allocUnsafe(size)
  b[0] = 1
  b.writeUInt32LE(type, 1)
  b.writeUInt32LE(members.length, 5)
  let o = 9
  for (const m of members) {
    b[o] = 1
    b.writeUInt32LE(inner, o + 1)
    o += 5
    if (type === 6) {
      b.writeUInt32LE(m.length, o)
      o += 4
    }
    for (const ring of m) {
      b.writeUInt32LE(ring.length, o)
      o += 4
      for (const p of ring) {
        b.writeDoubleLE(p[0]!, o)
        b.writeDoubleLE(p[1]!, o + 8)
        o += 16
      }
    }
  }
  return b
}

export function geojsonToWkb(g: { type?: unknown; coordinates?: unknown }, family: 'polygon' | 'line', maxVertices: number): Result {
  let members: number[][][][]
  if (family === 'polygon') {
    if (g.type === 'Polygon') members = [g.coordinates as number[][][]]
    else if (g.type === 'MultiPolygon') members = g.coordinates as number[][][][]
    else return { error: `geometry type ${String(g.type)} where a Polygon or MultiPolygon was expected` }
  } else {
    if (g.type === 'LineString') members = [[g.coordinates as number[][]]]
    else if (g.type === 'MultiLineString') members = (g.coordinates as number[][][]).map((l) => [l])
    else return { error: `geometry type ${String(g.type)} where a LineString or MultiLineString was expected` }
  }
  if (!Array.isArray(members) || members.some((m) => !Array.isArray(m))) return { error: 'coordinates are not nested as the geometry type requires' }
  let vertices = 0
  for (let m = 0; m < members.length; m++) {
    if (members[m]!.length === 0) return { error: `part ${m + 1} is empty` }
    for (let r = 0; r < members[m]!.length; r++) {
      const ps = positions(members[m]![r], family === 'polygon' ? `ring ${r + 1} of polygon ${m + 1}` : `line ${m + 1}`)
      if (typeof ps === 'string') return { error: ps }
      vertices += ps.length
      if (family === 'polygon') {
        if (ps.length < 4) return { error: `ring ${r + 1} of polygon ${m + 1} has ${ps.length} positions; a ring needs at least 4` }
        const [a, z] = [ps[0]!, ps[ps.length - 1]!]
        if (a[0] !== z[0] || a[1] !== z[1]) return { error: `ring ${r + 1} of polygon ${m + 1} is not closed (its first and last positions differ)` }
      } else if (ps.length < 2) return { error: `line ${m + 1} has ${ps.length} position; a line needs at least 2` }
    }
  }
  if (vertices > maxVertices) return { error: `${vertices} vertices, more than the limit of ${maxVertices}` }
  return { wkb: writeMulti(family === 'polygon' ? 6 : 5, members), vertices }
}
