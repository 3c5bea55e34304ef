// What started each stored analysis and who (issue 22): the project page lists a project's analyses
// with it. `trigger` is one of src/domain/analysis-triggers.ts (a GET that found no current result, a
// recompute, a county run, a review step); `triggered_by` the prefix of the key that asked (of the key
// that started the run, for a run). Results stored before are NULL in both: not recorded.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE analysis_results ADD COLUMN trigger text, ADD COLUMN triggered_by text')
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE analysis_results DROP COLUMN trigger, DROP COLUMN triggered_by')
}
