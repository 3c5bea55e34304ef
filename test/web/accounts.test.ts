/// <reference lib="dom" />
// Named accounts in the console (issue 25): an admin creates an officer's account in 账号管理 and reads
// its initial password once; the officer's first sign-in must change it; signing out ends the session
// (the old cookie is refused); a reset from 账号管理 sends the open page back to sign-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData } from '../helpers/app.js'
import { signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
let admin: string
beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  admin = await keyFor(w.t.knex, 'admin', null, '系统管理员')
})
afterAll(async () => w?.close())

describe('accounts in the console', () => {
  it('an admin creates an account; the officer changes the initial password, signs out, and the old session is refused', async () => {
    const { context: adminContext, page: adminPage } = await signedIn(w, admin, { width: 1440, height: 900 })
    await adminPage.click('nav a[href="#/accounts"]')
    await adminPage.waitForSelector('#accounts-table')
    await adminPage.fill('#account-username', 'zhao.min')
    await adminPage.fill('#account-name', '赵敏')
    await adminPage.selectOption('#account-role', 'county')
    await adminPage.fill('#account-region', '371502')
    await adminPage.click('#account-create button[type=submit]')
    await adminPage.waitForSelector('#initial-password')
    const initial = /：(\S+)$/.exec((await adminPage.textContent('#initial-password'))!)![1]!
    await adminPage.waitForSelector('#accounts-table tr[data-username="zhao.min"]')
    expect(await adminPage.textContent('#accounts-table tr[data-username="zhao.min"]')).toContain('待改密码')

    const context = await w.browser.newContext({ locale: 'zh-CN' })
    const page = await context.newPage()
    await page.goto(`${w.baseUrl}/`)
    await page.fill('#username', 'zhao.min')
    await page.fill('#password', 'wrong-password-1')
    await page.click('#sign-in button[type=submit]')
    await expect.poll(() => page.textContent('#sign-in [role="alert"]')).toContain('用户名或密码错误')
    await page.fill('#password', initial)
    await page.click('#sign-in button[type=submit]')
    await page.waitForSelector('#must-change')
    await page.fill('#new-password', '123456789012')
    await page.fill('#new-password-again', '123456789012')
    await page.click('#password-change button[type=submit]')
    await expect.poll(() => page.textContent('#password-change [role="alert"]')).toContain('密码过于常见')
    await page.fill('#new-password', 'Liaocheng-Survey-2026')
    await page.fill('#new-password-again', 'Liaocheng-Survey-2026')
    await page.click('#password-change button[type=submit]')
    await page.waitForSelector('#principal')
    expect(await page.textContent('#principal')).toContain('赵敏')
    const cookie = (await context.cookies()).find((c) => c.name === 'lr_session')!
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' })

    await page.click('#sign-out')
    await page.waitForSelector('#sign-in')
    const replay = await fetch(`${w.baseUrl}/api/v1/keys/me`, { headers: { cookie: `lr_session=${cookie.value}` } })
    expect(replay.status).toBe(401)

    // Signed in again; the admin resets the password; the next request sends the page to sign-in.
    await page.fill('#username', 'zhao.min')
    await page.fill('#password', 'Liaocheng-Survey-2026')
    await page.click('#sign-in button[type=submit]')
    await page.waitForSelector('#principal')
    await adminPage.evaluate(() => document.getElementById('initial-password')?.remove()) // the creation's message
    adminPage.once('dialog', (d) => d.accept())
    await adminPage.click('#accounts-table tr[data-username="zhao.min"] button.reset')
    await adminPage.waitForSelector('#initial-password:has-text("赵敏")')
    await page.evaluate(() => (location.hash = '#/projects'))
    await page.waitForSelector('#sign-in', { timeout: 30_000 })
    expect(await page.textContent('#sign-in [role="alert"]')).toContain('登录已失效')
    // The audit names the officer.
    const audit = await w.t.knex('audit_log').where({ key_prefix: '@zhao.min', action: 'account.change-password' }).first()
    expect(audit).toBeTruthy()
    await context.close()
    await adminContext.close()
  })
})
