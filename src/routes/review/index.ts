// Review workflow, filings (备案) and the holiday calendar.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { createFiling, filingsCsv, getFiling, listFilings, updateFiling } from '../../filings/service.js'
import { getYear, storeYear } from '../../review/calendar.js'
import { PROVINCE_REVIEW_WORKING_DAYS } from '../../domain/workflow.js'
import { pendingReviews, reviewCounts } from '../../review/queue.js'
import { moveProject, transitionsOf } from '../../review/service.js'
import { IdParams, problemResponses } from '../../schemas/common.js'
import actionRoutes from './actions.js'
import milestoneRoutes from './milestones.js'
import { Project } from '../../schemas/projects.js'
import {
  Calendar,
  CalendarBody,
  Filing,
  FilingBody,
  FilingPatch,
  FilingQuery,
  ReviewCounts,
  ReviewCountsQuery,
  ReviewList,
  ReviewQuery,
  Transition,
  TransitionBody,
} from '../../schemas/review.js'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const knex = app.db.knex
  await app.register(actionRoutes)
  await app.register(milestoneRoutes)
  app.post(
    '/projects/:id/transitions',
    {
      schema: {
        summary:
          'Move a project through review: county submits, city checks (with its field check, 外业核查), province approves; the reviewer of a step may return it with a reason',
        tags: ['review'],
        params: IdParams,
        body: TransitionBody,
        response: { 200: Type.Intersect([Project, Type.Object({ transition: Type.Object({}, { additionalProperties: true }) })]), ...problemResponses },
      },
    },
    async (request) =>
      moveProject(knex, request.actor, request.params.id, request.body.action, { reason: request.body.reason, fieldCheck: request.body.fieldCheck }),
  )
  app.get(
    '/projects/:id/transitions',
    {
      schema: {
        summary: 'Review history of a project: who moved it, when, why',
        tags: ['review'],
        params: IdParams,
        response: { 200: Type.Array(Transition), ...problemResponses },
      },
    },
    async (request) => transitionsOf(knex, request.actor, request.params.id),
  )
  app.get(
    '/reviews',
    {
      schema: {
        summary: `Projects awaiting the province with its due date (${PROVINCE_REVIEW_WORKING_DAYS} working days after the city’s check), and those awaiting the city (no time limit); overdue=true lists the late ones`,
        tags: ['review'],
        querystring: ReviewQuery,
        response: { 200: ReviewList, ...problemResponses },
      },
    },
    async (request) => pendingReviews(knex, request.actor, request.query),
  )
  app.get(
    '/reviews/counts',
    {
      schema: {
        summary: 'How many projects and milestone changes wait in the key’s review queue, and how many are overdue (for the console’s navigation)',
        tags: ['review'],
        querystring: ReviewCountsQuery,
        response: { 200: ReviewCounts, ...problemResponses },
      },
    },
    async (request) => reviewCounts(knex, request.actor, request.query),
  )

  app.post(
    '/projects/:id/filings',
    {
      schema: {
        summary: 'Record a document to file (备案): due one month after its approval or signing date',
        tags: ['filings'],
        params: IdParams,
        body: FilingBody,
        response: { 201: Filing, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await createFiling(knex, request.actor, request.params.id, request.body)),
  )
  app.get(
    '/filings',
    {
      schema: {
        summary:
          'Filings with their due dates and status; overdue=true lists those past due and not filed; format=csv for a spreadsheet (UTF-8 with BOM, Chinese values, Beijing time)',
        tags: ['filings'],
        querystring: FilingQuery,
        response: { 200: Type.Object({ asOf: Type.String(), items: Type.Array(Filing) }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { format, headers, ...q } = request.query
      if (format !== 'csv') return listFilings(knex, request.actor, q)
      const name = q.year ? `filings-${q.year}.csv` : 'filings.csv'
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .serializer((s: unknown) => s as string)
        .send(await filingsCsv(knex, request.actor, q, headers))
    },
  )
  app.get(
    '/filings/:id',
    { schema: { summary: 'One filing', tags: ['filings'], params: IdParams, response: { 200: Filing, ...problemResponses } } },
    async (request) => getFiling(knex, request.actor, request.params.id),
  )
  app.patch(
    '/filings/:id',
    {
      schema: {
        summary: 'Record the date a document was filed',
        tags: ['filings'],
        params: IdParams,
        body: FilingPatch,
        response: { 200: Filing, ...problemResponses },
      },
    },
    async (request) => updateFiling(knex, request.actor, request.params.id, request.body),
  )

  const YearParams = Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }) })
  app.get(
    '/calendar/:year',
    {
      schema: {
        summary: 'The holiday arrangement (放假与调休) used for working-day due dates',
        tags: ['review'],
        params: YearParams,
        response: { 200: Calendar, ...problemResponses },
      },
    },
    async (request) => getYear(knex, request.params.year),
  )
  app.put(
    '/calendar/:year',
    {
      preHandler: app.requireRole('province', 'admin'),
      schema: {
        summary: 'Load or replace a year’s holiday arrangement (province or admin key)',
        tags: ['review'],
        params: YearParams,
        body: CalendarBody,
        response: { 200: Calendar, ...problemResponses },
      },
    },
    async (request) => {
      const { prefix } = request.actor.principal
      await storeYear(knex, { year: request.params.year, holidays: request.body.holidays, workdays: request.body.workdays }, request.body.source)
      request.log.info({ year: request.params.year, by: prefix }, 'holiday calendar loaded')
      return getYear(knex, request.params.year)
    },
  )
}
export default routes
