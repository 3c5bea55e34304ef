// The provincial system's pull API (province or admin keys).
import { createHash } from 'node:crypto'
import { headerLanguages } from '../../formats/csv.js'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { projectStatuses } from '../../domain/project.js'
import { countySummary, countySummaryCsv } from '../../province/counties.js'
import { CURSOR_MAX_CHARS } from '../../province/cursor.js'
import { pullProjects, pullProjectsCsv } from '../../province/service.js'
import { CountySummary, CountySummaryQuery } from '../../schemas/province.js'
import { CityPrefix, CountyCode, OneOf, problemResponses } from '../../schemas/common.js'

const PullQuery = Type.Object(
  {
    year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: 'reward year: the year of the milestone date' })),
    county: Type.Optional(CountyCode),
    city: Type.Optional(CityPrefix),
    status: Type.Optional(OneOf(projectStatuses)),
    updatedSince: Type.Optional(Type.String({ format: 'date-time', description: 'only projects changed at or after this instant' })),
    cursor: Type.Optional(Type.String({ maxLength: CURSOR_MAX_CHARS, description: 'nextCursor of the previous page: each county’s position' })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    format: OneOf(['json', 'csv'], { default: 'json', description: 'csv: every matching project in one file (UTF-8 with BOM, Chinese headers)' }),
    headers: Type.Optional(OneOf(headerLanguages, { description: 'CSV header row: Chinese titles (zh, default) or field names (en)' })),
  },
  { additionalProperties: false },
)

/**
 * A strong ETag of the body; a matching If-None-Match gets 304 without the body. The text is encoded
 * once, for the hash and the response both (hashing the string encoded it a second time: a page of
 * the pull is 1.2 MB, bench:pull).
 */
function sendWithEtag(request: FastifyRequest, reply: FastifyReply, text: string, type: string) {
  const body = Buffer.from(text)
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`
  reply.header('etag', etag).header('cache-control', 'private, no-cache')
  const inm = request.headers['if-none-match']
  if (
    inm &&
    inm
      .split(',')
      .map((s) => s.trim().replace(/^W\//, ''))
      .includes(etag)
  )
    return reply.code(304).send()
  return reply.type(type).send(body)
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const knex = app.db.knex
  app.get(
    '/province/projects',
    {
      preHandler: app.requireRole('province', 'admin'),
      schema: {
        summary:
          'Projects for the provincial system in change order: stable cursor paging, fixed-precision numbers with a checksum, ETag; format=csv for spreadsheets',
        tags: ['province'],
        querystring: PullQuery,
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({}, { additionalProperties: true })),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
            hasMore: Type.Boolean(),
          }),
          304: Type.Null(),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const { format, cursor, limit, headers, ...filter } = request.query
      if (format === 'csv') {
        const csv = await pullProjectsCsv(knex, filter, headers)
        reply.header('content-disposition', `attachment; filename="projects${filter.year ? `-${filter.year}` : ''}.csv"`)
        return sendWithEtag(request, reply, csv, 'text/csv; charset=utf-8')
      }
      const page = await pullProjects(knex, { ...filter, cursor, limit })
      return sendWithEtag(request, reply, JSON.stringify(page), 'application/json; charset=utf-8')
    },
  )
  app.get(
    '/province/counties',
    {
      preHandler: app.requireRole('city', 'province', 'admin'),
      schema: {
        summary:
          'Totals per county (a city key: its counties): projects by status, analysed, eligible and approved, and the summed project and certified stock areas, reconciling with /province/projects; format=csv for spreadsheets',
        tags: ['province'],
        querystring: CountySummaryQuery,
        response: { 200: CountySummary, 304: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { format, headers, ...filter } = request.query
      if (format === 'csv') {
        const csv = await countySummaryCsv(knex, request.actor.scope, filter, headers)
        reply.header('content-disposition', `attachment; filename="counties${filter.year ? `-${filter.year}` : ''}.csv"`)
        return sendWithEtag(request, reply, csv, 'text/csv; charset=utf-8')
      }
      return sendWithEtag(request, reply, JSON.stringify(await countySummary(knex, request.actor.scope, filter)), 'application/json; charset=utf-8')
    },
  )
}
export default routes
