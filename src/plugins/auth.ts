// API-key authentication for everything under /api: a key is looked up on every request, so a
// revoked key is refused at once. Sets request.actor (principal, region scope, audit state).
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Actor } from '../auth/actor.js'
import { findActiveKey } from '../auth/keys.js'
import { scopeOf, type Role } from '../domain/region.js'
import { problem } from '../errors/index.js'

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor
  }
  interface FastifyInstance {
    requireRole(...roles: Role[]): (request: FastifyRequest) => Promise<void>
  }
}

export function presentedKey(request: FastifyRequest, queryKey = false): string | null {
  const header = request.headers['x-api-key']
  if (typeof header === 'string' && header) return header.trim()
  const auth = request.headers.authorization
  const m = auth ? /^Bearer\s+(\S+)$/i.exec(auth) : null
  if (m?.[1]) return m[1]
  // ?key= for desktop GIS and web maps (/ogc, /tiles), which cannot always send headers.
  return queryKey ? keyParameter(request.query) : null
}

/**
 * The ?key= parameter. QGIS copies the query of the URL the user typed onto the service-desc link,
 * which already carries ?key=, so `?key=K&key=K` arrives: equal copies are one key; unequal copies
 * are refused rather than one of them picked.
 */
export function keyParameter(query: unknown): string | null {
  const raw = (query as Record<string, unknown> | undefined)?.key
  const copies = (Array.isArray(raw) ? raw : [raw])
    .filter((k): k is string => typeof k === 'string')
    .map((k) => k.trim())
    .filter(Boolean)
  if (copies.length === 0) return null
  if (copies.some((k) => k !== copies[0])) {
    throw problem('LR_BAD_REQUEST', `the key parameter is given ${copies.length} times with different values; give it once`, {
      detailZh: 'key 参数重复且取值不同，请只提供一个访问密钥',
    })
  }
  return copies[0]!
}

export default fp(
  async (app, opts: { queryKey?: boolean }) => {
    app.decorateRequest('actor', null as unknown as Actor)
    app.addHook('onRequest', async (request) => {
      app.keyAttempts.check(request)
      const token = presentedKey(request, opts.queryKey)
      if (!token) {
        throw problem('LR_UNAUTHORIZED', `an API key is required: send it as X-API-Key or Authorization: Bearer${opts.queryKey ? ' or ?key=' : ''}`, {
          detailZh: '请在 X-API-Key 请求头或 Authorization: Bearer 中提供访问密钥',
        })
      }
      const principal = await findActiveKey(app.db.knex, token)
      if (!principal) {
        await app.keyAttempts.failed(request)
        throw problem('LR_UNAUTHORIZED', 'the API key is unknown or revoked', { detailZh: '访问密钥无效或已被吊销' })
      }
      request.actor = { principal, scope: scopeOf(principal.role, principal.region), requestId: String(request.id), auditRecorded: false }
    })
    app.decorate('requireRole', (...roles: Role[]) => async (request: FastifyRequest) => {
      if (!roles.includes(request.actor.principal.role)) {
        throw problem('LR_FORBIDDEN', `this needs a key with role ${roles.join(' or ')}; this key is ${request.actor.principal.role}`, {
          detailZh: `需要以下角色的密钥：${roles.join('、')}`,
        })
      }
    })
  },
  { name: 'auth', dependencies: ['database', 'protection'] },
)
