// Groups the rings of a shapefile polygon record into polygons with holes, by nesting: a ring
// inside an even number of others is a shell, inside an odd number a hole of the smallest ring
// around it. Orientation (clockwise shells in the format) is only compared, never trusted, since
// CAD exports often get it wrong.

export interface Ring {
  /** x,y little-endian doubles, 16 bytes per point, first point repeated at the end */
  bytes: Buffer
  points: number
}

interface RingInfo {
  ring: Ring
  area: number // signed: negative = clockwise
  minX: number
  minY: number
  maxX: number
  maxY: number
}

function describe(ring: Ring): RingInfo {
  const b = ring.bytes
  let area = 0
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  // Coordinates relative to the first point keep the shoelace sum precise for 10⁷-metre values.
  const x0 = b.readDoubleLE(0)
  const y0 = b.readDoubleLE(8)
  let px = 0
  let py = 0
  for (let i = 0; i < ring.points; i++) {
    const x = b.readDoubleLE(16 * i)
    const y = b.readDoubleLE(16 * i + 8)
    if (x < minX) minX = x
    if (x > maxX) maxX = x
    if (y < minY) minY = y
    if (y > maxY) maxY = y
    const rx = x - x0
    const ry = y - y0
    area += px * ry - rx * py
    px = rx
    py = ry
  }
  return { ring, area: area / 2, minX, minY, maxX, maxY }
}

/** 1 inside, -1 outside, 0 on the boundary. */
function pointInRing(x: number, y: number, r: Ring): number {
  const b = r.bytes
  let inside = false
  for (let i = 0, j = r.points - 1; i < r.points; j = i++) {
    const xi = b.readDoubleLE(16 * i)
    const yi = b.readDoubleLE(16 * i + 8)
    const xj = b.readDoubleLE(16 * j)
    const yj = b.readDoubleLE(16 * j + 8)
    const cross = (xj - xi) * (y - yi) - (yj - yi) * (x - xi)
    if (cross === 0 && Math.min(xi, xj) <= x && x <= Math.max(xi, xj) && Math.min(yi, yj) <= y && y <= Math.max(yi, yj)) return 0
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside ? 1 : -1
}

function contains(outer: RingInfo, inner: RingInfo): boolean {
  if (inner.minX < outer.minX || inner.maxX > outer.maxX || inner.minY < outer.minY || inner.maxY > outer.maxY) return false
  const b = inner.ring.bytes
  // A hole may touch its shell at a vertex: decide on the first vertex not on the boundary.
  for (let k = 0; k < Math.min(inner.ring.points - 1, 8); k++) {
    const where = pointInRing(b.readDoubleLE(16 * k), b.readDoubleLE(16 * k + 8), outer.ring)
    if (where !== 0) return where > 0
  }
  return false
}

export function organizeRings(rings: Ring[]): { polygons: Ring[][]; reorganized: boolean } {
  if (rings.length === 1) return { polygons: [rings], reorganized: false }
  const infos = rings.map(describe).sort((a, b) => Math.abs(b.area) - Math.abs(a.area))
  const depth: number[] = []
  const polygonOf: number[] = []
  const polygons: Ring[][] = []
  let reorganized = false
  for (let i = 0; i < infos.length; i++) {
    let parent = -1
    for (let j = i - 1; j >= 0; j--) {
      // j runs from the smallest larger ring outwards: the first container is the nearest one.
      if (contains(infos[j]!, infos[i]!)) {
        parent = j
        break
      }
    }
    depth[i] = parent === -1 ? 0 : depth[parent]! + 1
    const isShell = depth[i]! % 2 === 0
    if (isShell !== infos[i]!.area < 0) reorganized = true
    if (isShell) {
      polygonOf[i] = polygons.length
      polygons.push([infos[i]!.ring])
    } else {
      polygonOf[i] = polygonOf[parent]!
      polygons[polygonOf[i]!]!.push(infos[i]!.ring)
    }
  }
  return { polygons, reorganized }
}
