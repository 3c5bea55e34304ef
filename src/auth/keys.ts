// API keys: the secret is shown once; the database keeps its SHA-256 and a visible prefix.
import { createHash, randomBytes } from 'node:crypto'
import type { Knex } from 'knex'
import type { Role } from '../domain/region.js'

export interface Principal {
  keyId: number
  /** a machine's API key, a person's named account, or the command line */
  kind: 'key' | 'account' | 'system'
  /** what audit rows and created_by columns record: the key's prefix, or @username for an account */
  prefix: string
  name: string
  role: Role
  region: string | null
}

export interface KeyRow extends Omit<Principal, 'kind'> {
  createdAt: string
  createdBy: string | null
  revokedAt: string | null
  lastUsedAt: string | null
}

const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
function randomText(length: number): string {
  const bytes = randomBytes(length * 2)
  let out = ''
  // 248 = 4 × 62: rejecting bytes above it keeps every character equally likely.
  for (const b of bytes) {
    if (b < 248) out += alphabet[b % 62]
    if (out.length === length) return out
  }
  return out + randomText(length - out.length)
}

export const hashKey = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex')

/** `lr_<8 chars>_<32 chars>`: the first part is the prefix shown in lists and the audit log. */
export function newKeyToken(): { token: string; prefix: string } {
  const prefix = `lr_${randomText(8)}`
  return { token: `${prefix}_${randomText(32)}`, prefix }
}

export const prefixOf = (token: string): string | null => /^(lr_[A-Za-z0-9]{8})_[A-Za-z0-9]{32}$/.exec(token)?.[1] ?? null

const columns = [
  'id as keyId',
  'prefix',
  'name',
  'role',
  'region',
  'created_at as createdAt',
  'created_by as createdBy',
  'revoked_at as revokedAt',
  'last_used_at as lastUsedAt',
]

export async function createKey(
  knex: Knex,
  input: { name: string; role: Role; region: string | null; createdBy: string | null },
): Promise<{ token: string; key: KeyRow }> {
  const { token, prefix } = newKeyToken()
  const [key] = await knex('api_keys')
    .insert({ prefix, key_hash: hashKey(token), name: input.name, role: input.role, region: input.region, created_by: input.createdBy })
    .returning(columns)
  return { token, key: key as KeyRow }
}

/** The active key for a presented token, or null (unknown, malformed or revoked). */
export async function findActiveKey(knex: Knex, token: string): Promise<Principal | null> {
  if (!prefixOf(token)) return null
  const row = await knex('api_keys')
    .where({ key_hash: hashKey(token) })
    .whereNull('revoked_at')
    .first({ keyId: 'id', prefix: 'prefix', name: 'name', role: 'role', region: 'region', lastUsedAt: 'last_used_at' })
  if (!row) return null
  // Record use at most once a minute, so reads do not turn into a write per request.
  if (!row.lastUsedAt || Date.now() - new Date(row.lastUsedAt).getTime() > 60_000) {
    await knex('api_keys').where({ id: row.keyId }).update({ last_used_at: knex.fn.now() })
  }
  return { keyId: row.keyId, kind: 'key', prefix: row.prefix, name: row.name, role: row.role, region: row.region }
}

export async function revokeKey(knex: Knex, prefix: string): Promise<KeyRow | null> {
  const [row] = await knex('api_keys')
    .where({ prefix })
    .update({ revoked_at: knex.raw('coalesce(revoked_at, now())') })
    .returning(columns)
  return (row as KeyRow | undefined) ?? null
}

export async function listKeys(knex: Knex): Promise<KeyRow[]> {
  return (await knex('api_keys').select(columns).orderBy('id')) as KeyRow[]
}
