import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { analysisHistory, analysisPieces, approvedAnalysis, projectAnalysis } from '../../analysis/service.js'
import { AnalysisHistory, AnalysisResponse, ApprovedAnalysisResponse } from '../../schemas/analysis.js'
import { sharedReads } from '../../db/shared-read.js'
import type { Scope } from '../../domain/region.js'
import * as projects from '../../projects/service.js'
import { IdParams, OneOf, problemResponses } from '../../schemas/common.js'
import { CreateProjectBody, CreateProjectFeature, Project, ProjectAttributes, ProjectList, ProjectListQuery } from '../../schemas/projects.js'

const tags = ['projects']

/** Two lists with this key are the same bytes: the same region and the same query. */
const listKey = (scope: Scope, q: ProjectListQuery) =>
  JSON.stringify([scope.kind === 'county' ? scope.code : scope.kind === 'city' ? scope.prefix : '', q.county, q.code, q.q, q.eligible, q.limit, q.offset])

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const knex = app.db.knex
  const sharedList = sharedReads<Buffer>()
  app.get(
    '/projects',
    { schema: { summary: 'Projects in the key’s region', tags, querystring: ProjectListQuery, response: { 200: ProjectList, ...problemResponses } } },
    async (request, reply) => {
      const { actor, query } = request
      // Serialized once by the route's schema and shared, as bytes, by identical lists asked together.
      const body = await sharedList(listKey(actor.scope, query), async () =>
        Buffer.from(reply.serialize(await projects.listProjects(knex, actor, query)) as string),
      )
      return reply.type('application/json; charset=utf-8').send(body)
    },
  )
  app.post(
    '/projects',
    {
      schema: {
        summary: 'Create a project from a boundary (项目红线), as a plain body or a GeoJSON Feature',
        tags,
        body: Type.Union([CreateProjectBody, CreateProjectFeature]),
        response: { 201: Project, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await projects.createProject(knex, request.actor, projects.projectBodyOf(request.body))),
  )
  app.get(
    '/projects/:id',
    { schema: { summary: 'One project with its boundary', tags, params: IdParams, response: { 200: Project, ...problemResponses } } },
    async (request) => projects.getProject(knex, request.actor, request.params.id),
  )
  app.get(
    '/projects/:id/analysis',
    {
      schema: {
        summary: 'The current analysis: the stored result when no input changed since, else computed now and stored (computedNow says which)',
        description:
          'Eligible stock area, footprint ratio, land use, conflicts and the reward notice’s entry checks, kept with the layer versions used. ' +
          'A GET writes only when there is no current result; POST recomputes.',
        tags,
        params: IdParams,
        response: { 200: AnalysisResponse, ...problemResponses },
      },
    },
    async (request) => projectAnalysis(knex, request.actor, request.params.id),
  )
  app.post(
    '/projects/:id/analysis',
    {
      schema: {
        summary: 'Recompute the analysis now against the active layers and store it',
        tags,
        params: IdParams,
        response: { 200: AnalysisResponse, ...problemResponses },
      },
    },
    async (request) => projectAnalysis(knex, request.actor, request.params.id, { force: true }),
  )
  app.get(
    '/projects/:id/analysis/approved',
    {
      schema: {
        summary: 'The analysis the province approved (pinned when it approved), as stored then: never recomputed, whatever changed since',
        description: 'For the 项目核查表 of an approved project. 404 when the project has no approved analysis (not approved yet).',
        tags,
        params: IdParams,
        response: { 200: ApprovedAnalysisResponse, ...problemResponses },
      },
    },
    async (request) => approvedAnalysis(knex, request.actor, request.params.id),
  )
  app.get(
    '/projects/:id/analyses',
    {
      schema: {
        summary: 'The project’s stored analyses, newest first: when, what started each (and which key), verdict, stock area, footprint ratio',
        description: 'Results a county run superseded are pruned; the latest, the latest current and the approved one are always kept.',
        tags,
        params: IdParams,
        response: { 200: AnalysisHistory, ...problemResponses },
      },
    },
    async (request) => analysisHistory(knex, request.actor, request.params.id),
  )
  app.get(
    '/projects/:id/analysis/pieces',
    {
      schema: {
        summary: 'The pieces behind the analysis (construction land, footprint union, third-survey pieces, conflicts) as GeoJSON for QGIS',
        description: 'of=approved: the pieces of the analysis the province approved, cut from the layer versions it recorded (404 when the project has none).',
        tags,
        params: IdParams,
        querystring: Type.Object(
          { of: Type.Optional(OneOf(['current', 'approved'], { description: 'current (the active layers, default) or approved', default: 'current' })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ type: Type.Literal('FeatureCollection'), features: Type.Array(Type.Unknown()) }), ...problemResponses },
      },
    },
    async (request, reply) => reply.type('application/geo+json').send(await analysisPieces(knex, request.actor, request.params.id, { of: request.query.of })),
  )
  app.patch(
    '/projects/:id',
    {
      schema: {
        summary:
          'Set the attributes the reward rules need; on a province-approved project a milestone becomes a proposal (pendingMilestone) for the city to check and the province to confirm',
        tags,
        params: IdParams,
        body: ProjectAttributes,
        response: { 200: Project, ...problemResponses },
      },
    },
    async (request) => projects.updateProject(knex, request.actor, request.params.id, request.body),
  )
  app.delete(
    '/projects/:id',
    { schema: { summary: 'Delete a project', tags, params: IdParams, response: { ...problemResponses } } },
    async (request, reply) => {
      await projects.deleteProject(knex, request.actor, request.params.id)
      return reply.code(204).send()
    },
  )
}
export default routes
