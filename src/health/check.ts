// What /health reports: database reachable, versions, backend, migrations current.
//
// /health must answer promptly while the database is at work. The embedded database has one
// connection: a probe queued behind a slow request would wait for it (up to the statement timeout and
// PGlite's reopening after it, ≈ 4 s; bench/README.md, bench:slow). So the probe has its own deadline
// (HEALTH_TIMEOUT_MS): past it, /health answers from what it knows (the last reading) that the
// database is busy, as long as the probe has not waited longer than a statement may run. One probe
// at a time: checks that arrive while one is out wait on it instead of queueing more work.
import type { Database } from '../db/connection.js'
import { migrationStatus } from '../db/migrate.js'
import type { Health } from '../schemas/health.js'

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

async function read(db: Database): Promise<Reading> {
  try {
    const { rows } = await db.knex.raw("SELECT current_setting('server_version') AS postgres, postgis_lib_version() AS postgis")
    return { ok: true, postgres: rows[0].postgres, postgis: rows[0].postgis, migrations: await migrationStatus(db.knex) }
  } catch (err) {
    // /health needs no key: say what kind of failure, never the driver's text (host, port, user names).
    return { ok: false, code: (err as { code?: string }).code ?? (err as Error).name }
  }
}

export function healthProbe(db: Database, o: HealthProbeOptions): HealthProbe {
  const started = Date.now()
  let out: { reading: Promise<Reading>; since: number } | undefined
  let last: Extract<Reading, { ok: true }> | undefined

  const probe = () => {
    if (!out) {
      // read() never rejects: an abandoned probe settles quietly.
      const current = { reading: read(db), since: Date.now() }
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
