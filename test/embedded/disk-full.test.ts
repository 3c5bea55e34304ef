// A full data directory (issue 25): the embedded database on a small tmpfs, filled with a file.
// PGlite answers a WAL it cannot grow with a PANIC and then hangs for good unless restarted; the
// service must fail the import with 磁盘已满, keep answering reads, work again once space returns, and
// refuse an upload with no room for it before reading its body. Mounting needs root: skipped
// elsewhere, failing under CI (which runs as root).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import app, { serverOptions } from '../../src/app.js'
import type { Config } from '../../src/config.js'
import { attachDatabase, type Database } from '../../src/db/connection.js'
import { startEmbedded, type EmbeddedDatabase } from '../../src/db/embedded/launcher.js'
import { migrateLatest } from '../../src/db/migrate.js'
import { keyFor, type TestApp } from '../helpers/app.js'
import { requireUnderCi, skipWithout } from '../helpers/ci.js'
import { importFile, multipart, tempFilesLeft, upload, waitForJob } from '../helpers/imports.js'
import { rect, shapefileZip, surveyFields } from '../helpers/shapefiles.js'

const MiB = 1024 * 1024

/** Whether this process may mount a tmpfs (root, and a kernel and container that allow it). */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-mount-probe-'))
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status === 0
  if (ok) spawnSync('umount', [dir])
  fs.rmdirSync(dir)
  return ok
}
const mountable = canMount()

/** Fills `dir`'s filesystem with a file of zeros until `leave` bytes are free. */
function fillLeaving(dir: string, leave: number): string {
  const file = path.join(dir, 'filler')
  const { bavail, bsize } = fs.statfsSync(dir)
  const fd = fs.openSync(file, 'w')
  const chunk = Buffer.alloc(MiB)
  try {
    for (let left = bavail * bsize - leave; left > 0; left -= chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, left))
  } finally {
    fs.closeSync(fd)
  }
  return file
}

const freeBytes = (dir: string) => {
  const { bavail, bsize } = fs.statfsSync(dir)
  return bavail * bsize
}

/** Sends the headers and the first bytes of a body said to be `declared` long; resolves with the answer that comes without the rest. */
function postBeginning(port: number, sent: { payload: Buffer; headers: Record<string, string> }, key: string, declared: number) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      { port, method: 'POST', path: '/api/v1/imports', headers: { ...sent.headers, 'x-api-key': key, 'content-length': String(declared) } },
      (r) => {
        let body = ''
        r.on('data', (d) => (body += d))
        r.on('end', () => {
          req.destroy()
          resolve({ status: r.statusCode!, body })
        })
      },
    )
    req.on('error', reject)
    req.write(sent.payload.subarray(0, 200))
  })
}

describe.skipIf(skipWithout(mountable))('a full data directory (tmpfs, embedded database; mounting needs root)', () => {
  let mount: string
  let fixtures: string
  let db: EmbeddedDatabase
  let database: Database
  /** uploads weighed with the default estimate and margin */
  let strict: TestApp
  /** no estimate and no margin: an upload reaches the import, which then fills the disk */
  let loose: TestApp
  let key: string
  const reserve = () => path.join(mount, 'db', 'lr-disk-reserve')

  async function build(config: Partial<Config>): Promise<TestApp> {
    const instance: FastifyInstance = Fastify(serverOptions({ logLevel: 'silent', bodyLimitBytes: MiB }, false))
    await instance.register(app, {
      database,
      config: { ...config, dataDir: mount, uploadLimitBytes: 256 * MiB },
      protection: { maxEventLoopDelayMs: 0 },
    })
    await instance.ready()
    return { app: instance, db: database, knex: database.knex, close: () => instance.close() }
  }

  beforeAll(async () => {
    requireUnderCi(mountable, 'cannot mount a tmpfs (not root, or not permitted here)')
    mount = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-disk-full-'))
    fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-disk-full-files-'))
    // A fresh database with PostGIS takes about 63 MiB, the reserve 32 MiB and needs as much again free.
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=200m', 'tmpfs', mount]).status).toBe(0)
    db = await startEmbedded({ dataDir: mount, timeoutMs: 180_000 })
    database = attachDatabase(db.url, 'embedded', 1)
    await migrateLatest(database.knex)
    const defaults = { diskSpace: { marginBytes: 64 * MiB, databaseFactor: 4 } }
    strict = await build(defaults)
    loose = await build({ diskSpace: { marginBytes: 0, databaseFactor: 0 } })
    key = await keyFor(database.knex, 'county', '371502')
  })
  afterAll(async () => {
    try {
      strict?.app.server.closeAllConnections() // a request of a failed test may still be waiting
      await strict?.close()
      await loose?.close()
      await database?.close()
      await db?.stop()
    } finally {
      // nothing stays mounted, whatever failed above (lazily, should a process still hold a file)
      if (mount && spawnSync('umount', [mount]).status !== 0) spawnSync('umount', ['-l', mount])
      if (mount) fs.rmSync(mount, { recursive: true, force: true })
      if (fixtures) fs.rmSync(fixtures, { recursive: true, force: true })
    }
  })

  it('answers a PANIC for a WAL that cannot grow, keeps the connection and serves again (the engine restarted)', async () => {
    expect(fs.existsSync(reserve())).toBe(true)
    const client = new pg.Client(db.url)
    await client.connect()
    try {
      await client.query('CREATE TABLE wal_filler (n int)')
      const filler = fillLeaving(mount, 2 * MiB)
      // Each switch starts a new 16 MiB WAL segment: soon one that finds no room.
      let error: (Error & { code?: string; severity?: string }) | null = null
      for (let i = 0; i < 20 && !error; i++) {
        error = await client.query('INSERT INTO wal_filler VALUES (1); SELECT pg_switch_wal()').then(
          () => null,
          (e: Error) => e,
        )
      }
      expect(error).toMatchObject({ code: '53100', severity: 'PANIC' })
      // the engine was restarted with the reserve's room: the same connection reads
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      expect(fs.existsSync(reserve())).toBe(false)
      fs.rmSync(filler)
      await client.query('INSERT INTO wal_filler VALUES (2)')
      await client.query('DROP TABLE wal_filler')
    } finally {
      await client.end()
    }
    // written again once there is room (tried every few seconds)
    await vi.waitFor(() => expect(fs.existsSync(reserve())).toBe(true), { timeout: 60_000, interval: 500 })
  })

  it('without the reserve, answers 57P03 while the engine cannot be opened again, and serves once space returns', async () => {
    await vi.waitFor(() => expect(fs.existsSync(reserve())).toBe(true), { timeout: 60_000, interval: 500 })
    const client = new pg.Client(db.url)
    await client.connect()
    client.on('error', () => {}) // the restart keeps the socket; nothing is expected here
    try {
      await client.query('CREATE TABLE wal_filler (n int)')
      fs.rmSync(reserve()) // as on a disk that never had room for it
      const filler = fillLeaving(mount, 2 * MiB)
      let error: (Error & { code?: string }) | null = null
      for (let i = 0; i < 20 && !error; i++) {
        error = await client.query('INSERT INTO wal_filler VALUES (1); SELECT pg_switch_wal()').then(
          () => null,
          (e: Error) => e,
        )
      }
      expect(error).toMatchObject({ code: '53100' })
      // recovery finds no room for its WAL segment: the engine stays closed, and says so at once
      await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '57P03' })
      fs.rmSync(filler)
      await vi.waitFor(async () => expect((await client.query('SELECT count(*)::int AS n FROM wal_filler')).rows[0].n).toBeGreaterThan(0), {
        timeout: 120_000,
        interval: 1000,
      })
      await client.query('DROP TABLE wal_filler')
    } finally {
      await client.end()
    }
    await vi.waitFor(() => expect(fs.existsSync(reserve())).toBe(true), { timeout: 60_000, interval: 500 })
  })

  it('fails an import that fills the disk with 磁盘已满, answers reads meanwhile, and imports again once space returns', async () => {
    // About 30 000 small parcels: a zip of a few MiB, rows and indexes of several times that.
    const features = Array.from({ length: 30_000 }, (_, i) => ({
      parts: [rect(410000 + (i % 200) * 10, 4030000 + Math.floor(i / 200) * 10, 410008 + (i % 200) * 10, 4030008 + Math.floor(i / 200) * 10)],
      values: { BSM: i + 1, DLBM: '0601', DLMC: '工业用地', ZLDWMC: `古楼街道李庄村${i}`, TBMJ: 64, CZCSXM: '201' },
    }))
    const big = await shapefileZip(fixtures, 'big', { fields: surveyFields, features })
    const filler = fillLeaving(mount, fs.statSync(big).size + 4 * MiB)

    const res = await upload(loose, key, { layer: 'survey3' }, big)
    expect(res.statusCode, res.body).toBe(202)
    const id = res.json().id as number
    let ended = false
    void loose.app.jobs.ended('import', id).finally(() => (ended = true))
    const reads: number[] = []
    while (!ended) reads.push((await loose.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: { 'x-api-key': key } })).statusCode)
    const job = await waitForJob(loose, key, id)
    expect(job.status).toBe('failed')
    expect(job.errors[0].messageZh).toMatch(/^磁盘已满/)
    expect(job.errors[0].message).toMatch(/disk is full/)
    expect(reads.length).toBeGreaterThan(0)
    expect(reads.every((s) => s === 200)).toBe(true)
    // still full: reads answer
    const list = await loose.app.inject({ method: 'GET', url: '/api/v1/imports', headers: { 'x-api-key': key } })
    expect(list.statusCode).toBe(200)
    expect(tempFilesLeft(mount)).toEqual([])

    fs.rmSync(filler)
    const small = await shapefileZip(fixtures, 'small', { fields: surveyFields, features: features.slice(0, 3) })
    const again = await importFile(loose, key, { layer: 'survey3' }, small)
    expect(again).toMatchObject({ status: 'succeeded', counts: { stored: 3 } })
  })

  it('refuses an upload with no room for it and its database growth (507, both languages), before reading the body', async () => {
    const free = freeBytes(mount)
    // Content-Length says 4 MiB; with the 64 MiB margin and 4× growth it cannot fit in what is left.
    const leave = 64 * MiB
    const filler = leave < free ? fillLeaving(mount, leave) : null
    await strict.app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const port = (strict.app.server.address() as { port: number }).port
      const sent = multipart({ layer: 'survey3' }, { path: await shapefileZip(fixtures, 'tiny', { fields: surveyFields, features: [] }), name: 'x.zip' })
      const declared = 4 * MiB
      // Only the first bytes are sent: the answer must come without the rest.
      const early = await postBeginning(port, sent, key, declared)
      expect(early.status).toBe(507)
      const doc = JSON.parse(early.body)
      expect(doc).toMatchObject({ code: 'LR_INSUFFICIENT_STORAGE', title: '磁盘已满', neededBytes: declared * 5 + 64 * MiB })
      expect(doc.detail).toMatch(/needs about \d+ MiB/)
      expect(doc.detailZh).toMatch(/^磁盘空间不足/)

      // Without Content-Length (chunked), the size is known once the file is in: refused then, and removed.
      const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ port, method: 'POST', path: '/api/v1/imports', headers: { ...sent.headers, 'x-api-key': key } }, (r) => {
          let body = ''
          r.on('data', (d) => (body += d))
          r.on('end', () => resolve({ status: r.statusCode!, body }))
        })
        req.on('error', reject)
        // written before end(): Node then sends it chunked, with no Content-Length
        req.write(sent.payload)
        req.end()
      })
      expect(chunked.status, chunked.body).toBe(507)
      expect(JSON.parse(chunked.body).detailZh).toMatch(/^磁盘空间不足/)
      expect(tempFilesLeft(mount)).toEqual([])
    } finally {
      if (filler) fs.rmSync(filler)
    }
  })

  it('answers 507 with Retry-After when the disk fills while an upload is written', async () => {
    const filler = fillLeaving(mount, 0)
    try {
      // no margin and no estimate (loose), sent chunked: nothing refuses it before the write fails
      const sent = multipart({ layer: 'survey3' }, { path: await shapefileZip(fixtures, 'tiny3', { fields: surveyFields, features: [] }), name: 'x.zip' })
      const res = await loose.app.inject({
        method: 'POST',
        url: '/api/v1/imports',
        headers: { ...sent.headers, 'x-api-key': key },
        payload: Readable.from([sent.payload]),
      })
      expect(res.statusCode, res.body).toBe(507)
      expect(res.headers['retry-after']).toBe('60')
      expect(res.json()).toMatchObject({ code: 'LR_INSUFFICIENT_STORAGE', detailZh: expect.stringMatching(/^磁盘已满/) })
      expect(res.json().detail).toMatch(/disk is full/)
      expect(tempFilesLeft(mount)).toEqual([])
    } finally {
      fs.rmSync(filler)
    }
  })

  it('with a database server (DATABASE_URL), weighs the upload file and the margin only', async () => {
    // the same database, presented to the app as a server's: the data directory holds only uploads
    const asServer = attachDatabase(db.url, 'server', 1)
    const instance = Fastify(serverOptions({ logLevel: 'silent', bodyLimitBytes: MiB }, false))
    await instance.register(app, {
      database: asServer,
      config: { diskSpace: { marginBytes: 64 * MiB, databaseFactor: 4 }, dataDir: mount, uploadLimitBytes: 1024 * MiB },
      protection: { maxEventLoopDelayMs: 0 },
    })
    await instance.listen({ port: 0, host: '127.0.0.1' })
    try {
      const port = (instance.server.address() as { port: number }).port
      const sent = multipart({ layer: 'survey3' }, { path: await shapefileZip(fixtures, 'tiny2', { fields: surveyFields, features: [] }), name: 'x.zip' })
      const declared = freeBytes(mount) // the file alone fits, not with the margin
      const res = await postBeginning(port, sent, key, declared)
      expect(res.status).toBe(507)
      const doc = JSON.parse(res.body)
      expect(doc.neededBytes).toBe(declared + 64 * MiB)
      expect(doc.detail).toMatch(/\(the file and a margin of 64 MiB\)/)
      expect(doc.detailZh).toMatch(/（文件本身及 64 MiB 余量）/)
    } finally {
      instance.server.closeAllConnections()
      await instance.close()
      await asServer.close()
    }
  })
})
