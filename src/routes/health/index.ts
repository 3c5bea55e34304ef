import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { checkHealth } from '../../health/check.js'
import { Health } from '../../schemas/health.js'

const routes: FastifyPluginAsyncTypebox<{ version: string }> = async (app, opts) => {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Service and database health (no key needed)',
        tags: ['service'],
        security: [],
        // 503: degraded (a Health document), or the overload guard's problem document.
        response: { 200: Health, 503: Type.Union([Health, Type.Ref('Problem')]) },
      },
    },
    async (_request, reply) => {
      const health = await checkHealth(app.db, opts.version)
      return reply.code(health.status === 'ok' ? 200 : 503).send(health)
    },
  )
}
export default routes
