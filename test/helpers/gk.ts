// Gauss-Kruger (EPSG:4548) rectangles for hand-made layers, and their ellipsoidal areas computed
// independently of PostGIS (proj4 inverse + GeographicLib).
import proj4 from 'proj4'
import { ellipsoidalRingArea } from './geometry.js'

proj4.defs('EPSG:4548', '+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs')

export const X = 410000
export const Y = 4030000

/**
 * A rectangle relative to (X, Y), clockwise, with a vertex every 2 m: a straight grid line is
 * slightly curved in lon/lat, so where one shape's vertex lies on another's long edge the two would
 * disagree by that edge's sag (about a millimetre over 200 m). Dense vertices make it negligible.
 */
export function gkRect(x0: number, y0: number, x1: number, y1: number): number[][] {
  const pts: number[][] = []
  const run = (ax: number, ay: number, bx: number, by: number) => {
    const n = Math.max(1, Math.round(Math.hypot(bx - ax, by - ay) / 2))
    for (let i = 0; i < n; i++) pts.push([X + ax + ((bx - ax) * i) / n, Y + ay + ((by - ay) * i) / n])
  }
  run(x0, y0, x0, y1)
  run(x0, y1, x1, y1)
  run(x1, y1, x1, y0)
  run(x1, y0, x0, y0)
  pts.push(pts[0]!)
  return pts
}

export const toLonLat = (p: number[]) => proj4('EPSG:4548', 'WGS84', p)

/** Ellipsoidal area of gkRect(x0, y0, x1, y1). */
export const gkArea = (x0: number, y0: number, x1: number, y1: number) => ellipsoidalRingArea(gkRect(x0, y0, x1, y1).map(toLonLat))

/**
 * A polygon through `corners` (relative to (X, Y), clockwise, not closed), with a vertex every 2 m
 * along each edge as in gkRect, so that two shapes sharing an oblique edge share its vertices.
 */
export function gkPolygon(corners: ReadonlyArray<readonly [number, number]>): number[][] {
  const pts: number[][] = []
  corners.forEach(([ax, ay], i) => {
    const [bx, by] = corners[(i + 1) % corners.length]!
    const n = Math.max(1, Math.round(Math.hypot(bx - ax, by - ay) / 2))
    for (let k = 0; k < n; k++) pts.push([X + ax + ((bx - ax) * k) / n, Y + ay + ((by - ay) * k) / n])
  })
  pts.push(pts[0]!)
  return pts
}

/** Ellipsoidal area of gkPolygon(corners). */
export const gkPolygonArea = (corners: ReadonlyArray<readonly [number, number]>) => ellipsoidalRingArea(gkPolygon(corners).map(toLonLat))
