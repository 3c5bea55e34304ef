// OGC API – Features under /ogc (same keys as /api/v1, also as ?key= for desktop clients).
// Documents come from src/ogc/service.ts; exports from src/export/.
import fs from 'node:fs'
import { Readable } from 'node:stream'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { csvLines } from '../../export/csv.js'
import { geopackage, gpkgTableName } from '../../export/geopackage.js'
import { shapefileZip } from '../../export/shapefile.js'
import { collectionHtml, collectionsHtml, itemHtml, itemsHtml, landingHtml } from '../../ogc/html.js'
import { keyParameter } from '../../plugins/auth.js'
import { ogcOpenApi } from '../../ogc/openapi.js'
import { parseItemsQuery, type PageLimits } from '../../ogc/params.js'
import {
  collection,
  collectionList,
  collectionOrThrow,
  conformance,
  featureSchema,
  href,
  item,
  itemsStream,
  landingPage,
  mediaTypes,
  queryables,
  sortables,
  type LinkBase,
} from '../../ogc/service.js'

type Query = Record<string, string>

/**
 * Absolute base of links: PUBLIC_URL or the address the request arrived at (plugins/links.ts), never
 * the Host header. The key goes into links only when the client itself sent it in the URL.
 */
export function linkBase(request: FastifyRequest, prefix: string): LinkBase {
  const key = keyParameter(request.query)
  const headerKey = request.headers['x-api-key'] || request.headers.authorization
  return { root: `${request.server.linkRoot(request)}${prefix}`, key: key && !headerKey ? key : undefined }
}

const attachment = (reply: FastifyReply, kind: 'inline' | 'attachment', name: string) =>
  reply.header('content-disposition', `${kind}; filename="${name}"; filename*=UTF-8''${encodeURIComponent(name)}`)

/** A stream's text (the HTML page of items is made from the whole GeoJSON page). */
async function text(stream: Readable): Promise<string> {
  const parts: Buffer[] = []
  for await (const chunk of stream) parts.push(chunk as Buffer)
  return Buffer.concat(parts).toString('utf8')
}

const html = (reply: FastifyReply, text: string) => reply.type('text/html; charset=utf-8').send(text)

const routes: FastifyPluginAsync<{ version: string; limits: PageLimits; exportLimits: { gpkgMaxFeatures: number } }> = async (app, opts) => {
  const knex = app.db.knex
  const hide = { schema: { hide: true } }
  const base = (request: FastifyRequest) => linkBase(request, '/ogc')
  const wantsHtml = (request: FastifyRequest) => (request.query as Query).f === 'html'

  app.get('/', hide, async (request, reply) => {
    const doc = landingPage(base(request))
    return wantsHtml(request) ? html(reply, landingHtml(doc)) : doc
  })
  app.get('/conformance', hide, async () => ({ conformsTo: conformance }))
  // The charset given here keeps Fastify from re-serialising the type as `version="3.0"`, which
  // GDAL 3.6 refuses (it compares `version=3.0` literally) and then filters on the client side.
  app.get('/api', hide, async (request, reply) =>
    reply.type(`${mediaTypes.openapi};charset=utf-8`).send(ogcOpenApi(opts.version, base(request).root, opts.limits)),
  )
  app.get('/collections', hide, async (request, reply) => {
    const doc = await collectionList(knex, request.actor, base(request))
    return wantsHtml(request) ? html(reply, collectionsHtml(doc)) : doc
  })
  app.get<{ Params: { id: string } }>('/collections/:id', hide, async (request, reply) => {
    const doc = await collection(knex, request.actor, request.params.id, base(request))
    return wantsHtml(request) ? html(reply, collectionHtml(doc, collectionOrThrow(request.params.id))) : doc
  })
  app.get<{ Params: { id: string } }>('/collections/:id/queryables', hide, async (request, reply) =>
    reply.type(mediaTypes.schema).send(queryables(request.params.id, base(request))),
  )
  app.get<{ Params: { id: string } }>('/collections/:id/sortables', hide, async (request, reply) =>
    reply.type(mediaTypes.schema).send(sortables(request.params.id, base(request))),
  )
  app.get<{ Params: { id: string } }>('/collections/:id/schema', hide, async (request, reply) =>
    reply.type(mediaTypes.schema).send(featureSchema(request.params.id, base(request))),
  )

  app.get<{ Params: { id: string }; Querystring: Query }>('/collections/:id/items', hide, async (request, reply) => {
    const c = collectionOrThrow(request.params.id)
    const q = parseItemsQuery(c, request.query, opts.limits)
    if (q.format === 'shapefile') {
      const { file, cleanup, unencodable } = await shapefileZip(knex, c, request.actor.scope, q)
      const stream = fs.createReadStream(file)
      stream.on('close', () => void cleanup())
      // Characters the encoding lacks (written as '?', listed in <id>.encoding.txt in the zip).
      reply.header('x-unencodable-characters', String(unencodable))
      return attachment(reply.type('application/zip'), 'attachment', `${c.id}.zip`).send(stream)
    }
    if (q.format === 'gpkg') {
      const bytes = await geopackage(knex, c, request.actor.scope, q, opts.exportLimits.gpkgMaxFeatures)
      return attachment(reply.type('application/geopackage+sqlite3'), 'attachment', `${gpkgTableName(c)}.gpkg`).send(Buffer.from(bytes))
    }
    if (q.format === 'csv') {
      return attachment(reply.type('text/csv; charset=utf-8'), 'attachment', `${c.id}.csv`).send(Readable.from(csvLines(knex, c, request.actor.scope, q)))
    }
    const { key: _key, limit: _limit, offset: _offset, ...params } = request.query
    const body = await itemsStream(knex, request.actor, c, q, base(request), params)
    if (q.format === 'html')
      return html(
        reply,
        itemsHtml(JSON.parse(await text(body)), c, (id) => href(base(request), `/collections/${c.id}/items/${encodeURIComponent(id)}`)),
      )
    reply.type(mediaTypes.geojson).header('content-crs', `<${q.crs.uri}>`)
    if (q.format === 'geojson') attachment(reply, 'attachment', `${c.id}.geojson`)
    return reply.send(body)
  })

  app.get<{ Params: { id: string; featureId: string }; Querystring: Query }>('/collections/:id/items/:featureId', hide, async (request, reply) => {
    const c = collectionOrThrow(request.params.id)
    const q = parseItemsQuery(c, request.query, opts.limits)
    const body = await item(knex, request.actor, c, request.params.featureId, q, base(request))
    if (q.format === 'html') return html(reply, itemHtml(JSON.parse(body), c))
    return reply.type(mediaTypes.geojson).header('content-crs', `<${q.crs.uri}>`).send(body)
  })
}
export default routes
