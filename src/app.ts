// The application as a Fastify plugin: cross-cutting plugins, then the routes. server.ts launches it;
// tests register the same plugin against a real database.
import { randomUUID } from 'node:crypto'
import type { FastifyHttpOptions, FastifyInstance, FastifyRequest } from 'fastify'
import type http from 'node:http'
import fp from 'fastify-plugin'
import { defaultConfig, type Config } from './config.js'
import { nativeGdalFor } from './import/gdal/native.js'
import type { Database } from './db/connection.js'
import audit from './plugins/audit.js'
import auth from './plugins/auth.js'
import compression from './plugins/compression.js'
import { readOnlyCors } from './plugins/cors.js'
import database from './plugins/database.js'
import jobs from './plugins/jobs.js'
import links from './plugins/links.js'
import openapi from './plugins/openapi.js'
import problems, { clientErrorHandler, frameworkErrors } from './plugins/problems.js'
import protection, { type ProtectionOptions } from './plugins/protection.js'
import requestWork from './plugins/request-work.js'
import securityHeaders from './plugins/security-headers.js'
import validation from './plugins/validation.js'
import analysisRoutes from './routes/analysis/index.js'
import attachmentRoutes from './routes/attachments/index.js'
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
import sessionRoutes from './routes/session/index.js'
import settingsRoutes from './routes/settings/index.js'
import userRoutes from './routes/users/index.js'
import tileRoutes from './routes/tiles/index.js'
import { serviceVersion } from './version.js'

export interface AppOptions {
  database: Database
  /** what is not given takes its default (src/config.ts) */
  config: Pick<Config, 'dataDir' | 'uploadLimitBytes'> & Partial<Config>
  /** overload and key-guessing limits (defaults in plugins/protection.ts) */
  protection?: Partial<ProtectionOptions>
}

/** Fastify's own options: limits, timeouts, proxies, request ids and a log that never carries a key. */
export function serverOptions(
  config: Pick<Config, 'logLevel' | 'bodyLimitBytes'> & Partial<Pick<Config, 'timeouts' | 'trustProxy'>>,
  logger = true,
): FastifyHttpOptions<http.Server> {
  const timeouts = config.timeouts ?? defaultConfig().timeouts
  return {
    trustProxy: config.trustProxy ?? false,
    // Node's http.Server: the whole request (uploads included), the headers, idle keep-alive
    // connections, and a socket without traffic (0: none).
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionTimeout: timeouts.connectionMs,
    // Node checks the request and headers timeouts every connectionsCheckingInterval (30 s by default).
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: Math.min(5000, timeouts.headersMs) },
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
    // `/ogc/collections/` as `/ogc/collections`: desktop clients and hand-typed URLs add the slash.
    routerOptions: { ignoreTrailingSlash: true },
    clientErrorHandler,
    frameworkErrors,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  }
}

/**
 * Above this many UTF-16 units a serialized body is sent as one Buffer: Node's HTTP writes a large
 * string through a path that cost 0.25 ms for an 88 KB JSON page where encoding it first and writing
 * the bytes cost 0.10 ms (a bare Node server on loopback, bench/README.md: project list); fast-json-
 * stringify's output, a rope of many pieces, was dearer still. Below ≈ 8 KB the two cost the same.
 * A compressed response is a stream by now and passes untouched.
 */
const largeTextBody = 16 * 1024

async function app(instance: FastifyInstance, opts: AppOptions) {
  const config: Config = { ...defaultConfig(), ...opts.config }
  await instance.register(problems)
  await instance.register(protection, opts.protection ?? {})
  await instance.register(securityHeaders, { tiandituUrl: config.basemap.tiandituUrl, tiandituToken: config.basemap.tiandituToken })
  // The chain of pg_featureserv's handlers: CORS (per family, below) → compression → the request's
  // statement timeout and cancel on abort → handler.
  await instance.register(compression)
  await instance.register(requestWork, { statementTimeoutMs: config.timeouts.statementMs, cancelOnAbort: opts.database.backend === 'server' })
  await instance.register(links, { publicUrl: config.publicUrl, host: config.host, port: config.port })
  await instance.register(validation)
  await instance.register(database, { database: opts.database })
  // GDAL_READER=native on a machine without a usable GDAL: said at start, not at the first upload
  if (config.gdalReader === 'native') await nativeGdalFor('native')
  await instance.register(jobs, {
    dataDir: config.dataDir,
    layerVersionsKept: config.layerVersionsKept,
    importLimits: { ...config.limits.import, gdalReader: config.gdalReader, gpkgReader: config.gpkgReader },
    jobsPerKey: config.jobsPerKey,
    heartbeatSeconds: config.jobHeartbeatSeconds,
  })
  await instance.register(openapi, { version: serviceVersion })
  instance.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id)
    return typeof payload === 'string' && payload.length > largeTextBody ? Buffer.from(payload) : payload
  })
  await instance.register(healthRoutes, { version: serviceVersion, deadlineMs: config.timeouts.healthMs, statementMs: config.timeouts.statementMs })
  await instance.register(problemRoutes)
  await instance.register(settingsRoutes, { tiles: config.limits.tiles, basemap: config.basemap })
  // The web console at / (static files; no key needed to load the page, every call it makes is keyed).
  await instance.register(consoleRoutes)
  await instance.register(
    async (api) => {
      await api.register(auth, { sessions: config.sessions, publicUrl: config.publicUrl, sso: config.sso })
      await api.register(audit)
      await api.register(keyRoutes)
      await api.register(sessionRoutes, { sessions: config.sessions, publicUrl: config.publicUrl })
      await api.register(userRoutes)
      await api.register(projectRoutes)
      await api.register(attachmentRoutes, { limits: config.limits.attachments })
      await api.register(importRoutes, {
        dataDir: config.dataDir,
        uploadLimitBytes: config.uploadLimitBytes,
        gdalReader: config.gdalReader,
        gpkgReader: config.gpkgReader,
        // the database grows on the data directory's disk only when it is the embedded one
        room: { ...config.diskSpace, databaseFactor: opts.database.backend === 'embedded' ? config.diskSpace.databaseFactor : 0 },
      })
      await api.register(layerRoutes, { exportLimits: config.limits.exports })
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
      await readOnlyCors(ogc, config.corsOrigins)
      await ogc.register(auth, { queryKey: true, sessions: config.sessions, publicUrl: config.publicUrl, sso: config.sso })
      await ogc.register(ogcRoutes, { version: serviceVersion, limits: config.limits.items, exportLimits: config.limits.exports })
    },
    { prefix: '/ogc' },
  )
  await instance.register(
    async (tiles) => {
      await readOnlyCors(tiles, config.corsOrigins)
      await tiles.register(auth, { queryKey: true, sessions: config.sessions, publicUrl: config.publicUrl, sso: config.sso })
      await tiles.register(tileRoutes, { limits: config.limits.tiles, cache: config.tileCache, dataDir: config.dataDir })
    },
    { prefix: '/tiles' },
  )
}

// Not encapsulated: the error handler, validation and request-id header apply to the whole server.
export default fp(app, { name: 'lowland-app' })
