// A project made from a bundle records what it came from and the scattered land it took in (165号 二:
// "插花地、边角地、夹心地可一并纳入，连片开发"), at its creation (issue 21). A later bundle run replaces the
// county's bundles and deletes the old rows, so the analysis cannot read them back from the bundle:
// the bundle's id, run and number stay on the project (no foreign key: the bundle may be gone), and
// each piece of scattered land is kept with its kind and geometry, with the county in its keys (Citus).
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    t.bigInteger('from_bundle_id')
    t.bigInteger('from_bundle_run_id')
    t.integer('from_bundle_no')
  })
  await knex.schema.createTable('project_scattered_land', (t) => {
    t.bigIncrements('id', { primaryKey: false })
    t.specificType('xzqdm', 'char(6)').notNullable()
    t.bigInteger('project_id').notNullable()
    // enclave 夹心地, corner 边角地, interspersed 插花地 (src/domain/bundles.ts)
    t.text('kind').notNullable().checkIn(['enclave', 'corner', 'interspersed'])
    // hole: a hole of the dissolved bundle; land: non-member land it encloses; member: a flagged member plot
    t.text('source').notNullable().checkIn(['hole', 'land', 'member'])
    t.text('ref') // the member's plot code or the third-survey patch's TBBH
    t.double('m2').notNullable() // ellipsoidal area when recorded
    t.specificType('geom', 'geometry(MultiPolygon, 4490)').notNullable()
    t.primary(['id', 'xzqdm'])
    t.index(['xzqdm', 'project_id'])
  })
  await knex.raw(
    `ALTER TABLE project_scattered_land ADD CONSTRAINT project_scattered_land_project_id_county_fk FOREIGN KEY (xzqdm, project_id)
       REFERENCES projects (xzqdm, id) ON DELETE CASCADE`,
  )
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('project_scattered_land')
  await knex.schema.alterTable('projects', (t) => {
    for (const c of ['from_bundle_no', 'from_bundle_run_id', 'from_bundle_id']) t.dropColumn(c)
  })
}
