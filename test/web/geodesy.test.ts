// The map's measuring tool (web/map/geodesy.js) against hand formulas on the CGCS2000 ellipsoid
// (test/helpers/geometry.ts), written out independently of GeographicLib:
//   - a meridian arc is a geodesic; its length is ∫ M(φ) dφ with M = a(1 − e²) / (1 − e² sin²φ)^{3/2}
//     (Simpson's rule, 2000 intervals: error far below a micrometre over a few kilometres);
//   - the area between two parallels and two meridians is Δλ · b²/2 · [sinφ/(1 − e² sin²φ) + ln((1 + e sinφ)/(1 − e sinφ))/(2e)]
//     from φ₁ to φ₂ (the ellipsoid's zone area). The measured polygon joins the same corners by geodesics, which
//     bow poleward of the parallels by L² tanφ / 8N (1 cm for 1 km); the north edge's sliver adds what the south
//     edge's takes away, to within (2/3)·L·sag·|Δ ln(L³ tanφ)| ≈ 10⁻⁴ m² for a cell of 0.01°, growing as the
//     fifth power of its side (4·10⁻³ m² at 0.02°): the tolerances below.
import path from 'node:path'
import geographiclib from 'geographiclib-geodesic'
import { describe, expect, it } from 'vitest'
import { meridianArc, zoneArea } from '../helpers/geometry.js'

const { cgcs2000, geodesyOf } = await import(path.resolve('web/map/geodesy.js'))
const geodesy = geodesyOf(geographiclib)

describe('the measuring tool’s geodesy (CGCS2000 ellipsoid)', () => {
  it('uses the CGCS2000 ellipsoid', () => {
    expect(cgcs2000).toEqual({ a: 6378137, f: 1 / 298.257222101 })
  })

  it('measures a meridian arc as the hand formula does (to a micrometre)', () => {
    for (const [lat1, lat2] of [
      [36.4, 36.45],
      [36, 37],
      [35.1234, 35.1299],
    ] as const) {
      const measured = geodesy.length([
        [116, lat1],
        [116, lat2],
      ])
      expect(Math.abs(measured - meridianArc(lat1, lat2))).toBeLessThan(1e-6)
    }
    // a path of several pieces is their sum
    const path3 = [
      [116, 36.4],
      [116, 36.41],
      [116, 36.43],
    ]
    expect(geodesy.length(path3)).toBeCloseTo(meridianArc(36.4, 36.43), 6)
    expect(geodesy.length([[116, 36.4]])).toBe(0)
  })

  it('measures a lon/lat cell as the ellipsoid’s zone area, either orientation (to the geodesic edges’ bow)', () => {
    for (const [lon1, lat1, d, tolerance] of [
      [115.95, 36.4, 0.01, 5e-4],
      [116.2, 36.55, 0.004, 5e-5],
      [120.3, 37.1, 0.02, 1e-2],
    ] as const) {
      const cell = [
        [lon1, lat1],
        [lon1 + d, lat1],
        [lon1 + d, lat1 + d],
        [lon1, lat1 + d],
      ]
      const expected = zoneArea(lon1, lat1, lon1 + d, lat1 + d)
      const { m2, perimeter } = geodesy.area(cell)
      expect(Math.abs(m2 - expected)).toBeLessThan(tolerance)
      expect(geodesy.area([...cell].reverse()).m2).toBeCloseTo(m2, 6)
      // the perimeter is the four geodesic sides
      expect(perimeter).toBeCloseTo(geodesy.length([...cell, cell[0]]), 6)
      // a cell of 0.01° at 36.4°N is about 1 000 m × 1 100 m (sanity of the formula itself)
      if (d === 0.01 && lat1 === 36.4) expect(expected).toBeGreaterThan(990_000)
    }
    expect(geodesy.area([[116, 36.4]]).m2).toBe(0)
  })
})
