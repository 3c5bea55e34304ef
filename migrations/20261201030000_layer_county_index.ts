// Layer tables lose their index on the county code. Every version partition holds one county's
// delivery, so within a partition that index points every row at the same value: the planner never
// uses it (a version is found by dataset_id, pruned to its partition), yet each import built it, and
// the primary key (id, dataset_id, xzqdm) already holds the county for Citus.
import type { Knex } from 'knex'

const layerTables = [
  'survey3_patches',
  'survey2_patches',
  'survey2_lines',
  'buildings',
  'approved_unsupplied',
  'idle_land',
  'plan_zones',
  'admin_divisions',
  'project_boundaries',
  'low_efficiency_plots',
]

export async function up(knex: Knex): Promise<void> {
  // Dropping the partitioned index drops the partitions' indexes attached to it.
  for (const table of layerTables) await knex.raw(`DROP INDEX IF EXISTS "${table}_xzqdm_index"`)
}

export async function down(knex: Knex): Promise<void> {
  for (const table of layerTables) await knex.raw(`CREATE INDEX "${table}_xzqdm_index" ON "${table}" (xzqdm)`)
}
