// OGC API – Features documents: landing page, conformance, collections, items and queryables.
// Handlers pass the request's base URL and key; everything else is decided here and in queries.ts.
import { Readable } from 'node:stream'
import type { Knex } from 'knex'
import type { Actor } from '../auth/actor.js'
import { problem } from '../errors/index.js'
import { collectionById, collections, jsonSchemaOf, type Collection } from './collections.js'
import { CRS84, supportedCrs } from './crs.js'
import { geometryQueryable } from './cql2/index.js'
import type { ItemsQuery } from './params.js'
import * as q from './queries.js'
import { eachRow } from './row-stream.js'

export const mediaTypes = {
  json: 'application/json',
  geojson: 'application/geo+json',
  openapi: 'application/vnd.oai.openapi+json;version=3.0',
  schema: 'application/schema+json',
}

export const conformance = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters',
  // Part 3 filtering: `filter` in CQL2 text or JSON (src/ogc/cql2). QGIS and GDAL push a layer's
  // expression filter to the server only when these are declared.
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus',
  // CASEI() and ILIKE in filters
  'http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison',
  // Part 5: /collections/{id}/schema
  'http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas',
  'http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/returnables-and-receivables',
  // Part 8 (draft): sortby on the queryables, listed at /collections/{id}/sortables
  'http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting',
]

/** Where links point: the absolute /ogc base, and the key when the client sent it in the URL. */
export interface LinkBase {
  root: string
  key?: string
}

export function href(base: LinkBase, path: string, params: Record<string, string | number | undefined> = {}): string {
  const url = new URL(base.root + path)
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, String(v))
  if (base.key) url.searchParams.set('key', base.key)
  return url.toString()
}

export function landingPage(base: LinkBase) {
  return {
    title: '城镇低效用地再开发 OGC API – Features',
    description: 'Survey layers, projects, analysis pieces and bundles of the low-efficiency land redevelopment service (storage CRS CGCS2000, EPSG:4490).',
    links: [
      { rel: 'self', type: mediaTypes.json, title: 'this document', href: href(base, '') },
      { rel: 'service-desc', type: mediaTypes.openapi, title: 'the API definition (OpenAPI 3.0)', href: href(base, '/api') },
      { rel: 'conformance', type: mediaTypes.json, title: 'conformance classes', href: href(base, '/conformance') },
      { rel: 'data', type: mediaTypes.json, title: 'feature collections', href: href(base, '/collections') },
      { rel: 'alternate', type: 'text/html', title: '网页浏览', href: href(base, '', { f: 'html' }) },
    ],
  }
}

async function describe(knex: Knex, actor: Actor, c: Collection, base: LinkBase) {
  const bbox = await q.extent(knex, c, actor.scope)
  const time = await q.temporalExtent(knex, c, actor.scope)
  const path = `/collections/${c.id}`
  return {
    id: c.id,
    title: c.title,
    description: c.description,
    itemType: 'feature',
    extent: {
      spatial: { bbox: [bbox ?? [73, 3, 136, 54]], crs: CRS84 },
      // `datetime` selects on this property (features without a value always match)
      ...(c.temporal && { temporal: { interval: [time ?? [null, null]], trs: gregorian } }),
    },
    ...(c.temporal && { temporalProperty: c.temporal.property }),
    crs: supportedCrs.map((x) => x.uri),
    storageCrs: 'http://www.opengis.net/def/crs/EPSG/0/4490',
    links: [
      { rel: 'self', type: mediaTypes.json, href: href(base, path) },
      { rel: 'items', type: mediaTypes.geojson, title: 'features', href: href(base, `${path}/items`) },
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables', type: mediaTypes.schema, title: 'queryables', href: href(base, `${path}/queryables`) },
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/schema', type: mediaTypes.schema, title: 'schema of the features', href: href(base, `${path}/schema`) },
      { rel: 'describedby', type: mediaTypes.schema, title: 'schema of the features', href: href(base, `${path}/schema`) },
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/sortables', type: mediaTypes.schema, title: 'sortables', href: href(base, `${path}/sortables`) },
      { rel: 'alternate', type: 'application/zip', title: 'shapefile (zip)', href: href(base, `${path}/items`, { f: 'shapefile' }) },
      { rel: 'alternate', type: 'text/csv', title: 'attributes as CSV', href: href(base, `${path}/items`, { f: 'csv' }) },
      { rel: 'alternate', type: 'application/geopackage+sqlite3', title: 'GeoPackage', href: href(base, `${path}/items`, { f: 'gpkg' }) },
      { rel: 'alternate', type: 'text/html', title: '网页浏览', href: href(base, path, { f: 'html' }) },
    ],
  }
}

const gregorian = 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian'

export function collectionOrThrow(id: string): Collection {
  const c = collectionById(id)
  if (!c) throw problem('LR_NOT_FOUND', `no collection '${id}'; see /ogc/collections`, { detailZh: `数据集 ${id} 不存在` })
  return c
}

export async function collectionList(knex: Knex, actor: Actor, base: LinkBase) {
  const list = []
  for (const c of collections) list.push(await describe(knex, actor, c, base)) // one at a time: the embedded database has one connection
  return { links: [{ rel: 'self', type: mediaTypes.json, href: href(base, '/collections') }], collections: list, crs: supportedCrs.map((x) => x.uri) }
}

export const collection = (knex: Knex, actor: Actor, id: string, base: LinkBase) => describe(knex, actor, collectionOrThrow(id), base)

const geometryFormat: Record<Collection['geometryType'], string> = { MultiPolygon: 'geometry-multipolygon', MultiLineString: 'geometry-multilinestring' }

/**
 * The JSON Schema of a collection's properties (Part 3 queryables, Part 5 schema, Part 8 sortables):
 * every property typed, titled in Chinese; the temporal property `datetime` selects on is marked
 * `x-ogc-role: primary-instant` (Part 5), the geometry `primary-geometry` (not sortable).
 */
function propertiesSchema(c: Collection, base: LinkBase, document: 'queryables' | 'schema' | 'sortables') {
  const geometry = { title: '几何', format: geometryFormat[c.geometryType], 'x-ogc-role': 'primary-geometry' }
  const role = (name: string) => (c.temporal?.property === name && document !== 'sortables' ? { 'x-ogc-role': 'primary-instant' } : {})
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: href(base, `/collections/${c.id}/${document}`),
    type: 'object',
    title: c.title,
    properties: {
      ...Object.fromEntries(c.properties.map((p) => [p.name, { title: p.titleZh, ...jsonSchemaOf(p), ...role(p.name) }])),
      ...(document === 'sortables' ? {} : { [geometryQueryable]: geometry }),
    },
    additionalProperties: false,
  }
}

export const queryables = (id: string, base: LinkBase) => propertiesSchema(collectionOrThrow(id), base, 'queryables')

/** Part 8: the properties sortby takes (the queryables but the geometry). */
export const sortables = (id: string, base: LinkBase) => propertiesSchema(collectionOrThrow(id), base, 'sortables')

/** Part 5 schema: the queryables plus the feature id (read-only: the service sets it). */
export function featureSchema(id: string, base: LinkBase) {
  const c = collectionOrThrow(id)
  const s = propertiesSchema(c, base, 'schema')
  const featureId = { title: '要素标识', type: c.idType, ...(c.idType === 'integer' ? { format: 'int64' } : {}), 'x-ogc-role': 'id', readOnly: true }
  return { ...s, properties: { id: featureId, ...s.properties } }
}

/**
 * A page of items as GeoJSON, written as PostgreSQL sends the features (each serialised by
 * PostgreSQL): the collection's head, the features, then numberMatched, numberReturned and the
 * paging links, which are known only once the last row is read. No page is ever held whole.
 *
 * Resolves when the first row has arrived: the statement was planned and ran, and an error before
 * that (a bad filter, a timeout, a lost connection) is still a problem response with its status.
 * What fails after it (a feature PostgreSQL cannot serialise, the statement timeout, the connection
 * lost, the estimate beyond exactCountLimit) destroys the stream: the client sees a cut response
 * (no closing chunk, invalid JSON), never a complete-looking page.
 */
export async function itemsStream(
  knex: Knex,
  actor: Actor,
  c: Collection,
  query: ItemsQuery,
  base: LinkBase,
  requestParams: Record<string, string>,
): Promise<Readable> {
  const statement = await q.matchedPageStatement(knex, c, actor.scope, query)
  const out = new Readable({ read() {} })
  let n: number | null = null
  let returned = 0
  // Rows come in bursts (every DataRow of a socket read is parsed in one go): written as one chunk each.
  let pending: string[] = []
  let scheduled = false
  const flush = () => {
    if (pending.length && !out.destroyed) out.push(pending.join(''))
    pending = []
    scheduled = false
  }
  let started: () => void = () => {}
  const first = new Promise<void>((resolve) => (started = resolve))
  const rows = eachRow<{ n: number; feature: string | null; rn: number | null }>(knex, statement.sql, statement.bindings, (row) => {
    if (n === null) {
      n = row.n
      pending.push('{"type":"FeatureCollection","features":[')
      started()
    }
    if (row.feature === null) return // the one row of an empty page
    if (Number(row.rn) !== returned + 1) throw new Error(`items page out of order: row ${String(row.rn)} after ${returned}`)
    pending.push(returned++ ? `,${row.feature}` : row.feature)
    if (!scheduled) {
      scheduled = true
      queueMicrotask(flush)
    }
  })
  const tail = rows.then(async () => {
    const matched = await q.matchedOf(knex, statement, n!)
    flush()
    const path = `/collections/${c.id}/items`
    const page = (offset: number) => href(base, path, { ...requestParams, limit: query.limit, offset })
    const links: Array<Record<string, string>> = [
      { rel: 'self', type: mediaTypes.geojson, href: page(query.offset) },
      { rel: 'collection', type: mediaTypes.json, href: href(base, `/collections/${c.id}`) },
    ]
    const more = matched.exact ? query.offset + returned < matched.count : returned === query.limit
    if (more) links.push({ rel: 'next', type: mediaTypes.geojson, href: page(query.offset + query.limit) })
    if (query.offset > 0) links.push({ rel: 'prev', type: mediaTypes.geojson, href: page(Math.max(0, query.offset - query.limit)) })
    const end = { numberMatched: matched.count, numberReturned: returned, timeStamp: new Date().toISOString(), links }
    if (!out.destroyed) {
      out.push(`],${JSON.stringify(end).slice(1)}`)
      out.push(null)
    }
  })
  // Fastify listens from reply.send on (a failure then cuts the response, or, before the head went
  // out, answers a problem); this one keeps a failure before that, or of a stream never sent
  // (the statement failed before its first row), from being an uncaught 'error' event.
  out.on('error', () => {})
  tail.catch((err: Error) => out.destroy(err))
  // Before the first row: the caller's error. After it: the stream's.
  await Promise.race([first, rows])
  return out
}

export async function item(knex: Knex, actor: Actor, c: Collection, featureId: string, query: ItemsQuery, base: LinkBase) {
  const feature = await q.featureById(knex, c, actor.scope, query, featureId)
  if (!feature) throw problem('LR_NOT_FOUND', `no feature '${featureId}' in ${c.id}`, { detailZh: `要素 ${featureId} 不存在或不在权限范围内` })
  const links = [
    { rel: 'self', type: mediaTypes.geojson, href: href(base, `/collections/${c.id}/items/${encodeURIComponent(featureId)}`) },
    { rel: 'collection', type: mediaTypes.json, href: href(base, `/collections/${c.id}`) },
  ]
  return `${feature.slice(0, -1)},"links":${JSON.stringify(links)}}`
}
