// The province's pull cursor becomes per county (docs/scale-out.md item 4): projects_touch serialises
// writers of one county instead of the whole table, so change stamps follow commit order within a
// county only — the order a county's shard can keep on Citus, where no lock spans the nodes.
import type { Knex } from 'knex'

/** The advisory lock class of the change stamps; the second key is the county (its hash). */
const PROJECT_STAMP_LOCK = 7305001

export async function up(knex: Knex): Promise<void> {
  // A writer takes its county's lock, then stamps clock_timestamp(): within the county a later stamp
  // is taken after every earlier stamper committed, so a reader that sees a county's row sees every
  // row of that county stamped before it (src/province/queries.ts relies on exactly that).
  // Only NEW.xzqdm is locked: a project moved to another county (the service never does it, and Citus
  // refuses updates of the distribution column) leaves its old county's order without a new stamp
  // there, so nothing in the old county can be stamped out of order by the move.
  // Two counties hashing alike only share a lock: more waiting, never a wrong order.
  await knex.raw(`
    CREATE OR REPLACE FUNCTION projects_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_advisory_xact_lock(${PROJECT_STAMP_LOCK}, hashtext(NEW.xzqdm));
      NEW.updated_at := clock_timestamp();
      RETURN NEW;
    END $$`)
  // each county's changes in order: the province pull reads one range of it per county and merges them
  await knex.raw('CREATE INDEX projects_county_change ON projects (xzqdm, updated_at, id)')
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS projects_county_change')
  // back to one lock for the whole table (20261123040000_review)
  await knex.raw(`
    CREATE OR REPLACE FUNCTION projects_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_advisory_xact_lock(${PROJECT_STAMP_LOCK});
      NEW.updated_at := clock_timestamp();
      RETURN NEW;
    END $$`)
}
