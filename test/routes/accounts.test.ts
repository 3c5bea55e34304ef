// Named accounts (issue 25): sign in and out, the cookie's attributes, disabling ends the open session at
// once, password change and admin reset, throttling per (account, address) without locking out others,
// CSRF refused, names in the audit; on both backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SignInThrottle } from '../../src/auth/sign-in-throttle.js'
import { accountFor, buildTestApp, keyFor, resetData, sessionCookieFor, withKey, type TestApp } from '../helpers/app.js'

let t: TestApp
let admin: string
beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
  admin = await keyFor(t.knex, 'admin')
})
afterAll(() => t.close())

const me = (cookie: string, headers: Record<string, string> = {}) => t.app.inject({ url: '/api/v1/keys/me', headers: { cookie, ...headers } })
const signIn = (username: string, password: string, remoteAddress = '127.0.0.1') =>
  t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password }, remoteAddress })

describe('accounts and sessions', () => {
  it('an admin creates an account; the first sign-in must change the generated password; then the console acts as the officer', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: withKey(admin),
      payload: { username: 'Zhang.Wei', displayName: '张伟', role: 'county', region: '371502' },
    })
    expect(created.statusCode).toBe(201)
    const { account, password } = created.json()
    expect(account).toMatchObject({ username: 'zhang.wei', displayName: '张伟', role: 'county', region: '371502', enabled: true, mustChangePassword: true })
    expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/)

    const res = await signIn('zhang.wei', password)
    expect(res.statusCode).toBe(204)
    const setCookie = String(res.headers['set-cookie'])
    expect(setCookie).toMatch(/^lr_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/)
    const cookie = setCookie.split(';')[0]!
    // Reset password: only who-am-I, the password change and sign-out until it is changed.
    expect((await me(cookie)).json()).toMatchObject({ kind: 'account', username: 'zhang.wei', name: '张伟', mustChangePassword: true })
    const blocked = await t.app.inject({ url: '/api/v1/projects', headers: { cookie } })
    expect(blocked.statusCode).toBe(403)
    expect(blocked.json()).toMatchObject({ code: 'LR_PASSWORD_CHANGE_REQUIRED', title: '请先修改密码' })

    const change = (newPassword: string, currentPassword = password) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/session/password',
        headers: { cookie, origin: 'http://localhost:80' },
        payload: { currentPassword, newPassword },
      })
    const common = await change('password123')
    expect(common.statusCode).toBe(400)
    expect(common.json().detailZh).toBe('密码过于常见，请另选')
    expect((await change('short1')).json().detailZh).toMatch(/至少需要 10 个字符/)
    expect((await change('Valid-Passw0rd-2026', 'wrong-current')).json().detailZh).toBe('当前密码不正确')
    expect((await change('Valid-Passw0rd-2026')).statusCode).toBe(204)
    expect((await t.app.inject({ url: '/api/v1/projects', headers: { cookie } })).statusCode).toBe(200)
    // The old password no longer signs in; the new one does.
    expect((await signIn('zhang.wei', password)).statusCode).toBe(401)
    expect((await signIn('zhang.wei', 'Valid-Passw0rd-2026')).statusCode).toBe(204)
  })

  it('sign-out and disabling end the session at once; a disabled account cannot sign in', async () => {
    const a = await accountFor(t.knex, 'city', '3715')
    const cookie = await sessionCookieFor(t.app, a)
    expect((await me(cookie)).statusCode).toBe(200)
    const disabled = await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${a.username}`, headers: withKey(admin) })
    expect(disabled.json()).toMatchObject({ enabled: false })
    const ended = await me(cookie)
    expect(ended.statusCode).toBe(401)
    expect(ended.json()).toMatchObject({ code: 'LR_SESSION_ENDED', title: '登录已失效' })
    const refused = await signIn(a.username, a.password)
    expect(refused.statusCode).toBe(401)
    expect(refused.json()).toMatchObject({ code: 'LR_SIGN_IN_FAILED', detailZh: '用户名或密码错误，或账号已停用' })
    // Enabled again: signs in; signing out ends that session.
    await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${a.username}`, headers: withKey(admin), payload: { enabled: true } })
    const again = await sessionCookieFor(t.app, a)
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: again, origin: 'http://localhost:80' } })).statusCode).toBe(204)
    expect((await me(again)).statusCode).toBe(401)
  })

  it('an admin reset ends the sessions and forces a change at next sign-in', async () => {
    const a = await accountFor(t.knex, 'province')
    const cookie = await sessionCookieFor(t.app, a)
    const reset = await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${a.username}`, headers: withKey(admin), payload: { resetPassword: true } })
    expect(reset.json().account.mustChangePassword).toBe(true)
    expect((await me(cookie)).statusCode).toBe(401)
    expect((await signIn(a.username, a.password)).statusCode).toBe(401)
    const fresh = String((await signIn(a.username, reset.json().password)).headers['set-cookie']).split(';')[0]!
    expect((await me(fresh)).json().mustChangePassword).toBe(true)
  })

  it('refuses a write with a session cookie from another origin (CSRF), and one without Origin or Referer', async () => {
    const a = await accountFor(t.knex, 'county', '371502')
    const cookie = await sessionCookieFor(t.app, a)
    const post = (headers: Record<string, string>) => t.app.inject({ method: 'POST', url: '/api/v1/projects', headers: { cookie, ...headers }, payload: {} })
    const cross = await post({ origin: 'https://evil.example' })
    expect(cross.statusCode).toBe(403)
    expect(cross.json().detailZh).toMatch(/跨站请求防护/)
    expect((await post({})).statusCode).toBe(403)
    // From the console's own origin the request reaches validation (400 for the empty body), not the CSRF check.
    expect((await post({ origin: 'http://localhost:80' })).statusCode).toBe(400)
    expect((await post({ referer: 'http://localhost:80/#/projects' })).statusCode).toBe(400)
    // A key is not a cookie: scripts need no Origin.
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/projects', headers: withKey(admin), payload: {} })).statusCode).toBe(400)
  })

  it('names the officer in the audit, and a failed sign-in is recorded without the password', async () => {
    const a = await accountFor(t.knex, 'admin')
    const cookie = await sessionCookieFor(t.app, a)
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: { cookie, origin: 'http://localhost:80' },
      payload: { name: 'QGIS 县局', role: 'county', region: '371502' },
    })
    expect(res.statusCode).toBe(201)
    await signIn(a.username, 'not-the-password')
    const rows = await t.knex('audit_log').where('key_prefix', `@${a.username}`).orderBy('id').select('action', 'result', 'detail')
    expect(rows.map((r) => `${r.action}:${r.result}`)).toEqual(['session.sign-in:ok', 'key.create:ok', 'session.sign-in:denied'])
    expect(JSON.stringify(rows)).not.toContain('not-the-password')
  })

  it('throttles failed sign-ins per account and address, without refusing other accounts or addresses', async () => {
    const a = await accountFor(t.knex, 'county', '371521')
    const b = await accountFor(t.knex, 'county', '371521')
    for (let i = 0; i < 5; i++) expect((await signIn(a.username, 'wrong-password-x', '10.1.1.1')).statusCode).toBe(401)
    const slowed = await signIn(a.username, a.password, '10.1.1.1')
    expect(slowed.statusCode).toBe(429)
    expect(Number(slowed.headers['retry-after'])).toBeGreaterThan(0)
    expect(slowed.json().detailZh).toMatch(/秒后再试/)
    // Another officer behind the same NAT, and the same officer at another desk, sign in.
    expect((await signIn(b.username, b.password, '10.1.1.1')).statusCode).toBe(204)
    expect((await signIn(a.username, a.password, '10.1.1.2')).statusCode).toBe(204)
  })

  it('refuses bad accounts with Chinese reasons: a taken name, a region that does not fit the role', async () => {
    const post = (payload: object) => t.app.inject({ method: 'POST', url: '/api/v1/users', headers: withKey(admin), payload })
    await post({ username: 'li.na', displayName: '李娜', role: 'city', region: '3715' })
    expect((await post({ username: 'li.na', displayName: '李娜', role: 'city', region: '3715' })).json().detailZh).toBe('用户名 li.na 已存在')
    expect((await post({ username: 'wang', displayName: '王', role: 'county', region: '3715' })).statusCode).toBe(400)
    const county = await keyFor(t.knex, 'county', '371502')
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: withKey(county) })).statusCode).toBe(403)
  })
})

describe('sign-in throttle (unit)', () => {
  it('grows the wait per failure past the free attempts, and a distributed guess slows only unknown addresses', () => {
    let now = 0
    const th = new SignInThrottle({ freeAttempts: 2, maxDelayMs: 8000, accountWideFailures: 4, accountWindowMs: 60_000 }, () => now)
    th.succeeded('u', 'home')
    th.failed('u', 'x')
    expect(th.waitMs('u', 'x')).toBe(0)
    th.failed('u', 'x')
    expect(th.waitMs('u', 'x')).toBe(1000)
    th.failed('u', 'x')
    expect(th.waitMs('u', 'x')).toBe(2000)
    for (let i = 0; i < 5; i++) th.failed('u', 'x')
    expect(th.waitMs('u', 'x')).toBe(8000) // capped
    // 8 failures for u in the window (≥ 4): a new address waits, the known one does not.
    expect(th.waitMs('u', 'y')).toBeGreaterThan(0)
    expect(th.waitMs('u', 'home')).toBe(0)
    expect(th.waitMs('v', 'x')).toBe(0)
    now = 61_000
    expect(th.waitMs('u', 'y')).toBe(0)
  })
})
