// Every write is a row in audit_log: key prefix, action, object, county, result.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { lonLatRectangle } from '../helpers/geometry.js'

let t: TestApp
let admin: string
let countyA: string
let countyB: string
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())
beforeEach(async () => {
  await resetData(t.knex)
  admin = await keyFor(t.knex, 'admin')
  countyA = await keyFor(t.knex, 'county', '371502')
  countyB = await keyFor(t.knex, 'county', '371521')
})

const prefix = (token: string) => token.slice(0, 11)
const audit = () => t.knex('audit_log').orderBy('id')

describe('audit log', () => {
  it('records a successful write with key prefix, action, object and county', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(countyA),
      payload: { code: 'A-1', geometry: lonLatRectangle(115.95, 36.45, 115.951, 36.451) },
    })
    const id = res.json().id
    await t.app.inject({ method: 'PATCH', url: `/api/v1/projects/${id}`, headers: withKey(countyA), payload: { name: '新名' } })
    const rows = await audit()
    expect(rows).toHaveLength(2)
    expect(rows[0]).toMatchObject({
      key_prefix: prefix(countyA),
      action: 'project.create',
      object_type: 'project',
      object_id: String(id),
      xzqdm: '371502',
      result: 'ok',
    })
    expect(rows[1]).toMatchObject({ action: 'project.update', result: 'ok', detail: { changed: ['name'] } })
    expect(rows[0].request_id).toBe(res.headers['x-request-id'])
  })

  it('records refused and failed writes, and never the key itself', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(countyB),
      payload: { code: 'B-1', geometry: lonLatRectangle(115.95, 36.45, 115.951, 36.451) },
    })
    const id = res.json().id
    await t.knex('audit_log').delete()
    await t.app.inject({ method: 'DELETE', url: `/api/v1/projects/${id}`, headers: withKey(countyA) }) // other county: 404
    await t.app.inject({ method: 'POST', url: '/api/v1/keys', headers: withKey(countyA), payload: { name: 'x', role: 'admin' } }) // 403
    await t.app.inject({ method: 'POST', url: '/api/v1/projects', headers: withKey(countyA), payload: { code: 'Z', geometry: lonLatRectangle(0, 0, 1, 1) } }) // 422
    await t.app.inject({ method: 'POST', url: '/api/v1/projects', payload: {} }) // 401
    const rows = await audit()
    expect(rows.map((r) => [r.key_prefix, r.result, r.detail.status])).toEqual([
      [prefix(countyA), 'denied', 404],
      [prefix(countyA), 'denied', 403],
      [prefix(countyA), 'failed', 422],
      [null, 'denied', 401],
    ])
    expect(rows[0]).toMatchObject({ action: 'DELETE /api/v1/projects/:id', object_id: String(id) })
    const all = JSON.stringify(await t.knex('audit_log'))
    for (const token of [admin, countyA, countyB]) expect(all).not.toContain(token)
  })

  it('records key creation and revocation', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: withKey(admin),
      payload: { name: '聊城市局', role: 'city', region: '3715' },
    })
    const keyPrefix = created.json().key.prefix
    await t.app.inject({ method: 'DELETE', url: `/api/v1/keys/${keyPrefix}`, headers: withKey(admin) })
    const rows = await audit()
    expect(rows.map((r) => [r.key_prefix, r.action, r.object_id, r.result])).toEqual([
      [prefix(admin), 'key.create', keyPrefix, 'ok'],
      [prefix(admin), 'key.revoke', keyPrefix, 'ok'],
    ])
  })

  it('is readable through the API within the key’s region', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(countyA),
      payload: { code: 'A-1', geometry: lonLatRectangle(115.95, 36.45, 115.951, 36.451) },
    })
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(countyB),
      payload: { code: 'B-1', geometry: lonLatRectangle(115.95, 36.45, 115.951, 36.451) },
    })
    const seenByA = (await t.app.inject({ method: 'GET', url: '/api/v1/audit', headers: withKey(countyA) })).json()
    expect(seenByA.map((e: { county: string }) => e.county)).toEqual(['371502'])
    const seenByAdmin = (await t.app.inject({ method: 'GET', url: '/api/v1/audit', headers: withKey(admin) })).json()
    expect(seenByAdmin.map((e: { county: string }) => e.county)).toEqual(['371521', '371502'])
  })
})
