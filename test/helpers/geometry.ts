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

// Hand formulas on the CGCS2000 (GRS80) ellipsoid, independent of GeographicLib.
const ellipsoidA = 6378137
const ellipsoidF = 1 / 298.257222101
const e2 = ellipsoidF * (2 - ellipsoidF)
const rad = Math.PI / 180

/**
 * The length of the meridian between two latitudes (a meridian arc is a geodesic): ∫ M(φ) dφ with
 * M = a(1 − e²) / (1 − e² sin²φ)^{3/2}, by Simpson's rule over 2000 intervals (error far below a
 * micrometre over a few kilometres).
 */
export function meridianArc(lat1: number, lat2: number): number {
  const M = (phi: number) => (ellipsoidA * (1 - e2)) / (1 - e2 * Math.sin(phi) ** 2) ** 1.5
  const n = 2000
  const h = ((lat2 - lat1) * rad) / n
  let sum = M(lat1 * rad) + M(lat2 * rad)
  for (let i = 1; i < n; i++) sum += (i % 2 ? 4 : 2) * M(lat1 * rad + i * h)
  return Math.abs((sum * h) / 3)
}

/**
 * The area between two parallels and two meridians: Δλ · b²/2 · [sinφ/(1 − e² sin²φ) + ln((1 + e sinφ)/(1 − e sinφ))/(2e)]
 * from φ₁ to φ₂ (the ellipsoid's zone area). A polygon through the same corners joins them by geodesics,
 * which bow poleward of the parallels; the two bows nearly cancel: 1.3·10⁻⁴ m² for a cell of 0.01°,
 * growing as the fifth power of its side.
 */
export function zoneArea(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const e = Math.sqrt(e2)
  const b = ellipsoidA * (1 - ellipsoidF)
  const q = (phi: number) => {
    const s = Math.sin(phi * rad)
    return s / (1 - e2 * s * s) + Math.log((1 + e * s) / (1 - e * s)) / (2 * e)
  }
  return Math.abs(((lon2 - lon1) * rad * b * b * (q(lat2) - q(lat1))) / 2)
}
