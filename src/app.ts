// The application as a Fastify plugin: cross-cutting plugins, then the routes. server.ts launches it;
// tests register the same plugin against a real database.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest, FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from './config.js'
import type { Database } from './db/connection.js'
import audit from './plugins/audit.js'
import auth from './plugins/auth.js'
import database from './plugins/database.js'
import jobs from './plugins/jobs.js'
import openapi from './plugins/openapi.js'
import problems, { clientErrorHandler } from './plugins/problems.js'
import protection, { type ProtectionOptions } from './plugins/protection.js'
import validation from './plugins/validation.js'
import analysisRoutes from './routes/analysis/index.js'
import auditRoutes from './routes/audit/index.js'
import consoleRoutes from './routes/console/index.js'
import bundleRoutes from './routes/bundles/index.js'
import healthRoutes from './routes/health/index.js'
import importRoutes from './routes/imports/index.js'
import keyRoutes from './routes/keys/index.js'
import layerRoutes from './routes/layers/index.js'
import ogcRoutes from './routes/ogc/index.js'
import problemRoutes from './routes/problems/index.js'
import projectRoutes from './routes/projects/index.js'
import provinceRoutes from './routes/province/index.js'
import reviewRoutes from './routes/review/index.js'
import rewardRoutes from './routes/rewards/index.js'
import tileRoutes from './routes/tiles/index.js'
import { serviceVersion } from './version.js'

export interface AppOptions {
  database: Database
  config: Pick<Config, 'dataDir' | 'uploadLimitBytes'> & Partial<Pick<Config, 'layerVersionsKept'>>
  /** overload and key-guessing limits (defaults in plugins/protection.ts) */
  protection?: Partial<ProtectionOptions>
}

/** Fastify's own options: limits, request ids and a log that never carries a key. */
export function serverOptions(config: Pick<Config, 'logLevel' | 'bodyLimitBytes'>, logger = true): FastifyServerOptions {
  return {
    logger: logger
      ? {
          level: config.logLevel,
          redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'], censor: '[redacted]' },
          // /ogc and /tiles accept the key as ?key=: it must not reach the log with the URL.
          serializers: {
            req: (req: FastifyRequest) => ({
              method: req.method,
              url: req.url.replace(/([?&]key=)[^&]*/gi, '$1[redacted]'),
              host: req.host,
              remoteAddress: req.ip,
            }),
          },
        }
      : false,
    bodyLimit: config.bodyLimitBytes,
    clientErrorHandler,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  }
}

async function app(instance: FastifyInstance, opts: AppOptions) {
  await instance.register(problems)
  await instance.register(protection, opts.protection ?? {})
  await instance.register(validation)
  await instance.register(database, { database: opts.database })
  await instance.register(jobs, { dataDir: opts.config.dataDir, layerVersionsKept: opts.config.layerVersionsKept ?? 0 })
  await instance.register(openapi, { version: serviceVersion })
  instance.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id)
    return payload
  })
  await instance.register(healthRoutes, { version: serviceVersion })
  await instance.register(problemRoutes)
  // The web console at / (static files; no key needed to load the page, every call it makes is keyed).
  await instance.register(consoleRoutes)
  await instance.register(
    async (api) => {
      await api.register(auth)
      await api.register(audit)
      await api.register(keyRoutes)
      await api.register(projectRoutes)
      await api.register(importRoutes, { dataDir: opts.config.dataDir, uploadLimitBytes: opts.config.uploadLimitBytes })
      await api.register(layerRoutes)
      await api.register(analysisRoutes)
      await api.register(bundleRoutes)
      await api.register(reviewRoutes)
      await api.register(provinceRoutes)
      await api.register(rewardRoutes)
      await api.register(auditRoutes)
    },
    { prefix: '/api/v1' },
  )
  // Desktop GIS and web maps: OGC API – Features and vector tiles, keyed like /api/v1 (also ?key=).
  await instance.register(
    async (ogc) => {
      await ogc.register(auth, { queryKey: true })
      await ogc.register(ogcRoutes, { version: serviceVersion })
    },
    { prefix: '/ogc' },
  )
  await instance.register(
    async (tiles) => {
      await tiles.register(auth, { queryKey: true })
      await tiles.register(tileRoutes)
    },
    { prefix: '/tiles' },
  )
}

// Not encapsulated: the error handler, validation and request-id header apply to the whole server.
export default fp(app, { name: 'lowland-app' })
