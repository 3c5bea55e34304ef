// Mapbox vector tiles of every OGC collection: /tiles/{collection}/{z}/{x}/{y}.mvt and TileJSON at
// /tiles/{collection}.json. Keyed like /api/v1 (also ?key= for web maps).
import type { FastifyPluginAsync } from 'fastify'
import { collectionOrThrow } from '../../ogc/service.js'
import type { TileCaps } from '../../tiles/limits.js'
import { checkAddress, tileEtag, tileJson, tileOf } from '../../tiles/service.js'
import { linkBase } from '../ogc/index.js'

const int = (s: string) => (/^[0-9]{1,8}$/.test(s) ? Number(s) : -1)

const routes: FastifyPluginAsync<{ limits: TileCaps }> = async (app, opts) => {
  const knex = app.db.knex
  const hide = { schema: { hide: true } }
  app.get<{ Params: { collection: string } }>('/:collection.json', hide, async (request) => {
    const base = linkBase(request, '/tiles')
    return tileJson(knex, request.actor, collectionOrThrow(request.params.collection), { tilesRoot: base.root, key: base.key, caps: opts.limits })
  })
  app.get<{ Params: { collection: string; z: string; x: string; y: string } }>('/:collection/:z/:x/:y.mvt', hide, async (request, reply) => {
    const c = collectionOrThrow(request.params.collection)
    const address = { z: int(request.params.z), x: int(request.params.x), y: int(request.params.y) }
    checkAddress(address, `${request.params.z}/${request.params.x}/${request.params.y}`.slice(0, 60))
    const etag = await tileEtag(knex, request.actor, c, address)
    // Private: what a tile holds depends on the key's region. Vary is added to (CORS and
    // compression add Origin and Accept-Encoding), not replaced.
    reply.header('etag', etag).header('cache-control', 'private, max-age=60')
    const vary = reply.getHeader('vary')
    reply.header('vary', [vary, 'X-API-Key, Authorization'].filter(Boolean).join(', '))
    if (request.headers['if-none-match'] === etag) return reply.code(304).send()
    const { data, truncated } = await tileOf(knex, request.actor, c, address, opts.limits)
    // A tile the feature cap cut says so (its tile-info layer too); TileJSON's completeFromZoom says where tiles are whole.
    if (truncated) reply.header('x-tile-truncated', 'true')
    return reply.type('application/vnd.mapbox-vector-tile').send(data)
  })
}
export default routes
