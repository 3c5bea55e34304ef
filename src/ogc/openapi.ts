// The OpenAPI 3.0 definition of /ogc (rel=service-desc). Written by hand because the items
// parameters depend on each collection's queryables; GDAL and QGIS read the limit's default and
// maximum here to pick their page size, so the generic path and each collection's path declare it.
import { collections, jsonSchemaOf, type Collection } from './collections.js'
import { supportedCrs, wgs84 } from './crs.js'
import { filterLanguages } from './cql2/index.js'
import { formats, type PageLimits } from './params.js'

const json = (description: string, schema: object = { type: 'object' }, type = 'application/json') => ({ description, content: { [type]: { schema } } })
const errors = { default: json('RFC 7807 problem', { type: 'object' }, 'application/problem+json') }

const itemsParameters = (limits: PageLimits, c?: Collection) => [
  ...(c ? [] : [{ $ref: '#/components/parameters/collectionId' }]),
  {
    name: 'limit',
    in: 'query',
    required: false,
    style: 'form',
    explode: false,
    schema: { type: 'integer', minimum: 1, maximum: limits.maximum, default: limits.default },
    description: `features per page; a larger value is taken as ${limits.maximum}`,
  },
  { name: 'offset', in: 'query', required: false, schema: { type: 'integer', minimum: 0, default: 0 } },
  { $ref: '#/components/parameters/bbox' },
  { $ref: '#/components/parameters/bbox-crs' },
  { $ref: '#/components/parameters/crs' },
  {
    name: 'datetime',
    in: 'query',
    required: false,
    style: 'form',
    explode: false,
    schema: { type: 'string' },
    description: `an instant or interval (2018-03-15, 2015-01-01/.., ../2020-12-31T23:59:59Z) on ${c?.temporal ? `${c.temporal.property}; features without one always match` : "the collection's temporal property (temporalProperty; ignored where there is none)"}`,
  },
  {
    name: 'sortby',
    in: 'query',
    required: false,
    style: 'form',
    explode: false,
    schema: { type: 'array', items: { type: 'string', pattern: '^[+-]?[A-Za-z0-9_]+$' } },
    description: 'OGC API – Features Part 8: +name,-approvedOn (ascending, descending; empty values last), properties from /sortables',
  },
  { name: 'properties', in: 'query', required: false, style: 'form', explode: false, schema: { type: 'array', items: { type: 'string' } } },
  {
    name: 'f',
    in: 'query',
    required: false,
    schema: { type: 'string', enum: [...formats], default: 'json' },
    description:
      'json/geojson: GeoJSON; shapefile: zipped shapefile of every match; csv: attributes (UTF-8 with BOM); gpkg: GeoPackage of every match (bounded); html: a page to browse',
  },
  {
    name: 'filter',
    in: 'query',
    required: false,
    schema: { type: 'string' },
    description: 'CQL2 filter (OGC API – Features Part 3); properties from /queryables, geometry as `geometry`',
  },
  { name: 'filter-lang', in: 'query', required: false, schema: { type: 'string', enum: [...filterLanguages], default: 'cql2-text' } },
  { $ref: '#/components/parameters/filter-crs' },
  {
    name: 'headers',
    in: 'query',
    required: false,
    schema: { type: 'string', enum: ['zh', 'en'], default: 'zh' },
    description: 'f=csv column headers: Chinese titles (default) or API field names',
  },
  {
    name: 'encoding',
    in: 'query',
    required: false,
    schema: { type: 'string', enum: ['GBK', 'GB18030', 'UTF-8'], default: 'GBK' },
    description: 'shapefile text encoding',
  },
  ...(c ? c.properties.map((p) => ({ name: p.name, in: 'query', required: false, description: `${p.titleZh} equals`, schema: jsonSchemaOf(p) })) : []),
]

const itemsOperation = (limits: PageLimits, c?: Collection) => ({
  get: {
    summary: c ? `Features of ${c.id} (${c.titleZh})` : 'Features of a collection',
    operationId: c ? `getItems-${c.id}` : 'getItems',
    parameters: itemsParameters(limits, c),
    responses: { '200': json('a page of features', { type: 'object' }, 'application/geo+json'), ...errors },
  },
})

/** The CRS parameters take the advertised CRSs and the EPSG:4326 alias (lat, lon). */
const crsUris = [...supportedCrs.map((c) => c.uri), wgs84.uri]

export function ogcOpenApi(version: string, serverUrl: string, limits: PageLimits) {
  const paths: Record<string, unknown> = {
    '/': { get: { summary: 'Landing page', operationId: 'getLandingPage', responses: { '200': json('landing page'), ...errors } } },
    '/conformance': { get: { summary: 'Conformance classes', operationId: 'getConformance', responses: { '200': json('conformance'), ...errors } } },
    '/api': {
      get: {
        summary: 'This document',
        operationId: 'getApi',
        responses: { '200': json('OpenAPI 3.0', { type: 'object' }, 'application/vnd.oai.openapi+json;version=3.0') },
      },
    },
    '/collections': { get: { summary: 'Feature collections', operationId: 'getCollections', responses: { '200': json('collections'), ...errors } } },
    '/collections/{collectionId}': {
      get: {
        summary: 'A feature collection',
        operationId: 'describeCollection',
        parameters: [{ $ref: '#/components/parameters/collectionId' }],
        responses: { '200': json('collection'), ...errors },
      },
    },
    '/collections/{collectionId}/items': itemsOperation(limits),
    '/collections/{collectionId}/items/{featureId}': {
      get: {
        summary: 'One feature',
        operationId: 'getFeature',
        parameters: [
          { $ref: '#/components/parameters/collectionId' },
          { name: 'featureId', in: 'path', required: true, schema: { type: 'string' } },
          { $ref: '#/components/parameters/crs' },
        ],
        responses: { '200': json('feature', { type: 'object' }, 'application/geo+json'), ...errors },
      },
    },
    '/collections/{collectionId}/queryables': {
      get: {
        summary: 'Queryable properties',
        operationId: 'getQueryables',
        parameters: [{ $ref: '#/components/parameters/collectionId' }],
        responses: { '200': json('JSON Schema', { type: 'object' }, 'application/schema+json'), ...errors },
      },
    },
    '/collections/{collectionId}/sortables': {
      get: {
        summary: 'Sortable properties (Part 8)',
        operationId: 'getSortables',
        parameters: [{ $ref: '#/components/parameters/collectionId' }],
        responses: { '200': json('JSON Schema', { type: 'object' }, 'application/schema+json'), ...errors },
      },
    },
    '/collections/{collectionId}/schema': {
      get: {
        summary: 'Schema of the features (Part 5)',
        operationId: 'getSchema',
        parameters: [{ $ref: '#/components/parameters/collectionId' }],
        responses: { '200': json('JSON Schema', { type: 'object' }, 'application/schema+json'), ...errors },
      },
    },
  }
  for (const c of collections) paths[`/collections/${c.id}/items`] = itemsOperation(limits, c)
  return {
    openapi: '3.0.3',
    info: {
      title: '城镇低效用地再开发 OGC API – Features',
      version,
      description: 'OGC API – Features Part 1 (core, GeoJSON, OpenAPI 3.0), Part 2 (CRS), Part 3 (queryables, CQL2 filter) and Part 5 (schema).',
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }, { bearer: [] }, { basic: [] }, { apiKeyQuery: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        bearer: { type: 'http', scheme: 'bearer' },
        basic: { type: 'http', scheme: 'basic', description: 'the key as the password, any user name' },
        apiKeyQuery: { type: 'apiKey', in: 'query', name: 'key' },
      },
      parameters: {
        collectionId: { name: 'collectionId', in: 'path', required: true, schema: { type: 'string', enum: collections.map((c) => c.id) } },
        bbox: {
          name: 'bbox',
          in: 'query',
          required: false,
          style: 'form',
          explode: false,
          schema: { type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } },
        },
        'bbox-crs': { name: 'bbox-crs', in: 'query', required: false, schema: { type: 'string', format: 'uri', enum: crsUris } },
        'filter-crs': { name: 'filter-crs', in: 'query', required: false, schema: { type: 'string', format: 'uri', enum: crsUris } },
        crs: { name: 'crs', in: 'query', required: false, schema: { type: 'string', format: 'uri', enum: crsUris } },
      },
    },
    paths,
  }
}
