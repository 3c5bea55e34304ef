// Batch analysis runs: one row per county run, with progress.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('analysis_runs', (t) => {
    t.increments('id')
    t.specificType('xzqdm', 'char(6)').notNullable()
    t.text('status').notNullable().defaultTo('queued').checkIn(['queued', 'running', 'succeeded', 'failed', 'cancelled'])
    t.double('progress').notNullable().defaultTo(0)
    t.integer('total')
    t.integer('done').notNullable().defaultTo(0)
    t.integer('eligible').notNullable().defaultTo(0)
    t.jsonb('errors').notNullable().defaultTo('[]')
    t.text('created_by')
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('started_at', { useTz: true })
    t.timestamp('finished_at', { useTz: true })
    t.index(['xzqdm', 'id'])
  })
  await knex.raw(`ALTER TABLE analysis_runs ADD CONSTRAINT analysis_runs_xzqdm_format CHECK (xzqdm ~ '^[0-9]{6}$')`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('analysis_runs')
}
