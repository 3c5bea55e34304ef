// Named accounts and their server-side sessions (the tables of migrations/20261206090000_accounts.ts).
// A session's cookie carries a random token; the database keeps its SHA-256, so a copy of the table opens
// no session. Idle and absolute timeouts are checked in the one statement that finds the session.
import { createHash, randomBytes } from 'node:crypto'
import type { Knex } from 'knex'
import type { Role } from '../domain/region.js'
import type { Principal } from './keys.js'

export interface AccountRow {
  accountId: number
  username: string
  displayName: string
  role: Role
  region: string | null
  mustChangePassword: boolean
  createdAt: string
  createdBy: string | null
  disabledAt: string | null
  lastSignInAt: string | null
}

const columns = {
  accountId: 'id',
  username: 'username',
  displayName: 'display_name',
  role: 'role',
  region: 'region',
  mustChangePassword: 'must_change_password',
  createdAt: 'created_at',
  createdBy: 'created_by',
  disabledAt: 'disabled_at',
  lastSignInAt: 'last_sign_in_at',
}

const returning = Object.entries(columns).map(([alias, column]) => `${column} as ${alias}`)

/** The reference an account leaves in audit rows and `created_by` columns, beside key prefixes. */
export const accountRef = (username: string) => `@${username}`

export const normalUsername = (username: string) => username.trim().toLowerCase()

export async function insertAccount(
  knex: Knex,
  input: {
    username: string
    displayName: string
    role: Role
    region: string | null
    passwordHash: string
    mustChangePassword: boolean
    createdBy: string | null
  },
): Promise<AccountRow> {
  const [row] = await knex('accounts')
    .insert({
      username: input.username,
      display_name: input.displayName,
      role: input.role,
      region: input.region,
      password_hash: input.passwordHash,
      must_change_password: input.mustChangePassword,
      created_by: input.createdBy,
    })
    .returning(returning)
  return row as AccountRow
}

export async function findAccount(knex: Knex, username: string): Promise<(AccountRow & { passwordHash: string }) | null> {
  const row = await knex('accounts')
    .where({ username: normalUsername(username) })
    .first({ ...columns, passwordHash: 'password_hash' })
  return (row as (AccountRow & { passwordHash: string }) | undefined) ?? null
}

export async function listAccounts(knex: Knex): Promise<AccountRow[]> {
  return (await knex('accounts').select(columns).orderBy('username')) as AccountRow[]
}

export async function updateAccount(
  knex: Knex,
  username: string,
  changes: Partial<{
    display_name: string
    role: Role
    region: string | null
    password_hash: string
    must_change_password: boolean
    disabled_at: Knex.Raw | null
  }>,
): Promise<AccountRow | null> {
  const set: Record<string, unknown> = { ...changes }
  if (changes.password_hash) set.password_changed_at = knex.fn.now()
  const [row] = await knex('accounts').where({ username }).update(set).returning(returning)
  return (row as AccountRow | undefined) ?? null
}

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex')

export interface SessionTimeouts {
  idleMinutes: number
  absoluteHours: number
}

export async function openSession(
  knex: Knex,
  accountId: number,
  timeouts: SessionTimeouts,
  client: { address: string; userAgent: string | undefined },
): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await knex('account_sessions').insert({
    token_hash: hashToken(token),
    account_id: accountId,
    expires_at: knex.raw(`now() + make_interval(hours => ?)`, [timeouts.absoluteHours]),
    address: client.address,
    user_agent: client.userAgent?.slice(0, 300) ?? null,
  })
  await knex('accounts').where({ id: accountId }).update({ last_sign_in_at: knex.fn.now() })
  return token
}

export interface SessionPrincipal extends Principal {
  mustChangePassword: boolean
}

/**
 * The account of a live session: not ended, within its absolute lifetime, seen within the idle
 * timeout, and the account not disabled. Refreshes last_seen_at at most once a minute.
 */
export async function findSession(knex: Knex, token: string, timeouts: SessionTimeouts): Promise<SessionPrincipal | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null
  const tokenHash = hashToken(token)
  const row = await knex('account_sessions as s')
    .join('accounts as a', 'a.id', 's.account_id')
    .where('s.token_hash', tokenHash)
    .whereNull('s.ended_at')
    .whereNull('a.disabled_at')
    .where('s.expires_at', '>', knex.fn.now())
    .where('s.last_seen_at', '>', knex.raw(`now() - make_interval(mins => ?)`, [timeouts.idleMinutes]))
    .first({
      accountId: 'a.id',
      username: 'a.username',
      displayName: 'a.display_name',
      role: 'a.role',
      region: 'a.region',
      mustChangePassword: 'a.must_change_password',
      stale: knex.raw(`s.last_seen_at < now() - interval '1 minute'`),
    })
  if (!row) return null
  if (row.stale) await knex('account_sessions').where({ token_hash: tokenHash }).update({ last_seen_at: knex.fn.now() })
  return {
    keyId: 0,
    kind: 'account',
    prefix: accountRef(row.username),
    name: row.displayName,
    role: row.role,
    region: row.region,
    mustChangePassword: row.mustChangePassword,
  }
}

export async function endSession(knex: Knex, token: string, reason: string): Promise<void> {
  await knex('account_sessions')
    .where({ token_hash: hashToken(token) })
    .whereNull('ended_at')
    .update({ ended_at: knex.fn.now(), ended_reason: reason })
}

/** Ends every open session of an account (disabled, password reset or changed). */
export async function endSessionsOf(knex: Knex, accountId: number, reason: string, except?: string): Promise<number> {
  const q = knex('account_sessions').where({ account_id: accountId }).whereNull('ended_at')
  if (except) q.whereNot({ token_hash: hashToken(except) })
  return q.update({ ended_at: knex.fn.now(), ended_reason: reason })
}
