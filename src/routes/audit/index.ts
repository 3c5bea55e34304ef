import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { listAudit } from '../../audit/log.js'
import { AuditEntry, AuditQuery } from '../../schemas/audit.js'
import { problemResponses } from '../../schemas/common.js'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/audit',
    {
      schema: {
        summary: 'Audit log of writes in the key’s region, newest first',
        tags: ['audit'],
        querystring: AuditQuery,
        response: { 200: Type.Array(AuditEntry), ...problemResponses },
      },
    },
    async (request) => listAudit(app.db.knex, { scope: request.actor.scope, limit: request.query.limit, beforeId: request.query.before }),
  )
}
export default routes
