// Filter tree → one SQL condition with every value bound. Property names are looked up in the
// collection's catalogue (their SQL comes from there, never from the request); each literal is
// checked against the property's type so a wrong type is a 400 naming its place, not a database error.
import type { Property } from '../collections.js'
import type { OutputCrs } from '../crs.js'
import { geometryErrors } from '../../geometry/geojson-check.js'
import { FilterError, type Filter, type GeometryLiteral, type PropertyRef, type Scalar } from './ast.js'

export interface Sql {
  sql: string
  bindings: unknown[]
}

/** The name of the geometry queryable (OGC API – Features Part 3, x-ogc-role primary-geometry). */
export const geometryQueryable = 'geometry'

export interface FilterTarget {
  properties: Property[]
  /** CRS of geometry literals (filter-crs); CRS84 unless given */
  crs: OutputCrs
}

/** Where a node came from in CQL2 text (JSON nodes have no character offset: -1). */
const where = (at: number) => (at >= 0 ? ` at character ${at + 1}` : '')

function propertyOf(ref: PropertyRef, target: FilterTarget): Property {
  const p = target.properties.find((x) => x.name === ref.name)
  if (!p) {
    throw new FilterError(
      `unknown property '${ref.name}'${where(ref.at)}; the queryables are ${target.properties.map((x) => x.name).join(', ')}, ${geometryQueryable}`,
      `第 ${ref.at + 1} 个字符处的属性 ${ref.name} 不存在`,
      ref.at,
    )
  }
  return p
}

/** The bound value of a literal compared with a property, if its type fits the property's. */
function value(p: Property, s: Scalar): unknown {
  if (s.kind === 'property')
    throw new FilterError(`compare ${p.name} with a value, not with property '${s.name}'${where(s.at)}`, `第 ${s.at + 1} 个字符处应为常量值`, s.at)
  const fits = p.type === 'number' || p.type === 'integer' ? s.kind === 'number' : p.type === 'boolean' ? s.kind === 'boolean' : s.kind === 'string'
  if (!fits) {
    const expected = p.type === 'integer' || p.type === 'number' ? 'a number' : p.type === 'boolean' ? 'TRUE or FALSE' : 'a quoted string'
    throw new FilterError(
      `${p.name} is ${p.type}: expected ${expected}${where(s.at)}`,
      `第 ${s.at + 1} 个字符处：${p.titleZh}（${p.name}）的取值类型不符`,
      s.at,
    )
  }
  return s.value
}

const flip = (c: unknown): unknown => (Array.isArray(c) && typeof c[0] === 'number' ? [c[1], c[0], ...c.slice(2)] : Array.isArray(c) ? c.map(flip) : c)

function geometrySql(g: GeometryLiteral, crs: OutputCrs): Sql {
  // EPSG:4490 literals are lat/lon (the CRS's axis order); PostGIS stores lon/lat.
  const geojson = { type: g.type, coordinates: crs.latLon ? flip(g.coordinates) : g.coordinates }
  const errors = geometryErrors(geojson)
  if (errors.length)
    throw new FilterError(`the ${g.type} literal${where(g.at)} is not a valid geometry: ${errors.join('; ')}`, `第 ${g.at + 1} 个字符处的几何常量无效`, g.at)
  const literal = 'ST_SetSRID(ST_GeomFromGeoJSON(?), ?::int)'
  return { sql: crs.srid === 4490 ? literal : `ST_Transform(${literal}, 4490)`, bindings: [JSON.stringify(geojson), crs.srid] }
}

function translate(f: Filter, target: FilterTarget): Sql {
  switch (f.op) {
    case 'literal':
      return { sql: f.value ? 'true' : 'false', bindings: [] }
    case 'and':
    case 'or': {
      const parts = f.args.map((a) => translate(a, target))
      return { sql: `(${parts.map((p) => p.sql).join(f.op === 'and' ? ' AND ' : ' OR ')})`, bindings: parts.flatMap((p) => p.bindings) }
    }
    case 'not': {
      const inner = translate(f.arg, target)
      return { sql: `NOT (${inner.sql})`, bindings: inner.bindings }
    }
    case 'compare': {
      // CQL2 allows the value on either side; the property is put on the left.
      const swapped = f.left.kind !== 'property' && f.right.kind === 'property'
      const [left, right] = swapped ? [f.right, f.left] : [f.left, f.right]
      if (left.kind !== 'property')
        throw new FilterError(`a comparison needs a property on one side${where(f.at)}`, `第 ${f.at + 1} 个字符处的比较须包含属性名`, f.at)
      const mirror: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' }
      const op = swapped ? (mirror[f.comparison] ?? f.comparison) : f.comparison
      const p = propertyOf(left as PropertyRef, target)
      return { sql: `(${p.sql}) ${op} ?`, bindings: [value(p, right)] }
    }
    case 'like': {
      const p = propertyOf(f.property, target)
      if (p.type !== 'string' && p.type !== 'date')
        throw new FilterError(`LIKE needs a text property; ${p.name} is ${p.type}${where(f.at)}`, `第 ${f.at + 1} 个字符处 LIKE 只用于文本属性`, f.at)
      return { sql: `(${p.sql}) LIKE ?`, bindings: [value(p, f.pattern)] }
    }
    case 'in': {
      const p = propertyOf(f.property, target)
      return { sql: `(${p.sql}) IN (${f.values.map(() => '?').join(', ')})`, bindings: f.values.map((v) => value(p, v)) }
    }
    case 'between': {
      const p = propertyOf(f.property, target)
      return { sql: `(${p.sql}) BETWEEN ? AND ?`, bindings: [value(p, f.low), value(p, f.high)] }
    }
    case 'isNull': {
      const p = propertyOf(f.property, target)
      return { sql: `(${p.sql}) IS NULL`, bindings: [] }
    }
    case 'intersects': {
      if (f.property.name !== geometryQueryable) {
        throw new FilterError(
          `S_INTERSECTS takes the property '${geometryQueryable}'${where(f.property.at)}, not '${f.property.name}'`,
          `第 ${f.property.at + 1} 个字符处几何属性应为 ${geometryQueryable}`,
          f.property.at,
        )
      }
      const g = geometrySql(f.geometry, target.crs)
      return { sql: `ST_Intersects(f.geom, ${g.sql})`, bindings: g.bindings }
    }
  }
}

export const filterSql = (f: Filter, target: FilterTarget): Sql => translate(f, target)

/**
 * `property = value` conditions the whole filter implies (the filter itself or its top-level AND
 * terms), typed as the property is: a source may push them into its own subqueries (the analysis
 * pieces of one project are computed for that project only). The filter's SQL still applies them.
 */
export function impliedEqualities(f: Filter, target: FilterTarget): Array<{ property: Property; value: string | number | boolean }> {
  const terms = f.op === 'and' ? f.args : [f]
  const out: Array<{ property: Property; value: string | number | boolean }> = []
  for (const t of terms) {
    if (t.op !== 'compare' || t.comparison !== '=') continue
    const [ref, literal] = t.left.kind === 'property' ? [t.left, t.right] : [t.right, t.left]
    if (ref.kind !== 'property' || literal.kind === 'property') continue
    const property = propertyOf(ref, target)
    out.push({ property, value: value(property, literal) as string | number | boolean })
  }
  return out
}
