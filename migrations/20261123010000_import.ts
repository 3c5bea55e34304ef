// Import support: the repair reason of each stored shape, and job timings/cancellation.
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
  for (const table of layerTables) {
    await knex.schema.alterTable(table, (t) => {
      t.text('geom_repair') // ST_IsValidReason of the source shape when it had to be repaired
    })
  }
  await knex.schema.alterTable('import_jobs', (t) => {
    t.jsonb('timings') // milliseconds per phase
    t.text('source_sha256')
  })
  await knex.schema.alterTable('datasets', (t) => {
    t.double('area_m2') // Σ ellipsoidal area of the version, for the layer listing
  })
  // A layer of one point-like feature has a degenerate extent: any geometry type, not only polygons.
  await knex.raw('ALTER TABLE datasets ALTER COLUMN extent TYPE geometry(Geometry, 4490)')
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("UPDATE datasets SET extent = NULL WHERE GeometryType(extent) <> 'POLYGON'")
  await knex.raw('ALTER TABLE datasets ALTER COLUMN extent TYPE geometry(Polygon, 4490)')
  await knex.schema.alterTable('datasets', (t) => t.dropColumn('area_m2'))
  await knex.schema.alterTable('import_jobs', (t) => {
    t.dropColumn('timings')
    t.dropColumn('source_sha256')
  })
  for (const table of layerTables) await knex.schema.alterTable(table, (t) => t.dropColumn('geom_repair'))
}
