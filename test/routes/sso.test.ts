// Single sign-on through a trusted gateway (issue 25, optional): the gateway's header names an
// account; believed only from the gateway's address, never from anyone else; the account's office and
// enabled state decide; writes carry the console's Origin; the audit names the account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { accountFor, buildTestApp, resetData, type TestApp } from '../helpers/app.js'

let t: TestApp
let admin: { username: string }
const gateway = '10.8.0.5'
beforeAll(async () => {
  t = await buildTestApp(undefined, { config: { sso: { header: 'x-remote-user', proxies: ['10.8.0.0/24', 'loopback'] } } })
  await resetData(t.knex)
  await accountFor(t.knex, 'county', '371502', 'li.na', '李娜')
  admin = await accountFor(t.knex, 'admin', null, 'sheng.admin', '省管理员')
})
afterAll(() => t.close())

const viaGateway = (
  username: string,
  opts: { url?: string; remoteAddress?: string; method?: 'GET' | 'POST'; headers?: Record<string, string>; payload?: object } = {},
) =>
  t.app.inject({
    method: opts.method ?? 'GET',
    url: opts.url ?? '/api/v1/keys/me',
    remoteAddress: opts.remoteAddress ?? gateway,
    headers: { 'x-remote-user': username, ...opts.headers },
    ...(opts.payload && { payload: opts.payload }),
  })

describe('single sign-on through a trusted gateway', () => {
  it('maps the header from the gateway to the account, with its office', async () => {
    const res = await viaGateway('LI.NA ')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ kind: 'account', username: 'li.na', name: '李娜', role: 'county', region: '371502' })
    // the county scope holds: another county's project list is empty of it, the province route refused
    expect((await viaGateway('li.na', { url: '/api/v1/users' })).statusCode).toBe(403)
    // IPv4 arriving on a dual-stack socket, and the loopback gateway
    expect((await viaGateway('li.na', { remoteAddress: '::ffff:10.8.0.9' })).statusCode).toBe(200)
    expect((await viaGateway('li.na', { remoteAddress: '127.0.0.1' })).statusCode).toBe(200)
  })

  it('refuses the header from any other address, whatever X-Forwarded-For says', async () => {
    for (const remoteAddress of ['10.8.1.5', '192.168.1.20', '::ffff:10.9.0.5']) {
      const res = await viaGateway('sheng.admin', { remoteAddress, headers: { 'x-forwarded-for': gateway } })
      expect(res.statusCode, remoteAddress).toBe(403)
      expect(res.json()).toMatchObject({ code: 'LR_FORBIDDEN' })
      expect(res.json().detailZh).toContain('只接受来自认证网关')
    }
    expect((await viaGateway('', {})).statusCode).toBe(403)
  })

  it('refuses an unknown or disabled account, and a disabled one at once', async () => {
    const unknown = await viaGateway('wang.wu')
    expect(unknown.statusCode).toBe(403)
    expect(unknown.json().detailZh).toContain('没有账号或账号已停用')
    const extra = await accountFor(t.knex, 'county', '371502', 'zhao.liu', '赵六')
    expect((await viaGateway(extra.username)).statusCode).toBe(200)
    await t.knex('accounts').where({ username: extra.username }).update({ disabled_at: t.knex.fn.now() })
    expect((await viaGateway(extra.username)).statusCode).toBe(403)
  })

  it('writes need the console origin, and the audit names the account', async () => {
    const payload = { username: 'sun.qi', displayName: '孙七', role: 'county', region: '371502' }
    const crossSite = await viaGateway(admin.username, { method: 'POST', url: '/api/v1/users', payload, headers: { origin: 'https://evil.example' } })
    expect(crossSite.statusCode).toBe(403)
    const ok = await viaGateway(admin.username, { method: 'POST', url: '/api/v1/users', payload, headers: { origin: 'http://localhost:80' } })
    expect(ok.statusCode, ok.body).toBe(201)
    const row = await t.knex('audit_log').where({ action: 'account.create' }).orderBy('id', 'desc').first('key_prefix')
    expect(row).toEqual({ key_prefix: '@sheng.admin' })
  })

  it('is off by default, and the configuration refuses a header without gateways or a header that carries keys', () => {
    expect(loadConfig({}).sso).toBeUndefined()
    expect(loadConfig({ SSO_HEADER: 'X-Remote-User', SSO_PROXIES: '10.8.0.0/24' }).sso).toEqual({ header: 'x-remote-user', proxies: ['10.8.0.0/24'] })
    expect(() => loadConfig({ SSO_HEADER: 'X-Remote-User' })).toThrow(/SSO_PROXIES/)
    expect(() => loadConfig({ SSO_HEADER: 'Authorization', SSO_PROXIES: 'loopback' })).toThrow(/SSO_HEADER/)
    expect(() => loadConfig({ SSO_PROXIES: 'loopback' })).toThrow(/without SSO_HEADER/)
  })
})
