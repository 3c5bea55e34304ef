import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { createRun, executeRun, getRun } from '../../analysis/runs.js'
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
  const knex = app.db.knex
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
      const id = await createRun(knex, request.actor, county)
      app.jobs.enqueue('analysis', id, (signal) => executeRun(knex, id, county, signal))
      const url = `/api/v1/analysis/runs/${id}`
      return reply.code(202).header('location', url).send({ id, status: 'queued', url })
    },
  )
  app.get(
    '/analysis/runs/:id',
    { schema: { summary: 'Progress of a batch analysis', tags: ['analysis'], params: IdParams, response: { 200: AnalysisRun, ...problemResponses } } },
    async (request) => getRun(knex, request.params.id, request.actor.scope),
  )
}
export default routes
