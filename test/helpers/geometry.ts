// Test geometries and an independent ellipsoidal area (GeographicLib, Karney's algorithm on GRS80,
// which CGCS2000 matches to 0.1 mm) to check PostGIS's numbers against.
import geodesic from 'geographiclib-geodesic'

const grs80 = new geodesic.Geodesic.Geodesic(6378137, 1 / 298.257222101)

/** |area| in m² of one ring of [lon, lat] positions on the GRS80 ellipsoid. */
export function ellipsoidalRingArea(ring: number[][]): number {
  const poly = grs80.Polygon(false)
  for (const [lon, lat] of ring.slice(0, -1)) poly.AddPoint(lat!, lon!)
  return Math.abs(poly.Compute(false, true).area!)
}

/** A lon/lat rectangle as a GeoJSON Polygon. */
export function lonLatRectangle(west: number, south: number, east: number, north: number) {
  return {
    type: 'Polygon' as const,
    coordinates: [
      [
        [west, south],
        [east, south],
        [east, north],
        [west, north],
        [west, south],
      ],
    ],
  }
}

/** Length in m of a line of [lon, lat] positions along geodesics on the GRS80 ellipsoid. */
export function ellipsoidalLength(line: number[][]): number {
  let total = 0
  for (let i = 1; i < line.length; i++) total += grs80.Inverse(line[i - 1]![1]!, line[i - 1]![0]!, line[i]![1]!, line[i]![0]!).s12!
  return total
}
