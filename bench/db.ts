// The benchmarks' PostGIS database: BENCH_DATABASE_URL, default a local lowland_bench, created if missing.
import pg from 'pg'

export const benchDatabaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/lowland_bench'

export async function ensureBenchDatabase(url = benchDatabaseUrl): Promise<void> {
  const name = new URL(url).pathname.slice(1)
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/?]*(\?|$)/, '/postgres$1') })
  await admin.connect()
  if (!(await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount) await admin.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`)
  await admin.end()
}
