// A survey database's layers in one import job (issue 24): the job names each mapped layer with its
// kind, state, progress, the version it made and its counts and message; each layer still commits
// as a version of its own, writing its entry in the same transaction. Null: a job of one layer.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('import_jobs', (t) => {
    t.jsonb('layers')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('import_jobs', (t) => {
    t.dropColumn('layers')
  })
}
