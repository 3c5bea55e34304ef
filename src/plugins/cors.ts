// CORS for the read-only families a web map on another origin reads (/ogc, /tiles): only the
// configured origins (CORS_ORIGINS), none by default; /api/v1 never gets it. Registered inside each
// family's scope before its key check, so a preflight (OPTIONS, no key) is answered here.
import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'

export async function readOnlyCors(scope: FastifyInstance, origins: string[]): Promise<void> {
  if (!origins.length) return
  await scope.register(cors, {
    origin: origins.includes('*') ? '*' : origins,
    methods: ['GET', 'HEAD'],
    // what a browser client may read besides the simple headers
    exposedHeaders: ['Content-Crs', 'ETag', 'X-Request-Id', 'Retry-After', 'X-Tile-Truncated', 'X-Unencodable-Characters'],
    maxAge: 600,
  })
}
