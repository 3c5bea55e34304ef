// The one way the service reaches PostgreSQL+PostGIS: knex over `pg`, whether the server is a
// real PostgreSQL (DATABASE_URL) or the embedded PGlite child.
import knexFactory, { type Knex } from 'knex'
import pg from 'pg'
import type { Config } from '../config.js'
import { startEmbedded, type EmbeddedDatabase } from './embedded/launcher.js'
import { applyRequestTimeouts } from './request-work.js'

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

export function createKnex(url: string, poolMax: number, logger?: DbLogger): Knex {
  const toText = (m: unknown) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))
  return knexFactory({
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
      // PostGIS calls carry high cost estimates, so PostgreSQL JIT-compiles nearly every analysis
      // query (15–100 ms each) for nothing: the geometry work happens inside the C functions. The
      // same estimates make it start parallel workers for a 200-row tile (+8 ms each, measured).
      // No statement timeout, whatever the database's default: jobs have none, and request work
      // sets its own (request-work.ts).
      afterCreate: (conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) => {
        conn.query('SET jit = off; SET max_parallel_workers_per_gather = 0; SET statement_timeout = 0').then(
          () => {
            applyRequestTimeouts(conn)
            done(null, conn)
          },
          (err: Error) => done(err, conn),
        )
      },
    },
    acquireConnectionTimeout: 60_000,
  })
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
