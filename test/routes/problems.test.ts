import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'

let t: TestApp
let admin: string
beforeAll(async () => {
  t = await buildTestApp((app) => {
    app.get('/boom', async () => {
      throw new Error('secret internal detail')
    })
  })
  await resetData(t.knex)
  admin = await keyFor(t.knex, 'admin')
})
afterAll(() => t.close())

const han = /[\u4e00-\u9fff]/

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, type: string) {
  expect(res.statusCode).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  const body = res.json()
  expect(body).toMatchObject({ type, status })
  expect(body.title).toMatch(han) // Chinese title
  expect(body.detail).toMatch(/^[\x20-\x7e\u2018-\u201d–°]+$/) // English detail
  expect(typeof body.instance).toBe('string')
  expect(body.requestId).toBe(res.headers['x-request-id'])
  return body
}

describe('errors are RFC 7807 problem+json', () => {
  it('for a missing key', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/projects' })
    const body = expectProblem(res, 401, '/problems/unauthorized')
    expect(body.code).toBe('LR_UNAUTHORIZED')
  })

  it('for an unknown route', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' })
    expectProblem(res, 404, '/problems/not-found')
  })

  it('for a body that fails the schema, listing each error with its path', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(admin),
      payload: { code: '', county: '37150', geometry: { type: 'Point', coordinates: [1, 2] } },
    })
    const body = expectProblem(res, 400, '/problems/validation')
    expect(body.errors.length).toBeGreaterThanOrEqual(2)
    expect(body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['body/code', 'body/county']))
  })

  it('for malformed JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: { ...withKey(admin), 'content-type': 'application/json' },
      payload: '{"code": ',
    })
    expectProblem(res, 400, '/problems/bad-request')
  })

  it('for a body over the size limit', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: { ...withKey(admin), 'content-type': 'application/json' },
      payload: JSON.stringify({ code: 'x'.repeat(2 * 1024 * 1024) }),
    })
    expectProblem(res, 413, '/problems/payload-too-large')
  })

  it('for an internal error, without leaking its message', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/boom' })
    const body = expectProblem(res, 500, '/problems/internal')
    expect(JSON.stringify(body)).not.toContain('secret internal detail')
    expect(body.detail).toContain(body.requestId)
  })

  it('with dereferenceable types', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/problems/not-found' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ type: '/problems/not-found', status: 404, code: 'LR_NOT_FOUND' })
  })

  it('keeping a client request id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/projects', headers: { 'x-request-id': 'desk-42' } })
    expect(res.headers['x-request-id']).toBe('desk-42')
    expect(res.json().requestId).toBe('desk-42')
  })
})
