// Layer tables partitioned by version: `PARTITION BY LIST (dataset_id)`, one partition per dataset
// version, named <table>_d<dataset id>. An import loads its version into a table of its own with no
// index, builds the indexes once, then attaches it (src/import/queries.ts); dropping an old version
// drops its partition. Existing rows are moved into one partition per version.
//
// Kept: every column, ids from the table's one sequence (unique across partitions: nothing else
// writes them), an index led by id for lookups by id alone, the GiST index on geom, the index on
// xzqdm and the foreign key to datasets (checked once per partition when it is attached, not per
// row). The primary key becomes (id, dataset_id): a partitioned table's key must hold its partition
// key. The index on dataset_id goes: partition pruning does its work.
import type { Knex } from 'knex'

/** layer table → layer key (datasets.layer) */
const layerTables: Array<[table: string, layer: string]> = [
  ['survey3_patches', 'survey3'],
  ['survey2_patches', 'survey2'],
  ['survey2_lines', 'survey2-lines'],
  ['buildings', 'buildings'],
  ['approved_unsupplied', 'approved-unsupplied'],
  ['idle_land', 'idle-land'],
  ['plan_zones', 'plan-zones'],
  ['admin_divisions', 'admin-divisions'],
  ['project_boundaries', 'projects'],
  ['low_efficiency_plots', 'plots'],
]

const datasetIdsOf = async (knex: Knex, table: string, layer: string): Promise<number[]> => {
  const { rows } = await knex.raw(`SELECT id FROM datasets WHERE layer = ? UNION SELECT DISTINCT dataset_id FROM "${table}" ORDER BY 1`, [layer])
  return rows.map((r: { id: number }) => Number(r.id)).filter((id: number) => Number.isSafeInteger(id) && id > 0)
}

export async function up(knex: Knex): Promise<void> {
  for (const [table, layer] of layerTables) {
    const next = `${table}_partitioned`
    // Same columns, defaults (the id sequence) and checks; rows first, indexes and keys built once after.
    await knex.raw(`CREATE TABLE "${next}" (LIKE "${table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (dataset_id)`)
    for (const id of await datasetIdsOf(knex, table, layer)) {
      await knex.raw(`CREATE TABLE "${table}_d${id}" PARTITION OF "${next}" FOR VALUES IN (${id})`)
    }
    await knex.raw(`INSERT INTO "${next}" SELECT * FROM "${table}"`)
    await knex.raw(`ALTER SEQUENCE "${table}_id_seq" OWNED BY NONE`)
    await knex.raw(`DROP TABLE "${table}"`)
    await knex.raw(`ALTER TABLE "${next}" RENAME TO "${table}"`)
    await knex.raw(`ALTER SEQUENCE "${table}_id_seq" OWNED BY "${table}".id`)
    await knex.raw(`ALTER TABLE "${table}" ADD CONSTRAINT "${table}_pkey" PRIMARY KEY (id, dataset_id)`)
    await knex.raw(`ALTER TABLE "${table}" ADD CONSTRAINT "${table}_dataset_id_foreign" FOREIGN KEY (dataset_id) REFERENCES datasets (id) ON DELETE CASCADE`)
    await knex.raw(`CREATE INDEX "${table}_xzqdm_index" ON "${table}" (xzqdm)`)
    await knex.raw(`CREATE INDEX "${table}_geom_gist" ON "${table}" USING gist (geom)`)
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const [table] of layerTables) {
    const next = `${table}_plain`
    await knex.raw(`CREATE TABLE "${next}" (LIKE "${table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`)
    await knex.raw(`INSERT INTO "${next}" SELECT * FROM "${table}"`)
    await knex.raw(`ALTER SEQUENCE "${table}_id_seq" OWNED BY NONE`)
    await knex.raw(`DROP TABLE "${table}"`) // and its partitions
    await knex.raw(`ALTER TABLE "${next}" RENAME TO "${table}"`)
    await knex.raw(`ALTER SEQUENCE "${table}_id_seq" OWNED BY "${table}".id`)
    await knex.raw(`ALTER TABLE "${table}" ADD CONSTRAINT "${table}_pkey" PRIMARY KEY (id)`)
    await knex.raw(`ALTER TABLE "${table}" ADD CONSTRAINT "${table}_dataset_id_foreign" FOREIGN KEY (dataset_id) REFERENCES datasets (id) ON DELETE CASCADE`)
    await knex.raw(`CREATE INDEX "${table}_dataset_id_index" ON "${table}" (dataset_id)`)
    await knex.raw(`CREATE INDEX "${table}_xzqdm_index" ON "${table}" (xzqdm)`)
    await knex.raw(`CREATE INDEX "${table}_geom_gist" ON "${table}" USING gist (geom)`)
  }
  // Tables of imports that were loading (not yet attached) are dropped with their datasets by recovery.
}
