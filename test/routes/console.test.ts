// The console's static files and MapLibre are served without touching the API's behaviour; the
// review steps a key may take come from the workflow's own rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
})
afterAll(async () => t?.close())

describe('console files', () => {
  it('serves the page at / and MapLibre from its npm package, without a key', async () => {
    const page = await t.app.inject({ url: '/' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.body).toContain('<script type="module" src="/app.js">')
    const lib = await t.app.inject({ url: '/vendor/maplibre-gl/maplibre-gl.mjs' })
    expect(lib.statusCode).toBe(200)
    expect(lib.headers['content-type']).toMatch(/javascript/)
    expect((await t.app.inject({ url: '/vendor/maplibre-gl/maplibre-gl-worker.mjs' })).statusCode).toBe(200)
    expect((await t.app.inject({ url: '/strings.js' })).statusCode).toBe(200)
    // the map's search (proj4) and measuring tool (GeographicLib), from their packages
    for (const url of ['/vendor/proj4/proj4.js', '/vendor/geographiclib/geographiclib-geodesic.min.js']) {
      const res = await t.app.inject({ url })
      expect(res.statusCode, url).toBe(200)
      expect(res.headers['content-type'], url).toMatch(/javascript/)
    }
  })

  it('leaves every other path to the service: unknown paths are problem documents, /api still needs a key', async () => {
    for (const url of [
      '/no-such-page',
      '/api/v1/no-such',
      '/vendor/maplibre-gl/../package.json',
      '/vendor/maplibre-gl/maplibre-gl.mjs.map',
      '/vendor/proj4/proj4-src.js',
      '/vendor/geographiclib/package.json',
      '/vendor/geographiclib/src/Geodesic.js',
    ]) {
      const res = await t.app.inject({ url })
      expect(res.statusCode, url).toBe(404)
      expect(res.headers['content-type'], url).toMatch(/problem\+json/)
    }
    expect((await t.app.inject({ url: '/api/v1/layers' })).statusCode).toBe(401)
    expect((await t.app.inject({ url: '/health' })).statusCode).toBe(200)
  })
})

describe('GET /api/v1/projects/{id}/actions', () => {
  it('offers each office only its own step, and says when the attributes are frozen', async () => {
    const county = await keyFor(t.knex, 'county', '371502')
    const city = await keyFor(t.knex, 'city', '3715')
    const province = await keyFor(t.knex, 'province')
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(county),
      payload: {
        code: 'ACT-1',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [115.95, 36.4],
              [115.952, 36.4],
              [115.952, 36.402],
              [115.95, 36.402],
              [115.95, 36.4],
            ],
          ],
        },
      },
    })
    expect(created.statusCode, created.body).toBe(201)
    const id = created.json().id
    const actions = async (key: string) => (await t.app.inject({ url: `/api/v1/projects/${id}/actions`, headers: withKey(key) })).json()
    expect(await actions(county)).toEqual({
      status: 'draft',
      actions: [{ action: 'submit', actionZh: '县级提交', needsReason: false, fieldCheck: 'none' }],
      attributesLocked: false,
      editableWhenLocked: ['milestoneType', 'milestoneDate', 'milestoneEvidence'],
      milestoneActions: [],
    })
    expect((await actions(city)).actions).toEqual([])
    expect((await actions(province)).actions).toEqual([])
    await t.app.inject({ method: 'POST', url: `/api/v1/projects/${id}/transitions`, headers: withKey(county), payload: { action: 'submit' } })
    expect((await actions(county)).actions).toEqual([])
    expect((await actions(county)).attributesLocked).toBe(true)
    expect((await actions(city)).actions.map((a: { action: string; fieldCheck: string }) => [a.action, a.fieldCheck])).toEqual([
      ['check', 'required'],
      ['return', 'optional'],
    ])
    expect((await actions(province)).actions).toEqual([])
    const other = await keyFor(t.knex, 'county', '371503')
    expect((await t.app.inject({ url: `/api/v1/projects/${id}/actions`, headers: withKey(other) })).statusCode).toBe(404)
  })
})
