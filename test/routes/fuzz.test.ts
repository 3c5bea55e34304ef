// A fuzzer over every route of /openapi.json (issue 25): wrong types, huge numbers, NUL bytes, overlong
// strings and Unicode edge cases in each path parameter, query parameter and JSON body field. No input
// may answer 5xx; every 4xx is a problem document. Bounded: each route gets the same fixed list of
// values (deterministic, no timing), through inject (no sockets).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'

let t: TestApp
let admin: string
beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
  admin = await keyFor(t.knex, 'admin')
})
afterAll(() => t.close())

// Raw (already percent-encoded where needed) values for the URL; decoded ones for JSON bodies.
const urlValues = [
  '%00',
  'a%00b',
  '1e309',
  '-1e309',
  '-1',
  '0',
  '99999999999999999999999',
  '1.5',
  'NaN',
  "'%3B--",
  'x'.repeat(3000),
  '%ED%A0%80',
  '%F0%9F%98%80',
  '..%2F..%2Fetc',
  '%FF%FE',
  '[]',
  '{}',
  'true',
  '',
]
const bodyValues: unknown[] = ['\u0000', 'a\u0000b', 1e308, -1e308, 1.5, -1, 0, 'x'.repeat(20_000), '\uD800', '😀', null, true, [], {}, [1, 2], 'NaN', '']

interface Operation {
  method: string
  path: string
  params: Array<{ name: string; in: string; schema?: { type?: string } }>
  bodyProps: string[]
}

async function operations(): Promise<Operation[]> {
  const doc = (await t.app.inject({ url: '/openapi.json' })).json() as {
    paths: Record<
      string,
      Record<string, { parameters?: Operation['params']; requestBody?: { content?: Record<string, { schema?: { properties?: object } }> } }>
    >
  }
  const ops: Operation[] = []
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue
      const json = op.requestBody?.content?.['application/json']?.schema
      ops.push({ method: method.toUpperCase(), path, params: op.parameters ?? [], bodyProps: Object.keys(json?.properties ?? {}) })
    }
  }
  return ops
}

const fill = (path: string, name?: string, value?: string) =>
  path.replace(/\{([^}]+)\}/g, (_, p: string) => (p === name ? value! : p === 'county' ? '371502' : '1'))

describe('route fuzzer', () => {
  it('answers no 5xx to any parameter or body field of any route, and every error is a problem document', async () => {
    const ops = await operations()
    expect(ops.length).toBeGreaterThan(50)
    const failures: string[] = []
    let requests = 0
    const send = async (method: string, url: string, payload?: unknown) => {
      requests++
      const res = await t.app.inject({ method: method as 'GET', url, headers: withKey(admin), ...(payload !== undefined && { payload: payload as object }) })
      if (res.statusCode >= 500)
        failures.push(`${res.statusCode} ${method} ${url.slice(0, 120)} ${JSON.stringify(payload)?.slice(0, 80) ?? ''}: ${res.body.slice(0, 160)}`)
      else if (res.statusCode >= 400 && !String(res.headers['content-type']).includes('problem+json'))
        failures.push(`${res.statusCode} without problem+json: ${method} ${url.slice(0, 120)}`)
    }
    for (const op of ops) {
      // Destructive routes keep their effect to nothing here: the database is empty but for the key.
      for (const p of op.params) {
        for (const v of urlValues) {
          if (p.in === 'path') await send(op.method, fill(op.path, p.name, v))
          else if (p.in === 'query') await send(op.method, `${fill(op.path)}?${encodeURIComponent(p.name)}=${v}`)
        }
      }
      for (const field of op.bodyProps) for (const v of bodyValues) await send(op.method, fill(op.path), { [field]: v })
      if (op.method !== 'GET' && op.method !== 'DELETE') {
        for (const body of ['{', '[1,', '"\\u0000"', '{"a":"\\u0000"}', 'null', '1e309']) {
          requests++
          const res = await t.app.inject({
            method: op.method as 'POST',
            url: fill(op.path),
            headers: { ...withKey(admin), 'content-type': 'application/json' },
            payload: body,
          })
          if (res.statusCode >= 500) failures.push(`${res.statusCode} ${op.method} ${op.path} raw ${body}: ${res.body.slice(0, 160)}`)
        }
      }
    }
    expect(requests).toBeGreaterThan(1000)
    expect(failures).toEqual([])
  })

  it('answers 400 to a malformed multipart body and to multipart without a boundary', async () => {
    for (const headers of [{ 'content-type': 'multipart/form-data; boundary=x' }, { 'content-type': 'multipart/form-data' }]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...withKey(admin), ...headers }, payload: '--x\r\n' })
      expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400)
      expect(res.statusCode, res.body).toBeLessThan(500)
      expect(res.headers['content-type']).toMatch(/problem\+json/)
    }
  })
})
