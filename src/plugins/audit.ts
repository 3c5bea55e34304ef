// Safety net for the audit log: a write request that did not commit its own audit row
// (refused, failed, or a handler that forgot) is recorded here before the response leaves.
import fp from 'fastify-plugin'
import { recordAudit, type AuditResult } from '../audit/log.js'
import { prefixOf } from '../auth/keys.js'
import { presentedKey } from './auth.js'

const countyOf = (o: unknown): string | null => {
  const v = (o as { county?: unknown } | null | undefined)?.county
  return typeof v === 'string' && /^[0-9]{6}$/.test(v) ? v : null
}

const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function resultOf(status: number): AuditResult {
  if (status < 400) return 'ok'
  return [401, 403, 404].includes(status) ? 'denied' : 'failed'
}

export default fp(
  async (app) => {
    app.addHook('onSend', async (request, reply, payload) => {
      if (!writeMethods.has(request.method) || request.actor?.auditRecorded) return payload
      const status = reply.statusCode
      const token = presentedKey(request)
      try {
        await recordAudit(app.db.knex, {
          keyPrefix: request.actor?.principal.prefix ?? (token ? prefixOf(token) : null),
          action: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
          objectType: 'request',
          objectId: (request.params as Record<string, string> | undefined)?.id ?? null,
          // The county the request was about, so a refused cross-county attempt names its target.
          county: countyOf(request.body) ?? countyOf(request.query) ?? countyOf(request.params),
          result: resultOf(status),
          requestId: String(request.id),
          detail: { status },
        })
        if (status < 400) request.log.warn('write answered without an audit row from its handler; recorded by the hook')
      } catch (err) {
        request.log.error({ err }, 'could not write audit row')
      }
      return payload
    })
  },
  { name: 'audit', dependencies: ['auth'] },
)
