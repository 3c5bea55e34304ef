// Review workflow, filings (备案), fraud findings, the holiday calendar, and a change order on
// projects that the province's cursor can follow without gaps.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    t.timestamp('submitted_at', { useTz: true })
    t.date('review_due_on') // province review due: 10 working days after submission
    t.integer('approved_result_id').references('analysis_results.id').onDelete('SET NULL') // the analysis the province approved
    t.text('returned_reason')
  })
  // Every write to a project takes one lock and stamps clock_timestamp() after it: stamps then follow
  // commit order, so a reader paging by (updated_at, id) never skips a row committed behind it.
  await knex.raw(`
    CREATE FUNCTION projects_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_advisory_xact_lock(7305001);
      NEW.updated_at := clock_timestamp();
      RETURN NEW;
    END $$`)
  await knex.raw('CREATE TRIGGER projects_touch BEFORE INSERT OR UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION projects_touch()')

  await knex.schema.createTable('project_transitions', (t) => {
    t.increments('id')
    t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE')
    t.specificType('xzqdm', 'char(6)').notNullable()
    t.text('action').notNullable()
    t.text('from_status').notNullable()
    t.text('to_status').notNullable()
    t.text('reason')
    t.text('role').notNullable()
    t.text('key_prefix').notNullable()
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.index(['project_id', 'id'])
  })

  await knex.schema.createTable('calendar_days', (t) => {
    t.date('day').primary()
    t.integer('year').notNullable()
    t.text('kind').notNullable().checkIn(['holiday', 'workday'])
    t.text('name').notNullable()
  })
  await knex.schema.createTable('calendar_years', (t) => {
    t.integer('year').primary()
    t.text('source').notNullable()
    t.timestamp('loaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
  })

  await knex.schema.createTable('filings', (t) => {
    t.increments('id')
    t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE')
    t.specificType('xzqdm', 'char(6)').notNullable()
    t.text('kind').notNullable()
    t.text('title')
    t.date('document_date').notNullable() // approval or signing date
    t.date('due_on').notNullable()
    t.date('filed_on')
    t.text('created_by').notNullable()
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.index(['xzqdm', 'due_on'])
    t.index(['project_id'])
  })

  await knex.schema.createTable('findings', (t) => {
    t.increments('id')
    // kept when the project is deleted: the deduction still applies
    t.integer('project_id').references('projects.id').onDelete('SET NULL')
    t.specificType('xzqdm', 'char(6)').notNullable()
    t.text('project_code').notNullable()
    t.text('kind').notNullable().checkIn(['fraud'])
    t.integer('year').notNullable() // the year the finding was made; deducted from the next year's plan
    t.text('note').notNullable()
    t.text('created_by').notNullable()
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.index(['year'])
  })

  await knex.schema.alterTable('county_stats', (t) => {
    t.jsonb('land_detail') // how a computed land area was obtained
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('county_stats', (t) => t.dropColumn('land_detail'))
  for (const table of ['findings', 'filings', 'calendar_years', 'calendar_days', 'project_transitions']) await knex.schema.dropTableIfExists(table)
  await knex.raw('DROP TRIGGER IF EXISTS projects_touch ON projects')
  await knex.raw('DROP FUNCTION IF EXISTS projects_touch()')
  await knex.schema.alterTable('projects', (t) => {
    t.dropColumn('returned_reason')
    t.dropColumn('approved_result_id')
    t.dropColumn('review_due_on')
    t.dropColumn('submitted_at')
  })
}
