// The one way the service reaches PostgreSQL+PostGIS: knex over `pg`, whether the server is a
// real PostgreSQL (DATABASE_URL) or the embedded PGlite child.
import knexFactory, { type Knex } from 'knex'
import pg from 'pg'
import type { Config } from '../config.js'
import { startEmbedded, type EmbeddedDatabase } from './embedded/launcher.js'
import { applyRequestTimeouts, currentRequestWork } from './request-work.js'

export type Backend = 'server' | 'embedded'

export interface Database {
  knex: Knex
  backend: Backend
  /** Reports an unexpected loss of the embedded database; never fires for a server. */
  onCrash(listener: (reason: string) => void): void
  close(): Promise<void>
}

// Counts and ids fit in a double; dates stay 'YYYY-MM-DD' strings so no time zone shifts them.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v))
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v)

/** Where knex's own warnings go (pool and connection trouble); defaults to the console. */
export interface DbLogger {
  warn(message: string): void
  error(message: string): void
}

/** A dropped or refused database connection, as node-pg and PostgreSQL report it. */
export function connectionLost(e: (Error & { code?: string }) | null | undefined): boolean {
  if (!e) return false
  return (
    ['57P01', '57P02', '57P03', '08006', '08003', '08001', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE'].includes(e.code ?? '') ||
    /Connection terminated|connection is closed|Client was closed|not queryable/i.test(e.message ?? '')
  )
}

/**
 * The data directory's (or the database server's) disk is full: PostgreSQL's 53100 (disk_full), as
 * an ERROR when a table cannot grow or a PANIC when the WAL cannot (the embedded engine is then
 * restarted, wire-server.ts), or ENOSPC from a file the service writes itself (an upload).
 */
export function diskFull(e: (Error & { code?: string }) | null | undefined): boolean {
  return !!e && (e.code === '53100' || e.code === 'ENOSPC' || /No space left on device/i.test(e.message ?? ''))
}

/** node-pg refused the statement without sending it: the client already knew its connection broken or closed. */
const neverSent = (e: Error) => /is not queryable/.test(e.message ?? '')

type PooledClient = pg.Client & {
  _ending?: boolean
  _ended?: boolean
  _queryable?: boolean
  __knexTxId?: string
  __knex__disposed?: unknown
  /** when the pool made it, in the order of its connections */
  __serial?: number
}

/**
 * The pool's connections in the order it made them, and the last lost one's mark: a connection
 * found dead makes every one made before it suspect, since what ends one backend (a restart, a
 * failover, a network cut, an administrator's pg_terminate_backend over the service) mostly ends
 * them all, and node-pg learns each end only when it reads that socket, some milliseconds apart.
 * The pool replaces the suspects as it hands them out (validate); the price when a single backend
 * ended is a new connection for each idle one (a few ms each).
 */
class Generations {
  private made = 0
  private lostBefore = 0
  stamp(conn: PooledClient) {
    conn.__serial = ++this.made
  }
  lost() {
    this.lostBefore = this.made + 1
  }
  /**
   * Whether a pooled connection may be handed out (tarn asks on every acquire, after knex's own
   * check of the connection's 'error' and 'end' events): node-pg's own flags and the stamp, read
   * without a round trip.
   */
  usable(conn: PooledClient): boolean {
    return !conn._ending && !conn._ended && conn._queryable !== false && (conn.__serial ?? 0) >= this.lostBefore
  }
}

interface StatementRunner {
  query(this: StatementRunner, connection: PooledClient, statement: unknown): Promise<unknown>
  acquireConnection(): Promise<PooledClient>
  releaseConnection(connection: PooledClient): Promise<unknown>
}

/**
 * A statement that failed because its pooled connection had died (PostgreSQL terminated the
 * backend, restarted, a network cut) runs once more on a connection made after it, when running
 * it again cannot do anything twice: outside a transaction, and either never sent or the work of a
 * request whose method is safe (GET, HEAD). Otherwise the request answers 503 with Retry-After
 * (src/plugins/problems.ts).
 */
function retryOnLostConnection(client: Knex.Client, generations: Generations): void {
  const runner = client as unknown as StatementRunner
  const once = runner.query
  runner.query = async function (connection, statement) {
    // knex rewrites the statement it runs (`?` into `$1`, the response added): a retry starts from a copy.
    const pristine = typeof statement === 'object' && statement !== null ? { ...statement } : statement
    try {
      return await once.call(this, connection, statement)
    } catch (err) {
      const e = err as Error & { code?: string }
      if (!connectionLost(e)) throw err
      generations.lost()
      const repeatable = neverSent(e) || currentRequestWork()?.readOnly === true
      if (connection.__knexTxId !== undefined || !repeatable) throw err
      // Back to the pool marked dead (knex's own mark: the pool destroys it instead of handing it
      // out), before asking for another: with every connection of the pool dead and taken, waiting
      // for a fifth while holding four would never end. The runner's own release later is a no-op.
      connection.__knex__disposed = e
      await this.releaseConnection(connection)
      const fresh = await this.acquireConnection()
      try {
        return await once.call(this, fresh, pristine)
      } finally {
        await this.releaseConnection(fresh)
      }
    }
  }
}

/**
 * Runs `use` on a connection of knex's pool, for what knex's own statements cannot do (a COPY, rows
 * streamed as they arrive), and returns it to the pool after. A connection found dead is marked as
 * knex marks its own (the pool destroys it instead of handing it out again).
 */
export async function onPooledConnection<T>(knex: Knex, use: (connection: pg.Client) => Promise<T>): Promise<T> {
  const pool = knex.client as unknown as Pick<StatementRunner, 'acquireConnection' | 'releaseConnection'>
  const connection = await pool.acquireConnection()
  try {
    return await use(connection)
  } catch (err) {
    if (connectionLost(err as Error)) connection.__knex__disposed = err
    throw err
  } finally {
    await pool.releaseConnection(connection)
  }
}

/** The most connections `knex`'s pool opens (createKnex's poolMax). */
export const poolSize = (knex: Knex): number => (knex.client.config as { pool?: { max?: number } }).pool?.max ?? 1

export function createKnex(url: string, poolMax: number, logger?: DbLogger): Knex {
  const toText = (m: unknown) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))
  const generations = new Generations()
  const knex = knexFactory({
    ...(logger && {
      log: {
        warn: (m: unknown) => logger.warn(toText(m)),
        error: (m: unknown) => logger.error(toText(m)),
        deprecate: (m: unknown) => logger.warn(toText(m)),
        debug: () => {},
      },
    }),
    client: 'pg',
    connection: { connectionString: url, application_name: 'lowland-redevelopment' },
    pool: {
      min: 0,
      max: poolMax,
      idleTimeoutMillis: 30_000,
      validate: (conn: PooledClient) => generations.usable(conn),
      // PostGIS calls carry high cost estimates, so PostgreSQL JIT-compiles nearly every analysis
      // query (15–100 ms each) for nothing: the geometry work happens inside the C functions. The
      // same estimates make it start parallel workers for a 200-row tile (+8 ms each, measured).
      // No statement timeout, whatever the database's default: jobs have none, and request work
      // sets its own (request-work.ts).
      afterCreate: (conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) => {
        conn.query('SET jit = off; SET max_parallel_workers_per_gather = 0; SET statement_timeout = 0').then(
          () => {
            applyRequestTimeouts(conn)
            generations.stamp(conn)
            done(null, conn)
          },
          (err: Error) => done(err, conn),
        )
      },
    },
    acquireConnectionTimeout: 60_000,
  })
  retryOnLostConnection(knex.client, generations)
  return knex
}

/** Connect to `url` if given, otherwise start the embedded database under the data directory. */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolMax' | 'embeddedStartTimeoutMs'>,
  logger?: DbLogger,
): Promise<Database> {
  if (config.databaseUrl) {
    const knex = createKnex(config.databaseUrl, config.dbPoolMax, logger)
    return { knex, backend: 'server', onCrash: () => {}, close: () => knex.destroy() }
  }
  const embedded: EmbeddedDatabase = await startEmbedded({ dataDir: config.dataDir, timeoutMs: config.embeddedStartTimeoutMs })
  // The embedded server serves one connection at a time (see child.ts).
  const knex = createKnex(embedded.url, 1, logger)
  return {
    knex,
    backend: 'embedded',
    onCrash: (l) => embedded.onCrash(l),
    close: async () => {
      await knex.destroy()
      await embedded.stop()
    },
  }
}

/** For tests: wrap an already running database (e.g. an embedded child started once per run). */
export function attachDatabase(url: string, backend: Backend, poolMax: number, logger?: DbLogger): Database {
  const knex = createKnex(url, backend === 'embedded' ? 1 : poolMax, logger)
  return { knex, backend, onCrash: () => {}, close: () => knex.destroy() }
}
