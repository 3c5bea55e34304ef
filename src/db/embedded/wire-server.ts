// Serves a PGlite database over the Postgres wire protocol on a loopback port.
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
import fs from 'node:fs'
import net from 'node:net'
import type { PGlite } from '@electric-sql/pglite'

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102

interface Group {
  conn: Connection
  bytes: Uint8Array
}

class Connection {
  private buf: Buffer = Buffer.alloc(0)
  private pending: Buffer[] = []
  started = false
  closed = false

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    private readonly submit: (g: Group) => void,
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
          this.socket.end()
          return
        }
        this.started = true
        this.submit({ conn: this, bytes: Uint8Array.from(msg) })
        continue
      }
      if (this.buf.length < 5) return
      const len = this.buf.readInt32BE(1) + 1
      if (this.buf.length < len) return
      const type = String.fromCharCode(this.buf[0]!)
      const msg = Buffer.from(this.buf.subarray(0, len))
      this.buf = this.buf.subarray(len)
      if (type === 'X') {
        this.socket.end()
        return
      }
      this.pending.push(msg)
      // A group ends where a real backend answers with ReadyForQuery (Sync, Query) or flushes.
      if (type === 'S' || type === 'Q' || type === 'H') {
        this.submit({ conn: this, bytes: Uint8Array.from(Buffer.concat(this.pending)) })
        this.pending = []
      }
    }
  }
}

/** Forwards a group's reply message by message, holding ReadyForQuery ('Z') back to send only the last. */
class ReplyFilter {
  private partial = Buffer.alloc(0)
  private ready: Buffer | null = null

  constructor(private readonly socket: net.Socket) {}

  push(chunk: Uint8Array): void {
    const b = this.partial.length ? Buffer.concat([this.partial, chunk]) : Buffer.from(chunk)
    const out: Buffer[] = []
    let start = 0
    while (b.length - start >= 5) {
      const len = b.readInt32BE(start + 1) + 1
      if (b.length - start < len) break
      if (b[start] === 0x5a) this.ready = Buffer.from(b.subarray(start, start + len))
      else out.push(b.subarray(start, start + len))
      start += len
    }
    this.partial = Buffer.from(b.subarray(start))
    if (out.length && !this.socket.destroyed) this.socket.write(Buffer.concat(out))
  }

  end(): void {
    const rest = this.ready ? Buffer.concat([this.partial, this.ready]) : this.partial
    if (rest.length && !this.socket.destroyed) this.socket.write(rest)
  }
}

export class WireServer {
  private server: net.Server | null = null
  private readonly queue: Group[] = []
  private running = false
  private owner: Connection | null = null // the client whose transaction is open
  private nextId = 1
  private readonly connections = new Set<Connection>()

  constructor(private readonly db: PGlite) {}

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

  async listen(host = '127.0.0.1', port = 0): Promise<number> {
    this.server = net.createServer((socket) => this.accept(socket))
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject)
      this.server!.listen(port, host, () => resolve())
    })
    return (this.server.address() as net.AddressInfo).port
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true)
    const conn = new Connection(this.nextId++, socket, (g) => {
      this.queue.push(g)
      void this.pump()
    })
    this.connections.add(conn)
    socket.on('data', (d) => conn.onData(d))
    socket.on('error', () => socket.destroy())
    socket.on('close', () => void this.drop(conn))
  }

  private async drop(conn: Connection): Promise<void> {
    conn.closed = true
    this.connections.delete(conn)
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.conn === conn) this.queue.splice(i, 1)
    // A client gone in the middle of its transaction must not leave it open for the others.
    if (this.owner === conn) {
      this.owner = null
      await this.db.runExclusive(async () => {
        if (this.db.isInTransaction()) await this.db.exec('ROLLBACK')
      })
      void this.pump()
    }
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
        if (g.conn.closed) continue
        const reply = new ReplyFilter(g.conn.socket)
        await this.db.runExclusive(() => this.db.execProtocolRawStream(g!.bytes, { onRawData: (chunk: Uint8Array) => reply.push(chunk) }))
        reply.end()
        this.owner = this.db.isInTransaction() ? g.conn : null
      }
    } finally {
      this.running = false
    }
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}
