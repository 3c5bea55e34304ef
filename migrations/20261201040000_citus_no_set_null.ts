// The five foreign keys that cleared their id column on delete (ON DELETE SET NULL (column)) become
// ON DELETE NO ACTION: Citus refuses SET NULL and SET DEFAULT on a foreign key that holds the
// distribution column, even when the column list leaves the county alone (citusdata/citus#7132;
// docs/scale-out.md, block 8). The application now clears the column itself, in the transaction
// that deletes the parent and with the county bound (src/import/queries.ts, src/projects/queries.ts).
//
// NO ACTION rather than RESTRICT: both refuse to delete a parent that is still referenced, and our
// statements clear the references first, so they behave alike here (a deleted project takes its own
// analyses, which its approved_result_id names, under either); NO ACTION is the SQL default and
// could be made DEFERRABLE later, which RESTRICT cannot.
//
// Same names and columns as 20261201010000_citus_keys made them (its `down` drops them by name);
// each key is dropped and added in one ALTER TABLE, so no moment is left without it.
import type { Knex } from 'knex'

const keys: Array<{ table: string; column: string; references: string }> = [
  { table: 'import_jobs', column: 'dataset_id', references: 'datasets' },
  { table: 'datasets', column: 'import_job_id', references: 'import_jobs' },
  { table: 'projects', column: 'source_dataset_id', references: 'datasets' },
  { table: 'projects', column: 'approved_result_id', references: 'analysis_results' },
  { table: 'findings', column: 'project_id', references: 'projects' },
]

async function remake(knex: Knex, onDelete: (column: string) => string): Promise<void> {
  for (const k of keys) {
    const name = `${k.table}_${k.column}_county_fk`
    await knex.raw(
      `ALTER TABLE "${k.table}" DROP CONSTRAINT "${name}",
         ADD CONSTRAINT "${name}" FOREIGN KEY (xzqdm, "${k.column}") REFERENCES "${k.references}" (xzqdm, id) ON DELETE ${onDelete(k.column)}`,
    )
  }
}

export async function up(knex: Knex): Promise<void> {
  await remake(knex, () => 'NO ACTION')
}

export async function down(knex: Knex): Promise<void> {
  await remake(knex, (column) => `SET NULL ("${column}")`)
}
