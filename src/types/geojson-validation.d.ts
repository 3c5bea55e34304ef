// The subset of geojson-validation 1.0 this service calls (the package ships no types).
declare module 'geojson-validation' {
  /** With trace = true: the list of errors (empty when valid). */
  export function valid(geoJSON: unknown, trace: true): string[]
  export function valid(geoJSON: unknown, trace?: false): boolean
  export function isGeometryObject(geoJSON: unknown, trace: true): string[]
  export function isFeature(geoJSON: unknown, trace: true): string[]
  export function isFeatureCollection(geoJSON: unknown, trace: true): string[]
}
