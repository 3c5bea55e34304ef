// A project made from a bundle keeps the bundle's member plots (issue 22): a later bundle run replaces
// the county's bundles with new rows, and the console marks a current bundle 已立项 when a project was
// made from a bundle of the same members, not only from that very row. Projects made before keep
// their members when their bundle is still current.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    t.specificType('from_bundle_members', 'text[]') // plot codes, sorted, as bundles.members
  })
  await knex.raw(
    `UPDATE projects p SET from_bundle_members = b.members
       FROM bundles b WHERE b.xzqdm = p.xzqdm AND b.id = p.from_bundle_id AND p.from_bundle_id IS NOT NULL`,
  )
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => t.dropColumn('from_bundle_members'))
}
