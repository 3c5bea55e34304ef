// Job owners (issue 25): a job row names the process that holds it (a random id per job owner,
// its host and pid) and when that process last said it was alive, so that a start settles only
// the jobs whose owner is gone, not those a command-line import or another instance is running.
// An import also names its upload directory (under DATA_DIR/tmp/imports), so that whoever ends the
// job, in whichever process, removes the upload with it.
import type { Knex } from 'knex'

const tables = ['import_jobs', 'analysis_runs', 'bundle_runs'] as const

export async function up(knex: Knex): Promise<void> {
  for (const table of tables) {
    await knex.schema.alterTable(table, (t) => {
      t.text('owner')
      t.text('owner_host')
      t.integer('owner_pid')
      t.timestamp('heartbeat_at', { useTz: true })
    })
  }
  await knex.schema.alterTable('import_jobs', (t) => {
    t.text('upload_dir')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('import_jobs', (t) => {
    t.dropColumn('upload_dir')
  })
  for (const table of tables) {
    await knex.schema.alterTable(table, (t) => {
      t.dropColumn('heartbeat_at')
      t.dropColumn('owner_pid')
      t.dropColumn('owner_host')
      t.dropColumn('owner')
    })
  }
}
