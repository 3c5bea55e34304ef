// Key management use cases, shared by the HTTP API and the CLI.
import type { Knex } from 'knex'
import { regionProblem, type Role } from '../domain/region.js'
import { problem } from '../errors/index.js'
import { auditedWrite, type Actor } from './actor.js'
import { createKey, listKeys, revokeKey } from './keys.js'

/** The command line acts with the machine's authority, audited as `cli`. */
export function cliActor(): Actor {
  return {
    principal: { keyId: 0, kind: 'system', prefix: 'cli', name: 'command line', role: 'admin', region: null },
    scope: { kind: 'all' },
    requestId: `cli-${process.pid}`,
    auditRecorded: false,
  }
}

export function getCurrentKey(actor: Actor) {
  const { kind, prefix, name, role, region } = actor.principal
  if (kind !== 'account') return { kind, prefix, name, role, region }
  const mustChangePassword = (actor.principal as { mustChangePassword?: boolean }).mustChangePassword ?? false
  return { kind, prefix, name, role, region, username: prefix.slice(1), mustChangePassword }
}

export const listAllKeys = (knex: Knex) => listKeys(knex)

export async function issueKey(knex: Knex, actor: Actor, input: { name: string; role: Role; region?: string | undefined }) {
  const region = input.region ?? null
  const wrong = regionProblem(input.role, region)
  if (wrong) throw problem('LR_BAD_REQUEST', wrong, { detailZh: '县级密钥需6位代码，市级密钥需4位代码，省级和管理员密钥不设区域' })
  return auditedWrite(
    knex,
    actor,
    (trx) => createKey(trx, { name: input.name, role: input.role, region, createdBy: actor.principal.prefix }),
    (r) => ({
      action: 'key.create',
      objectType: 'api_key',
      objectId: r.key.prefix,
      county: input.role === 'county' ? region : null,
      detail: { role: input.role, region, name: input.name },
    }),
  )
}

export async function revokeKeyByPrefix(knex: Knex, actor: Actor, prefix: string) {
  return auditedWrite(
    knex,
    actor,
    async (trx) => {
      const key = await revokeKey(trx, prefix)
      if (!key) throw problem('LR_NOT_FOUND', `no key with prefix '${prefix}'`, { detailZh: `密钥 ${prefix} 不存在` })
      return key
    },
    () => ({ action: 'key.revoke', objectType: 'api_key', objectId: prefix }),
  )
}
