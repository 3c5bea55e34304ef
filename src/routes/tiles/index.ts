// Mapbox vector tiles of every OGC collection: /tiles/{collection}/{z}/{x}/{y}.mvt and TileJSON at
// /tiles/{collection}.json. Keyed like /api/v1 (also ?key= for web maps). Tiles once built are kept
// (src/tiles/cache.ts) under their ETag: a repeat costs the key and version lookups, not the tile.
import path from 'node:path'
import type { FastifyPluginAsync } from 'fastify'
import { collectionOrThrow } from '../../ogc/service.js'
import { TileCache } from '../../tiles/cache.js'
import { tileLimitOf, type TileCaps } from '../../tiles/limits.js'
import { checkAddress, tileEtag, tileJson, tileOf } from '../../tiles/service.js'
import { linkBase } from '../ogc/index.js'

const int = (s: string) => (/^[0-9]{1,8}$/.test(s) ? Number(s) : -1)

export interface TileRouteOptions {
  limits: TileCaps
  cache: { memoryBytes: number; diskBytes: number }
  /** DATA_DIR: the disk level of the cache lives in its tile-cache directory */
  dataDir: string
}

const routes: FastifyPluginAsync<TileRouteOptions> = async (app, opts) => {
  const knex = app.db.knex
  const hide = { schema: { hide: true } }
  const cache = new TileCache({ ...opts.cache, dir: path.join(opts.dataDir, 'tile-cache') })
  app.addHook('onClose', () => cache.settled())
  app.get<{ Params: { collection: string } }>('/:collection.json', hide, async (request) => {
    const base = linkBase(request, '/tiles')
    return tileJson(knex, request.actor, collectionOrThrow(request.params.collection), { tilesRoot: base.root, key: base.key, caps: opts.limits })
  })
  app.get<{ Params: { collection: string; z: string; x: string; y: string }; Querystring: { v?: unknown } }>(
    '/:collection/:z/:x/:y.mvt',
    hide,
    async (request, reply) => {
      const c = collectionOrThrow(request.params.collection)
      const address = { z: int(request.params.z), x: int(request.params.x), y: int(request.params.y) }
      checkAddress(address, `${request.params.z}/${request.params.x}/${request.params.y}`.slice(0, 60))
      const { etag, version, datasets } = await tileEtag(knex, request.actor, c, address)
      // Private: what a tile holds depends on the key's region. Under the URL of the current versions
      // (TileJSON's ?v=) the tile never changes; any other URL is revalidated after a minute. Vary is
      // added to (CORS and compression add Origin and Accept-Encoding), not replaced.
      const current = request.query.v === version
      reply.header('etag', etag).header('cache-control', current ? 'private, max-age=31536000, immutable' : 'private, max-age=60')
      const vary = reply.getHeader('vary')
      reply.header('vary', [vary, 'X-API-Key, Authorization'].filter(Boolean).join(', '))
      if (request.headers['if-none-match'] === etag) return reply.code(304).send()
      const cacheKey = TileCache.key(etag, tileLimitOf(c.id, opts.limits).maxFeatures)
      const cached = await cache.get(cacheKey)
      const tile = cached?.tile ?? (await tileOf(knex, request.actor, c, address, opts.limits, datasets))
      if (!cached) cache.set(cacheKey, tile)
      reply.header('x-tile-cache', cached?.level ?? 'miss')
      // A tile the feature cap cut says so (its tile-info layer too); TileJSON's completeFromZoom says where tiles are whole.
      if (tile.truncated) reply.header('x-tile-truncated', 'true')
      return reply.type('application/vnd.mapbox-vector-tile').send(tile.data)
    },
  )
}
export default routes
