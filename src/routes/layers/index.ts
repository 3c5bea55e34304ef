import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { layerDetail, listLayers } from '../../import/layers-service.js'
import { problemResponses } from '../../schemas/common.js'
import { LayerDetail, LayerKey, LayersQuery, LayerSummary } from '../../schemas/imports.js'

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
}
export default routes
