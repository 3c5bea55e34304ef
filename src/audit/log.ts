// The audit log: one row per write attempt, with the key prefix (never the key), what and where.
import type { Knex } from 'knex'
import type { Scope } from '../domain/region.js'
import { whereInScope } from '../db/scope.js'
import { regionSource } from '../domain/regions.js'
import { actorNameOf } from '../auth/names.js'

/**
 * The county column of a row about no county (key management): the province's own code, because
 * the county is part of the table's key (migrations/20261201010000_citus_keys.ts). Read back as null.
 */
const noCounty = regionSource.province.code

export type AuditResult = 'ok' | 'denied' | 'failed'

export interface AuditEntry {
  keyPrefix: string | null
  action: string
  objectType: string
  objectId?: string | number | null
  county?: string | null
  result: AuditResult
  requestId?: string
  detail?: Record<string, unknown>
}

export async function recordAudit(knex: Knex, e: AuditEntry): Promise<void> {
  await knex('audit_log').insert({
    key_prefix: e.keyPrefix,
    action: e.action,
    object_type: e.objectType,
    object_id: e.objectId == null ? null : String(e.objectId),
    xzqdm: e.county ?? noCounty,
    result: e.result,
    request_id: e.requestId ?? null,
    detail: e.detail ?? null,
  })
}

export interface AuditQuery {
  scope: Scope
  limit: number
  beforeId?: number
}

export async function listAudit(knex: Knex, q: AuditQuery) {
  const rows = knex('audit_log')
    .select({
      id: 'id',
      at: 'at',
      keyPrefix: 'key_prefix',
      keyName: actorNameOf(knex, 'audit_log.key_prefix'),
      action: 'action',
      objectType: 'object_type',
      objectId: 'object_id',
      county: knex.raw('nullif(xzqdm, ?)', [noCounty]),
      result: 'result',
      requestId: 'request_id',
      detail: 'detail',
    })
    .orderBy('id', 'desc')
    .limit(q.limit)
  if (q.beforeId) rows.where('id', '<', q.beforeId)
  return whereInScope(rows, q.scope)
}
