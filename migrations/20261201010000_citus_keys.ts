// Keys that a distribution by county (Citus, docs/scale-out.md) accepts, made while the tables are small:
// - `bigint` ids and id references on every county-owned table, with their sequences (Citus feeds
//   `bigserial` from the coordinator; an `int` serial would also run out at province scale).
// - Primary keys that contain the county: `(id, xzqdm)`, and `(id, dataset_id, xzqdm)` on the layer
//   tables (a partitioned table's key must hold its partition key, dataset_id). Citus needs the
//   distribution column in every primary and unique key, at any position: id stays first so the
//   same index still serves lookups by id alone (`/projects/{id}`, OGC items by id). Ids stay unique
//   on their own because each comes from one sequence; no unique index on id alone (Citus refuses it).
// - Foreign keys between county-owned tables carry the county: `(xzqdm, project_id) → projects
//   (xzqdm, id)`, with the county first on both sides (Citus wants it at the same position).
//   ON DELETE stays as it was; SET NULL names the id column only (PostgreSQL 15: the county is NOT NULL).
// - audit_log's rows about no county (key management) get the province code 370000: a primary key
//   column cannot be NULL, and Citus refuses NULL in the distribution column.
//
// The layer tables' dataset_id is their partition key, whose type PostgreSQL does not alter in
// place: each layer table is rebuilt as a new partitioned parent with a bigint dataset_id, and its
// version partitions are detached, altered (one rewrite each) and attached to it, keeping their
// names, rows and geometry indexes.
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

/** County-owned tables with a serial id, and their columns that hold ids of other county-owned rows. */
const idTables: Array<[table: string, references: string[]]> = [
  ['import_jobs', ['dataset_id']],
  ['datasets', ['import_job_id']],
  ['projects', ['source_dataset_id', 'approved_result_id']],
  ['analysis_results', ['project_id']],
  ['analysis_runs', []],
  ['bundle_runs', ['plots_dataset_id']], // no foreign key: an inactive run may outlive its plots version
  ['bundles', ['run_id']],
  ['project_transitions', ['project_id']],
  ['filings', ['project_id']],
  ['findings', ['project_id']],
]
/** Every table that gets a `(id, xzqdm)` key (audit_log's id is bigint already). */
const keyedTables = [...idTables.map(([t]) => t), 'audit_log']

interface ForeignKey {
  table: string
  column: string
  references: string
  onDelete: 'CASCADE' | 'SET NULL'
  /** the single-column constraint this one replaces */
  oldName: string
}
const foreignKeys: ForeignKey[] = [
  { table: 'import_jobs', column: 'dataset_id', references: 'datasets', onDelete: 'SET NULL', oldName: 'import_jobs_dataset_fk' },
  { table: 'datasets', column: 'import_job_id', references: 'import_jobs', onDelete: 'SET NULL', oldName: 'datasets_import_job_id_foreign' },
  { table: 'projects', column: 'source_dataset_id', references: 'datasets', onDelete: 'SET NULL', oldName: 'projects_source_dataset_id_foreign' },
  { table: 'projects', column: 'approved_result_id', references: 'analysis_results', onDelete: 'SET NULL', oldName: 'projects_approved_result_id_foreign' },
  { table: 'analysis_results', column: 'project_id', references: 'projects', onDelete: 'CASCADE', oldName: 'analysis_results_project_id_foreign' },
  { table: 'bundles', column: 'run_id', references: 'bundle_runs', onDelete: 'CASCADE', oldName: 'bundles_run_id_foreign' },
  { table: 'project_transitions', column: 'project_id', references: 'projects', onDelete: 'CASCADE', oldName: 'project_transitions_project_id_foreign' },
  { table: 'filings', column: 'project_id', references: 'projects', onDelete: 'CASCADE', oldName: 'filings_project_id_foreign' },
  { table: 'findings', column: 'project_id', references: 'projects', onDelete: 'SET NULL', oldName: 'findings_project_id_foreign' },
  ...layerTables.map((table): ForeignKey => ({
    table,
    column: 'dataset_id',
    references: 'datasets',
    onDelete: 'CASCADE',
    oldName: `${table}_dataset_id_foreign`,
  })),
]
const countyKeyName = (fk: ForeignKey) => `${fk.table}_${fk.column}_county_fk`

/** The province's own code (GB/T 2260) for audit rows about no county. */
const noCounty = '370000'

type IdType = 'bigint' | 'integer'

async function sequenceOf(knex: Knex, table: string): Promise<string> {
  const { rows } = await knex.raw('SELECT pg_get_serial_sequence(?, ?) AS s', [table, 'id'])
  return rows[0].s as string // already quoted where needed
}

/** Ids and id references of the non-layer tables to `type`, their sequences with them. */
async function retypeIds(knex: Knex, type: IdType): Promise<void> {
  for (const [table, references] of idTables) {
    const columns = ['id', ...references].map((c) => `ALTER COLUMN "${c}" TYPE ${type}`).join(', ')
    await knex.raw(`ALTER TABLE "${table}" ${columns}`) // one rewrite per table
    await knex.raw(`ALTER SEQUENCE ${await sequenceOf(knex, table)} AS ${type}`)
  }
}

/** The version partitions attached to a layer table, with their dataset ids (the bound reads `FOR VALUES IN (7)`, or `('7')` on a bigint key). */
async function partitionsOf(knex: Knex, table: string): Promise<Array<{ name: string; datasetId: number }>> {
  const { rows } = await knex.raw(
    `SELECT c.relname AS name, substring(pg_get_expr(c.relpartbound, c.oid) FROM '[0-9]+') AS "datasetId"
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = ?::regclass ORDER BY 1`,
    [table],
  )
  return (rows as Array<{ name: string; datasetId: string }>).map((r) => ({ name: r.name, datasetId: Number(r.datasetId) }))
}

/**
 * Rebuilds a layer table with dataset_id of `type` and the primary key `key`: the partitions are
 * detached, altered and attached to a new parent; their GiST and county indexes are kept and
 * adopted by the parent's indexes of the same definition. Expects the table's key and foreign key dropped.
 */
async function rebuildLayerTable(knex: Knex, table: string, type: IdType, key: string[]): Promise<void> {
  const parts = await partitionsOf(knex, table)
  for (const p of parts) {
    if (!Number.isSafeInteger(p.datasetId) || p.datasetId <= 0) throw new Error(`unexpected partition bound of ${p.name}`)
    await knex.raw(`ALTER TABLE "${table}" DETACH PARTITION "${p.name}"`)
    await knex.raw(`ALTER TABLE "${p.name}" ALTER COLUMN dataset_id TYPE ${type}`)
  }
  // The partition key's type cannot change: shape a plain table first, then the new parent like it.
  await knex.raw(`CREATE TABLE "${table}_shape" (LIKE "${table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`)
  await knex.raw(`ALTER TABLE "${table}_shape" ALTER COLUMN dataset_id TYPE ${type}`)
  await knex.raw(`CREATE TABLE "${table}_next" (LIKE "${table}_shape" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (dataset_id)`)
  await knex.raw(`DROP TABLE "${table}_shape"`)
  await knex.raw(`ALTER SEQUENCE "${table}_id_seq" OWNED BY NONE`)
  await knex.raw(`DROP TABLE "${table}"`)
  await knex.raw(`ALTER TABLE "${table}_next" RENAME TO "${table}"`)
  await knex.raw(`ALTER SEQUENCE "${table}_id_seq" OWNED BY "${table}".id`)
  for (const p of parts) await knex.raw(`ALTER TABLE "${table}" ATTACH PARTITION "${p.name}" FOR VALUES IN (${p.datasetId})`)
  await knex.raw(`ALTER TABLE "${table}" ADD CONSTRAINT "${table}_pkey" PRIMARY KEY (${key.join(', ')})`)
  await knex.raw(`CREATE INDEX "${table}_xzqdm_index" ON "${table}" (xzqdm)`)
  await knex.raw(`CREATE INDEX "${table}_geom_gist" ON "${table}" USING gist (geom)`)
}

export async function up(knex: Knex): Promise<void> {
  for (const fk of foreignKeys) await knex.raw(`ALTER TABLE "${fk.table}" DROP CONSTRAINT "${fk.oldName}"`)
  for (const table of keyedTables) await knex.raw(`ALTER TABLE "${table}" DROP CONSTRAINT "${table}_pkey"`)
  for (const table of layerTables) await knex.raw(`ALTER TABLE "${table}" DROP CONSTRAINT "${table}_pkey"`)

  await retypeIds(knex, 'bigint')
  await knex.raw('UPDATE audit_log SET xzqdm = ? WHERE xzqdm IS NULL', [noCounty])
  await knex.raw(`ALTER TABLE audit_log ALTER COLUMN xzqdm SET DEFAULT '${noCounty}', ALTER COLUMN xzqdm SET NOT NULL`)
  for (const table of layerTables) await rebuildLayerTable(knex, table, 'bigint', ['id', 'dataset_id', 'xzqdm'])

  for (const table of keyedTables) await knex.raw(`ALTER TABLE "${table}" ADD CONSTRAINT "${table}_pkey" PRIMARY KEY (id, xzqdm)`)
  for (const fk of foreignKeys) {
    const setNull = fk.onDelete === 'SET NULL' ? ` (${fk.column})` : ''
    await knex.raw(
      `ALTER TABLE "${fk.table}" ADD CONSTRAINT "${countyKeyName(fk)}" FOREIGN KEY (xzqdm, "${fk.column}")
         REFERENCES "${fk.references}" (xzqdm, id) ON DELETE ${fk.onDelete}${setNull}`,
    )
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const fk of foreignKeys) await knex.raw(`ALTER TABLE "${fk.table}" DROP CONSTRAINT "${countyKeyName(fk)}"`)
  for (const table of [...keyedTables, ...layerTables]) await knex.raw(`ALTER TABLE "${table}" DROP CONSTRAINT "${table}_pkey"`)

  for (const table of layerTables) await rebuildLayerTable(knex, table, 'integer', ['id', 'dataset_id'])
  await knex.raw('ALTER TABLE audit_log ALTER COLUMN xzqdm DROP NOT NULL, ALTER COLUMN xzqdm DROP DEFAULT')
  await knex.raw('UPDATE audit_log SET xzqdm = NULL WHERE xzqdm = ?', [noCounty])
  await retypeIds(knex, 'integer')

  for (const table of keyedTables) await knex.raw(`ALTER TABLE "${table}" ADD CONSTRAINT "${table}_pkey" PRIMARY KEY (id)`)
  for (const fk of foreignKeys) {
    await knex.raw(
      `ALTER TABLE "${fk.table}" ADD CONSTRAINT "${fk.oldName}" FOREIGN KEY ("${fk.column}") REFERENCES "${fk.references}" (id) ON DELETE ${fk.onDelete}`,
    )
  }
}
