// A project's ellipsoidal area, stored with its boundary (a generated column, so it cannot disagree
// with the geometry and is computed once per boundary change). Lists, the province pull and the
// totals per county read it for every project they return: at province size the totals per county
// computed 58 000 spheroidal areas on each request.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE projects ADD COLUMN area_m2 double precision GENERATED ALWAYS AS (ST_Area(geom::geography)) STORED`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE projects DROP COLUMN area_m2')
}
