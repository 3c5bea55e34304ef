// What /health reports: database reachable, versions, backend, migrations current.
import type { Database } from '../db/connection.js'
import { migrationStatus } from '../db/migrate.js'
import type { Health } from '../schemas/health.js'

const started = Date.now()

export async function checkHealth(db: Database, version: string): Promise<Health> {
  const base = { backend: db.backend, version, uptimeSeconds: Math.round((Date.now() - started) / 1000) }
  try {
    const { rows } = await db.knex.raw("SELECT current_setting('server_version') AS postgres, postgis_lib_version() AS postgis")
    const migrations = await migrationStatus(db.knex)
    return {
      ...base,
      status: migrations.current ? 'ok' : 'degraded',
      database: { reachable: true, postgres: rows[0].postgres, postgis: rows[0].postgis },
      migrations,
    }
  } catch (err) {
    return {
      ...base,
      status: 'unavailable',
      // /health needs no key: say what kind of failure, never the driver's text (host, port, user names).
      database: { reachable: false, error: `the database did not answer (${(err as { code?: string }).code ?? (err as Error).name})` },
      migrations: { current: false, applied: [], pending: [] },
    }
  }
}
