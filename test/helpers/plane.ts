// An independent "cut in the plane, measure on the ellipsoid": polygons clipped in Gauss-Kruger
// coordinates (Sutherland-Hodgman against a convex clip polygon, hand-written here), their
// vertices taken to lon/lat by proj4's inverse and measured with GeographicLib. This is what
// ArcGIS and QGIS do with a delivery in its own projected CRS, and none of it is PostGIS.
import proj4 from 'proj4'
import { ellipsoidalRingArea } from './geometry.js'

type P = number[]

/** Signed area in the plane (positive when counter-clockwise). */
export const planarSignedArea = (ring: P[]) => {
  let s = 0
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!
  return s / 2
}

/**
 * subject ∩ clip, where clip is convex. Every vertex of the subject that lies inside stays, so a
 * densely drawn patch keeps its vertices along the cut, as GEOS keeps them. Rings closed.
 */
export function clipConvex(subject: P[], clip: P[]): P[] {
  const ccw = planarSignedArea(clip) > 0 ? clip : [...clip].reverse()
  let out = subject.slice(0, -1)
  for (let i = 0; i + 1 < ccw.length && out.length; i++) {
    const a = ccw[i]!
    const b = ccw[i + 1]!
    const inside = (p: P) => (b[0]! - a[0]!) * (p[1]! - a[1]!) - (b[1]! - a[1]!) * (p[0]! - a[0]!) >= 0
    const cross = (p: P, q: P): P => {
      const [x1, y1, x2, y2, x3, y3, x4, y4] = [p[0]!, p[1]!, q[0]!, q[1]!, a[0]!, a[1]!, b[0]!, b[1]!]
      const d = (x1 - x2) * (y3 - y4) - (y1 - y2) * (x3 - x4)
      const t = ((x1 - x3) * (y3 - y4) - (y1 - y3) * (x3 - x4)) / d
      return [x1 + t * (x2 - x1), y1 + t * (y2 - y1)]
    }
    const input = out
    out = []
    for (let j = 0; j < input.length; j++) {
      const cur = input[j]!
      const prev = input[(j + input.length - 1) % input.length]!
      if (inside(cur)) {
        if (!inside(prev)) out.push(cross(prev, cur))
        out.push(cur)
      } else if (inside(prev)) out.push(cross(prev, cur))
    }
  }
  return out.length >= 3 ? [...out, out[0]!] : []
}

/** Ellipsoidal area (GeographicLib, GRS80) of a ring given in the projected CRS `def`. */
export const ellipsoidalAreaIn = (def: string, ring: P[]) => (ring.length ? ellipsoidalRingArea(ring.map((p) => proj4(def, 'WGS84', p))) : 0)

/** A rectangle with a vertex every `step` metres, as a densely drawn survey patch. */
export function denseRect(x0: number, y0: number, x1: number, y1: number, step = 2): P[] {
  const pts: P[] = []
  const run = (ax: number, ay: number, bx: number, by: number) => {
    const n = Math.max(1, Math.round(Math.hypot(bx - ax, by - ay) / step))
    for (let i = 0; i < n; i++) pts.push([ax + ((bx - ax) * i) / n, ay + ((by - ay) * i) / n])
  }
  run(x0, y0, x0, y1)
  run(x0, y1, x1, y1)
  run(x1, y1, x1, y0)
  run(x1, y0, x0, y0)
  pts.push(pts[0]!)
  return pts
}
