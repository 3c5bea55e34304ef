// What /health reports: database reachable, versions, backend, migrations current.
//
// /health must answer promptly while the database is at work. The embedded database has one
// connection: a probe queued behind a slow request would wait for it (up to the statement timeout and
// PGlite's reopening after it, ≈ 4 s; bench/README.md, bench:slow). So the probe has its own deadline
// (HEALTH_TIMEOUT_MS): past it, /health answers from what it knows (the last reading) that the
// database is busy, as long as the probe has not waited longer than a statement may run. One probe
// at a time: checks that arrive while one is out wait on it instead of queueing more work.
import type { Database } from '../db/connection.js'
import { migrationStatus, migrationsTable, type MigrationStatus } from '../db/migrate.js'
import type { Health } from '../schemas/health.js'
import { migrations } from '../../migrations/index.js'

const migrationNames = migrations.map(([name]) => name)

type Reading = { ok: true; postgres: string; postgis: string; migrations: Health['migrations'] } | { ok: false; code: string }

export interface HealthProbe {
  check(): Promise<Health>
}

export interface HealthProbeOptions {
  version: string
  /** longest wait for the database before answering from the last reading */
  deadlineMs: number
  /** a probe out for longer than this means the database is stuck, not busy (statement timeout + reopening) */
  busyLimitMs: number
}

/**
 * The applied migrations change only when someone migrates: the service at start (src/server.ts,
 * before the first probe), or another process (`npm run migrate`, the CLI) while it runs. knex's
 * list of them takes several statements (and creates its tables when they are missing), too much
 * for every probe; so each probe runs one statement that also reads a token of the migrations
 * table (how many rows, the last id: a migration applied or undone changes it), and the list is
 * read again only when the token moved. A migration applied by another process is thus seen at
 * the next probe: /health reports it applied (the service's own list of migrations is what it is
 * compared with, so one the running code does not know is listed applied, not pending, and
 * nothing turns pending); one undone is reported pending, status degraded, until migrated again.
 */
function reader(db: Database) {
  const versions = "current_setting('server_version') AS postgres, postgis_lib_version() AS postgis"
  const undefinedTable = '42P01'
  let known: { token: string; migrations: MigrationStatus } | undefined
  const read = async (): Promise<Reading> => {
    try {
      const { rows } = await db.knex.raw(`SELECT ${versions}, (SELECT count(*) || '.' || coalesce(max(id), 0) FROM ${migrationsTable}) AS token`)
      const { postgres, postgis, token } = rows[0] as { postgres: string; postgis: string; token: string }
      if (known?.token !== token) known = { token, migrations: await migrationStatus(db.knex) }
      return { ok: true, postgres, postgis, migrations: known.migrations }
    } catch (err) {
      if ((err as { code?: string }).code !== undefinedTable) throw err
      // A database never migrated: every migration pending, and nothing created by asking.
      known = undefined
      const { rows } = await db.knex.raw(`SELECT ${versions}`)
      return { ok: true, ...(rows[0] as { postgres: string; postgis: string }), migrations: { current: false, applied: [], pending: migrationNames } }
    }
  }
  // /health needs no key: say what kind of failure, never the driver's text (host, port, user names).
  return (): Promise<Reading> => read().catch((err: unknown) => ({ ok: false, code: (err as { code?: string }).code ?? (err as Error).name }))
}

export function healthProbe(db: Database, o: HealthProbeOptions): HealthProbe {
  const started = Date.now()
  const read = reader(db)
  let out: { reading: Promise<Reading>; since: number } | undefined
  let last: Extract<Reading, { ok: true }> | undefined

  const probe = () => {
    if (!out) {
      // read() never rejects: an abandoned probe settles quietly.
      const current = { reading: read(), since: Date.now() }
      out = current
      void current.reading.then((r) => {
        if (r.ok) last = r
        if (out === current) out = undefined
      })
    }
    return out
  }

  return {
    async check() {
      const base = { backend: db.backend, version: o.version, uptimeSeconds: Math.round((Date.now() - started) / 1000) }
      const { reading, since } = probe()
      const deadline = new AbortController()
      const late = new Promise<undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), o.deadlineMs)
        deadline.signal.addEventListener('abort', () => clearTimeout(timer))
      })
      const r = await Promise.race([reading, late]).finally(() => deadline.abort())
      if (r?.ok) {
        return {
          ...base,
          status: r.migrations.current ? 'ok' : 'degraded',
          database: { reachable: true, postgres: r.postgres, postgis: r.postgis },
          migrations: r.migrations,
        }
      }
      const waitedMs = Date.now() - since
      if (!r && last && waitedMs < o.busyLimitMs) {
        // At work on a statement that the statement timeout bounds: alive, not idle.
        return {
          ...base,
          status: last.migrations.current ? 'ok' : 'degraded',
          database: { reachable: true, busy: true, waitedMs, postgres: last.postgres, postgis: last.postgis },
          migrations: last.migrations,
        }
      }
      return {
        ...base,
        status: 'unavailable',
        database: {
          reachable: false,
          error: r ? `the database did not answer (${r.code})` : `the database has not answered for ${Math.round(waitedMs / 1000)} s`,
        },
        migrations: { current: false, applied: [], pending: [] },
      }
    },
  }
}
