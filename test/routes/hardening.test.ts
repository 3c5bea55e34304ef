// Issue 13's bad-input and leak cases: each answered by a 4xx problem document, never a 500, never
// SQL, PostGIS text or a key in the response.
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { adminKeyNotice } from '../../src/auth/bootstrap.js'
import { transition } from '../../src/domain/workflow.js'
import { importWorkRoot } from '../../src/import/jobs.js'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { lonLatRectangle } from '../helpers/geometry.js'

let t: TestApp & { dataDir: string }
let admin: string
let county: string
beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
  admin = await keyFor(t.knex, 'admin')
  county = await keyFor(t.knex, 'county', '371502')
})
afterAll(() => t.close())

const big = '2147483648'

describe('out-of-range numbers answer 400/404, not 500', () => {
  it.each([
    ['GET', `/api/v1/projects/${big}`],
    ['GET', `/api/v1/imports/${big}`],
    ['GET', `/api/v1/filings/${big}`],
    ['GET', `/api/v1/analysis/runs/${big}`],
    ['GET', `/api/v1/bundles/runs/${big}`],
    ['GET', `/ogc/collections/survey3/items/${big}`],
    ['GET', '/ogc/collections/survey3/items/99999999999999'],
    ['GET', '/ogc/collections/buildings/items?floors=99999999999999999999'],
  ])('%s %s', async (method, url) => {
    const res = await t.app.inject({ method: method as 'GET', url, headers: withKey(admin) })
    expect([400, 404], res.body).toContain(res.statusCode)
    expect(res.headers['content-type']).toMatch(/problem\+json/)
  })

  it('a province cursor whose timestamp was edited', async () => {
    const province = await keyFor(t.knex, 'province')
    const cursor = Buffer.from(JSON.stringify({ u: '2026-13-45T99:00:00.000000Z', i: 1, f: 'x' })).toString('base64url')
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/province/projects?cursor=${cursor}`, headers: withKey(province) })
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json().detail).toMatch(/cursor/)
  })
})

describe('PostGIS text never reaches users', () => {
  it('srid=999999 on POST /projects names the field', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(county),
      payload: { code: 'S-1', srid: 999999, geometry: lonLatRectangle(115.95, 36.45, 115.951, 36.451) },
    })
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json().errors).toEqual([expect.objectContaining({ field: 'srid' })])
    expect(res.body).not.toMatch(/spatial_ref_sys|GetProj|postgis/i)
  })
})

describe('keys do not leak', () => {
  it('a problem document does not repeat ?key=', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/ogc/collections/nothing?key=${admin}` })
    expect(res.statusCode).toBe(404)
    expect(res.body).not.toContain(admin)
    expect(res.json().instance).toBe('/ogc/collections/nothing?key=[redacted]')
  })

  it('the first admin key is printed only to a terminal', () => {
    const admin = { token: 'lr_admin_secret_token', file: '/data/admin.key' }
    expect(adminKeyNotice(admin, true)).toContain(admin.token)
    expect(adminKeyNotice(admin, false)).not.toContain(admin.token)
    expect(adminKeyNotice(admin, false)).toContain(admin.file)
  })

  it('oversized headers answer 431 problem+json', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = t.app.server.address() as AddressInfo
    const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/health', headers: { 'x-filler': 'a'.repeat(20_000) } }, (r) => {
        let body = ''
        r.on('data', (c) => (body += c))
        r.on('end', () => resolve({ status: r.statusCode!, type: String(r.headers['content-type']), body }))
      })
      req.on('error', reject)
    })
    expect(res.status).toBe(431)
    expect(res.type).toMatch(/^application\/problem\+json/)
    expect(JSON.parse(res.body)).toMatchObject({ status: 431, code: 'LR_HEADERS_TOO_LARGE', title: '请求头或查询串过长' })
  })
})

describe('a client that drops its upload', () => {
  it('is recorded as a client abort, not as the database being away', async () => {
    if (!t.app.server.listening) await t.app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = t.app.server.address() as AddressInfo
    const boundary = 'xyzzy'
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1/imports',
      headers: { ...withKey(county), 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': 10_000_000 },
    })
    req.on('error', () => {})
    req.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="layer"\r\n\r\nsurvey3\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\n`,
    )
    req.write(Buffer.alloc(100_000))
    // The client goes away mid-upload: once the service has begun writing the file to disk.
    const uploaded = () => fs.readdirSync(importWorkRoot(t.dataDir), { recursive: true }).filter((f) => String(f).endsWith('upload.zip'))
    await vi.waitFor(() => expect(uploaded()).toHaveLength(1), { timeout: 30_000 })
    req.destroy()
    const audited = () => t.knex('audit_log').first('detail', 'result').where({ action: 'POST /api/v1/imports' }).orderBy('id', 'desc')
    await expect.poll(async () => (await audited())?.detail.status, { timeout: 30_000, message: 'the audit row of the dropped upload' }).toBe(499)
  })
})

describe('uploads are private', () => {
  it('are written 0600 in 0700 directories', async () => {
    const fs = await import('node:fs')
    const os = await import('node:os')
    const path = await import('node:path')
    const { Readable } = await import('node:stream')
    const { saveUpload } = await import('../../src/import/upload.js')
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-upload-'))
    fs.chmodSync(dataDir, 0o755)
    const old = process.umask(0o022) // the usual umask, under which files came out 0644
    try {
      const saved = await saveUpload(Readable.from([Buffer.from('PK')]), 'a.zip', dataDir)
      const mode = (p: string) => fs.statSync(p).mode & 0o777
      expect(mode(saved.path)).toBe(0o600)
      for (let d = saved.workDir; d !== dataDir; d = path.dirname(d)) expect(mode(d), d).toBe(0o700)
    } finally {
      process.umask(old)
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('wording and audit', () => {
  it('spells the past tense of review actions', () => {
    const approve = transition('draft', 'approve', 'province')
    const submit = transition('city-checked', 'submit', 'county')
    expect(!approve.ok && approve.message).toMatch(/cannot be approved/)
    expect(!submit.ok && submit.message).toMatch(/cannot be submitted/)
  })

  it('quotes the tile address as written', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/tiles/survey3/1.5/0/0.mvt', headers: withKey(admin) })
    expect(res.statusCode).toBe(404)
    expect(res.json().detail).toMatch(/^no tile 1\.5\/0\/0:/)
  })

  it('a refused cross-county write names the county it tried', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(county),
      payload: { code: 'X-1', county: '371521', geometry: lonLatRectangle(115.95, 36.45, 115.951, 36.451) },
    })
    expect(res.statusCode).toBe(403)
    const row = await t.knex('audit_log').first('xzqdm', 'result').where({ request_id: res.headers['x-request-id'] })
    expect(row).toEqual({ xzqdm: '371521', result: 'denied' })
  })
})
