// Follow-up jobs (issue 20): what a new layer version needs beyond its own transaction — a bundle
// run over new plots or land — is recorded as a queued row in the activation's transaction, and a
// stop before it ends leaves it to run at the next start. The bundle run names the import it
// follows (which also makes it the kind of row that is resumed, not failed); the import lists them.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // No foreign key, as for plots_dataset_id: a key between county tables must hold the county (Citus).
  await knex.schema.alterTable('bundle_runs', (t) => {
    t.bigInteger('after_import_job_id')
  })
  await knex.schema.alterTable('import_jobs', (t) => {
    t.jsonb('follow_ups').notNullable().defaultTo('[]')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('import_jobs', (t) => {
    t.dropColumn('follow_ups')
  })
  await knex.schema.alterTable('bundle_runs', (t) => {
    t.dropColumn('after_import_job_id')
  })
}
