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
  const basic = auth ? basicKey(auth) : null
  if (basic) return basic
  // ?key= for desktop GIS and web maps (/ogc, /tiles), which cannot always send headers.
  return queryKey ? keyParameter(request.query) : null
}

/**
 * HTTP Basic (RFC 7617) with the key as the password and any user name, for clients that can only
 * send a user and password (QGIS's Basic authentication, GDAL_HTTP_AUTH=BASIC, curl -u): `x:<key>`.
 * A key given as the user name with an empty password (`curl -u <key>:`) is taken too.
 */
export function basicKey(authorization: string): string | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization)
  if (!m) return null
  const text = Buffer.from(m[1]!, 'base64').toString('utf8')
  const colon = text.indexOf(':')
  if (colon < 0) return null
  const key = text.slice(colon + 1).trim() || text.slice(0, colon).trim()
  return key || null
}

/** The Basic challenge of a 401 on /ogc and /tiles (RFC 7235 §3.1, RFC 7617 charset). */
export const basicChallenge = 'Basic realm="lowland OGC API", charset="UTF-8"'

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
    app.addHook('onRequest', async (request, reply) => {
      app.keyAttempts.check(request)
      // Desktop GIS (/ogc, /tiles) is challenged for Basic, so QGIS and GDAL can ask for a password.
      // Not a request that sent X-API-Key (the web console): a browser would open its own login dialog.
      const challenge = () => {
        if (opts.queryKey && !request.headers['x-api-key']) reply.header('www-authenticate', basicChallenge)
      }
      const token = presentedKey(request, opts.queryKey)
      if (!token) {
        challenge()
        throw problem(
          'LR_UNAUTHORIZED',
          opts.queryKey
            ? 'an API key is required: send it as X-API-Key, Authorization: Bearer <key>, HTTP Basic with the key as the password (any user name), or ?key=<key> in the URL'
            : 'an API key is required: send it as X-API-Key, Authorization: Bearer <key>, or HTTP Basic with the key as the password',
          {
            detailZh: opts.queryKey
              ? '请提供访问密钥：X-API-Key 请求头、Authorization: Bearer <密钥>、HTTP Basic 认证（用户名任意，密码为密钥），或在地址中加 ?key=<密钥>'
              : '请提供访问密钥：X-API-Key 请求头、Authorization: Bearer <密钥>，或 HTTP Basic 认证（用户名任意，密码为密钥）',
          },
        )
      }
      const principal = await findActiveKey(app.db.knex, token)
      if (!principal) {
        await app.keyAttempts.failed(request)
        challenge()
        throw problem(
          'LR_UNAUTHORIZED',
          opts.queryKey
            ? 'the API key is unknown or revoked; send a valid key as X-API-Key, Authorization: Bearer, the password of HTTP Basic, or ?key=<key>'
            : 'the API key is unknown or revoked',
          {
            detailZh: opts.queryKey
              ? '访问密钥无效或已被吊销；请通过 X-API-Key、Authorization: Bearer、HTTP Basic 认证密码或 ?key=<密钥> 提供有效密钥'
              : '访问密钥无效或已被吊销',
          },
        )
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
