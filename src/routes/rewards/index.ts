// Reward quotas (鲁自然资字〔2021〕165号): county statistics, fraud findings, the province's table.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { extractRewards, getExtraction, listExtractions, yearTable } from '../../rewards/extractions.js'
import { rewardsCsv } from '../../rewards/report.js'
import { createFinding, getCountyStats, listFindings, putCountyStats } from '../../rewards/service.js'
import { IdParams, problemResponses } from '../../schemas/common.js'
import {
  CountyStats,
  CountyStatsBody,
  CountyYearParams,
  Extraction,
  ExtractionBody,
  ExtractionNumberParams,
  ExtractionParams,
  ExtractionSummary,
  Finding,
  FindingBody,
  RewardsQuery,
  RewardsReport,
} from '../../schemas/rewards.js'

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
        summary:
          'Reward quota of every county for a year (province or admin key): the latest extraction when the year has one (frozen), else computed now; live=true computes it now; format=csv for a spreadsheet (UTF-8 with BOM, Chinese headers)',
        tags,
        querystring: RewardsQuery,
        response: { 200: RewardsReport, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { year, live, asOf } = request.query
      const report = await yearTable(knex, year, { live, asOf })
      if (request.query.format !== 'csv') return report
      // a frozen table's file says which extraction it is
      const frozen = report.source === 'frozen' ? report.extraction!.number : null
      const name = frozen ? `奖励指标_${year}_第${frozen}次提取.csv` : `奖励指标_${year}.csv`
      const ascii = frozen ? `rewards_${year}_extraction_${frozen}.csv` : `rewards_${year}.csv`
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`)
        .serializer((s: unknown) => s as string)
        .send(rewardsCsv(report, request.query.headers))
    },
  )
  app.post(
    '/province/rewards/:year/extractions',
    {
      // a first extraction needs nothing: a POST without a body is the empty one
      preValidation: async (request) => {
        request.body ??= {}
      },
      schema: {
        summary:
          'Extract (freeze) the reward table of a year (province key; 165号 四（二）: 每年初提取): from then on the year’s table is this extraction, unchanged; a further extraction needs a reason and becomes the year’s table',
        tags,
        params: ExtractionParams,
        body: ExtractionBody,
        response: { 201: Extraction, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await extractRewards(knex, request.actor, request.params.year, request.body)),
  )
  app.get(
    '/province/rewards/:year/extractions',
    {
      preHandler: app.requireRole('province', 'admin'),
      schema: {
        summary: 'The extractions of a year’s reward table, newest first (province or admin key)',
        tags,
        params: ExtractionParams,
        response: { 200: Type.Array(ExtractionSummary), ...problemResponses },
      },
    },
    async (request) => listExtractions(knex, request.params.year),
  )
  app.get(
    '/province/rewards/:year/extractions/:number',
    {
      preHandler: app.requireRole('province', 'admin'),
      schema: {
        summary: 'One extraction: the table as stored and what it was computed from (approved analyses, layer versions, statistics, findings)',
        tags,
        params: ExtractionNumberParams,
        response: { 200: Extraction, ...problemResponses },
      },
    },
    async (request) => getExtraction(knex, request.params.year, request.params.number),
  )
}
export default routes
