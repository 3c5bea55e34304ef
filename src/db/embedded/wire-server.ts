// Serves a PGlite database over the Postgres wire protocol on a Unix socket (listenSocket: no TCP port).
//
// Replaces pglite-socket's server (0.2.11): after an error in an extended-protocol query
// (Parse/Bind/Execute/Sync) PGlite 0.5.8 answers with two ReadyForQuery messages instead of one,
// so node-pg takes the second as the end of its next query and the replies stop matching the
// requests (measured: a repeated unique violation desynchronises the connection for good).
// Here each client's messages are handed over whole, up to and including Sync (or a simple
// Query), and the reply to a group carries exactly one ReadyForQuery, the last one, at its end.
//
// Several clients may connect; their message groups run one at a time, and while a transaction
// is open only the client that opened it is served.
//
// PGlite cannot stop a running statement by itself (engine.ts), so this server does what
// PostgreSQL would: it keeps each client's `SET statement_timeout` (PGlite itself is set to 0, its
// timer cannot fire mid-statement) and a statement running longer is stopped by restarting the
// engine, the client getting PostgreSQL's 57014 error; a cancel request (the protocol's, carrying
// the key this server gave the client at start-up) stops the client's running statement the same way.
//
// PGlite reads no COPY data from the protocol (its backend has no client to wait for), but reads
// files. So this server takes a client's `COPY … FROM STDIN` as PostgreSQL would (CopyInResponse,
// then CopyData until CopyDone or CopyFail) and, once the data is whole, has the engine run it as
// `COPY … FROM '<file>'` with the data as that in-memory file (engine.ts copyInFile); a CopyFail
// raises PostgreSQL's error in the engine, so a transaction around it is aborted there as on a server.
//
// A PANIC (or FATAL) ends a PostgreSQL backend; in PGlite 0.5.8 it leaves the engine's thread spinning in
// its main loop for good (measured: a full disk gives `PANIC: could not write to file
// "pg_wal/xlogtemp.N": No space left on device`, 53100, then the worker runs at full CPU and answers
// nothing). The server sees that error go by, restarts the engine as PostgreSQL's postmaster restarts
// after a crash, and ends the client's reply there: the client has its error (53100 for a full disk)
// and the connection stays usable.
import fs from 'node:fs'
import net from 'node:net'
import { randomInt } from 'node:crypto'
import { copyInFile, EngineInterrupted, type Engine } from './engine.js'

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102

interface Group {
  conn: Connection
  bytes: Uint8Array
  /** a COPY's data: the file its statement reads (engine.ts copyInFile) */
  copyData?: Uint8Array
  /** a COPY … FROM STDIN's turn came: the client is asked for its data (CopyInResponse), the engine runs nothing */
  copyIn?: Buffer
  /** the start-up packet: its reply carries the client's cancel key */
  startup?: boolean
  /** roll back the transaction a client left open when it went away */
  rollback?: boolean
}

/** A backend-ending error (PANIC, FATAL) seen in a reply: its SQLSTATE and message. */
export interface BackendEnded {
  code: string
  message: string
}

/** The severity, code and message of an ErrorResponse ('E') message, whole, type byte included. */
export function errorFields(msg: Buffer): { severity: string; code: string; message: string } {
  const fields: Record<string, string> = {}
  let at = 5
  while (at < msg.length && msg[at] !== 0) {
    const end = msg.indexOf(0, at + 1)
    if (end === -1) break
    fields[String.fromCharCode(msg[at]!)] = msg.toString('utf8', at + 1, end)
    at = end + 1
  }
  // V: the severity never translated (PostgreSQL 9.6+); S: the localised one
  return { severity: fields.V ?? fields.S ?? '', code: fields.C ?? '', message: fields.M ?? '' }
}

interface Handlers {
  submit(g: Group): void
  cancel(processId: number, secret: number): void
}

/** `SET statement_timeout …` as a client sends it (node-pg, psql), the value in ms; null when not one. */
export function statementTimeoutOf(sql: string): number | null {
  const m = /^\s*(?:SET\s+(?:SESSION\s+)?statement_timeout\s*(?:=|TO)\s*'?\s*(\d+)\s*(ms|s|min)?\s*'?|RESET\s+statement_timeout)\s*;?\s*$/i.exec(sql)
  if (!m) return null
  if (m[1] === undefined) return 0
  return Number(m[1]) * ({ ms: 1, s: 1000, min: 60_000 } as Record<string, number>)[(m[2] ?? 'ms').toLowerCase()]!
}

/**
 * `COPY … FROM STDIN …` as `COPY … FROM '<copyInFile>' …`, with the CopyInResponse a server sends for it
 * (the format, and as many columns as the list names, each in that format); null when not one.
 */
export function copyFromStdin(sql: string): { sql: string; response: Buffer } | null {
  const m = /^\s*COPY\s+([\s\S]+?)\s+FROM\s+STDIN\b([\s\S]*)$/i.exec(sql)
  if (!m) return null
  const [, target, options] = m as unknown as [string, string, string]
  const binary = /\bbinary\b/i.test(options)
  const list = /\(([^()]*)\)\s*$/.exec(target)
  const columns = list ? list[1]!.split(',').length : 0
  const response = Buffer.alloc(8 + 2 * columns)
  response.write('G', 0)
  response.writeInt32BE(response.length - 1, 1)
  response.writeInt8(binary ? 1 : 0, 5)
  response.writeInt16BE(columns, 6)
  for (let i = 0; i < columns; i++) response.writeInt16BE(binary ? 1 : 0, 8 + 2 * i)
  return { sql: `COPY ${target} FROM '${copyInFile}'${options}`, response }
}

/** A statement that fails as PostgreSQL fails a COPY whose client sent CopyFail (57014), aborting a transaction around it. */
export function copyFailed(reason: string): string {
  const literal = `'${`COPY from stdin failed: ${reason}`.replaceAll("'", "''")}'`
  return `DO $lr_copy$BEGIN RAISE EXCEPTION USING ERRCODE = '57014', MESSAGE = ${literal.replaceAll('$lr_copy$', '')}; END$lr_copy$`
}

const simpleQuery = (sql: string) => {
  const text = Buffer.from(`${sql}\0`)
  const b = Buffer.alloc(5 + text.length)
  b.write('Q', 0)
  b.writeInt32BE(4 + text.length, 1)
  text.copy(b, 5)
  return b
}

class Connection {
  private buf: Buffer = Buffer.alloc(0)
  private pending: Buffer[] = []
  started = false
  closed = false
  /** the client's statement_timeout, ms (0: none) */
  statementTimeoutMs = 0
  /** what the client must send to cancel its statement (BackendKeyData) */
  readonly secret = randomInt(1, 2 ** 31 - 1)
  /** between a COPY … FROM STDIN and its CopyDone: the statement to run and the data so far */
  private copy: { sql: string; chunks: Buffer[]; size: number } | null = null

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    private readonly handlers: Handlers,
  ) {}

  onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    for (;;) {
      if (!this.started) {
        if (this.buf.length < 8) return
        const len = this.buf.readInt32BE(0)
        if (this.buf.length < len) return
        const code = this.buf.readInt32BE(4)
        const msg = this.buf.subarray(0, len)
        this.buf = this.buf.subarray(len)
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.socket.write('N')
          continue
        }
        if (code === CANCEL_REQUEST) {
          if (len >= 16) this.handlers.cancel(msg.readInt32BE(8), msg.readInt32BE(12))
          this.socket.end()
          return
        }
        this.started = true
        this.handlers.submit({ conn: this, bytes: Uint8Array.from(msg), startup: true })
        continue
      }
      if (this.buf.length < 5) return
      const len = this.buf.readInt32BE(1) + 1
      if (this.buf.length < len) return
      const type = String.fromCharCode(this.buf[0]!)
      let msg = Buffer.from(this.buf.subarray(0, len))
      this.buf = this.buf.subarray(len)
      if (type === 'X') {
        this.socket.end()
        return
      }
      if (this.copy) {
        this.onCopyMessage(type, msg)
        continue
      }
      if (type === 'Q') {
        const sql = msg.toString('utf8', 5, len - 1)
        const copy = copyFromStdin(sql)
        if (copy) {
          this.copy = { sql: copy.sql, chunks: [], size: 0 }
          this.handlers.submit({ conn: this, bytes: new Uint8Array(), copyIn: copy.response })
          continue
        }
        const timeout = statementTimeoutOf(sql)
        if (timeout !== null) {
          this.statementTimeoutMs = timeout
          msg = simpleQuery('SET statement_timeout = 0')
        }
      }
      this.pending.push(msg)
      // A group ends where a real backend answers with ReadyForQuery (Sync, Query) or flushes.
      if (type === 'S' || type === 'Q' || type === 'H') {
        this.handlers.submit({ conn: this, bytes: Uint8Array.from(Buffer.concat(this.pending)) })
        this.pending = []
      }
    }
  }

  /** A message of the copy-in mode: CopyData kept, CopyDone runs the COPY, CopyFail fails it; Flush and Sync ignored, as a server does. */
  private onCopyMessage(type: string, msg: Buffer): void {
    const copy = this.copy!
    if (type === 'd') {
      copy.chunks.push(msg.subarray(5))
      copy.size += msg.length - 5
      return
    }
    if (type === 'H' || type === 'S') return
    this.copy = null
    if (type === 'c') {
      // a buffer of its own, transferred to the engine's thread (Buffer.concat may share Node's pool)
      const copyData = new Uint8Array(copy.size)
      let at = 0
      for (const c of copy.chunks) {
        copyData.set(c, at)
        at += c.length
      }
      this.handlers.submit({ conn: this, bytes: Uint8Array.from(simpleQuery(copy.sql)), copyData })
      return
    }
    const end = msg.indexOf(0, 5)
    const reason =
      type === 'f' ? msg.toString('utf8', 5, end === -1 ? msg.length : end) : `unexpected message type ${JSON.stringify(type)} during COPY from stdin`
    this.handlers.submit({ conn: this, bytes: Uint8Array.from(simpleQuery(copyFailed(reason))) })
  }
}

/**
 * Forwards a group's reply message by message, holding ReadyForQuery ('Z') back to send only the
 * last; in a start-up reply, the backend key is the client's own (one PGlite serves every client).
 */
class ReplyFilter {
  private partial = Buffer.alloc(0)
  private ready: Buffer | null = null
  private keySent = false

  constructor(
    private readonly socket: net.Socket,
    private readonly key: { processId: number; secret: number } | null,
    /** a PANIC or FATAL went by: the engine will answer nothing more */
    private readonly onBackendEnded: (e: BackendEnded) => void = () => {},
  ) {}

  private keyMessage(): Buffer {
    const k = Buffer.alloc(13)
    k.write('K', 0)
    k.writeInt32BE(12, 1)
    k.writeInt32BE(this.key!.processId, 5)
    k.writeInt32BE(this.key!.secret, 9)
    this.keySent = true
    return k
  }

  push(chunk: Uint8Array): void {
    if (this.ended) return
    const b = this.partial.length ? Buffer.concat([this.partial, chunk]) : Buffer.from(chunk)
    const out: Buffer[] = []
    let start = 0
    while (b.length - start >= 5) {
      const len = b.readInt32BE(start + 1) + 1
      if (b.length - start < len) break
      if (b[start] === 0x5a) this.ready = Buffer.from(b.subarray(start, start + len))
      else if (b[start] === 0x4b && this.key) out.push(this.keyMessage())
      else out.push(b.subarray(start, start + len))
      const ended = b[start] === 0x45 ? errorFields(b.subarray(start, start + len)) : null
      start += len
      if (ended && (ended.severity === 'PANIC' || ended.severity === 'FATAL')) {
        this.partial = Buffer.alloc(0)
        if (!this.socket.destroyed) this.socket.write(Buffer.concat(out))
        this.ended = true
        return this.onBackendEnded(ended)
      }
    }
    this.partial = Buffer.from(b.subarray(start))
    if (out.length && !this.socket.destroyed) this.socket.write(Buffer.concat(out))
  }

  /** The reply carried a PANIC or FATAL, already sent: nothing of the engine's may follow it. */
  ended = false

  /** After a PANIC or FATAL, the engine restarted: only ReadyForQuery is left to say. */
  readyAfterEnd(status: 'I' | 'E'): void {
    if (!this.socket.destroyed) this.socket.write(Buffer.from([0x5a, 0, 0, 0, 5, status.charCodeAt(0)]))
  }

  end(): void {
    const key = this.key && !this.keySent && this.ready ? this.keyMessage() : Buffer.alloc(0)
    const rest = this.ready ? Buffer.concat([this.partial, key, this.ready]) : this.partial
    if (rest.length && !this.socket.destroyed) this.socket.write(rest)
  }

  /** The statement was stopped or failed: PostgreSQL's error, then ReadyForQuery; a cut-off message is dropped. */
  fail(code: string, message: string, status: 'I' | 'E'): void {
    const fields = Buffer.from(`SERROR\0VERROR\0C${code}\0M${message}\0\0`)
    const error = Buffer.alloc(5 + fields.length)
    error.write('E', 0)
    error.writeInt32BE(4 + fields.length, 1)
    fields.copy(error, 5)
    const ready = Buffer.from([0x5a, 0, 0, 0, 5, status.charCodeAt(0)])
    if (!this.socket.destroyed) this.socket.write(Buffer.concat([error, ready]))
  }
}

export class WireServer {
  private server: net.Server | null = null
  private readonly queue: Group[] = []
  private running = false
  private owner: Connection | null = null // the client whose transaction is open
  private nextId = 1
  private readonly connections = new Set<Connection>()
  /** the client whose group the engine runs now */
  private current: Connection | null = null
  private interrupting: { done: Promise<void>; reason: 'timeout' | 'cancel' | 'ended' } | null = null

  constructor(
    private readonly engine: Engine,
    /** a PANIC or FATAL ended the engine's backend, just before it is restarted */
    private readonly onBackendEnded: (e: BackendEnded) => void = () => {},
  ) {}

  /**
   * Listens on a Unix socket only its owner may open (mode 0600): PGlite has no authentication, so
   * the file's permissions are the lock. A TCP port would let any local user in.
   */
  async listenSocket(socketPath: string): Promise<void> {
    fs.rmSync(socketPath, { force: true }) // left by a killed child
    this.server = net.createServer((socket) => this.accept(socket))
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject)
      this.server!.listen(socketPath, () => resolve())
    })
    fs.chmodSync(socketPath, 0o600)
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true)
    const conn = new Connection(this.nextId++, socket, {
      submit: (g) => {
        this.queue.push(g)
        void this.pump()
      },
      cancel: (processId, secret) => {
        const target = [...this.connections].find((c) => c.id === processId && c.secret === secret)
        if (target) this.stop(target, 'cancel')
      },
    })
    this.connections.add(conn)
    socket.on('data', (d) => conn.onData(d))
    socket.on('error', () => socket.destroy())
    socket.on('close', () => this.drop(conn))
  }

  private drop(conn: Connection): void {
    conn.closed = true
    this.connections.delete(conn)
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.conn === conn) this.queue.splice(i, 1)
    // A client gone in the middle of its transaction must not leave it open for the others.
    if (this.owner === conn) {
      this.queue.unshift({ conn, bytes: new Uint8Array(), rollback: true })
      void this.pump()
    }
  }

  /** Stops `conn`'s running statement (its timeout passed, or it asked to cancel). */
  private stop(conn: Connection, reason: 'timeout' | 'cancel' | 'ended'): void {
    if (this.current !== conn || this.interrupting) return
    this.interrupting = { reason, done: this.engine.interrupt() }
    void this.interrupting.done.finally(() => (this.interrupting = null))
  }

  private nextGroup(): Group | undefined {
    const i = this.owner ? this.queue.findIndex((g) => g.conn === this.owner) : 0
    return i === -1 ? undefined : this.queue.splice(i, 1)[0]
  }

  private async pump(): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      for (let g = this.nextGroup(); g; g = this.nextGroup()) {
        if (this.interrupting) await this.interrupting.done
        if (g.rollback) {
          await this.engine.rollback().catch(() => {}) // an engine that failed has no transaction left
          this.owner = null
          continue
        }
        if (g.conn.closed) continue
        if (g.copyIn) {
          g.conn.socket.write(g.copyIn)
          continue
        }
        await this.run(g)
      }
    } finally {
      this.running = false
    }
  }

  private async run(g: Group): Promise<void> {
    const reply = new ReplyFilter(g.conn.socket, g.startup ? { processId: g.conn.id, secret: g.conn.secret } : null, (e) => {
      console.error(`embedded database: ${e.code} ${e.message}; restarting the engine`)
      this.onBackendEnded(e)
      this.stop(g.conn, 'ended')
    })
    const ms = g.startup ? 0 : g.conn.statementTimeoutMs
    const timer = ms > 0 ? setTimeout(() => this.stop(g.conn, 'timeout'), ms) : null
    this.current = g.conn
    try {
      const inTransaction = await this.engine.exec(g.bytes, (chunk) => reply.push(chunk), g.copyData)
      reply.end()
      this.owner = inTransaction ? g.conn : null
      // The client went away while this group (opening its transaction) ran: drop() saw no transaction of its.
      if (this.owner?.closed) this.queue.unshift({ conn: g.conn, bytes: new Uint8Array(), rollback: true })
    } catch (err) {
      if (!(err instanceof EngineInterrupted)) {
        reply.fail((err as { code?: string }).code ?? 'XX000', `embedded database: ${(err as Error).message}`, this.owner === g.conn ? 'E' : 'I')
        return
      }
      const status = this.owner === g.conn ? 'E' : 'I'
      this.owner = null
      // the client has its error already (53100 for a full disk); what it ran is undone by the restart
      if (reply.ended) return reply.readyAfterEnd(status)
      const message = this.interrupting?.reason === 'cancel' ? 'canceling statement due to user request' : 'canceling statement due to statement timeout'
      // The engine was opened again: nothing of the client's transaction is left, as after PostgreSQL's
      // error in a transaction block, which the client ends with ROLLBACK.
      reply.fail('57014', message, status)
    } finally {
      if (timer) clearTimeout(timer)
      this.current = null
    }
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}
