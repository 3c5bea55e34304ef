// Lengths and areas on the CGCS2000 ellipsoid (a = 6378137 m, 1/f = 298.257222101; DOMAIN.md: the
// official area is the ellipsoidal one, as the third survey's TBMJ and PostGIS's ST_Area(geography)),
// by Karney's algorithms (GeographicLib: C. F. F. Karney, "Algorithms for geodesics", J. Geodesy 87, 2013):
// the geodesic distance between successive points and the area of the geodesic polygon through them,
// accurate to nanometres and square millimetres at these sizes. A planar formula on the map's Web Mercator
// would exaggerate areas by 1/cos²φ (1.5× at 36°N); a sphere of the mean radius is off by 0.013 % at 36°N
// (2.6 m² of a 30-亩 project: enough to cross a threshold) and by up to 0.45 % elsewhere.
// Pure functions: GeographicLib's module object is passed in (window.geodesic from /vendor/geographiclib/
// in the page, the npm package in the tests).

export const cgcs2000 = { a: 6378137, f: 1 / 298.257222101 }

/** Measures over [lon, lat] points with GeographicLib's module object. */
export function geodesyOf(geographiclib, ellipsoid = cgcs2000) {
  const geod = new geographiclib.Geodesic.Geodesic(ellipsoid.a, ellipsoid.f)
  return {
    /** metres along the geodesics through the points, in order */
    length(points) {
      let total = 0
      for (let i = 1; i < points.length; i++) total += geod.Inverse(points[i - 1][1], points[i - 1][0], points[i][1], points[i][0]).s12
      return total
    },
    /** m² inside the geodesic polygon through the points (closed back to the first; either orientation), and its perimeter */
    area(points) {
      if (points.length < 3) return { m2: 0, perimeter: points.length === 2 ? 2 * this.length(points) : 0 }
      const polygon = geod.Polygon(false)
      for (const [lon, lat] of points) polygon.AddPoint(lat, lon)
      // reverse = false, sign = true: counter-clockwise positive, clockwise negative; either is the same area
      const r = polygon.Compute(false, true)
      return { m2: Math.abs(r.area), perimeter: r.perimeter }
    },
  }
}
