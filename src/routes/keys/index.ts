import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { getCurrentKey, issueKey, listAllKeys, revokeKeyByPrefix } from '../../auth/service.js'
import { problemResponses } from '../../schemas/common.js'
import { ApiKey, CreatedKey, CreateKeyBody, Principal } from '../../schemas/keys.js'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const adminOnly = app.requireRole('admin')
  app.get(
    '/keys/me',
    {
      config: { beforePasswordChange: true },
      schema: { summary: 'The key or signed-in account making this request', tags: ['keys'], response: { 200: Principal, ...problemResponses } },
    },
    async (request) => getCurrentKey(request.actor),
  )
  app.get(
    '/keys',
    { preHandler: adminOnly, schema: { summary: 'List API keys (admin)', tags: ['keys'], response: { 200: Type.Array(ApiKey), ...problemResponses } } },
    async () => listAllKeys(app.db.knex),
  )
  app.post(
    '/keys',
    {
      preHandler: adminOnly,
      schema: {
        summary: 'Create an API key (admin); the token is shown once',
        tags: ['keys'],
        body: CreateKeyBody,
        response: { 201: CreatedKey, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await issueKey(app.db.knex, request.actor, request.body)),
  )
  app.delete(
    '/keys/:prefix',
    {
      preHandler: adminOnly,
      schema: {
        summary: 'Revoke an API key (admin); refused at once afterwards',
        tags: ['keys'],
        params: Type.Object({ prefix: Type.String() }),
        response: { 200: ApiKey, ...problemResponses },
      },
    },
    async (request) => revokeKeyByPrefix(app.db.knex, request.actor, request.params.prefix),
  )
}
export default routes
