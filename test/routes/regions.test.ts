// Every path that takes a county refuses a code that is not a county of Shandong with a 400 naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { lonLatRectangle } from '../helpers/geometry.js'
import { multipart } from '../helpers/imports.js'

let t: TestApp
let admin: string
let province: string
beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
  admin = await keyFor(t.knex, 'admin')
  province = await keyFor(t.knex, 'province')
})
afterAll(() => t.close())

function expect400(res: { statusCode: number; body: string; json(): any }, field: RegExp) {
  expect(res.statusCode, res.body).toBe(400)
  const body = res.json()
  expect(JSON.stringify([body.detail, body.errors ?? []])).toMatch(field)
}

describe('unknown county codes', () => {
  it('an import into county 999999 (admin key)', async () => {
    const body = multipart({ layer: 'survey3', county: '999999' })
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...body.headers, ...withKey(admin) }, payload: body.payload })
    expect400(res, /county/)
  })

  it('a key for county 999999 or city 3712', async () => {
    expect400(
      await t.app.inject({ method: 'POST', url: '/api/v1/keys', headers: withKey(admin), payload: { name: 'x', role: 'county', region: '999999' } }),
      /region '999999'/,
    )
    expect400(
      await t.app.inject({ method: 'POST', url: '/api/v1/keys', headers: withKey(admin), payload: { name: 'x', role: 'city', region: '3712' } }),
      /region '3712'/,
    )
  })

  it.each([
    ['POST', '/api/v1/projects', { code: 'P', county: '999999', geometry: lonLatRectangle(115.95, 36.45, 115.951, 36.451) }],
    ['POST', '/api/v1/analysis/runs', { county: '999999' }],
    ['POST', '/api/v1/bundles/runs', { county: '999999' }],
    ['PUT', '/api/v1/counties/999999/stats/2025', { population: 1 }],
  ])('%s %s', async (method, url, payload) => {
    expect400(await t.app.inject({ method: method as 'POST', url, headers: withKey(admin), payload }), /county|code/)
  })

  it.each(['/api/v1/projects?county=999999', '/api/v1/layers?county=999999', '/api/v1/bundles?county=999999', '/ogc/collections/survey3/items?county=999999'])(
    'GET %s',
    async (url) => {
      expect400(await t.app.inject({ method: 'GET', url, headers: withKey(admin) }), /county/)
    },
  )

  it('province filters', async () => {
    expect400(await t.app.inject({ method: 'GET', url: '/api/v1/province/projects?county=999999', headers: withKey(province) }), /county/)
    expect400(await t.app.inject({ method: 'GET', url: '/api/v1/province/projects?city=3712', headers: withKey(province) }), /city/)
  })
})
