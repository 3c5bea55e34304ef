// Reward quotas (鲁自然资字〔2021〕165号): county statistics, fraud findings, the province's table.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { rewardsCsv, rewardsReport } from '../../rewards/report.js'
import { createFinding, getCountyStats, listFindings, putCountyStats } from '../../rewards/service.js'
import { IdParams, problemResponses } from '../../schemas/common.js'
import { CountyStats, CountyStatsBody, CountyYearParams, Finding, FindingBody, RewardsQuery, RewardsReport } from '../../schemas/rewards.js'

const tags = ['rewards']

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const knex = app.db.knex
  app.put(
    '/counties/:code/stats/:year',
    {
      schema: {
        summary:
          'Record a county’s population and urban-rural construction land for a year (county key: its own county; province, admin: any); without the land area it is computed from the active third-survey layer',
        tags,
        params: CountyYearParams,
        body: CountyStatsBody,
        response: { 200: CountyStats, ...problemResponses },
      },
    },
    async (request) => putCountyStats(knex, request.actor, request.params.code, request.params.year, request.body),
  )
  app.get(
    '/counties/:code/stats/:year',
    {
      schema: {
        summary: 'A county’s statistics for a year, with per-capita land and the coefficient',
        tags,
        params: CountyYearParams,
        response: { 200: CountyStats, ...problemResponses },
      },
    },
    async (request) => getCountyStats(knex, request.actor, request.params.code, request.params.year),
  )
  app.post(
    '/projects/:id/findings',
    {
      schema: {
        summary: 'Record fraud found in a project (province key): twice the quota it earned comes off the next year’s rewards',
        tags,
        params: IdParams,
        body: FindingBody,
        response: { 201: Finding, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await createFinding(knex, request.actor, request.params.id, request.body)),
  )
  app.get(
    '/projects/:id/findings',
    { schema: { summary: 'Findings recorded on a project', tags, params: IdParams, response: { 200: Type.Array(Finding), ...problemResponses } } },
    async (request) => listFindings(knex, request.actor, request.params.id),
  )
  app.get(
    '/province/rewards',
    {
      preHandler: app.requireRole('province', 'admin'),
      schema: {
        summary: 'Reward quota of every county for a year (province or admin key); format=csv for a spreadsheet (UTF-8 with BOM, Chinese headers)',
        tags,
        querystring: RewardsQuery,
        response: { 200: RewardsReport, ...problemResponses },
      },
    },
    async (request, reply) => {
      const report = await rewardsReport(knex, request.query.year)
      if (request.query.format !== 'csv') return report
      const name = `奖励指标_${request.query.year}.csv`
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="rewards_${request.query.year}.csv"; filename*=UTF-8''${encodeURIComponent(name)}`)
        .serializer((s: unknown) => s as string)
        .send(rewardsCsv(report, request.query.headers))
    },
  )
}
export default routes
