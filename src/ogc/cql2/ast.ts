// The filter tree both CQL2 encodings parse into (OGC 21-065r2: basic CQL2, advanced comparison
// operators, S_INTERSECTS). Every node keeps the character offset it came from, so that a type
// error found while turning it into SQL still names its place in the filter text.

/** `casei`: wrapped in CASEI() (CQL2 case-insensitive comparison); `text`: a number as written. */
export type Literal =
  | { kind: 'string'; value: string; at: number; casei?: boolean }
  | { kind: 'number'; value: number; at: number; text?: string; casei?: boolean }
  | { kind: 'boolean'; value: boolean; at: number; casei?: boolean }
export type PropertyRef = { kind: 'property'; name: string; at: number; casei?: boolean }
export type Scalar = Literal | PropertyRef

/** Nesting (parentheses, NOT, CASEI) deeper than this is refused: no filter needs it, and the parsers recurse. */
export const maxFilterDepth = 100

/** A geometry literal as GeoJSON coordinates in the filter CRS's axis order. */
export interface GeometryLiteral {
  kind: 'geometry'
  type: 'Point' | 'LineString' | 'Polygon' | 'MultiPoint' | 'MultiLineString' | 'MultiPolygon'
  coordinates: unknown
  at: number
}

export type Comparison = '=' | '<>' | '<' | '<=' | '>' | '>='

export type Filter =
  | { op: 'and' | 'or'; args: Filter[]; at: number }
  | { op: 'not'; arg: Filter; at: number }
  | { op: 'literal'; value: boolean; at: number }
  | { op: 'compare'; comparison: Comparison; left: Scalar; right: Scalar; at: number }
  | { op: 'like'; property: PropertyRef; pattern: Scalar; at: number; caseInsensitive?: boolean }
  | { op: 'in'; property: PropertyRef; values: Scalar[]; at: number }
  | { op: 'between'; property: PropertyRef; low: Scalar; high: Scalar; at: number }
  | { op: 'isNull'; property: PropertyRef; at: number }
  | { op: 'intersects'; property: PropertyRef; geometry: GeometryLiteral; at: number }

/** A filter that cannot be parsed or typed; `at` is a 0-based offset (text) or a JSON path (JSON). */
export class FilterError extends Error {
  constructor(
    message: string,
    readonly messageZh: string,
    readonly at: number | string,
  ) {
    super(message)
  }
}
