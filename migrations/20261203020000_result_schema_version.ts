// The schema version of each stored analysis result, as a column SQL readers can test (lists, the
// OGC projects collection and the province pull mark a result of another version stale without
// reading its JSON). Generated from the result itself, so the two cannot disagree and no writer can
// forget it: results written before they carried `schemaVersion` are version 1 (src/schemas/analysis.ts).
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE analysis_results ADD COLUMN schema_version integer NOT NULL
                    GENERATED ALWAYS AS (coalesce((result ->> 'schemaVersion')::integer, 1)) STORED`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE analysis_results DROP COLUMN schema_version')
}
