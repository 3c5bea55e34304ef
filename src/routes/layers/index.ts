import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { layerDetail, listLayers, setVersionSurveyYear } from '../../import/layers-service.js'
import { problemResponses } from '../../schemas/common.js'
import { LayerDetail, LayerKey, LayersQuery, LayerSummary, LayerVersion, LayerVersionParams, LayerVersionPatch } from '../../schemas/imports.js'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const knex = app.db.knex
  app.get(
    '/layers',
    {
      schema: {
        summary: 'Active version of every layer in the key’s region',
        tags: ['layers'],
        querystring: LayersQuery,
        response: { 200: Type.Array(LayerSummary), ...problemResponses },
      },
    },
    async (request) => listLayers(knex, request.actor, request.query.county),
  )
  app.get(
    '/layers/:layer',
    {
      schema: {
        summary: 'One layer of one county: active version, feature count, extent and history',
        tags: ['layers'],
        params: Type.Object({ layer: LayerKey }),
        querystring: LayersQuery,
        response: { 200: LayerDetail, ...problemResponses },
      },
    },
    async (request) => layerDetail(knex, request.actor, request.params.layer, request.query.county),
  )
  app.patch(
    '/layers/:layer/versions/:version',
    {
      schema: {
        summary: 'Date a loaded survey3 version with its survey year (调查年度, 年度变更调查): the statistics of that year are measured on it',
        tags: ['layers'],
        params: LayerVersionParams,
        querystring: LayersQuery,
        body: LayerVersionPatch,
        response: { 200: LayerVersion, ...problemResponses },
      },
    },
    async (request) => setVersionSurveyYear(knex, request.actor, { ...request.params, county: request.query.county, body: request.body }),
  )
}
export default routes
