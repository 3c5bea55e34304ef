// Who is acting in a request, and the one way a write is committed together with its audit row.
import type { Knex } from 'knex'
import { recordAudit } from '../audit/log.js'
import type { Scope } from '../domain/region.js'
import type { Principal } from './keys.js'

export interface Actor {
  principal: Principal
  scope: Scope
  requestId: string
  /** set once a write and its audit row have committed; the audit hook records anything else */
  auditRecorded: boolean
}

export interface AuditDescription {
  action: string
  objectType: string
  objectId?: string | number | null
  county?: string | null
  detail?: Record<string, unknown>
}

/** Runs `work` in a transaction that also writes its audit row: no write without its record. */
export async function auditedWrite<T>(
  knex: Knex,
  actor: Actor,
  work: (trx: Knex.Transaction) => Promise<T>,
  describe: (result: T) => AuditDescription,
): Promise<T> {
  const result = await knex.transaction(async (trx) => {
    const r = await work(trx)
    await recordAudit(trx, { ...describe(r), keyPrefix: actor.principal.prefix, result: 'ok', requestId: actor.requestId })
    return r
  })
  actor.auditRecorded = true
  return result
}
