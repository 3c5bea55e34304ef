// Filter tree → one SQL condition with every value bound. Property names are looked up in the
// collection's catalogue (their SQL comes from there, never from the request); each literal is
// checked against the property's type so a wrong type is a 400 naming its place, not a database error.
import type { Property } from '../collections.js'
import { maxId } from '../../schemas/common.js'
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

/**
 * A literal compared with a property, as SQL: the placeholder (with a cast where the literal is not
 * of the column's type), the bound value, and whether it is exactly of that type (so it may be
 * pushed down as an equality). GDAL 3.6 writes booleans as 0/1, dates as '2018-03-15T' or
 * TIMESTAMP('…'), and any number against an integer field: those compare as the property's type
 * says, never as a database error.
 */
interface Operand {
  sql: string
  value: unknown
  exact: boolean
}

const int4 = 2_147_483_647

function operand(p: Property, s: Scalar): Operand {
  if (s.kind === 'property')
    throw new FilterError(`compare ${p.name} with a value, not with property '${s.name}'${where(s.at)}`, `第 ${s.at + 1} 个字符处应为常量值`, s.at)
  const wrong = (): never => {
    const expected =
      p.type === 'integer' || p.type === 'number'
        ? 'a number'
        : p.type === 'boolean'
          ? 'TRUE or FALSE (or 1 or 0)'
          : p.type === 'date'
            ? `a date ('2018-03-15', DATE('2018-03-15') or TIMESTAMP('2018-03-15T00:00:00Z'))`
            : 'a quoted string'
    throw new FilterError(
      `${p.name} is ${p.type}: expected ${expected}${where(s.at)}`,
      `第 ${s.at + 1} 个字符处：${p.titleZh}（${p.name}）的取值类型不符`,
      s.at,
    )
  }
  switch (p.type) {
    case 'integer': {
      if (s.kind !== 'number') return wrong()
      const text = s.text ?? String(s.value)
      const limit = p.wide ? maxId : int4
      if (/^[+-]?[0-9]+$/.test(text) && Math.abs(s.value) <= limit) return { sql: '?', value: s.value, exact: true }
      // 2.5 or 99999999999999999999 against an integer column: compared as numeric, from the text as written.
      return { sql: '?::numeric', value: text, exact: false }
    }
    case 'number':
      if (s.kind !== 'number') return wrong()
      if (!Number.isFinite(s.value)) throw new FilterError(`the number at${where(s.at)} is out of range`, `第 ${s.at + 1} 个字符处的数值超出范围`, s.at)
      return { sql: '?', value: s.value, exact: true }
    case 'boolean':
      if (s.kind === 'boolean') return { sql: '?', value: s.value, exact: true }
      if (s.kind === 'number' && (s.value === 0 || s.value === 1)) return { sql: '?', value: s.value === 1, exact: true }
      return wrong()
    case 'date': {
      if (s.kind !== 'string') return wrong()
      const date = dateOf(s.value)
      if (!date) return wrong()
      return { sql: '?::date', value: date, exact: s.value === date }
    }
    default:
      if (s.kind !== 'string') return wrong()
      return { sql: '?', value: s.value, exact: true }
  }
}

/** The calendar date a date literal names: '2018-03-15', '2018-03-15T', '2018-03-15T10:00:00Z', '2018/03/15'. */
function dateOf(text: string): string | null {
  const m = /^\s*([0-9]{4})[-/]([0-9]{2})[-/]([0-9]{2})(?:[T ].*)?$/s.exec(text)
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const t = new Date(Date.UTC(y, mo - 1, d))
  if (y < 1 || t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return null
  return `${m[1]}-${m[2]}-${m[3]}`
}

/** The property's side of a comparison: dates as dates, text under CASEI in lower case. */
function column(p: Property, caseInsensitive: boolean): string {
  if (p.type === 'date') return `(${p.sql})::date`
  return caseInsensitive && p.type === 'string' ? `lower(${p.sql})` : `(${p.sql})`
}

/** The literal's side: lower-cased under CASEI (text properties only). */
const placeholder = (p: Property, o: Operand, caseInsensitive: boolean) => (caseInsensitive && p.type === 'string' ? `lower(${o.sql})` : o.sql)

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
      const o = operand(p, right)
      const ci = Boolean(left.casei || right.casei)
      return { sql: `${column(p, ci)} ${op} ${placeholder(p, o, ci)}`, bindings: [o.value] }
    }
    case 'like': {
      const p = propertyOf(f.property, target)
      if (p.type !== 'string' && p.type !== 'date')
        throw new FilterError(`LIKE needs a text property; ${p.name} is ${p.type}${where(f.at)}`, `第 ${f.at + 1} 个字符处 LIKE 只用于文本属性`, f.at)
      // LIKE is case-sensitive (PostgreSQL's); ILIKE and CASEI() are not. A date is matched as its text YYYY-MM-DD.
      const pattern = operand({ ...p, type: 'string' }, f.pattern)
      return { sql: `(${p.sql}) ${f.caseInsensitive ? 'ILIKE' : 'LIKE'} ?`, bindings: [pattern.value] }
    }
    case 'in': {
      const p = propertyOf(f.property, target)
      const ci = Boolean(f.property.casei || f.values.some((v) => v.casei))
      const values = f.values.map((v) => operand(p, v))
      return { sql: `${column(p, ci)} IN (${values.map((o) => placeholder(p, o, ci)).join(', ')})`, bindings: values.map((o) => o.value) }
    }
    case 'between': {
      const p = propertyOf(f.property, target)
      const [low, high] = [operand(p, f.low), operand(p, f.high)]
      return { sql: `${column(p, false)} BETWEEN ${low.sql} AND ${high.sql}`, bindings: [low.value, high.value] }
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
    const o = operand(property, literal)
    // Only a value of the property's own type, compared as such: the push-down is a plain `= ?`.
    if (o.exact && !(ref.casei || literal.casei)) out.push({ property, value: o.value as string | number | boolean })
  }
  return out
}
