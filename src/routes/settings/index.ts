// GET /settings: the enumerations of the API with their Chinese names and the map's settings. No
// key needed, as the console's page itself: the names come from the published notices (165号) and
// the catalogue, and say nothing of any county's data. A configured 天地图 key is in it too: the
// browser sends it with every basemap tile anyway (a browser key bound to the console's domain).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Settings } from '../../schemas/settings.js'
import { settingsDocument } from '../../settings/document.js'
import type { BasemapConfig } from '../../config.js'
import type { TileCaps } from '../../tiles/limits.js'

const routes: FastifyPluginAsyncTypebox<{ tiles: TileCaps; basemap: BasemapConfig }> = async (app, opts) => {
  // Built once: everything in it is fixed for the life of the process.
  const document = settingsDocument(opts.tiles, opts.basemap)
  app.get(
    '/settings',
    {
      schema: {
        summary: 'Enumerations with their Chinese names (layer kinds, statuses, modes …) and map settings (no key needed)',
        tags: ['service'],
        security: [],
        response: { 200: Settings },
      },
    },
    async (_request, reply) => reply.header('cache-control', 'no-cache').send(document),
  )
}
export default routes
