// Key scoping: a key reads and writes only inside its region; revoked keys are refused at once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { lonLatRectangle } from '../helpers/geometry.js'

let t: TestApp
let admin: string
let countyA: string // 东昌府区 371502
let countyB: string // 阳谷县 371521
let cityLiaocheng: string // 聊城市 3715
let province: string
let projectB: number

beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())

beforeEach(async () => {
  await resetData(t.knex)
  admin = await keyFor(t.knex, 'admin')
  countyA = await keyFor(t.knex, 'county', '371502')
  countyB = await keyFor(t.knex, 'county', '371521')
  cityLiaocheng = await keyFor(t.knex, 'city', '3715')
  province = await keyFor(t.knex, 'province')
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: withKey(countyB),
    payload: { code: 'YG-001', geometry: lonLatRectangle(115.78, 36.11, 115.781, 36.111) },
  })
  expect(res.statusCode).toBe(201)
  expect(res.json().county).toBe('371521') // a county key writes to its own county by default
  projectB = res.json().id
})

const get = (key: string, url: string) => t.app.inject({ method: 'GET', url, headers: withKey(key) })

describe('no key or a bad key', () => {
  it('gets 401 without a key, with a malformed key, and with an unknown key', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/projects' })).statusCode).toBe(401)
    expect((await get('not-a-key', '/api/v1/projects')).statusCode).toBe(401)
    expect((await get(`lr_AAAAAAAA_${'x'.repeat(32)}`, '/api/v1/projects')).statusCode).toBe(401)
  })

  it('accepts the key as a Bearer token too', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/keys/me', headers: { authorization: `Bearer ${countyA}` } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ role: 'county', region: '371502' })
  })
})

describe('county keys', () => {
  it('cannot read another county’s project: 404, as if it did not exist', async () => {
    expect((await get(countyA, `/api/v1/projects/${projectB}`)).statusCode).toBe(404)
    expect((await get(countyB, `/api/v1/projects/${projectB}`)).statusCode).toBe(200)
  })

  it('do not see another county’s projects in lists, even when asking for that county', async () => {
    expect((await get(countyA, '/api/v1/projects')).json()).toMatchObject({ total: 0, items: [] })
    expect((await get(countyA, '/api/v1/projects?county=371521')).json()).toMatchObject({ total: 0 })
    expect((await get(countyB, '/api/v1/projects')).json().total).toBe(1)
  })

  it('cannot change or delete another county’s project, and nothing changes', async () => {
    const patch = await t.app.inject({ method: 'PATCH', url: `/api/v1/projects/${projectB}`, headers: withKey(countyA), payload: { name: '篡改' } })
    expect(patch.statusCode).toBe(404)
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/projects/${projectB}`, headers: withKey(countyA) })
    expect(del.statusCode).toBe(404)
    const row = await t.knex('projects').where({ id: projectB }).first()
    expect(row.name).toBeNull()
  })

  it('cannot create a project in another county', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(countyA),
      payload: { code: 'X-1', county: '371521', geometry: lonLatRectangle(115.7, 36.1, 115.701, 36.101) },
    })
    expect(res.statusCode).toBe(403)
    expect(await t.knex('projects').where({ code: 'X-1' }).first()).toBeUndefined()
  })

  it('can change their own project', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/projects/${projectB}`,
      headers: withKey(countyB),
      payload: { name: '阳谷老厂区', approach: 'retreat-secondary' },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ name: '阳谷老厂区', approach: 'retreat-secondary' })
  })
})

describe('city and province keys', () => {
  it('a city key sees its counties only', async () => {
    expect((await get(cityLiaocheng, `/api/v1/projects/${projectB}`)).statusCode).toBe(200)
    const jinan = await keyFor(t.knex, 'city', '3701')
    expect((await get(jinan, `/api/v1/projects/${projectB}`)).statusCode).toBe(404)
  })

  it('a city key must name the county it writes to', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(cityLiaocheng),
      payload: { code: 'C-1', geometry: lonLatRectangle(115.7, 36.1, 115.701, 36.101) },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().detail).toMatch(/county/)
  })

  it('a province key sees every county', async () => {
    expect((await get(province, `/api/v1/projects/${projectB}`)).statusCode).toBe(200)
  })
})

describe('key management', () => {
  it('only admin keys manage keys', async () => {
    for (const key of [countyA, cityLiaocheng, province]) {
      expect((await get(key, '/api/v1/keys')).statusCode).toBe(403)
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/keys', headers: withKey(key), payload: { name: 'x', role: 'admin' } })
      expect(res.statusCode).toBe(403)
    }
    expect(await t.knex('api_keys').where({ name: 'x' }).first()).toBeUndefined()
  })

  it('stores only a SHA-256 hash and a visible prefix, and shows the secret once', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: withKey(admin),
      payload: { name: '东昌府区自然资源局', role: 'county', region: '371502' },
    })
    expect(res.statusCode).toBe(201)
    const { token, key } = res.json()
    expect(token.startsWith(key.prefix + '_')).toBe(true)
    const row = await t.knex('api_keys').where({ prefix: key.prefix }).first()
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.stringify(row)).not.toContain(token)
    const list = await get(admin, '/api/v1/keys')
    expect(JSON.stringify(list.json())).not.toContain(token)
  })

  it('refuses a region that does not fit the role', async () => {
    const bad = [
      { name: 'a', role: 'county', region: '3715' },
      { name: 'b', role: 'city' },
      { name: 'c', role: 'province', region: '3715' },
    ]
    for (const payload of bad) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/keys', headers: withKey(admin), payload })
      expect(res.statusCode).toBe(400)
    }
  })

  it('refuses a revoked key at once', async () => {
    expect((await get(countyB, '/api/v1/projects')).statusCode).toBe(200)
    const prefix = countyB.slice(0, 11)
    const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/keys/${prefix}`, headers: withKey(admin) })
    expect(res.statusCode).toBe(200)
    expect(res.json().revokedAt).toBeTruthy()
    const after = await get(countyB, '/api/v1/projects')
    expect(after.statusCode).toBe(401)
    expect(after.json().detail).toMatch(/revoked/)
  })
})
