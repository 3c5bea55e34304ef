// Bundles of contiguous low-efficiency plots (连片开发): one row per bundle of a bundling run.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bundle_runs', (t) => {
    t.increments('id')
    t.specificType('xzqdm', 'char(6)').notNullable()
    t.integer('plots_dataset_id')
    t.double('gap_meters').notNullable()
    t.double('min_bundle_m2').notNullable()
    t.text('status').notNullable().defaultTo('queued').checkIn(['queued', 'running', 'succeeded', 'failed', 'cancelled'])
    t.double('progress').notNullable().defaultTo(0)
    t.boolean('active').notNullable().defaultTo(false)
    t.integer('bundle_count')
    t.jsonb('errors').notNullable().defaultTo('[]')
    t.text('created_by')
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('finished_at', { useTz: true })
  })
  await knex.raw('CREATE UNIQUE INDEX bundle_runs_one_active ON bundle_runs (xzqdm) WHERE active')
  await knex.schema.createTable('bundles', (t) => {
    t.increments('id')
    t.integer('run_id').notNullable().references('bundle_runs.id').onDelete('CASCADE')
    t.specificType('xzqdm', 'char(6)').notNullable()
    t.integer('bundle_no').notNullable()
    t.specificType('members', 'text[]').notNullable() // plot codes, sorted
    t.specificType('member_ids', 'bigint[]').notNullable() // low_efficiency_plots ids
    t.double('m2').notNullable()
    t.double('survey2_construction_m2')
    t.jsonb('enclosed_gaps').notNullable().defaultTo('[]')
    t.jsonb('flags').notNullable().defaultTo('[]')
    t.specificType('geom', 'geometry(MultiPolygon, 4490)').notNullable()
    t.index(['run_id'])
  })
  await knex.raw('CREATE INDEX bundles_geom_gist ON bundles USING gist (geom)')
  await knex.raw('CREATE INDEX bundles_member_ids ON bundles USING gin (member_ids)')
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('bundles')
  await knex.schema.dropTableIfExists('bundle_runs')
}
