// The plan layer's planned use (用地用海分类代码, issue 21): a column of its own beside the zone code, so the
// analysis compares the project's new use with the planned use (src/domain/plan-use.ts) whatever field the
// zone code came from. Versions loaded before keep their source attributes in `attrs`: the code is filled
// from the fields the catalogue looks for (src/catalogue/layer-kinds.ts), in its order, any case.
// Adding a column to the partitioned parent adds it to every version partition; on Citus the ALTER and the
// UPDATE run on each shard (no key changes).
import type { Knex } from 'knex'

const aliases = ['YDYHFLDM', 'GHYTDM', '用地用海分类代码', '用地用海代码']

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE plan_zones ADD COLUMN land_use_code text')
  await knex.raw(
    `UPDATE plan_zones SET land_use_code = (
       SELECT a.value FROM jsonb_each_text(attrs) a
        WHERE upper(a.key) = ANY(?::text[]) AND btrim(a.value) <> ''
        ORDER BY array_position(?::text[], upper(a.key)) LIMIT 1)
      WHERE attrs IS NOT NULL AND jsonb_typeof(attrs) = 'object'`,
    [aliases, aliases],
  )
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE plan_zones DROP COLUMN land_use_code')
}
