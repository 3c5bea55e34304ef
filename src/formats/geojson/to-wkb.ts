// GeoJSON geometry → little-endian WKB (MultiPolygon or MultiLineString), checked on the way.

/** A fault says itself in English and Chinese (errorZh: what a technician reads). */
type Fault = { error: string; errorZh: string }
type Result = { wkb: Buffer; vertices: number } | Fault

const fault = (error: string, errorZh: string): Fault => ({ error, errorZh })
const redraw = '请在 GIS 软件中检查并修复该要素的几何后重新导出'

function positions(ps: unknown, what: { en: string; zh: string }): number[][] | Fault {
  if (!Array.isArray(ps)) return fault(`${what.en} is not an array of positions`, `${what.zh}的坐标不是坐标点数组。${redraw}`)
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]
    if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number')
      return fault(`${what.en} position ${i + 1} is not [x, y]`, `${what.zh}的第 ${i + 1} 个点不是 [x, y] 坐标。${redraw}`)
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1]))
      return fault(`${what.en} position ${i + 1} has a non-finite coordinate`, `${what.zh}的第 ${i + 1} 个点坐标无效（非数值或无穷大）。${redraw}`)
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
    else
      return fault(
        `geometry type ${String(g.type)} where a Polygon or MultiPolygon was expected`,
        `几何类型为 ${String(g.type)}，该图层须为面（Polygon 或 MultiPolygon）：请确认所选图层类型`,
      )
  } else {
    if (g.type === 'LineString') members = [[g.coordinates as number[][]]]
    else if (g.type === 'MultiLineString') members = (g.coordinates as number[][][]).map((l) => [l])
    else
      return fault(
        `geometry type ${String(g.type)} where a LineString or MultiLineString was expected`,
        `几何类型为 ${String(g.type)}，该图层须为线（LineString 或 MultiLineString）：请确认所选图层类型`,
      )
  }
  if (!Array.isArray(members) || members.some((m) => !Array.isArray(m)))
    return fault('coordinates are not nested as the geometry type requires', `坐标的嵌套层次与几何类型不符。${redraw}`)
  let vertices = 0
  for (let m = 0; m < members.length; m++) {
    if (members[m]!.length === 0) return fault(`part ${m + 1} is empty`, `第 ${m + 1} 个部分为空。${redraw}`)
    for (let r = 0; r < members[m]!.length; r++) {
      const what =
        family === 'polygon'
          ? { en: `ring ${r + 1} of polygon ${m + 1}`, zh: `第 ${m + 1} 个面的第 ${r + 1} 个环` }
          : { en: `line ${m + 1}`, zh: `第 ${m + 1} 条线` }
      const ps = positions(members[m]![r], what)
      if (!Array.isArray(ps)) return ps
      vertices += ps.length
      if (family === 'polygon') {
        if (ps.length < 4)
          return fault(
            `${what.en} has ${ps.length} positions; a ring needs at least 4`,
            `${what.zh}只有 ${ps.length} 个点，一个闭合环至少需要 4 个点（首尾相同）。${redraw}`,
          )
        const [a, z] = [ps[0]!, ps[ps.length - 1]!]
        if (a[0] !== z[0] || a[1] !== z[1])
          return fault(`${what.en} is not closed (its first and last positions differ)`, `${what.zh}未闭合（首点与末点不同）。${redraw}`)
      } else if (ps.length < 2)
        return fault(`${what.en} has ${ps.length} position; a line needs at least 2`, `${what.zh}只有 ${ps.length} 个点，一条线至少需要 2 个点。${redraw}`)
    }
  }
  if (vertices > maxVertices)
    return fault(
      `${vertices} vertices, more than the limit of ${maxVertices}`,
      `该要素有 ${vertices} 个节点，超过上限 ${maxVertices} 个：请在 GIS 软件中简化或拆分后重新导出`,
    )
  return { wkb: writeMulti(family === 'polygon' ? 6 : 5, members), vertices }
}
