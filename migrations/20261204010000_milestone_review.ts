// A completion milestone (完成标志, 165号 三（一）–（三）) recorded or changed after the province's approval
// is reviewed on its own (issue 21): the county's proposal waits beside the confirmed milestone until the
// city checks it and the province confirms it; only the confirmed one decides the reward year. The
// history of these steps is kept like the project's transitions, with the county in its keys (Citus).
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    t.text('milestone_pending_type')
    t.date('milestone_pending_date')
    // 'submitted' (waiting for the city) or 'city-checked' (waiting for the province); null: nothing pending
    t.text('milestone_pending_stage').checkIn(['submitted', 'city-checked'])
    t.text('milestone_pending_by') // prefix of the county key that proposed it
    t.timestamp('milestone_pending_at', { useTz: true })
  })
  await knex.schema.createTable('milestone_reviews', (t) => {
    t.bigIncrements('id', { primaryKey: false })
    t.bigInteger('project_id').notNullable()
    t.specificType('xzqdm', 'char(6)').notNullable()
    t.text('action').notNullable() // propose, check, confirm, return
    t.text('milestone_type')
    t.date('milestone_date')
    t.text('reason')
    t.text('role').notNullable()
    t.text('key_prefix').notNullable()
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.primary(['id', 'xzqdm'])
    t.index(['project_id', 'id'])
  })
  await knex.raw(
    `ALTER TABLE milestone_reviews ADD CONSTRAINT milestone_reviews_project_id_county_fk FOREIGN KEY (xzqdm, project_id)
       REFERENCES projects (xzqdm, id) ON DELETE CASCADE`,
  )
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('milestone_reviews')
  await knex.schema.alterTable('projects', (t) => {
    for (const c of ['milestone_pending_at', 'milestone_pending_by', 'milestone_pending_stage', 'milestone_pending_date', 'milestone_pending_type'])
      t.dropColumn(c)
  })
}
