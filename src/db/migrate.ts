// Runs the knex migrations listed in migrations/index.ts.
import type { Knex } from 'knex'
import { migrations } from '../../migrations/index.js'

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => migrations.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = migrations.find(([n]) => n === name)
    if (!found) throw new Error(`unknown migration ${name}`)
    return found[1]
  },
}

/** The table where knex records the applied migrations (read by /health, src/health/check.ts). */
export const migrationsTable = 'knex_migrations'

const config: Knex.MigratorConfig = { migrationSource: source, tableName: migrationsTable }

export interface MigrationStatus {
  applied: string[]
  pending: string[]
  current: boolean
}

export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(config)) as [number, string[]]
  return applied
}

export async function migrateDown(knex: Knex, all = false): Promise<string[]> {
  const [, reverted] = (await knex.migrate.rollback(config, all)) as [number, string[]]
  return reverted
}

/** Applies the next pending migration only, or undoes the last applied one (knex's up/down), returning its name. */
export async function migrateStep(knex: Knex, direction: 'up' | 'down'): Promise<string[]> {
  const [, names] = (await (direction === 'up' ? knex.migrate.up(config) : knex.migrate.down(config))) as [number, string[]]
  return names
}

export async function migrationStatus(knex: Knex): Promise<MigrationStatus> {
  const [done, pending] = (await knex.migrate.list(config)) as [Array<{ name: string }>, Array<string>]
  const applied = done.map((m) => m.name)
  const pendingNames = pending.map((m) => (typeof m === 'string' ? m : (m as { file: string }).file))
  return { applied, pending: pendingNames, current: pendingNames.length === 0 }
}
