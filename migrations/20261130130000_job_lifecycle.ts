// Bundle runs join the one job lifecycle (src/jobs): like imports and analysis runs they record when they started.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('bundle_runs', (t) => {
    t.timestamp('started_at', { useTz: true })
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('bundle_runs', (t) => {
    t.dropColumn('started_at')
  })
}
