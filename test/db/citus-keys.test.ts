// The rule a distribution by county (Citus, docs/scale-out.md) puts on the schema, read from the
// catalogue so that a later migration breaking it goes red: every county-owned table (one with a
// xzqdm column) has a primary key, and every primary and unique key contains xzqdm; every foreign
// key between county-owned tables carries xzqdm at the same position on both sides; ids and id
// references are bigint, fed by bigint sequences.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/connection.js'
import { migrateLatest } from '../../src/db/migrate.js'
import { openTestDatabase } from '../helpers/app.js'
import { layerKinds } from '../../src/catalogue/layer-kinds.js'

let db: Database
beforeAll(async () => {
  db = openTestDatabase()
  await migrateLatest(db.knex)
})
afterAll(() => db.close())

/** Tables the plan distributes by county; the catalogue must find at least these. */
const planned = [
  'datasets',
  'import_jobs',
  ...layerKinds.map((k) => k.table), // every layer's table, from the layer catalogue
  'projects',
  'analysis_results',
  'analysis_runs',
  'project_transitions',
  'milestone_reviews',
  'project_scattered_land',
  'project_attachments',
  'filings',
  'findings',
  'bundle_runs',
  'bundles',
  'county_stats',
  'audit_log',
]

/** County-owned tables: every table of the schema with a xzqdm column, partitions and loading version tables aside. */
async function countyTables(): Promise<string[]> {
  const { rows } = await db.knex.raw(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'xzqdm' AND NOT a.attisdropped
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname !~ '_d[0-9]+$'
      ORDER BY 1`,
  )
  return rows.map((r: { name: string }) => r.name)
}

interface Key {
  table: string
  name: string
  kind: string
  columns: string[]
}

/** Primary keys and unique indexes (constraints or not, partial or not) of the given tables, with their columns. */
async function uniqueKeys(tables: string[]): Promise<Key[]> {
  const { rows } = await db.knex.raw(
    `SELECT t.relname AS table, ic.relname AS name, CASE WHEN i.indisprimary THEN 'primary' ELSE 'unique' END AS kind,
            array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE i.indisunique AND t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(?::text[])`,
    [tables],
  )
  return rows
}

describe('keys for a distribution by county', () => {
  it('every county-owned table has a primary key, and every primary and unique key contains xzqdm', async () => {
    const tables = await countyTables()
    expect(tables).toEqual(expect.arrayContaining(planned))
    const keys = await uniqueKeys(tables)
    const withoutPrimary = tables.filter((t) => !keys.some((k) => k.table === t && k.kind === 'primary'))
    expect(withoutPrimary).toEqual([])
    const withoutCounty = keys.filter((k) => !k.columns.includes('xzqdm')).map((k) => `${k.table}.${k.name} (${k.columns.join(', ')})`)
    expect(withoutCounty).toEqual([])
    // Ids are still looked up alone: the primary key leads with id where the table has one.
    for (const k of keys.filter((k) => k.kind === 'primary' && k.table !== 'county_stats')) expect(k.columns[0], k.table).toBe('id')
  })

  it('every foreign key between county-owned tables carries xzqdm at the same position on both sides', async () => {
    const tables = await countyTables()
    const { rows } = await db.knex.raw(
      `SELECT c.conname AS name, t.relname AS table, r.relname AS references,
              array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns,
              array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS "referencedColumns"
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
        WHERE c.contype = 'f' AND c.conparentid = 0 AND t.relname = ANY(?::text[])`,
      [tables],
    )
    const fks = rows as Array<{ name: string; table: string; references: string; columns: string[]; referencedColumns: string[] }>
    // The foreign keys the schema has between county tables (so that this cannot pass on none).
    expect(fks.map((f) => `${f.table}→${f.references}`)).toEqual(
      expect.arrayContaining([
        'analysis_results→projects',
        'projects→analysis_results',
        'survey3_patches→datasets',
        'bundles→bundle_runs',
        'import_jobs→datasets',
      ]),
    )
    const wrong = fks
      .filter((f) => !tables.includes(f.references) || f.columns.indexOf('xzqdm') < 0 || f.columns.indexOf('xzqdm') !== f.referencedColumns.indexOf('xzqdm'))
      .map((f) => `${f.table}.${f.name} (${f.columns.join(', ')}) → ${f.references} (${f.referencedColumns.join(', ')})`)
    expect(wrong).toEqual([])
  })

  it('no foreign key between county-owned tables sets NULL or a default, on delete or update, nor cascades an update', async () => {
    // Citus refuses these actions on a key that holds the distribution column (citusdata/citus#7132),
    // even when PostgreSQL 15's column list leaves the county alone: the application clears the column.
    const tables = await countyTables()
    const { rows } = await db.knex.raw(
      `SELECT t.relname || '.' || c.conname AS name, c.confdeltype AS "onDelete", c.confupdtype AS "onUpdate"
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
        WHERE c.contype = 'f' AND c.conparentid = 0 AND t.relname = ANY(?::text[]) AND r.relname = ANY(?::text[])`,
      [tables, tables],
    )
    const fks = rows as Array<{ name: string; onDelete: string; onUpdate: string }>
    expect(fks.length).toBeGreaterThanOrEqual(19) // so that this cannot pass on none
    // pg_constraint's action codes: a no action, r restrict, c cascade, n set null, d set default
    const refused = fks.filter((f) => ['n', 'd'].includes(f.onDelete) || ['n', 'd', 'c'].includes(f.onUpdate))
    expect(refused.map((f) => `${f.name} (on delete ${f.onDelete}, on update ${f.onUpdate})`)).toEqual([])
  })

  it('ids and id references of county-owned tables are bigint, and so are their sequences', async () => {
    const tables = await countyTables()
    const { rows } = await db.knex.raw(
      `SELECT table_name || '.' || column_name AS col, data_type AS type FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ANY(?::text[]) AND (column_name = 'id' OR column_name LIKE '%\\_id')
          AND data_type IN ('smallint', 'integer')`, // the audit log's object_id and request_id are text: not ids of ours
      [tables],
    )
    expect(rows).toEqual([])
    const { rows: sequences } = await db.knex.raw(
      `SELECT t.relname AS table, s.data_type::text AS type
         FROM pg_depend d JOIN pg_class q ON q.oid = d.objid AND q.relkind = 'S' JOIN pg_class t ON t.oid = d.refobjid
         JOIN pg_sequences s ON s.schemaname = current_schema() AND s.sequencename = q.relname
        WHERE d.deptype = 'a' AND t.relname = ANY(?::text[]) AND t.relnamespace = current_schema()::regnamespace`,
      [tables],
    )
    expect(sequences.length).toBeGreaterThanOrEqual(20)
    expect(sequences.filter((s: { type: string }) => s.type !== 'bigint')).toEqual([])
  })
})
