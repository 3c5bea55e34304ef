import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { resolveCounty } from '../../domain/region.js'
import { problem } from '../../errors/index.js'
import { CountyCode, IdParams, OneOf, problemResponses, Timestamp } from '../../schemas/common.js'

const AnalysisRun = Type.Object({
  id: Type.Integer(),
  county: Type.String(),
  status: OneOf(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  progress: Type.Number(),
  total: Type.Union([Type.Integer(), Type.Null()]),
  done: Type.Integer(),
  eligible: Type.Integer({ description: 'projects found eligible so far' }),
  errors: Type.Array(Type.Object({ message: Type.String() })),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  startedAt: Type.Union([Timestamp, Type.Null()]),
  finishedAt: Type.Union([Timestamp, Type.Null()]),
})

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/analysis/runs',
    {
      schema: {
        summary: 'Analyse every project of a county as a job; results are stored with their input versions',
        tags: ['analysis'],
        body: Type.Object({ county: Type.Optional(CountyCode) }, { additionalProperties: false }),
        response: { 202: Type.Object({ id: Type.Integer(), status: Type.String(), url: Type.String() }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { county, problem: why } = resolveCounty(request.actor.scope, request.body.county)
      if (!county) throw problem('LR_BAD_REQUEST', why!)
      const { id, url } = await app.jobs.start('analysis', request.actor, { county })
      return reply.code(202).header('location', url).send({ id, status: 'queued', url })
    },
  )
  app.get(
    '/analysis/runs/:id',
    { schema: { summary: 'Progress of a batch analysis', tags: ['analysis'], params: IdParams, response: { 200: AnalysisRun, ...problemResponses } } },
    async (request) => app.jobs.get('analysis', request.params.id, request.actor.scope),
  )
  app.delete(
    '/analysis/runs/:id',
    {
      schema: {
        summary: 'Cancel a queued or running batch analysis; the analyses it stored so far stay (each is complete)',
        tags: ['analysis'],
        params: IdParams,
        response: { 200: AnalysisRun, ...problemResponses },
      },
    },
    async (request) => app.jobs.cancel('analysis', request.actor, request.params.id),
  )
}
export default routes
