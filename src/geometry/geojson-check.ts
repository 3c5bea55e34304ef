// GeoJSON structure checks (RFC 7946 §3) before anything reaches PostGIS: closed rings of four or
// more positions, positions of 2–3 numbers, known types. PostGIS would refuse the same input with
// an internal error text; geojson-validation names the place (`at 0: …`) for the problem document.
import * as gjv from 'geojson-validation'

/** Errors of a GeoJSON geometry (empty when valid). */
export function geometryErrors(geometry: unknown): string[] {
  return gjv.isGeometryObject(geometry, true)
}

/** Errors of a GeoJSON Feature (empty when valid). */
export function featureErrors(feature: unknown): string[] {
  return gjv.isFeature(feature, true)
}
