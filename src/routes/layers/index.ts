import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { countyGeopackage } from '../../export/county-geopackage.js'
import { layerDetail, listLayers, setVersionSurveyYear } from '../../import/layers-service.js'
import { problemResponses } from '../../schemas/common.js'
import {
  CountyGeopackageParams,
  CountyGeopackageQuery,
  LayerDetail,
  LayerKey,
  LayersQuery,
  LayerSummary,
  LayerVersion,
  LayerVersionParams,
  LayerVersionPatch,
} from '../../schemas/imports.js'

const routes: FastifyPluginAsyncTypebox<{ exportLimits: { gpkgMaxFeatures: number } }> = async (app, opts) => {
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
  app.get(
    '/layers/:county.gpkg',
    {
      schema: {
        summary: 'A county’s current layers as one GeoPackage: a table per layer kind with an active version, and the projects with their latest analysis',
        description:
          'Tables named as the OGC collections (survey3, survey2_lines, project_boundaries, projects …), Chinese field titles as aliases in ' +
          'gpkg_data_columns, EPSG:4490 unless `crs` names a Gauss-Kruger zone. 404 outside the key’s region and for a county with no layer ' +
          'and no project; 413 above GPKG_MAX_FEATURES features in all.',
        tags: ['layers'],
        params: CountyGeopackageParams,
        querystring: CountyGeopackageQuery,
        produces: ['application/geopackage+sqlite3'],
        response: { 200: Type.Unsafe({ type: 'string', format: 'binary', description: 'the GeoPackage (SQLite) file' }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { county } = request.params
      const file = await countyGeopackage(knex, request.actor, { county, crs: request.query.crs, maxFeatures: opts.exportLimits.gpkgMaxFeatures })
      return reply
        .type('application/geopackage+sqlite3')
        .header('content-disposition', `attachment; filename="${file.asciiFileName}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
        .send(Buffer.from(file.bytes))
    },
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
