// Account management and signing in, shared by the HTTP API and the CLI.
import { randomBytes } from 'node:crypto'
import type { Knex } from 'knex'
import { recordAudit } from '../audit/log.js'
import { regionProblem, type Role } from '../domain/region.js'
import { problem } from '../errors/index.js'
import {
  accountRef,
  endSession,
  endSessionsOf,
  findAccount,
  insertAccount,
  listAccounts,
  normalUsername,
  openSession,
  updateAccount,
  type AccountRow,
  type SessionTimeouts,
} from './accounts.js'
import { auditedWrite, type Actor } from './actor.js'
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from './passwords.js'
import type { SignInThrottle } from './sign-in-throttle.js'

const usernamePattern = /^[a-z0-9][a-z0-9._-]{1,63}$/

function checkRegion(role: Role, region: string | null) {
  const wrong = regionProblem(role, region)
  if (wrong) throw problem('LR_BAD_REQUEST', wrong, { detailZh: '县级账号需6位代码，市级账号需4位代码，省级和管理员账号不设区域' })
}

function checkPassword(password: string, account: { username: string; displayName?: string }) {
  const p = passwordProblem(password, account)
  if (p) throw problem('LR_BAD_REQUEST', p.message, { detailZh: p.messageZh, errors: [{ field: 'password', message: p.message, messageZh: p.messageZh }] })
}

/** A password the admin hands over once (reset, CLI create without --password): 16 characters. */
export const generatedPassword = () => randomBytes(12).toString('base64url')

export interface CreateAccountInput {
  username: string
  displayName: string
  role: Role
  region?: string | null | undefined
  /** none: one is generated and returned once */
  password?: string | undefined
}

export async function createAccount(knex: Knex, actor: Actor, input: CreateAccountInput): Promise<{ account: AccountRow; password?: string }> {
  const username = normalUsername(input.username)
  if (!usernamePattern.test(username))
    throw problem('LR_BAD_REQUEST', 'the user name takes 2–64 lower-case letters, digits, dots, dashes or underscores', {
      detailZh: '用户名为 2–64 位小写字母、数字、点、短横线或下划线',
    })
  const region = input.region ?? null
  checkRegion(input.role, region)
  const password = input.password ?? generatedPassword()
  if (input.password !== undefined) checkPassword(password, { username, displayName: input.displayName })
  const passwordHash = await hashPassword(password)
  const account = await auditedWrite(
    knex,
    actor,
    async (trx) => {
      if (await trx('accounts').where({ username }).first('id'))
        throw problem('LR_CONFLICT', `an account named '${username}' exists already`, { detailZh: `用户名 ${username} 已存在` })
      // An account made by someone else starts with a password that person knows: it must be changed.
      return insertAccount(trx, {
        username,
        displayName: input.displayName,
        role: input.role,
        region,
        passwordHash,
        mustChangePassword: true,
        createdBy: actor.principal.prefix,
      })
    },
    (a) => ({
      action: 'account.create',
      objectType: 'account',
      objectId: a.username,
      county: a.role === 'county' ? a.region : null,
      detail: { role: a.role, region: a.region, displayName: a.displayName },
    }),
  )
  return input.password === undefined ? { account, password } : { account }
}

export const listAllAccounts = (knex: Knex) => listAccounts(knex)

export interface UpdateAccountInput {
  displayName?: string | undefined
  role?: Role | undefined
  region?: string | null | undefined
  enabled?: boolean | undefined
  /** an admin's reset: the password given, or one generated; either way it must be changed at next sign-in */
  resetPassword?: boolean | undefined
  password?: string | undefined
}

export async function changeAccount(
  knex: Knex,
  actor: Actor,
  usernameIn: string,
  input: UpdateAccountInput,
): Promise<{ account: AccountRow; password?: string }> {
  const username = normalUsername(usernameIn)
  const existing = await findAccount(knex, username)
  if (!existing) throw problem('LR_NOT_FOUND', `no account '${username}'`, { detailZh: `账号 ${username} 不存在` })
  const role = input.role ?? existing.role
  const region = input.region !== undefined ? input.region : input.role ? null : existing.region
  if (input.role !== undefined || input.region !== undefined) checkRegion(role, region)
  let password: string | undefined
  if (input.password !== undefined) {
    checkPassword(input.password, { username, displayName: input.displayName ?? existing.displayName })
    password = input.password
  } else if (input.resetPassword) password = generatedPassword()
  const passwordHash = password ? await hashPassword(password) : undefined
  const account = await auditedWrite(
    knex,
    actor,
    async (trx) => {
      const a = await updateAccount(trx, username, {
        ...(input.displayName !== undefined && { display_name: input.displayName }),
        ...((input.role !== undefined || input.region !== undefined) && { role, region }),
        ...(passwordHash && { password_hash: passwordHash, must_change_password: true }),
        ...(input.enabled === false && { disabled_at: trx.raw('coalesce(disabled_at, now())') }),
        ...(input.enabled === true && { disabled_at: null }),
      })
      // Disabling, a new office or a reset password ends the open sessions at once.
      if (input.enabled === false || passwordHash || input.role !== undefined || input.region !== undefined)
        await endSessionsOf(trx, existing.accountId, input.enabled === false ? 'disabled' : passwordHash ? 'password-reset' : 'office-changed')
      return a!
    },
    (a) => ({
      action: input.enabled === false ? 'account.disable' : passwordHash ? 'account.reset-password' : 'account.update',
      objectType: 'account',
      objectId: a.username,
      county: a.role === 'county' ? a.region : null,
      detail: {
        ...(input.displayName !== undefined && { displayName: a.displayName }),
        ...((input.role !== undefined || input.region !== undefined) && { role: a.role, region: a.region }),
        ...(input.enabled !== undefined && { enabled: input.enabled }),
        ...(passwordHash && { passwordReset: true }),
      },
    }),
  )
  return input.resetPassword && input.password === undefined ? { account, password: password! } : { account }
}

export const disableAccount = (knex: Knex, actor: Actor, username: string) => changeAccount(knex, actor, username, { enabled: false })

export interface SignInInput {
  username: string
  password: string
  address: string
  userAgent: string | undefined
}

/** Checks the password (as slowly for an unknown user as for a known one) and opens a session. */
export async function signIn(
  knex: Knex,
  throttle: SignInThrottle,
  timeouts: SessionTimeouts,
  input: SignInInput,
): Promise<{ token: string; account: AccountRow }> {
  const username = normalUsername(input.username)
  const wait = throttle.waitMs(username, input.address)
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000)
    throw Object.assign(
      problem('LR_TOO_MANY_REQUESTS', `too many failed sign-ins for this account from this address; try again in ${seconds} s`, {
        detailZh: `该账号登录失败次数过多，请 ${seconds} 秒后再试`,
      }),
      { retryAfter: seconds },
    )
  }
  const account = await findAccount(knex, username)
  const ok = await verifyPassword(input.password, account?.passwordHash ?? (await decoyHash()))
  if (!account || !ok || account.disabledAt) {
    throttle.failed(username, input.address)
    await recordAudit(knex, {
      keyPrefix: accountRef(username),
      action: 'session.sign-in',
      objectType: 'account',
      objectId: username,
      result: 'denied',
      detail: { reason: !account ? 'unknown' : account.disabledAt && ok ? 'disabled' : 'password', address: input.address },
    })
    // One answer for an unknown name, a wrong password and a disabled account: the form says nothing
    // about which user names exist.
    throw problem('LR_SIGN_IN_FAILED', 'the user name or password is wrong, or the account is disabled', {
      detailZh: '用户名或密码错误，或账号已停用',
    })
  }
  throttle.succeeded(username, input.address)
  const token = await knex.transaction(async (trx) => {
    const t = await openSession(trx, account.accountId, timeouts, { address: input.address, userAgent: input.userAgent })
    await recordAudit(trx, {
      keyPrefix: accountRef(username),
      action: 'session.sign-in',
      objectType: 'account',
      objectId: username,
      result: 'ok',
      detail: { address: input.address },
    })
    return t
  })
  const { passwordHash: _hash, ...row } = account
  return { token, account: row }
}

export async function signOut(knex: Knex, token: string): Promise<void> {
  await endSession(knex, token, 'signed-out')
}

/** A person changes their own password; the other sessions end, this one goes on. */
export async function changeOwnPassword(knex: Knex, actor: Actor, sessionToken: string | null, input: { currentPassword: string; newPassword: string }) {
  const username = actor.principal.prefix.replace(/^@/, '')
  const account = actor.principal.kind === 'account' ? await findAccount(knex, username) : null
  if (!account) throw problem('LR_FORBIDDEN', 'only a signed-in person has a password to change', { detailZh: '只有登录的账号可以修改密码' })
  if (!(await verifyPassword(input.currentPassword, account.passwordHash)))
    throw problem('LR_BAD_REQUEST', 'the current password is wrong', {
      detailZh: '当前密码不正确',
      errors: [{ field: 'currentPassword', message: 'the current password is wrong', messageZh: '当前密码不正确' }],
    })
  if (input.newPassword === input.currentPassword)
    throw problem('LR_BAD_REQUEST', 'the new password must differ from the current one', { detailZh: '新密码不能与当前密码相同' })
  checkPassword(input.newPassword, { username, displayName: account.displayName })
  const passwordHash = await hashPassword(input.newPassword)
  await auditedWrite(
    knex,
    actor,
    async (trx) => {
      await updateAccount(trx, username, { password_hash: passwordHash, must_change_password: false })
      await endSessionsOf(trx, account.accountId, 'password-changed', sessionToken ?? undefined)
    },
    () => ({ action: 'account.change-password', objectType: 'account', objectId: username }),
  )
}
