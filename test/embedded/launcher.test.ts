// The embedded database child: one owner per data directory, stopped with its owner, crashes reported.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startEmbedded, type EmbeddedDatabase } from '../../src/db/embedded/launcher.js'
import { copyFromStdin, statementTimeoutOf } from '../../src/db/embedded/wire-server.js'
import { cancelStatement } from '../../src/db/request-work.js'
import { testDatabase } from '../helpers/app.js'
import { requireUnderCi, skipWithout } from '../helpers/ci.js'

let dataDir: string
let db: EmbeddedDatabase
const asRoot = process.getuid?.() === 0
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-embedded-'))
  db = await startEmbedded({ dataDir, timeoutMs: 180_000 })
})
afterAll(async () => {
  await db.stop()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('embedded database', () => {
  it('creates the database with PostGIS on first start and serves it over the wire protocol', async () => {
    expect(db.created).toBe(true)
    const client = new pg.Client(db.url)
    await client.connect()
    const { rows } = await client.query(`SELECT ST_Area(ST_GeomFromText('POLYGON((0 0,3 0,3 2,0 2,0 0))')) AS a, postgis_lib_version() AS v`)
    await client.end()
    expect(rows[0].a).toBe(6)
    expect(rows[0].v).toMatch(/^3\./)
    expect(fs.readdirSync(dataDir).sort()).toEqual(['db', 'embedded-db.lock', 'run'])
  })

  it('serves only its owner: a 0600 Unix socket in a 0700 directory, no TCP port, private files', async () => {
    expect(db.url).not.toMatch(/127\.0\.0\.1|localhost/)
    const mode = (p: string) => fs.statSync(p).mode & 0o777
    expect(mode(db.socketPath)).toBe(0o600)
    expect(mode(path.dirname(db.socketPath))).toBe(0o700)
    expect(mode(dataDir)).toBe(0o700)
    const loose: string[] = []
    const walk = (d: string) => {
      if (mode(d) !== 0o700) loose.push(d)
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name)
        if (e.isDirectory()) walk(p)
        else if (e.isFile() && mode(p) !== 0o600) loose.push(p)
      }
    }
    walk(path.join(dataDir, 'db'))
    expect(loose).toEqual([])
  })

  // Only root can try as another user; skipped elsewhere, failing under CI (which runs as root).
  it.skipIf(skipWithout(asRoot))('refuses a connection from another user (run as root: tried as nobody)', async () => {
    requireUnderCi(asRoot, 'not running as root, so no connection can be tried as another user')
    const { spawnSync } = await import('node:child_process')
    // As uid 65534 the socket's 0600 mode (and its 0700 directory) refuse the connection.
    const script = `require('net').connect(${JSON.stringify(db.socketPath)}).on('connect', () => { console.log('connected'); process.exit(0) }).on('error', (e) => { console.log(e.code); process.exit(0) })`
    const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 10_000 })
    // node itself must be runnable as that user (CI's Node 22 lives in a directory opened for it)
    expect(r.error, `${process.execPath} could not be run as uid 65534`).toBeUndefined()
    expect(r.stdout.trim()).toBe('EACCES')
  })

  it('refuses a second owner of the same data directory with a clear message', async () => {
    await expect(startEmbedded({ dataDir, timeoutMs: 60_000 })).rejects.toThrow(/in use by process \d+/)
  })

  it('reports the child’s crash, and a restart reuses the data directory', async () => {
    const crashed = new Promise<string>((resolve) => db.onCrash(resolve))
    process.kill(db.pid, 'SIGKILL')
    expect(await crashed).toMatch(/exited unexpectedly.*SIGKILL/)
    expect(fs.existsSync(path.join(dataDir, 'embedded-db.lock'))).toBe(false)

    db = await startEmbedded({ dataDir, timeoutMs: 180_000 })
    expect(db.created).toBe(false)
  })

  it('stops the child when asked, without reporting a crash', async () => {
    let crash: string | null = null
    db.onCrash((r) => (crash = r))
    const pid = db.pid
    await db.stop()
    expect(alive(pid)).toBe(false)
    expect(crash).toBeNull()
  })
})

describe('embedded wire protocol', () => {
  // The run's own database when it is embedded; otherwise one started here.
  let url: string
  let own: EmbeddedDatabase | undefined
  let dir: string | undefined
  beforeAll(async () => {
    const run = testDatabase()
    if (run.backend === 'embedded') url = run.url
    else {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-wire-'))
      own = await startEmbedded({ dataDir: dir, timeoutMs: 180_000 })
      url = own.url
    }
  })
  afterAll(async () => {
    await own?.stop()
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  })

  /** `n` clients of the database, connected, for `work`; all ended after it, however it ends. */
  async function withClients<N extends 1 | 2>(n: N, work: (clients: N extends 1 ? [pg.Client] : [pg.Client, pg.Client]) => Promise<void>): Promise<void> {
    const clients = Array.from({ length: n }, () => new pg.Client(url))
    try {
      for (const c of clients) await c.connect()
      await work(clients as Parameters<typeof work>[0])
    } finally {
      for (const c of clients) await c.end().catch(() => {})
    }
  }

  it('stays in step after repeated errors in extended-protocol queries', async () => {
    const client = new pg.Client(url)
    await client.connect()
    try {
      await client.query('DROP TABLE IF EXISTS wire_once; CREATE TABLE wire_once (a int UNIQUE)')
      await client.query('INSERT INTO wire_once VALUES ($1)', [1])
      for (let i = 0; i < 5; i++) {
        await expect(client.query('INSERT INTO wire_once VALUES ($1)', [1])).rejects.toThrow(/unique/)
        expect((await client.query('SELECT count(*)::int AS n FROM wire_once WHERE a = $1', [1])).rows).toEqual([{ n: 1 }])
      }
      // An error inside a transaction, then rollback: the session is usable again.
      await client.query('BEGIN')
      await expect(client.query('INSERT INTO wire_once VALUES ($1)', [1])).rejects.toThrow(/unique/)
      await expect(client.query('SELECT 1')).rejects.toThrow(/aborted/)
      await client.query('ROLLBACK')
      expect((await client.query('SELECT $1::int AS v', [7])).rows).toEqual([{ v: 7 }])
      await client.query('DROP TABLE wire_once')
    } finally {
      await client.end()
    }
  })

  it('stops a statement past its client’s statement_timeout (57014), serves the others after, and keeps the data', async () => {
    await withClients(2, async ([a, b]) => {
      await b.query('DROP TABLE IF EXISTS wire_kept; CREATE TABLE wire_kept (v int); INSERT INTO wire_kept VALUES (1)')
      await a.query('SET statement_timeout = 1000')
      // 600 s: were the statement not stopped, the test would time out.
      const slow = a.query('SELECT pg_sleep(600)')
      const other = b.query('SELECT count(*)::int AS n FROM wire_kept')
      await expect(slow).rejects.toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' })
      expect((await other).rows).toEqual([{ n: 1 }])
      // A write cut off inside its transaction leaves nothing; the session goes on.
      await a.query('BEGIN')
      await a.query('INSERT INTO wire_kept VALUES (2)')
      await expect(a.query('SELECT pg_sleep(600)')).rejects.toMatchObject({ code: '57014' })
      await a.query('SET statement_timeout = 0') // the restarted engine's first statements may be slow on a busy machine
      await a.query('ROLLBACK')
      expect((await a.query('SELECT count(*)::int AS n FROM wire_kept')).rows).toEqual([{ n: 1 }])
      await a.query('DROP TABLE wire_kept')
    })
  })

  it('cancels a client’s running statement on a cancel request carrying its key', async () => {
    await withClients(1, async ([a]) => {
      const slow = a.query('SELECT pg_sleep(600)')
      // Until the statement has ended: a cancel that arrives before it runs finds nothing to stop.
      const repeat = setInterval(() => cancelStatement(a), 200)
      await expect(slow.finally(() => clearInterval(repeat))).rejects.toMatchObject({ code: '57014', message: 'canceling statement due to user request' })
      expect((await a.query('SELECT 3 AS v')).rows).toEqual([{ v: 3 }])
    })
  })

  it('reads SET statement_timeout as clients write it', () => {
    expect(statementTimeoutOf('SET statement_timeout = 30000')).toBe(30_000)
    expect(statementTimeoutOf("set statement_timeout to '2s';")).toBe(2000)
    expect(statementTimeoutOf("SET SESSION statement_timeout = '1min'")).toBe(60_000)
    expect(statementTimeoutOf('RESET statement_timeout')).toBe(0)
    expect(statementTimeoutOf('SET jit = off; SET statement_timeout = 0')).toBeNull() // several statements: passed on as they are
    expect(statementTimeoutOf('SELECT 1')).toBeNull()
  })

  it('rolls back the transaction of a client gone in its middle (killed), and serves the others', async () => {
    const a = new pg.Client(url)
    const b = new pg.Client(url)
    await a.connect()
    await b.connect()
    try {
      await b.query('DROP TABLE IF EXISTS wire_gone; CREATE TABLE wire_gone (v int)')
      await a.query('BEGIN')
      await a.query('INSERT INTO wire_gone VALUES (1)')
      // As kill -9 of its process leaves it: the socket closed, no ROLLBACK, no Terminate.
      a.on('error', () => {}) // its own end, wanted here
      const closed = new Promise((r) => a.once('end', r))
      ;(a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
      await closed
      // Served only once a's transaction is rolled back (until then only a would be).
      expect((await b.query('SELECT count(*)::int AS n FROM wire_gone')).rows).toEqual([{ n: 0 }])
      await b.query('DROP TABLE wire_gone')
    } finally {
      await b.end()
    }
  })

  it('rolls back the transaction a client opened in the statement it was killed in', async () => {
    const a = new pg.Client(url)
    const b = new pg.Client(url)
    await a.connect()
    await b.connect()
    try {
      await b.query('DROP TABLE IF EXISTS wire_gone; CREATE TABLE wire_gone (v int)')
      a.on('error', () => {}) // its own end, wanted here
      const closed = new Promise((r) => a.once('end', r))
      a.query('BEGIN; INSERT INTO wire_gone VALUES (1); SELECT pg_sleep(1)').catch(() => {})
      // A delay, not a wait on a condition: the statement should be running when the client goes.
      // Were it late (the group not yet begun), the server would drop the group unrun and the test
      // would prove less, never fail wrongly.
      await new Promise((r) => setTimeout(r, 300))
      ;(a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
      await closed
      expect((await b.query('SELECT count(*)::int AS n FROM wire_gone')).rows).toEqual([{ n: 0 }])
      await b.query('DROP TABLE wire_gone')
    } finally {
      await b.end()
    }
  })

  it('keeps one client’s transaction to itself while another client waits', async () => {
    await withClients(2, async ([a, b]) => {
      await a.query('DROP TABLE IF EXISTS wire_t; CREATE TABLE wire_t (v int)')
      await a.query('BEGIN')
      await a.query('INSERT INTO wire_t VALUES (1)')
      const seenByB = b.query('SELECT count(*)::int AS n FROM wire_t') // waits for a's commit
      // A delay, not a wait on a condition: b's query should reach the server before a's next
      // statement, and nothing outside the server shows that it has. Were it late, the test would
      // prove less (b would simply come after the commit), never fail wrongly.
      await new Promise((r) => setTimeout(r, 100))
      await a.query('INSERT INTO wire_t VALUES (2)')
      await a.query('COMMIT')
      expect((await seenByB).rows).toEqual([{ n: 2 }])
      await a.query('DROP TABLE wire_t')
    })
  })

  /** A COPY … FROM STDIN through node-pg: `chunks` sent as CopyData once the server asks, after `before` resolves; then CopyDone, or CopyFail with `fail`. */
  class CopyFromStdin extends pg.Query {
    asked = false
    constructor(
      text: string,
      private readonly chunks: Array<string | Buffer>,
      private readonly opts: { before?: Promise<unknown>; fail?: string } = {},
    ) {
      super({ text })
    }
    handleCopyInResponse(connection: { sendCopyFromChunk(b: Buffer): void; endCopyFrom(): void; sendCopyFail(m: string): void }): void {
      this.asked = true
      void (async () => {
        await this.opts.before
        for (const c of this.chunks) connection.sendCopyFromChunk(typeof c === 'string' ? Buffer.from(c) : c)
        if (this.opts.fail) connection.sendCopyFail(this.opts.fail)
        else connection.endCopyFrom()
      })()
    }
  }
  const copy = (client: pg.Client, q: CopyFromStdin) =>
    new Promise<number | null>((resolve, reject) => {
      q.on('error', reject)
      q.on('end', (r: { rowCount: number | null }) => resolve(r.rowCount))
      void client.query(q as unknown as pg.Query)
    })

  it('takes COPY FROM STDIN in several CopyData messages, serving another client while the data is on its way', async () => {
    await withClients(2, async ([a, b]) => {
      await a.query('DROP TABLE IF EXISTS wire_copy; CREATE TABLE wire_copy (n int, name text)')
      let release!: () => void
      const held = new Promise<void>((r) => (release = r))
      // the rows split across messages in the middle of a line and of a character
      const text = '1\t工业用地\n2\t\\N\n3\ta\\tb\n'
      const bytes = Buffer.from(text)
      const cut = bytes.indexOf(Buffer.from('业')) + 1
      const q = new CopyFromStdin('COPY wire_copy (n, name) FROM STDIN', [bytes.subarray(0, cut), bytes.subarray(cut)], { before: held })
      const copied = copy(a, q)
      await vi.waitFor(() => expect(q.asked).toBe(true))
      expect((await b.query('SELECT count(*)::int AS n FROM wire_copy')).rows).toEqual([{ n: 0 }])
      release()
      expect(await copied).toBe(3)
      expect((await b.query('SELECT n, name FROM wire_copy ORDER BY n')).rows).toEqual([
        { n: 1, name: '工业用地' },
        { n: 2, name: null },
        { n: 3, name: 'a\tb' },
      ])
      // a refused row stores nothing and the session goes on
      await expect(copy(a, new CopyFromStdin('COPY wire_copy (n, name) FROM STDIN', ['4\tx\nfive\ty\n']))).rejects.toMatchObject({ code: '22P02' })
      expect((await a.query('SELECT count(*)::int AS n FROM wire_copy')).rows).toEqual([{ n: 3 }])
      await a.query('DROP TABLE wire_copy')
    })
  })

  it('fails a COPY whose client sends CopyFail as PostgreSQL does (57014), aborting the transaction around it', async () => {
    await withClients(1, async ([a]) => {
      await a.query('DROP TABLE IF EXISTS wire_copy_fail; CREATE TABLE wire_copy_fail (n int)')
      await a.query('BEGIN')
      await a.query('INSERT INTO wire_copy_fail VALUES (1)')
      await expect(copy(a, new CopyFromStdin('COPY wire_copy_fail FROM STDIN', ['2\n'], { fail: "the reader's file ended early" }))).rejects.toMatchObject({
        code: '57014',
        message: "COPY from stdin failed: the reader's file ended early",
      })
      await expect(a.query('SELECT 1')).rejects.toThrow(/aborted/)
      await a.query('ROLLBACK')
      expect((await a.query('SELECT count(*)::int AS n FROM wire_copy_fail')).rows).toEqual([{ n: 0 }])
      await a.query('DROP TABLE wire_copy_fail')
    })
  })

  it('answers COPY FROM STDIN with the CopyInResponse a server sends', () => {
    const r = copyFromStdin('copy "t_d7" (geom, "a", b) from stdin (FORMAT binary)')!
    expect(r.sql).toBe(`COPY "t_d7" (geom, "a", b) FROM '/tmp/lr-copy-in' (FORMAT binary)`)
    expect([...r.response]).toEqual([0x47, 0, 0, 0, 13, 1, 0, 3, 0, 1, 0, 1, 0, 1])
    const text = copyFromStdin('COPY t FROM STDIN')!
    expect(text.sql).toBe(`COPY t FROM '/tmp/lr-copy-in'`)
    expect([...text.response]).toEqual([0x47, 0, 0, 0, 7, 0, 0, 0])
    expect(copyFromStdin("COPY t FROM '/tmp/x'")).toBeNull()
    expect(copyFromStdin('SELECT 1')).toBeNull()
  })
})
