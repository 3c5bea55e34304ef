// A milestone recorded or changed after the province's approval: the city checks it, the province
// confirms it, either returns it (POST); its history (GET). The county records it with PATCH /projects/{id}.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { getProject } from '../../projects/service.js'
import { milestoneHistory, reviewMilestone } from '../../review/milestones.js'
import { IdParams, problemResponses } from '../../schemas/common.js'
import { MilestoneHistoryItem, MilestoneReviewBody, MilestoneReviewStep } from '../../schemas/review.js'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const knex = app.db.knex
  app.post(
    '/projects/:id/milestone/transitions',
    {
      schema: {
        summary:
          'Review a milestone recorded or changed after the province’s approval: the city checks, the province confirms (it then decides the reward year); the reviewer of the current stage may return it with a reason',
        tags: ['review'],
        params: IdParams,
        body: MilestoneReviewBody,
        response: { 200: MilestoneReviewStep, ...problemResponses },
      },
    },
    async (request) => reviewMilestone(knex, request.actor, request.params.id, request.body.action, request.body.reason),
  )
  app.get(
    '/projects/:id/milestone/transitions',
    {
      schema: {
        summary: 'History of the milestone changes after approval: who proposed, checked, confirmed or returned, when, why',
        tags: ['review'],
        params: IdParams,
        response: { 200: Type.Array(MilestoneHistoryItem), ...problemResponses },
      },
    },
    async (request) => {
      await getProject(knex, request.actor, request.params.id)
      return milestoneHistory(knex, request.params.id)
    },
  )
}
export default routes
