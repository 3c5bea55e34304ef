import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { bundleOfPlot, bundlePieces, bundlesOfCounty, projectFromBundle } from '../../bundles/service.js'
import { MU_M2, roundTo, toMu } from '../../domain/units.js'
import { bundleDefaults } from '../../domain/bundles.js'
import { resolveCounty } from '../../domain/region.js'
import { problem } from '../../errors/index.js'
import { getProject } from '../../projects/service.js'
import { CountyCode, IdParams, problemResponses } from '../../schemas/common.js'
import { Project } from '../../schemas/projects.js'

const tags = ['bundles']
const FeatureCollection = Type.Object({ type: Type.Literal('FeatureCollection'), features: Type.Array(Type.Unknown()) })

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const knex = app.db.knex
  app.post(
    '/bundles/runs',
    {
      schema: {
        summary: 'Group the county’s low-efficiency plots into contiguous bundles (连片开发) and flag 插花地、边角地、夹心地',
        tags,
        body: Type.Object(
          {
            county: Type.Optional(CountyCode),
            gapMeters: Type.Number({
              minimum: 0,
              maximum: 1000,
              default: bundleDefaults.gapMeters,
              description: 'plots this close join one bundle; 0 = they must touch',
            }),
            minBundleMu: Type.Number({
              minimum: 0,
              default: roundTo(toMu(bundleDefaults.minBundleM2), 4),
              description: 'a bundle (and a member on its own) of at least this many mu can be a project',
            }),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ id: Type.Integer(), status: Type.String(), url: Type.String() }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { county, problem: why } = resolveCounty(request.actor.scope, request.body.county)
      if (!county) throw problem('LR_BAD_REQUEST', why!)
      const params = { county, gapMeters: request.body.gapMeters, minBundleM2: request.body.minBundleMu * MU_M2 }
      const { id, url } = await app.jobs.start('bundles', request.actor, params)
      return reply.code(202).header('location', url).send({ id, status: 'queued', url })
    },
  )
  app.get(
    '/bundles/runs/:id',
    { schema: { summary: 'A bundling run', tags, params: IdParams, response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses } } },
    async (request) => app.jobs.get('bundles', request.params.id, request.actor.scope),
  )
  app.delete(
    '/bundles/runs/:id',
    {
      schema: {
        summary: 'Cancel a queued or running bundling run; none of its bundles stay, the current ones remain',
        tags,
        params: IdParams,
        response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses },
      },
    },
    async (request) => app.jobs.cancel('bundles', request.actor, request.params.id),
  )
  app.get(
    '/bundles',
    {
      schema: {
        summary: 'Current bundles of a county as GeoJSON, one feature per bundle',
        tags,
        querystring: Type.Object({ county: Type.Optional(CountyCode) }),
        response: { 200: FeatureCollection, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { county, problem: why } = resolveCounty(request.actor.scope, request.query.county)
      if (!county) throw problem('LR_BAD_REQUEST', why!)
      return reply.type('application/geo+json').send(await bundlesOfCounty(knex, request.actor, county))
    },
  )
  app.get(
    '/bundles/:id/pieces',
    {
      schema: {
        summary: 'A bundle piece by piece: its member plots and the 边角地 and 夹心地 beside and inside it, each with its flags and their reasons (reasonZh)',
        tags,
        params: IdParams,
        response: { 200: FeatureCollection, ...problemResponses },
      },
    },
    async (request, reply) => reply.type('application/geo+json').send(await bundlePieces(knex, request.actor, request.params.id)),
  )
  app.get(
    '/plots/:id/bundle',
    {
      schema: {
        summary: 'The bundle a low-efficiency plot belongs to',
        tags,
        params: IdParams,
        response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses },
      },
    },
    async (request, reply) => reply.type('application/geo+json').send(await bundleOfPlot(knex, request.actor, request.params.id)),
  )
  app.post(
    '/bundles/:id/project',
    {
      schema: {
        summary: 'Create a project whose boundary is the bundle with its 夹心地 (holes and enclosed land), unless includeEnclosedGaps is false',
        tags,
        params: IdParams,
        body: Type.Optional(
          Type.Object(
            {
              code: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: '项目编号; default BUNDLE-<run>-<bundle number>' })),
              name: Type.Optional(Type.String({ maxLength: 500, description: '项目名称; default 连片开发 and the member plots' })),
              includeEnclosedGaps: Type.Optional(
                Type.Boolean({
                  default: true,
                  description:
                    '夹心地 (the bundle’s holes and the land it encloses) join the project (165号 二: 插花地、边角地、夹心地可一并纳入); false: the members only',
                }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 201: Project, ...problemResponses },
      },
    },
    async (request, reply) => {
      const id = await projectFromBundle(knex, request.actor, request.params.id, {
        code: request.body?.code,
        name: request.body?.name,
        includeEnclosedGaps: request.body?.includeEnclosedGaps,
      })
      return reply.code(201).send(await getProject(knex, request.actor, id))
    },
  )
}
export default routes
