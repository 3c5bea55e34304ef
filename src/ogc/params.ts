// Query parameters of /items, parsed and validated in one place (as tipg's dependencies.py does):
// bbox and bbox-crs, limit and offset, crs, properties, output format, encoding, datetime, sortby,
// and simple equality filters on the collection's queryables. Unknown parameters are refused (OGC
// API – Features Part 1, /req/core/query-param-unknown).
import { countyProblem } from '../domain/region.js'
import { problem } from '../errors/index.js'
import { maxId } from '../schemas/common.js'
import type { Collection, Property } from './collections.js'
import { CRS84, crsByUri, supportedCrs, type OutputCrs } from './crs.js'
import { compileFilter, filterLanguages, type FilterLanguage } from './cql2/index.js'
import type { Sql } from './cql2/sql.js'
import { datetimeCondition, parseDatetime } from './datetime.js'
import { headerLanguages, type HeaderLanguage } from '../formats/csv.js'

/** Page sizes of /items (OGC_LIMIT_DEFAULT, OGC_LIMIT_MAX in src/config.ts). */
export interface PageLimits {
  default: number
  maximum: number
}
export const formats = ['json', 'geojson', 'shapefile', 'csv', 'gpkg', 'html'] as const
export type Format = (typeof formats)[number]
export const exportEncodings = ['GBK', 'GB18030', 'UTF-8'] as const
export type ExportEncoding = (typeof exportEncodings)[number]

export interface ItemsQuery {
  bbox: { coords: [number, number, number, number]; crs: OutputCrs } | null
  limit: number
  /** limit as the client gave it (exports take every matching feature unless a limit is given) */
  limitGiven: boolean
  offset: number
  crs: OutputCrs
  crsGiven: boolean
  properties: Property[]
  filters: Array<{ property: Property; value: string | number | boolean }>
  /** the CQL2 `filter` as a bound SQL condition (OGC API – Features Part 3) */
  cql: Sql | null
  format: Format
  encoding: ExportEncoding
  /** CSV header row: Chinese titles (default) or field names */
  headers: HeaderLanguage
  /** `datetime` as a condition on the collection's temporal property (null: none or no such property) */
  datetime: Sql | null
  /** `sortby` (OGC API – Features Part 8): properties to order by before the collection's own order */
  sortby: SortKey[]
  /**
   * The layer versions to read, fixed by the caller (a whole-county GeoPackage reads each layer's
   * versions once, so every page of it reads the same ones); unset: the active versions, read per statement.
   */
  datasets?: number[]
}

export interface SortKey {
  property: Property
  descending: boolean
}

const fixed = new Set([
  'bbox',
  'bbox-crs',
  'limit',
  'offset',
  'crs',
  'properties',
  'f',
  'encoding',
  'key',
  'filter',
  'filter-lang',
  'filter-crs',
  'headers',
  'datetime',
  'sortby',
])

/** At most this many sortby keys. */
export const maxSortKeys = 10

const bad = (detail: string, detailZh: string) => problem('LR_BAD_REQUEST', detail, { detailZh })

function single(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name]
  if (v === undefined) return undefined
  if (Array.isArray(v)) throw bad(`parameter ${name} is given more than once`, `参数 ${name} 重复`)
  return String(v)
}

/** PostgreSQL text cannot hold NUL: a value with one is refused here, not at the database. */
function refuseNul(query: Record<string, unknown>): void {
  for (const [name, v] of Object.entries(query)) {
    if ((Array.isArray(v) ? v : [v]).some((x) => typeof x === 'string' && x.includes('\u0000')) || name.includes('\u0000')) {
      throw bad(`parameter ${name.replace(/\u0000/g, '\\0')} contains a NUL character (%00)`, `参数 ${name.replace(/\u0000/g, '')} 含有空字符（%00）`)
    }
  }
}

/**
 * sortby=+name,-approvedOn (Part 8): `+` or none ascending, `-` descending; a `+` the client did not
 * encode arrives as a space. Only the collection's queryables (its /sortables).
 */
function sortKeys(collection: Collection, text: string | undefined): SortKey[] {
  if (text === undefined) return []
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (items.length > maxSortKeys) throw bad(`sortby takes at most ${maxSortKeys} properties`, `sortby 最多 ${maxSortKeys} 个属性`)
  const keys: SortKey[] = []
  for (const item of items) {
    const m = /^([+-]?)\s*(\S+)$/.exec(item)
    const property = m ? collection.properties.find((p) => p.name === m[2]) : undefined
    if (!m || !property) {
      throw bad(
        `sortby: '${item.slice(0, 60)}' is not a sortable property of ${collection.id}; the sortables are ${collection.properties.map((p) => p.name).join(', ')} (prefix - for descending)`,
        `sortby 中的“${item.slice(0, 60)}”不是可排序属性（见 /collections/${collection.id}/sortables；降序在属性名前加“-”）`,
      )
    }
    if (!keys.some((k) => k.property === property)) keys.push({ property, descending: m[1] === '-' })
  }
  return keys
}

/** limit: at least 1; above the maximum it is the maximum, not an error (Part 1, /req/core/fc-limit-response-1). */
function pageLimit(text: string | undefined, limits: PageLimits): number {
  if (text === undefined) return limits.default
  if (!/^[0-9]+$/.test(text)) throw bad(`limit must be an integer, got '${text}'`, 'limit 必须为整数')
  const n = Number(text)
  if (n < 1) throw bad(`limit must be at least 1, got ${n}`, 'limit 至少为 1')
  return Math.min(n, limits.maximum)
}

function integer(text: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (text === undefined) return fallback
  if (!/^[0-9]+$/.test(text)) throw bad(`${name} must be an integer, got '${text}'`, `${name} 必须为整数`)
  const n = Number(text)
  if (n < min || n > max) throw bad(`${name} must be between ${min} and ${max}, got ${n}`, `${name} 须在 ${min} 与 ${max} 之间`)
  return n
}

function crsParam(text: string | undefined, name: string): OutputCrs | undefined {
  if (text === undefined) return undefined
  const crs = crsByUri(text)
  if (!crs) {
    throw bad(`${name} '${text}' is not supported; use one of ${supportedCrs.map((c) => c.uri).join(', ')}`, `不支持的坐标系 ${text}`)
  }
  return crs
}

function filterValue(p: Property, text: string): string | number | boolean {
  switch (p.type) {
    case 'number':
    case 'integer': {
      const n = Number(text)
      if (text.trim() === '' || !Number.isFinite(n) || (p.type === 'integer' && !Number.isInteger(n))) {
        throw bad(`${p.name} must be a${p.type === 'integer' ? 'n integer' : ' number'}, got '${text}'`, `${p.name} 须为数值`)
      }
      // A value beyond the column's type matches nothing and would fail the cast.
      const limit = p.wide ? maxId : 2_147_483_647
      if (p.type === 'integer' && Math.abs(n) > limit) throw bad(`${p.name} must be between -${limit} and ${limit}, got '${text}'`, `${p.name} 超出整数范围`)
      return n
    }
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw bad(`${p.name} must be true or false, got '${text}'`, `${p.name} 须为 true 或 false`)
      return text === 'true'
    default:
      // The county filter goes through the one county check (an unknown code would silently match nothing).
      if (p.name === 'county') {
        const why = countyProblem(text)
        if (why) throw bad(why, `县级行政区划代码 ${text} 无效`)
      }
      return text
  }
}

function cqlFilter(collection: Collection, query: Record<string, unknown>): ReturnType<typeof compileFilter> | null {
  const text = single(query, 'filter')
  const language = single(query, 'filter-lang') ?? 'cql2-text'
  const crs = crsParam(single(query, 'filter-crs'), 'filter-crs') ?? crsByUri(CRS84)!
  if (!(filterLanguages as readonly string[]).includes(language)) {
    throw bad(`filter-lang must be one of ${filterLanguages.join(', ')}, got '${language}'`, `不支持的过滤语言 ${language}`)
  }
  if (text === undefined) return null
  return compileFilter(text, language as FilterLanguage, { properties: collection.properties, crs })
}

export function parseItemsQuery(collection: Collection, query: Record<string, unknown>, limits: PageLimits): ItemsQuery {
  refuseNul(query)
  const unknown = Object.keys(query).filter((k) => !fixed.has(k) && !collection.properties.some((p) => p.name === k))
  if (unknown.length) {
    throw bad(
      `unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the queryables of ${collection.id} are ${collection.properties.map((p) => p.name).join(', ')}`,
      `未知参数：${unknown.join('、')}`,
    )
  }
  const crs = crsParam(single(query, 'crs'), 'crs')
  const bboxCrs = crsParam(single(query, 'bbox-crs'), 'bbox-crs') ?? crsByUri(CRS84)!
  const bboxText = single(query, 'bbox')
  let bbox: ItemsQuery['bbox'] = null
  if (bboxText !== undefined) {
    const n = bboxText.split(',').map((s) => Number(s.trim()))
    if ((n.length !== 4 && n.length !== 6) || n.some((x) => !Number.isFinite(x))) {
      throw bad(`bbox must be 4 (or 6) comma-separated numbers, got '${bboxText}'`, 'bbox 须为 4 个逗号分隔的数值')
    }
    // A 6-number bbox has heights at positions 3 and 6.
    const [a, b, c, d] = n.length === 6 ? [n[0]!, n[1]!, n[3]!, n[4]!] : [n[0]!, n[1]!, n[2]!, n[3]!]
    // In EPSG:4490 the axis order is lat, lon: the box arrives as minLat, minLon, maxLat, maxLon.
    const coords: [number, number, number, number] = bboxCrs.latLon ? [b, a, d, c] : [a, b, c, d]
    if (coords[0] > coords[2] || coords[1] > coords[3]) throw bad(`bbox corners are in the wrong order: '${bboxText}'`, 'bbox 的最小值大于最大值')
    bbox = { coords, crs: bboxCrs }
  }
  const propertiesText = single(query, 'properties')
  let properties = collection.properties
  if (propertiesText !== undefined) {
    const names = propertiesText
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    const missing = names.filter((n) => !collection.properties.some((p) => p.name === n))
    if (missing.length) throw bad(`unknown properties ${missing.join(', ')}`, `未知属性：${missing.join('、')}`)
    properties = collection.properties.filter((p) => names.includes(p.name))
  }
  const cql = cqlFilter(collection, query)
  // Equalities a CQL2 filter implies join the query-parameter filters, so sources can push them down.
  const filters = [
    ...collection.properties.filter((p) => query[p.name] !== undefined).map((p) => ({ property: p, value: filterValue(p, single(query, p.name)!) })),
    ...(cql?.equalities ?? []),
  ]
  const format = (single(query, 'f') ?? 'json').toLowerCase()
  if (!(formats as readonly string[]).includes(format)) throw bad(`f must be one of ${formats.join(', ')}, got '${format}'`, `不支持的格式 ${format}`)
  const encodingText = (single(query, 'encoding') ?? 'GBK').toUpperCase().replace(/^UTF8$/, 'UTF-8')
  if (!(exportEncodings as readonly string[]).includes(encodingText))
    throw bad(`encoding must be GBK, GB18030 or UTF-8, got '${encodingText}'`, '编码须为 GBK、GB18030 或 UTF-8')
  const limitText = single(query, 'limit')
  const headers = single(query, 'headers') ?? 'zh'
  if (!(headerLanguages as readonly string[]).includes(headers)) throw bad(`headers must be zh or en, got '${headers}'`, '表头参数 headers 须为 zh 或 en')
  const datetimeText = single(query, 'datetime')
  return {
    headers: headers as HeaderLanguage,
    cql: cql?.condition ?? null,
    bbox,
    // Above the maximum is the maximum, not an error (Part 1, /req/core/fc-limit-response-1 note).
    limit: pageLimit(limitText, limits),
    limitGiven: limitText !== undefined,
    offset: integer(single(query, 'offset'), 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
    crs: crs ?? (format === 'shapefile' ? crsByUri('4490')! : crsByUri(CRS84)!),
    crsGiven: crs !== undefined,
    properties,
    filters,
    format: format as Format,
    encoding: encodingText as ExportEncoding,
    datetime: datetimeText === undefined ? null : datetimeCondition(collection, parseDatetime(datetimeText)),
    sortby: sortKeys(collection, single(query, 'sortby')),
  }
}
