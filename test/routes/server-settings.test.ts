// What a deployment sets (src/config.ts → app.ts): links from PUBLIC_URL or the arrival address,
// never the Host header; CORS for /ogc and /tiles only; compression; limits passed down; the
// statement timeout of request work (jobs none); a client abort cancels its statement; proxies.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { defaultConfig, type Config } from '../../src/config.js'
import { currentRequestWork, outsideRequest } from '../../src/db/request-work.js'
import { tileContaining } from '../../src/tiles/queries.js'
import { buildTestApp, keyFor, resetData, testDatabase, withKey, type TestApp } from '../helpers/app.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'
import { grid, gridFields } from '../ogc/helpers.js'

const { backend } = testDatabase()
const statementMs = 1500
let t: TestApp & { dataDir: string }
let key: string

/** The app with an OGC page of at most 50 and CORS for one origin; the statement timeout tests build their own. */
const settings: Partial<Config> = {
  corsOrigins: ['https://map.example.cn'],
  limits: { ...defaultConfig().limits, items: { default: 10, maximum: 50 } },
}
/** An app whose statement timeout is short, with a route that sleeps in the database. */
const withTimeout = async (ms: number) => {
  const app = await buildTestApp(sleeper, { config: { timeouts: { ...defaultConfig().timeouts, statementMs: ms } } })
  onTestFinished(() => app.close())
  return app
}
const sleeper = (app: TestApp['app']) => {
  app.get<{ Querystring: { s: string; outside?: string } }>('/test/sleep', async (request) => {
    const sql = `SELECT pg_sleep(${Number(request.query.s)}) AS slept`
    const knex = app.db.knex
    // knex runs a query when it is awaited: `.then` inside, so it starts outside the request.
    const { rows } = request.query.outside ? await outsideRequest(() => knex.raw(sql).then((r) => r)) : await knex.raw(sql)
    return { slept: rows.length, inRequest: currentRequestWork() !== undefined }
  })
}

beforeAll(async () => {
  t = await buildTestApp(undefined, { config: settings })
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
  const dir = await tempDir()
  const zip = await shapefileZip(dir, 's3', { fields: gridFields, features: grid(20, 20).features })
  expect((await importFile(t, key, { layer: 'survey3' }, zip)).status).toBe('succeeded')
})
afterAll(() => t.close())

const listen = async (app: TestApp['app']) => {
  if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 })
  return (app.server.address() as AddressInfo).port
}

/** A GET over a real socket, with any Host header (fetch would not send a false one). */
function rawGet(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (d: Buffer) => parts.push(d))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }))
    })
    req.on('error', reject)
  })
}

describe('links', () => {
  const paths = ['/ogc', '/ogc/collections', '/ogc/collections/survey3/items?limit=5', '/ogc/api', '/tiles/survey3.json']
  it('never come from the Host header: a false Host (or X-Forwarded-Host) appears in no answer', async () => {
    const port = await listen(t.app)
    for (const p of paths) {
      const sep = p.includes('?') ? '&' : '?'
      const res = await rawGet(port, `${p}${sep}key=${key}`, { host: 'evil.example', 'x-forwarded-host': 'evil.example' })
      expect(res.status, `${p}: ${res.body.toString()}`).toBe(200)
      const text = res.body.toString()
      expect(text, p).not.toContain('evil.example')
      expect(text, p).toContain(`http://127.0.0.1:${port}/`) // the address the connection arrived at
    }
    const tj = JSON.parse((await rawGet(port, `/tiles/survey3.json?key=${key}`, { host: 'evil.example' })).body.toString())
    expect(tj.tiles[0]).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/tiles/survey3/\\{z\\}/\\{x\\}/\\{y\\}\\.mvt\\?v=[A-Za-z0-9_-]{16}&key=${key}$`))
  })

  it('come from PUBLIC_URL when it is set, path prefix included', async () => {
    const behind = await buildTestApp(undefined, { config: { publicUrl: 'https://gis.example.cn/lowland' } })
    try {
      const get = (url: string) => behind.app.inject({ url, headers: { ...withKey(key), host: 'evil.example' } })
      const landing = (await get('/ogc')).json()
      expect(landing.links.map((l: { href: string }) => l.href)).toContain('https://gis.example.cn/lowland/ogc/collections')
      expect((await get('/tiles/survey3.json')).json().tiles).toEqual([
        expect.stringMatching(/^https:\/\/gis\.example\.cn\/lowland\/tiles\/survey3\/\{z\}\/\{x\}\/\{y\}\.mvt\?v=[A-Za-z0-9_-]{16}$/),
      ])
      expect((await get('/ogc/api')).json().servers).toEqual([{ url: 'https://gis.example.cn/lowland/ogc' }])
    } finally {
      await behind.close()
    }
  })
})

describe('CORS', () => {
  const origin = 'https://map.example.cn'
  const preflight = (app: TestApp['app'], url: string, from = origin) =>
    app.inject({ method: 'OPTIONS', url, headers: { origin: from, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' } })

  it('answers a preflight for /ogc and /tiles from a configured origin, without a key', async () => {
    for (const url of ['/tiles/survey3/14/13400/6300.mvt', '/ogc/collections/survey3/items']) {
      const res = await preflight(t.app, url)
      expect(res.statusCode, url).toBe(204)
      expect(res.headers['access-control-allow-origin']).toBe(origin)
      expect(String(res.headers['access-control-allow-headers'])).toMatch(/x-api-key/i)
      expect(String(res.headers['access-control-allow-methods'])).toContain('GET')
    }
    const get = await t.app.inject({ url: '/ogc/collections', headers: { ...withKey(key), origin } })
    expect(get.headers['access-control-allow-origin']).toBe(origin)
    expect(String(get.headers['access-control-expose-headers'])).toMatch(/Content-Crs/)
  })

  it('allows no other origin, and never /api/v1', async () => {
    expect((await preflight(t.app, '/ogc/collections', 'https://other.example')).headers['access-control-allow-origin']).toBeUndefined()
    const api = await preflight(t.app, '/api/v1/keys/me')
    expect(api.headers['access-control-allow-origin']).toBeUndefined()
    expect(api.statusCode).toBeGreaterThanOrEqual(400)
    const me = await t.app.inject({ url: '/api/v1/keys/me', headers: { ...withKey(key), origin } })
    expect(me.statusCode).toBe(200)
    expect(me.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('is off by default (CORS_ORIGINS empty)', async () => {
    const plain = await buildTestApp()
    try {
      expect((await preflight(plain.app, '/ogc/collections')).headers['access-control-allow-origin']).toBeUndefined()
      const get = await plain.app.inject({ url: '/ogc/collections', headers: { ...withKey(key), origin } })
      expect(get.statusCode).toBe(200)
      expect(get.headers['access-control-allow-origin']).toBeUndefined()
    } finally {
      await plain.close()
    }
  })
})

describe('compression', () => {
  const get = (url: string, encoding: string) => t.app.inject({ url, headers: { ...withKey(key), 'accept-encoding': encoding } })
  const decode = { gzip: zlib.gunzipSync, br: zlib.brotliDecompressSync } as const

  it('compresses GeoJSON, CSV, vector tiles and problem documents with br or gzip, and the content is intact', async () => {
    const plain = await get('/ogc/collections/survey3/items?limit=50', 'identity')
    expect(plain.headers['content-encoding']).toBeUndefined()
    for (const encoding of ['gzip', 'br'] as const) {
      const res = await get('/ogc/collections/survey3/items?limit=50', encoding)
      expect(res.headers['content-encoding']).toBe(encoding)
      expect(res.headers['content-type']).toMatch(/geo\+json/)
      expect(res.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3)
      expect(JSON.parse(decode[encoding](res.rawPayload).toString()).features).toEqual(plain.json().features)
    }
    const csv = await get('/ogc/collections/survey3/items?f=csv', 'gzip')
    expect(csv.headers['content-encoding']).toBe('gzip')
    expect(decode.gzip(csv.rawPayload)).toEqual((await get('/ogc/collections/survey3/items?f=csv', 'identity')).rawPayload)
    const [w, s, e, n] = (await get('/tiles/survey3.json', 'identity')).json().bounds as number[]
    const { z, x, y } = tileContaining((w! + e!) / 2, (s! + n!) / 2, 12) // the minimum zoom: every patch in one tile
    const tile = await get(`/tiles/survey3/${z}/${x}/${y}.mvt`, 'gzip')
    const rawTile = await get(`/tiles/survey3/${z}/${x}/${y}.mvt`, 'identity')
    expect([tile.statusCode, rawTile.statusCode], rawTile.body).toEqual([200, 200])
    expect(rawTile.rawPayload.length).toBeGreaterThan(1024)
    expect(tile.headers['content-encoding']).toBe('gzip')
    expect(decode.gzip(tile.rawPayload)).toEqual(rawTile.rawPayload)
    expect(String(tile.headers.vary)).toMatch(/accept-encoding/i)
    expect(String(tile.headers.vary)).toMatch(/x-api-key/i)
    // A problem document above the 1 KiB threshold: many unknown parameters listed in its detail.
    const params = Array.from({ length: 60 }, (_, i) => `unknown_parameter_${i}=1`).join('&')
    const problem = await get(`/ogc/collections/survey3/items?${params}`, 'gzip')
    expect(problem.statusCode).toBe(400)
    expect(problem.headers['content-type']).toMatch(/problem\+json/)
    expect(problem.headers['content-encoding']).toBe('gzip')
    expect(JSON.parse(decode.gzip(problem.rawPayload).toString()).code).toBe('LR_BAD_REQUEST')
  })

  it('leaves shapefile zips as they are', async () => {
    const res = await get('/ogc/collections/survey3/items?f=shapefile', 'gzip, br')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/zip')
    expect(res.headers['content-encoding']).toBeUndefined()
    expect(res.rawPayload.subarray(0, 4).toString('binary')).toBe('PK\x03\x04')
  })
})

describe('limits from the configuration', () => {
  it('bound the OGC page size and say so in the OpenAPI document', async () => {
    const get = (url: string) => t.app.inject({ url, headers: withKey(key) })
    expect((await get('/ogc/collections/survey3/items')).json().features).toHaveLength(10)
    expect((await get('/ogc/collections/survey3/items?limit=50')).json().features).toHaveLength(50)
    // Above the maximum the page is the maximum (OGC API Features: a server may cap; QGIS asks for more).
    const over = await get('/ogc/collections/survey3/items?limit=51')
    expect(over.statusCode).toBe(200)
    expect(over.json().features).toHaveLength(50)
    const api = (await get('/ogc/api')).json()
    const limit = api.paths['/collections/survey3/items'].get.parameters.find((p: { name?: string }) => p.name === 'limit')
    expect(limit.schema).toMatchObject({ maximum: 50, default: 10 })
  })
})

describe('statement timeout', () => {
  it(`stops a request's statement past STATEMENT_TIMEOUT_MS with 503 problem+json, and the service answers after (${backend})`, async () => {
    const short = await withTimeout(statementMs)
    // 600 s: were the statement not stopped, the test would time out.
    const res = await short.app.inject({ url: '/test/sleep?s=600' })
    expect(res.statusCode, res.body).toBe(503)
    expect(res.headers['content-type']).toMatch(/problem\+json/)
    expect(res.json()).toMatchObject({ code: 'LR_TIMEOUT', title: '请求处理超时' })
    expect(res.json().detail).toContain(`${statementMs / 1000} s`)
    expect((await short.app.inject({ url: '/health' })).json()).toMatchObject({ status: 'ok', database: { reachable: true } })
    expect((await short.app.inject({ url: '/ogc/collections/survey3/items?limit=1', headers: withKey(key) })).json().numberMatched).toBe(400)
  })

  it('does not apply to work outside the request (a job), nor to a statement within it', async () => {
    const short = await withTimeout(statementMs)
    const seconds = (statementMs * 1.5) / 1000
    const res = await short.app.inject({ url: `/test/sleep?s=${seconds}&outside=1` })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ slept: 1, inRequest: true })
    expect((await short.app.inject({ url: '/test/sleep?s=0.01' })).json()).toEqual({ slept: 1, inRequest: true })
  })

  it.runIf(backend === 'server')('cancels the statement of a client that goes away (server database)', async () => {
    // A statement timeout far beyond the wait below: only the cancel can end the statement in time.
    const long = await withTimeout(120_000)
    const port = await listen(long.app)
    const running = async () => {
      const { rows } = await t.knex.raw(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(59)%' AND pid <> pg_backend_pid()`,
      )
      return rows[0].n as number
    }
    const req = http.get({ host: '127.0.0.1', port, path: '/test/sleep?s=59' })
    req.on('error', () => {})
    await expect.poll(running, { timeout: 30_000, message: 'the statement to start' }).toBe(1)
    req.destroy()
    // Within 30 s, well before the 59 s the statement would take on its own: only the cancel ends it.
    await expect.poll(running, { timeout: 30_000, message: 'the statement to be cancelled' }).toBe(0)
  })
})

describe('behind a proxy', () => {
  it('TRUST_PROXY makes X-Forwarded-For the client address (failed keys counted per client, not per proxy)', async () => {
    const wrong = 'lr_AAAAAAAA_' + 'C'.repeat(32)
    const run = async (trustProxy: Config['trustProxy']) => {
      const app = await buildTestApp(undefined, { config: { trustProxy }, protection: { maxFailedKeys: 2 } })
      try {
        const from = (client: string) =>
          app.app.inject({ url: '/api/v1/keys/me', headers: { ...withKey(wrong), 'x-forwarded-for': client }, remoteAddress: '127.0.0.1' })
        for (let i = 0; i < 3; i++) await from('203.0.113.9')
        return (await from('203.0.113.10')).statusCode
      } finally {
        await app.close()
      }
    }
    expect(await run(['127.0.0.1'])).toBe(401) // another client behind the same proxy is not blocked
    expect(await run(false)).toBe(429) // without it, every client is the proxy
  })
})
