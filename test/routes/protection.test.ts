// Overload answers 503 with Retry-After at once instead of queueing without bound; failed key
// attempts from one address are limited (429 + Retry-After) without refusing a valid key.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'

let t: TestApp
const waiting: Array<() => void> = []
beforeAll(async () => {
  t = await buildTestApp(
    (app) => {
      app.get('/slow', async () => {
        await new Promise<void>((r) => waiting.push(r))
        return { ok: true }
      })
    },
    { protection: { maxInFlight: 2, maxFailedKeys: 3, failedKeyWindowMs: 60_000 } },
  )
  await resetData(t.knex)
})
afterAll(() => t.close())

describe('overload', () => {
  it('answers 503 problem+json with Retry-After beyond the in-flight bound, and serves again after', async () => {
    const slow = [t.app.inject({ method: 'GET', url: '/slow' }), t.app.inject({ method: 'GET', url: '/slow' })]
    // Both in their handler, so both are counted in flight.
    await vi.waitFor(() => expect(waiting).toHaveLength(2), { timeout: 30_000 })
    const res = await t.app.inject({ method: 'GET', url: '/health' })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('5')
    expect(res.headers['content-type']).toMatch(/problem\+json/)
    expect(res.json()).toMatchObject({ code: 'LR_OVERLOADED', title: '服务繁忙，请稍后重试' })
    for (const r of waiting.splice(0)) r()
    await Promise.all(slow)
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
  })
})

describe('failed key attempts', () => {
  it('are limited per address: past the limit a wrong key is refused 429 until the window ends, a valid key still served', async () => {
    const good = await keyFor(t.knex, 'admin')
    const wrong = 'lr_AAAAAAAA_' + 'B'.repeat(32)
    const from = (ip: string, key: string) => t.app.inject({ method: 'GET', url: '/api/v1/keys/me', headers: withKey(key), remoteAddress: ip })
    for (let i = 0; i < 3; i++) expect((await from('10.0.0.7', wrong)).statusCode).toBe(401)
    const blocked = await from('10.0.0.7', wrong)
    expect(blocked.statusCode).toBe(429)
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0)
    expect(blocked.headers['content-type']).toMatch(/problem\+json/)
    // A valid key is never refused for the bad ones beside it (one stale key in one QGIS project must
    // not lock a whole office out), and the block goes on for wrong keys.
    expect((await from('10.0.0.7', good)).statusCode).toBe(200)
    expect((await from('10.0.0.7', wrong)).statusCode).toBe(429)
    // Another address is not affected.
    expect((await from('10.0.0.8', good)).statusCode).toBe(200)
  })
})
