// Who is asking, for everything under /api, /ogc and /tiles: a machine's API key (header, or ?key= for
// desktop GIS), or a person's session cookie (named accounts, src/auth/accounts.ts). Both are looked up
// on every request, so a revoked key, a disabled account or an ended session is refused at once. Sets
// request.actor (principal, region scope, audit state).
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Actor } from '../auth/actor.js'
import { findSession, type SessionTimeouts } from '../auth/accounts.js'
import { findActiveKey, type Principal } from '../auth/keys.js'
import { sessionCookieName, readCookie, sameOrigin } from '../auth/cookies.js'
import { ssoGate, ssoPrincipal } from '../auth/sso.js'
import type { SsoConfig } from '../config.js'
import { scopeOf, type Role } from '../domain/region.js'
import { problem } from '../errors/index.js'

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor
  }
  interface FastifyContextConfig {
    /** reachable without a key or session (signing in) */
    public?: boolean
    /** reachable by a session whose password must be changed first */
    beforePasswordChange?: boolean
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

/** The request's actor, the same for a key and a session: its principal, region scope and audit state. */
const actorOf = (principal: Principal, request: FastifyRequest): Actor => ({
  principal,
  scope: scopeOf(principal.role, principal.region),
  requestId: String(request.id),
  auditRecorded: false,
})

export interface AuthOptions {
  queryKey?: boolean
  sessions: SessionTimeouts
  /** the public base URL, whose origin a session's writes must come from (else the address they arrived at) */
  publicUrl?: string | undefined
  /** single sign-on through a trusted gateway's header (src/auth/sso.ts); off when undefined */
  sso?: SsoConfig | undefined
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

export default fp(
  async (app, opts: AuthOptions) => {
    app.decorateRequest('actor', null as unknown as Actor)
    const sso = opts.sso && ssoGate(opts.sso)
    /** A write made on a browser's credentials (a cookie, a gateway's sign-in) must come from the console itself. */
    const checkOrigin = (request: FastifyRequest) => {
      // A cookie goes with every request the browser makes, also those another site starts (CSRF;
      // SameSite=Strict is the first line); a gateway's sign-in does too.
      if (!safeMethods.has(request.method) && !sameOrigin(request, opts.publicUrl)) {
        throw problem('LR_FORBIDDEN', 'a write with a session cookie must come from the console itself (Origin does not match)', {
          detailZh: '请求来源与本服务不一致，已拒绝（跨站请求防护）',
        })
      }
    }
    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.config?.public) return
      // Desktop GIS (/ogc, /tiles) is challenged for Basic, so QGIS and GDAL can ask for a password.
      // Not a browser page (X-API-Key, or a session cookie): the browser would open its own login dialog.
      const challenge = () => {
        if (opts.queryKey && !request.headers['x-api-key'] && !readCookie(request.headers.cookie, sessionCookieName))
          reply.header('www-authenticate', basicChallenge)
      }
      const token = presentedKey(request, opts.queryKey)
      if (token) {
        // The key first: a valid key is served even from an address blocked for bad keys (one stale
        // key in one QGIS project must not lock a whole office out); only failures are counted.
        const principal = await findActiveKey(app.db.knex, token)
        if (!principal) {
          app.keyAttempts.check(request)
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
        request.actor = actorOf(principal, request)
        return
      }
      const ssoUser = sso && request.headers[sso.header]
      if (sso && ssoUser !== undefined) {
        // the socket's peer, not request.ip: X-Forwarded-For is what a client may write itself
        if (!sso.trusted(request.raw.socket?.remoteAddress) || typeof ssoUser !== 'string' || !ssoUser.trim()) {
          throw problem('LR_FORBIDDEN', `the single sign-on header ${sso.header} is accepted only from the sign-on gateway`, {
            detailZh: `统一身份认证请求头 ${sso.header} 只接受来自认证网关的请求`,
          })
        }
        const principal = await ssoPrincipal(app.db.knex, ssoUser)
        if (!principal) {
          throw problem('LR_FORBIDDEN', `no enabled account '${ssoUser.trim()}' for the signed-in user; an administrator creates it`, {
            detailZh: `统一身份认证用户 ${ssoUser.trim()} 在本系统没有账号或账号已停用，请联系管理员开通`,
          })
        }
        checkOrigin(request)
        request.actor = actorOf(principal, request)
        return
      }
      const session = readCookie(request.headers.cookie, sessionCookieName)
      if (session) {
        const principal = await findSession(app.db.knex, session, opts.sessions)
        if (!principal) {
          throw problem('LR_SESSION_ENDED', 'the session has ended (signed out, expired, or the account was disabled); sign in again', {
            detailZh: '登录已失效（已退出、超时或账号被停用），请重新登录',
          })
        }
        checkOrigin(request)
        if (principal.mustChangePassword && !request.routeOptions.config?.beforePasswordChange) {
          throw problem('LR_PASSWORD_CHANGE_REQUIRED', 'the password was reset: change it before going on', {
            detailZh: '密码已被重置，请先修改密码',
          })
        }
        request.actor = actorOf(principal, request)
        return
      }
      challenge()
      throw problem(
        'LR_UNAUTHORIZED',
        opts.queryKey
          ? 'sign in, or send an API key as X-API-Key, Authorization: Bearer <key>, HTTP Basic with the key as the password (any user name), or ?key=<key> in the URL'
          : 'sign in, or send an API key as X-API-Key, Authorization: Bearer <key>, or HTTP Basic with the key as the password',
        {
          detailZh: opts.queryKey
            ? '请先登录，或提供访问密钥：X-API-Key 请求头、Authorization: Bearer <密钥>、HTTP Basic 认证（用户名任意，密码为密钥），或在地址中加 ?key=<密钥>'
            : '请先登录，或提供访问密钥：X-API-Key 请求头、Authorization: Bearer <密钥>，或 HTTP Basic 认证（用户名任意，密码为密钥）',
        },
      )
    })
    app.decorate('requireRole', (...roles: Role[]) => async (request: FastifyRequest) => {
      if (!roles.includes(request.actor.principal.role)) {
        throw problem('LR_FORBIDDEN', `this needs the role ${roles.join(' or ')}; you act as ${request.actor.principal.role}`, {
          detailZh: `需要以下角色：${roles.join('、')}`,
        })
      }
    })
  },
  { name: 'auth', dependencies: ['database', 'protection'] },
)
