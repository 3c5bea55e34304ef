// Proves, cheaply and conservatively, that a closed ring is simple: no two of its edges meet except
// neighbours at their shared vertex. A one-ring polygon with a simple ring of at least three
// non-collinear vertices is valid as GEOS (ST_IsValid) judges it, so the import can skip PostGIS's
// validity check for it; that check was the largest single cost of loading a delivery.
//
// "Conservative" is the point: every orientation is decided with Shewchuk's error bound, and
// anything the bound cannot decide (collinear or touching edges, repeated points, near-degenerate
// spikes) answers false, which only means "let PostGIS decide". A wrong true would store an invalid
// shape unrepaired; test/geometry/simple-ring.test.ts checks every true against ST_IsValid.

/** (3 + 16ε)ε with ε = 2⁻⁵³: Shewchuk's bound on the error of the floating-point orientation determinant. */
const ORIENT_ERR = (3 + 16 * 2 ** -53) * 2 ** -53

/**
 * The sign of the turn a → b → c (1 left, -1 right), or 0 when rounding could change it (or it is
 * exactly collinear): 0 is never trusted.
 */
function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const left = (ax - cx) * (by - cy)
  const right = (ay - cy) * (bx - cx)
  const det = left - right
  const bound = ORIENT_ERR * (Math.abs(left) + Math.abs(right))
  return det > bound ? 1 : det < -bound ? -1 : 0
}

// Scratch space shared by every call (the import is single-threaded): no allocation per ring. The
// coordinates are copied in as bytes (one memcpy) and read as doubles; edge bounds are kept apart
// so the pair loop rejects most pairs with four comparisons.
let bytes = new Uint8Array(16 * 1024)
let xy = new Float64Array(bytes.buffer)
let bounds = new Float64Array(4 * 1024)
let order = new Int32Array(1024)
let active = new Int32Array(1024)

/** Below this many edges every pair is tried (after a bounds test); above, a sweep in x. */
const SWEEP_FROM = 64

/**
 * True when the ring of `points` little-endian x,y doubles at `at` in `b` (closed: the last point
 * repeats the first) is proven simple and non-degenerate; false when unsure.
 */
export function provenSimpleRing(b: Buffer, at: number, points: number): boolean {
  const n = points - 1 // edges; edge e runs from vertex e to vertex e + 1
  if (n < 3) return false
  if (order.length < points) {
    bytes = new Uint8Array(32 * points)
    xy = new Float64Array(bytes.buffer)
    bounds = new Float64Array(8 * points)
    order = new Int32Array(2 * points)
    active = new Int32Array(2 * points)
  }
  b.copy(bytes, 0, at, at + 16 * points)
  // Neighbouring edges meet only at their shared vertex when they make a certain turn there: this
  // rules out repeated points, collinear runs and spikes (an edge folding back over its neighbour).
  for (let v = 0; v < n; v++) {
    const p = v === 0 ? n - 1 : v - 1
    if (orient(xy[2 * p]!, xy[2 * p + 1]!, xy[2 * v]!, xy[2 * v + 1]!, xy[2 * v + 2]!, xy[2 * v + 3]!) === 0) return false
  }
  for (let e = 0; e < n; e++) {
    const x0 = xy[2 * e]!
    const y0 = xy[2 * e + 1]!
    const x1 = xy[2 * e + 2]!
    const y1 = xy[2 * e + 3]!
    bounds[4 * e] = x0 < x1 ? x0 : x1
    bounds[4 * e + 1] = x0 < x1 ? x1 : x0
    bounds[4 * e + 2] = y0 < y1 ? y0 : y1
    bounds[4 * e + 3] = y0 < y1 ? y1 : y0
  }
  if (n < SWEEP_FROM) {
    for (let e = 0; e < n; e++) {
      const exMin = bounds[4 * e]!
      const exMax = bounds[4 * e + 1]!
      const eyMin = bounds[4 * e + 2]!
      const eyMax = bounds[4 * e + 3]!
      // f from e + 2: e + 1 is its neighbour; the last edge neighbours the first.
      const end = e === 0 ? n - 1 : n
      for (let f = e + 2; f < end; f++) {
        const o = 4 * f
        if (bounds[o + 1]! < exMin || bounds[o]! > exMax || bounds[o + 3]! < eyMin || bounds[o + 2]! > eyMax) continue
        if (!apart(e, f)) return false
      }
    }
    return true
  }
  // A sweep over the edges in order of their left end, each compared only with the edges whose
  // x-range still reaches it.
  for (let e = 0; e < n; e++) order[e] = e
  const sorted = order.subarray(0, n).sort((e, f) => bounds[4 * e]! - bounds[4 * f]!)
  let activeCount = 0
  for (let k = 0; k < n; k++) {
    const e = sorted[k]!
    const eMinX = bounds[4 * e]!
    let kept = 0
    for (let a = 0; a < activeCount; a++) {
      const f = active[a]!
      if (bounds[4 * f + 1]! < eMinX) continue // f ends left of every edge still to come
      active[kept++] = f
      const adjacent = f === e + 1 || e === f + 1 || (e === 0 && f === n - 1) || (f === 0 && e === n - 1)
      if (!adjacent && !apart(e, f)) return false // neighbours were decided by the turn test
    }
    activeCount = kept
    active[activeCount++] = e
  }
  return true
}

/** Edges e and f certainly share no point: their bounds are apart, or one lies strictly on one side of the other's line. */
function apart(e: number, f: number): boolean {
  if (bounds[4 * e + 1]! < bounds[4 * f]! || bounds[4 * f + 1]! < bounds[4 * e]!) return true
  if (bounds[4 * e + 3]! < bounds[4 * f + 2]! || bounds[4 * f + 3]! < bounds[4 * e + 2]!) return true
  const ex0 = xy[2 * e]!
  const ey0 = xy[2 * e + 1]!
  const ex1 = xy[2 * e + 2]!
  const ey1 = xy[2 * e + 3]!
  const fx0 = xy[2 * f]!
  const fy0 = xy[2 * f + 1]!
  const fx1 = xy[2 * f + 2]!
  const fy1 = xy[2 * f + 3]!
  const o1 = orient(ex0, ey0, ex1, ey1, fx0, fy0)
  if (o1 !== 0 && o1 === orient(ex0, ey0, ex1, ey1, fx1, fy1)) return true
  const o3 = orient(fx0, fy0, fx1, fy1, ex0, ey0)
  return o3 !== 0 && o3 === orient(fx0, fy0, fx1, fy1, ex1, ey1)
}
