// All SQL of the OGC API: one statement per request built from the collection's catalogue entry
// (identifiers and expressions only from there) with every value bound. The query box is
// transformed into the storage CRS, never the column into the box's, so the GiST index is used.
import type { Knex } from 'knex'
import { scopeCondition, type Sql } from '../db/scope.js'
import { activeDatasetIds, activeDatasetsFrom, activeRunJoin, activeRunsFrom } from '../db/read-model.js'
import type { Scope } from '../domain/region.js'
import { maxId } from '../schemas/common.js'
import type { Collection, Property } from './collections.js'
import type { SourceContext } from './source-context.js'
import type { OutputCrs } from './crs.js'
import type { ItemsQuery, SortKey } from './params.js'

/** Up to this many matching features are counted exactly; beyond, numberMatched is estimated. */
export const exactCountLimit = 100_000

const countyCondition =
  (scope: Scope) =>
  (column: string): Sql =>
    scopeCondition(scope, column)

export type Selection = Pick<ItemsQuery, 'bbox' | 'filters' | 'datasets'> & { cql?: ItemsQuery['cql']; datetime?: ItemsQuery['datetime'] }

/** Ids of the active versions of a layer collection in the key's region. */
const activeDatasets = async (knex: Knex, c: Collection, scope: Scope): Promise<number[]> => (c.layer ? activeDatasetIds(knex, c.layer, scope) : [])

/** The selection's box as a geometry expression in the storage CRS (4490), or null. */
function boxOf(sel: Selection): Sql | null {
  if (!sel.bbox) return null
  const [x0, y0, x1, y1] = sel.bbox.coords
  return sel.bbox.crs.srid === 4490
    ? { sql: 'ST_MakeEnvelope(?, ?, ?, ?, 4490)', bindings: [x0, y0, x1, y1] }
    : // A projected box is densified before transforming: its edges are curves in lon/lat.
      { sql: 'ST_Transform(ST_Segmentize(ST_MakeEnvelope(?, ?, ?, ?, ?::int), 50), 4490)', bindings: [x0, y0, x1, y1, sel.bbox.crs.srid] }
}

/**
 * FROM … WHERE … of a selection: active versions, scope, box and equality filters. The active
 * versions are read first and bound as constants (`activeDatasets`, returned too): every statement
 * built on one `fromWhere` reads the same versions, whatever an import switches meanwhile.
 */
export async function fromWhere(knex: Knex, c: Collection, scope: Scope, sel: Selection, extra?: Sql): Promise<Sql & { activeDatasets: number[] }> {
  const county = countyCondition(scope)
  const box = boxOf(sel)
  const ctx: SourceContext = {
    countyCondition: county,
    activeDatasets: sel.datasets ?? (await activeDatasets(knex, c, scope)),
    equals: new Map(sel.filters.map((f) => [f.property.name, f.value])),
    box,
    knex,
  }
  const source = await c.source(ctx)
  const conditions: Sql[] = [county(c.countySql)]
  if (c.versionFilter) conditions.push(c.versionFilter(ctx))
  if (box) conditions.push({ sql: `f.geom && ST_Envelope(${box.sql}) AND ST_Intersects(f.geom, ${box.sql})`, bindings: [...box.bindings, ...box.bindings] })
  for (const f of sel.filters) conditions.push({ sql: `(${f.property.sql}) = ?`, bindings: [f.value] })
  if (sel.cql) conditions.push(sel.cql)
  if (sel.datetime) conditions.push(sel.datetime)
  if (extra) conditions.push(extra)
  return {
    sql: `FROM ${source.sql} WHERE ${conditions.map((x) => x.sql).join(' AND ')}`,
    bindings: [...source.bindings, ...conditions.flatMap((x) => x.bindings)],
    activeDatasets: ctx.activeDatasets,
  }
}

/** Geometry in the output CRS: RFC 7946 ring orientation, transformed, axes flipped for EPSG:4490. */
export function outputGeometry(c: Collection, crs: OutputCrs, geom = 'f.geom'): string {
  let g = c.geometryType === 'MultiPolygon' ? `ST_ForcePolygonCCW(${geom})` : geom
  if (crs.srid !== 4490) g = `ST_Transform(${g}, ${crs.srid})`
  if (crs.latLon) g = `ST_FlipCoordinates(${g})`
  return g
}

/**
 * The page's rows first (cheap columns, ordered, limited), then the costly parts for those rows
 * only: PostgreSQL evaluates a select list for the rows OFFSET skips, so building GeoJSON in the
 * same level made a page at offset 99 000 cost as much as 100 pages. The order is the sortby keys
 * (empty values last either way), then the collection's own order, which makes paging stable.
 * Each row carries its place in the page (`rn`), so a statement joining the page keeps its order.
 */
function pageSql(c: Collection, props: Property[], sortby: SortKey[], fw: Sql, outer: (props: string[]) => string): string {
  const keys = [
    ...sortby.map((k) => ({ sql: `(${k.property.sql})`, direction: k.descending ? 'DESC NULLS LAST' : 'ASC NULLS LAST' })),
    ...c.orderBy.split(',').map((o) => ({ sql: o.trim(), direction: 'ASC' })),
  ]
  const order = keys.map((k, i) => `${k.sql} AS o${i}`)
  const columns = props.map((p, i) => `${p.sql} AS p${i}`)
  const pageOrder = keys.map((k, i) => `o${i} ${k.direction}`).join(', ')
  return `SELECT ${outer(props.map((_, i) => `pg.p${i}`))}, row_number() OVER (ORDER BY ${pageOrder}) AS rn FROM (
            SELECT ${c.idSql} AS id, f.geom AS geom${[...columns, ...order].map((x) => `, ${x}`).join('')}
              ${fw.sql} ORDER BY ${keys.map((k) => `${k.sql} ${k.direction}`).join(', ')} LIMIT ? OFFSET ?) pg
          ORDER BY ${pageOrder}`
}

/**
 * A property value as JSON. A `number` property's whole values are written with a decimal point
 * (6.0, not 6): QGIS and GDAL type a field from the first features of a page, and a field typed
 * Integer from whole values turns a later 3.5 into NULL. Beyond 1e15 float8 text switches to
 * exponent notation, which JSON readers already take as a real.
 */
export function jsonValue(p: Property, column: string): string {
  if (p.type !== 'number') return column
  return `(SELECT CASE WHEN v = trunc(v) AND abs(v) < 1e15 THEN (trunc(v)::bigint::text || '.0')::json ELSE to_json(v) END FROM (SELECT (${column})::float8 AS v) n)`
}

/** The page's select list: each row a GeoJSON Feature serialised by PostgreSQL. */
function featureSql(c: Collection, q: ItemsQuery, fw: Sql): string {
  return pageSql(c, q.properties, q.sortby, fw, (cols) => {
    const props = `json_build_object(${q.properties.map((p, i) => `'${p.name}', ${jsonValue(p, cols[i]!)}`).join(', ')})`
    return `json_build_object('type', 'Feature', 'id', pg.id, 'geometry', ST_AsGeoJSON(${outputGeometry(c, q.crs, 'pg.geom')}, ${q.crs.decimals}, 0)::json, 'properties', ${props})::text AS feature`
  })
}

/** One page of features, each already serialised by PostgreSQL as a GeoJSON Feature. */
export async function featurePage(knex: Knex, c: Collection, scope: Scope, q: ItemsQuery, extra?: Sql): Promise<string[]> {
  const fw = await fromWhere(knex, c, scope, q, extra)
  const { rows } = await knex.raw(featureSql(c, q, fw), [...fw.bindings, q.limit, q.offset] as Knex.RawBinding[])
  return (rows as Array<{ feature: string }>).map((r) => r.feature)
}

export interface Matched {
  count: number
  /** false: more than exactCountLimit match and count is the planner's estimate */
  exact: boolean
}

/**
 * `SELECT … AS n`: how many features match, counted exactly up to exactCountLimit (+1 says "more").
 * An unfiltered layer: the feature counts of the versions the selection reads (exact, no scan).
 */
function matchedSql(c: Collection, sel: Selection, fw: Sql & { activeDatasets: number[] }): Sql {
  if (c.layer && !sel.bbox && sel.filters.length === 0 && !sel.cql && !sel.datetime) {
    return { sql: 'SELECT coalesce(sum(feature_count), 0)::int AS n FROM datasets WHERE id = ANY(?::bigint[])', bindings: [fw.activeDatasets] }
  }
  return { sql: `SELECT count(*)::int AS n FROM (SELECT 1 ${fw.sql} LIMIT ?) s`, bindings: [...fw.bindings, exactCountLimit + 1] }
}

/** An exact count as it is, one beyond exactCountLimit replaced by the planner's row estimate of the same selection. */
async function estimatedBeyondLimit(knex: Knex, fw: Sql, n: number): Promise<Matched> {
  if (n <= exactCountLimit) return { count: n, exact: true }
  const { rows: plan } = await knex.raw(`EXPLAIN (FORMAT JSON) SELECT 1 ${fw.sql}`, fw.bindings as Knex.RawBinding[])
  const estimate = Math.round(Number((plan[0]['QUERY PLAN'] as Array<{ Plan: { 'Plan Rows': number } }>)[0]!.Plan['Plan Rows']))
  return { count: Math.max(estimate, exactCountLimit + 1), exact: false }
}

/** The statement of an items page (`?` placeholders) and the selection it reads, for the estimate beyond exactCountLimit. */
export interface PageStatement extends Sql {
  fw: Sql & { activeDatasets: number[] }
}

/**
 * A page of features and how many match, in one statement: under READ COMMITTED each statement
 * reads its own snapshot, so a page and a count read apart could straddle an import's switch of
 * versions (or a project's change) and report the other version's numberMatched. The layer
 * versions are constants bound in both (fromWhere); the estimate beyond exactCountLimit is the
 * planner's for the same constants. Rows: `n` (the count, in every row), `feature` (a Feature's
 * GeoJSON text; null in the one row of an empty page) and `rn`, its place in the page.
 *
 * No ORDER BY at the top: a sort there held every row until the last was built, where without it
 * PostgreSQL sends each feature as soon as it is serialised, while Node writes the ones before
 * (the page is already in order: the one-row count is the outer side of a nested loop, which
 * keeps the page subquery's ORDER BY). SQL does not promise that order, so the reader checks
 * `rn` row by row and fails the response if it ever skips (service.ts itemsStream).
 */
export async function matchedPageStatement(knex: Knex, c: Collection, scope: Scope, q: ItemsQuery): Promise<PageStatement> {
  const fw = await fromWhere(knex, c, scope, q)
  const matched = matchedSql(c, q, fw)
  // The count is the left side: its one row comes back even when the page is empty (an offset past the end).
  return {
    sql: `SELECT m.n, p.feature, p.rn FROM (${matched.sql}) m LEFT JOIN (${featureSql(c, q, fw)}) p ON true`,
    bindings: [...matched.bindings, ...fw.bindings, q.limit, q.offset],
    fw,
  }
}

/** numberMatched from a page statement's `n`: as counted, or the planner's estimate beyond exactCountLimit. */
export const matchedOf = (knex: Knex, statement: PageStatement, n: number): Promise<Matched> => estimatedBeyondLimit(knex, statement.fw, n)

/**
 * How many features match: for an unfiltered layer the sum of the active versions' feature counts;
 * otherwise counted exactly up to exactCountLimit, beyond it the planner's row estimate.
 */
export async function countMatched(knex: Knex, c: Collection, scope: Scope, sel: Selection): Promise<Matched> {
  const fw = await fromWhere(knex, c, scope, sel)
  const matched = matchedSql(c, sel, fw)
  const { rows } = await knex.raw(matched.sql, matched.bindings as Knex.RawBinding[])
  return estimatedBeyondLimit(knex, fw, rows[0].n)
}

/** One feature by its id (integer id, or `<projectId>-<n>` for analysis pieces). */
export async function featureById(knex: Knex, c: Collection, scope: Scope, q: ItemsQuery, featureId: string): Promise<string | null> {
  let extra: Sql
  let sel: Selection = { bbox: null, filters: [] }
  if (c.idType === 'integer') {
    if (!/^[0-9]{1,16}$/.test(featureId) || Number(featureId) > maxId) return null // ids are bigint columns read as numbers
    extra = { sql: `${c.idSql} = ?`, bindings: [Number(featureId)] }
  } else {
    const m = /^([0-9]{1,16})-([0-9]{1,9})$/.exec(featureId)
    if (!m || Number(m[1]) > maxId) return null
    const projectId = c.properties.find((p) => p.name === 'projectId')!
    sel = { bbox: null, filters: [{ property: projectId, value: Number(m[1]) }] }
    extra = { sql: 'f.n = ?', bindings: [Number(m[2])] }
  }
  const page = await featurePage(knex, c, scope, { ...q, ...sel, limit: 1, offset: 0 }, extra)
  return page[0] ?? null
}

/** Extent (CRS84) of what a key sees of a collection. */
export async function extent(knex: Knex, c: Collection, scope: Scope): Promise<[number, number, number, number] | null> {
  const county = countyCondition(scope)
  let r: Sql
  if (c.layer) {
    const from = activeDatasetsFrom(c.layer, scope)
    r = { sql: `SELECT ST_Extent(extent) AS e ${from.sql}`, bindings: from.bindings }
  } else {
    const table = c.table ?? 'projects'
    const s = county(`${table}.xzqdm`)
    const join = c.id === 'bundles' ? ` ${activeRunJoin({ bundle: 'bundles', as: 'r' })}` : ''
    r = { sql: `SELECT ST_Extent(${table}.geom) AS e FROM ${table}${join} WHERE ${s.sql}`, bindings: s.bindings }
  }
  const { rows } = await knex.raw(
    `SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1 FROM (${r.sql}) s`,
    r.bindings as Knex.RawBinding[],
  )
  const row = rows[0]
  return row && row.x0 !== null ? [row.x0, row.y0, row.x1, row.y1] : null
}

/**
 * A token that changes whenever what a key sees of a collection may change: the ids of the
 * active layer versions (or bundling runs) with a digest of when they were made, or the projects'
 * count, last change and last analysis.
 */
export async function versionToken(knex: Knex, c: Collection, scope: Scope): Promise<string> {
  const county = countyCondition(scope)('xzqdm')
  const b = county.bindings as Knex.RawBinding[]
  // Ids alone do not name a version for good: a database restored from a backup, or emptied with its
  // sequences restarted, gives the same ids to other data, and tiles cached under the token (memory,
  // the disk level under DATA_DIR, browsers told `immutable`) would be served for it. So the ids are
  // followed by `~` and a digest of when their rows were made, which such new data does not repeat.
  const versionsOf = (from: Sql, madeAt: 'imported_at' | 'created_at') =>
    knex.raw(
      `SELECT coalesce(string_agg(id::text, '.' ORDER BY id), '') || '~'
              || coalesce(left(md5(string_agg(id::text || '@' || extract(epoch FROM ${madeAt})::text, ',' ORDER BY id)), 10), '') AS v
              ${from.sql}`,
      from.bindings as Knex.RawBinding[],
    )
  const datasets = (layer: string | null) => versionsOf(activeDatasetsFrom(layer, scope), 'imported_at')
  // The last analysis in the key's counties, not the province's: on a database distributed by county
  // the token reads only the key's shards (docs/scale-out.md), and another county's batch run no
  // longer invalidates every cached tile.
  const analyses = countyCondition(scope)('analysis_results.xzqdm')
  const projects = () =>
    knex.raw(
      `SELECT count(*) || '.' || coalesce(max(extract(epoch FROM updated_at)), 0) || '.'
              || coalesce((SELECT max(id) FROM analysis_results WHERE ${analyses.sql}), 0) AS v
         FROM projects WHERE ${county.sql}`,
      [...(analyses.bindings as Knex.RawBinding[]), ...b],
    )
  const runs = () => versionsOf(activeRunsFrom(scope), 'created_at')
  let parts: Array<{ rows: Array<{ v: string }> }>
  if (c.layer) parts = [await datasets(c.layer)]
  else if (c.id === 'bundles') parts = [await runs()]
  else if (c.id === 'projects') parts = [await projects()]
  else parts = [await projects(), await datasets(null)]
  return parts.map((p) => p.rows[0]!.v).join('/')
}

/** How an export reads geometries: GeoJSON (shapefile ring order), WKB with its envelope (GeoPackage), or none. */
export type ExportGeometry = 'geojson' | 'wkb' | null

export interface ExportRow {
  id: string | number
  values: unknown[]
  geometry: { type: string; coordinates: number[][][] } | null
  /** hex WKB (ISO, 2D) and envelope, for geometry 'wkb' */
  wkb?: string | null
  envelope?: [number, number, number, number] | null
}

/** Rows for exports: id, property values in order, and the geometry in the output CRS's x/y order if asked. */
export async function exportRows(knex: Knex, c: Collection, scope: Scope, q: ItemsQuery, offset: number, limit: number, geometryAs: ExportGeometry) {
  const fw = await fromWhere(knex, c, scope, q)
  const transformed = (g: string) => (q.crs.srid !== 4490 ? `ST_Transform(${g}, ${q.crs.srid})` : g)
  let geometry = 'NULL::json AS geometry'
  if (geometryAs === 'geojson') {
    const g = transformed(c.geometryType === 'MultiPolygon' ? 'ST_ForcePolygonCW(pg.geom)' : 'pg.geom')
    geometry = `ST_AsGeoJSON(${g}, ${q.crs.decimals}, 0)::json AS geometry` // shapefiles are x/y (lon/lat) whatever the EPSG axis order
  } else if (geometryAs === 'wkb') {
    // GeoPackage geometries are x/y (lon/lat) too, at full precision: the binary keeps every bit of the stored double.
    const g = `ST_Force2D(${transformed('pg.geom')})`
    geometry = `NULL::json AS geometry, encode(ST_AsBinary(${g}), 'hex') AS wkb,
      CASE WHEN pg.geom IS NULL THEN NULL ELSE json_build_array(ST_XMin(${g}), ST_XMax(${g}), ST_YMin(${g}), ST_YMax(${g})) END AS envelope`
  }
  const sql = pageSql(c, q.properties, q.sortby, fw, (cols) => `pg.id, json_build_array(${cols.join(', ')}) AS values, ${geometry}`)
  const { rows } = await knex.raw(sql, [...fw.bindings, limit, offset] as Knex.RawBinding[])
  return rows as ExportRow[]
}

/** First and last value (RFC 3339) of a collection's temporal property in what a key sees, or null. */
export async function temporalExtent(knex: Knex, c: Collection, scope: Scope): Promise<[string, string] | null> {
  const t = c.temporal
  if (!t) return null
  const fw = await fromWhere(knex, c, scope, { bbox: null, filters: [] })
  // A date is its whole day in China Standard Time; an instant is written in UTC.
  const text =
    t.type === 'date'
      ? (v: string, end: boolean) => `to_char(${v}, 'YYYY-MM-DD') || '${end ? 'T23:59:59+08:00' : 'T00:00:00+08:00'}'`
      : (v: string) => `to_char(${v} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
  const { rows } = await knex.raw(
    `SELECT ${text(`min(${t.sql})`, false)} AS a, ${text(`max(${t.sql})`, true)} AS b ${fw.sql}`,
    fw.bindings as Knex.RawBinding[],
  )
  const row = rows[0] as { a: string | null; b: string | null } | undefined
  return row?.a && row.b ? [row.a, row.b] : null
}
