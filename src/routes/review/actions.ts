// GET /projects/{id}/actions: the review steps this key may take now (the console shows only these).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { allowedActions } from '../../domain/workflow-actions.js'
import type { ProjectStatus } from '../../domain/project.js'
import { getProject } from '../../projects/service.js'
import { IdParams, problemResponses } from '../../schemas/common.js'

const AllowedActions = Type.Object({
  status: Type.String(),
  actions: Type.Array(Type.Object({ action: Type.String(), actionZh: Type.String(), needsReason: Type.Boolean() })),
})

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/projects/:id/actions',
    { schema: { summary: 'Review steps the key may take on the project now (submit, check, approve, return)', tags: ['review'], params: IdParams, response: { 200: AllowedActions, ...problemResponses } } },
    async (request) => {
      const project = await getProject(app.db.knex, request.actor, request.params.id)
      return { status: project.status, actions: allowedActions(project.status as ProjectStatus, request.actor.principal.role) }
    },
  )
}
export default routes
