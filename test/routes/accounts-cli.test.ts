// `npm run cli -- user …`: an operator creates, disables and resets accounts from the machine's shell;
// the printed password signs in, disabling ends the open session at once.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectRoot } from '../../src/config.js'
import { buildTestApp, resetData, testDatabase, type TestApp } from '../helpers/app.js'

let t: TestApp
let dataDir: string
beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-cli-'))
})
afterAll(async () => {
  await t.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

function cli(...args: string[]): Promise<{ code: number | null; text: string }> {
  const { url, backend } = testDatabase()
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'user', ...args], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, DB_POOL_MAX: backend === 'embedded' ? '1' : '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let text = ''
    p.stdout.on('data', (d) => (text += d))
    p.stderr.on('data', (d) => (text += d))
    p.on('exit', (code) => resolve({ code, text }))
  })
}

const signIn = (username: string, password: string) => t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password } })

describe('CLI user', () => {
  it('creates an account whose printed password signs in, resets it, and disables it (the session ends)', async () => {
    const created = await cli('create', '--username', 'liu.yang', '--name', '刘洋', '--role', 'county', '--region', '371502')
    expect(created.code, created.text).toBe(0)
    const password = /shown only now:\s+(\S+)/.exec(created.text)?.[1]
    expect(password).toBeTruthy()
    const first = await signIn('liu.yang', password!)
    expect(first.statusCode).toBe(204)
    const cookie = String(first.headers['set-cookie']).split(';')[0]!
    expect((await t.app.inject({ url: '/api/v1/keys/me', headers: { cookie } })).json()).toMatchObject({ name: '刘洋', region: '371502' })

    const reset = await cli('reset-password', 'liu.yang')
    expect(reset.code, reset.text).toBe(0)
    const fresh = /next sign-in[^:]*:\s+(\S+)/.exec(reset.text)?.[1]
    expect((await t.app.inject({ url: '/api/v1/keys/me', headers: { cookie } })).statusCode).toBe(401)
    const second = await signIn('liu.yang', fresh!)
    expect(second.statusCode).toBe(204)
    const cookie2 = String(second.headers['set-cookie']).split(';')[0]!

    const disabled = await cli('disable', 'liu.yang')
    expect(disabled.text).toMatch(/disabled; its sessions have ended/)
    expect((await t.app.inject({ url: '/api/v1/keys/me', headers: { cookie: cookie2 } })).statusCode).toBe(401)
    expect((await cli('list')).text).toMatch(/liu\.yang\tcounty\t371502\tdisabled\t刘洋/)
    // A bad region is refused with the reason, not a stack trace.
    const bad = await cli('create', '--username', 'x.y', '--name', 'X', '--role', 'county', '--region', '3715')
    expect(bad.code).not.toBe(0)
    expect(bad.text).not.toMatch(/\bat .*\.ts:\d+/)
  })
})
