// On an empty database the first start creates an admin key, so a fresh install can be used at once.
import fs from 'node:fs'
import path from 'node:path'
import type { Knex } from 'knex'
import { recordAudit } from '../audit/log.js'
import { insertAccount } from './accounts.js'
import { createKey } from './keys.js'
import { hashPassword } from './passwords.js'
import { generatedPassword } from './users.js'

export const adminKeyFile = (dataDir: string) => path.join(dataDir, 'admin.key')
export const adminPasswordFile = (dataDir: string) => path.join(dataDir, 'admin.password')

function writeSecret(file: string, dataDir: string, text: string) {
  fs.mkdirSync(dataDir, { recursive: true })
  fs.writeFileSync(file, text + '\n', { mode: 0o600 })
  fs.chmodSync(file, 0o600) // mode is ignored when the file already existed
}

/**
 * Creates the console's first account, `admin`, when there is no account at all (a fresh install, or
 * the first start after accounts came): its generated password must be changed at first sign-in.
 */
export async function bootstrapAdminAccount(knex: Knex, dataDir: string): Promise<{ username: string; password: string; file: string } | null> {
  const password = generatedPassword()
  const passwordHash = await hashPassword(password)
  const created = await knex.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['lowland:bootstrap-admin-account'])
    if (await trx('accounts').first('id')) return false
    const a = await insertAccount(trx, {
      username: 'admin',
      displayName: '系统管理员',
      role: 'admin',
      region: null,
      passwordHash,
      mustChangePassword: true,
      createdBy: 'bootstrap',
    })
    await recordAudit(trx, {
      keyPrefix: null,
      action: 'account.create',
      objectType: 'account',
      objectId: a.username,
      result: 'ok',
      detail: { role: 'admin', bootstrap: true },
    })
    return true
  })
  if (!created) return null
  const file = adminPasswordFile(dataDir)
  writeSecret(file, dataDir, password)
  return { username: 'admin', password, file }
}

/** Creates the first admin key when there is no key at all; returns its token, or null. */
export async function bootstrapAdminKey(knex: Knex, dataDir: string): Promise<{ token: string; file: string } | null> {
  const token = await knex.transaction(async (trx) => {
    // Two instances starting on one server must not both create a key.
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['lowland:bootstrap-admin-key'])
    const any = await trx('api_keys').first('id')
    if (any) return null
    const { token, key } = await createKey(trx, { name: 'bootstrap admin', role: 'admin', region: null, createdBy: 'bootstrap' })
    await recordAudit(trx, {
      keyPrefix: null,
      action: 'key.create',
      objectType: 'api_key',
      objectId: key.prefix,
      result: 'ok',
      detail: { role: 'admin', bootstrap: true },
    })
    return token
  })
  if (!token) return null
  const file = adminKeyFile(dataDir)
  writeSecret(file, dataDir, token)
  return { token, file }
}

/**
 * What the first start tells the operator. The token goes only to an interactive terminal: when
 * standard output is a log file (a service manager, `> service.log`) it would stay there, readable
 * by anyone who can read the log, so the notice then names the 0600 file instead.
 */
export function adminKeyNotice(admin: { token: string; file: string }, toTerminal: boolean): string {
  const where = toTerminal
    ? `(also written to ${admin.file}, mode 0600):\n\n    ${admin.token}`
    : `: it is in ${admin.file} (mode 0600), not printed here because the output is not a terminal`
  return `\n  First start: created an admin API key ${where}\n\n  Keep it secret; create county/city/province keys with it or with \`npm run cli -- key create\`.\n\n`
}

/** The console's first account, told like the key: the password only to a terminal. */
export function adminAccountNotice(admin: { username: string; password: string; file: string }, toTerminal: boolean): string {
  const where = toTerminal
    ? `with the password (also in ${admin.file}, mode 0600):\n\n    ${admin.password}`
    : `with the password in ${admin.file} (mode 0600; not printed here because the output is not a terminal)`
  return `\n  控制台首个账号 / the console's first account: sign in as \`${admin.username}\` ${where}\n\n  It must be changed at first sign-in; create the officers' accounts in 账号管理 or with \`npm run cli -- user create\`.\n\n`
}
