// Stored analysis results compressed with lz4 instead of pglz where the server has it: a county's
// 588 results (about 7 KB of JSON each) were inserted in 0.37 s with pglz and 0.15–0.18 s with lz4
// (bench/README.md, Analysis). Only how new values are compressed changes: values stored before
// stay readable as they are, and reading returns the same JSON. A server built without lz4 (the
// embedded PGlite may be) keeps pglz.
import type { Knex } from 'knex'

const lz4Available = `EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals))`

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`DO $$ BEGIN
    IF ${lz4Available} THEN
      ALTER TABLE analysis_results ALTER COLUMN result SET COMPRESSION lz4, ALTER COLUMN inputs SET COMPRESSION lz4;
    END IF;
  END $$`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DO $$ BEGIN
    IF ${lz4Available} THEN
      ALTER TABLE analysis_results ALTER COLUMN result SET COMPRESSION pglz, ALTER COLUMN inputs SET COMPRESSION pglz;
    END IF;
  END $$`)
}
