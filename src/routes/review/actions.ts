// GET /projects/{id}/actions: the review steps this key may take now (the console shows only these).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { allowedMilestoneActions } from '../../domain/milestone-review.js'
import { allowedActions } from '../../domain/workflow-actions.js'
import type { ProjectStatus } from '../../domain/project.js'
import { editableWhenLocked, getProject } from '../../projects/service.js'
import { lockedStatuses } from '../../domain/workflow.js'
import { IdParams, OneOf, problemResponses } from '../../schemas/common.js'

const AllowedActions = Type.Object({
  status: Type.String(),
  actions: Type.Array(
    Type.Object({
      action: Type.String(),
      actionZh: Type.String(),
      needsReason: Type.Boolean(),
      fieldCheck: OneOf(['required', 'optional', 'none'], {
        description: '外业核查 (165号 四（一）) with this step: required with the city’s check, optional with its return',
      }),
    }),
  ),
  attributesLocked: Type.Boolean({ description: 'under review or approved: only editableWhenLocked may change (PATCH answers 409 otherwise)' }),
  editableWhenLocked: Type.Array(Type.String()),
  milestoneActions: Type.Array(Type.Object({ action: Type.String(), actionZh: Type.String(), needsReason: Type.Boolean() }), {
    description: 'steps the key may take now on a milestone change waiting for review (POST /projects/{id}/milestone/transitions)',
  }),
})

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/projects/:id/actions',
    {
      schema: {
        summary: 'Review steps the key may take on the project now (submit, check, approve, return)',
        tags: ['review'],
        params: IdParams,
        response: { 200: AllowedActions, ...problemResponses },
      },
    },
    async (request) => {
      const project = await getProject(app.db.knex, request.actor, request.params.id)
      const status = project.status as ProjectStatus
      return {
        status,
        actions: allowedActions(status, request.actor.principal.role),
        attributesLocked: lockedStatuses.includes(status),
        editableWhenLocked: [...editableWhenLocked],
        milestoneActions: allowedMilestoneActions(project.pendingMilestone?.stage ?? null, request.actor.principal.role),
      }
    },
  )
}
export default routes
