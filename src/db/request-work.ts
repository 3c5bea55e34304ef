// Request work and long work (jobs, the CLI, migrations) share one pool of connections. What tells
// them apart is whether a statement is made while serving a request: such statements run under the
// request's statement timeout and are cancelled when its client goes away; everything else runs
// without a timeout. The request is known from the async context the request plugin opens
// (src/plugins/request-work.ts), so no feature has to pass anything down to its queries.
import { AsyncLocalStorage } from 'node:async_hooks'
import net from 'node:net'
import path from 'node:path'
import type pg from 'pg'

export interface RequestWork {
  /** statement_timeout of this request's statements, ms (0 = none) */
  statementTimeoutMs: number
  /** connections running one of this request's statements now */
  running: Set<pg.Client>
  /**
   * The request's method is safe (GET, HEAD): its statements only read, so one that failed on a
   * connection found dead may be run again on another (src/db/connection.ts).
   */
  readOnly?: boolean
}

const store = new AsyncLocalStorage<RequestWork>()

/** Runs `fn` (and everything it starts) as the work of one request. */
export const asRequestWork = <T>(work: RequestWork, fn: () => T): T => store.run(work, fn)

export const currentRequestWork = (): RequestWork | undefined => store.getStore()

/**
 * Long work started while serving a request (a job queued by POST /imports) must not inherit the
 * request's timeout, nor be cancelled when the client that queued it goes away.
 */
export const outsideRequest = <T>(fn: () => T): T => store.exit(fn)

type Callback = (err: Error | null, result?: unknown) => void
type QueryFn = (...args: unknown[]) => unknown

/**
 * Makes a pool connection apply the statement timeout of the work it serves: before a statement of
 * other work than the last, `SET statement_timeout` (an extra round trip only when a connection
 * passes from a job to a request or back). The SET always precedes a BEGIN of the same work, so it
 * is never undone by a rollback. The connection starts at 0 (set in createKnex's afterCreate).
 */
export function applyRequestTimeouts(conn: pg.Client): void {
  let current = 0
  const query = conn.query.bind(conn) as QueryFn
  const wrapped: QueryFn = (...args) => {
    const work = store.getStore()
    const wanted = work?.statementTimeoutMs ?? 0
    if (wanted !== current) {
      current = wanted
      // Queued on the connection ahead of the statement; a failure (a broken connection) fails the
      // statement too, and the next statement tries the SET again.
      void (query(`SET statement_timeout = ${Math.trunc(wanted)}`) as Promise<unknown>).catch(() => (current = -1))
    }
    if (!work) return query(...args)
    const last = args.at(-1)
    if (typeof last !== 'function') return query(...args) // a promise or a submittable: not tracked
    work.running.add(conn)
    const callback: Callback = (err, result) => {
      work.running.delete(conn)
      ;(last as Callback)(err, result)
    }
    return query(...args.slice(0, -1), callback)
  }
  conn.query = wrapped as typeof conn.query
}

const CANCEL_REQUEST_CODE = 80877102

/**
 * Asks the server to cancel what `conn` is running, as PostgreSQL's protocol does it: a new
 * connection carrying the backend's process id and secret key (no login). The statement then fails
 * with 57014; a connection that has finished meanwhile is left alone by the server.
 */
export function cancelStatement(conn: pg.Client): void {
  const c = conn as unknown as { processID?: number; secretKey?: number; connectionParameters: { host: string; port: number } }
  if (c.processID === undefined || c.secretKey === undefined) return
  const { host, port } = c.connectionParameters
  const socket = host.startsWith('/') ? net.connect(path.join(host, `.s.PGSQL.${port}`)) : net.connect(port, host)
  socket.on('error', () => socket.destroy())
  socket.on('connect', () => {
    const packet = Buffer.alloc(16)
    packet.writeInt32BE(16, 0)
    packet.writeInt32BE(CANCEL_REQUEST_CODE, 4)
    packet.writeInt32BE(c.processID!, 8)
    packet.writeInt32BE(c.secretKey!, 12)
    socket.end(packet)
  })
}
