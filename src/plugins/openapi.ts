// OpenAPI 3 from the route schemas, at /openapi.json, with a browsable UI at /docs.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { docsPolicy } from './security-headers.js'
import fp from 'fastify-plugin'
import { Problem } from '../schemas/common.js'

export default fp(
  async (app, opts: { version: string }) => {
    app.addSchema(Problem)
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: '城镇低效用地再开发空间分析服务 Low-efficiency land redevelopment analysis API',
          description:
            'Spatial analysis for urban low-efficiency land redevelopment in Shandong (鲁自然资字〔2021〕165号). ' +
            'Errors are RFC 7807 application/problem+json with an English detail and a Chinese title.',
          version: opts.version,
        },
        components: {
          securitySchemes: {
            apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
            bearer: { type: 'http', scheme: 'bearer' },
          },
        },
        security: [{ apiKey: [] }, { bearer: [] }],
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string) ?? `def-${i}` },
    })
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' }, staticCSP: true, transformStaticCSP: docsPolicy })
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'openapi' },
)
