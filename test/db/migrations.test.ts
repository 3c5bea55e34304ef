import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/connection.js'
import { migrateDown, migrateLatest, migrationStatus } from '../../src/db/migrate.js'
import { openTestDatabase } from '../helpers/app.js'

const layerTables = [
  ['survey3_patches', 'MULTIPOLYGON'],
  ['survey2_patches', 'MULTIPOLYGON'],
  ['survey2_lines', 'MULTILINESTRING'],
  ['buildings', 'MULTIPOLYGON'],
  ['approved_unsupplied', 'MULTIPOLYGON'],
  ['idle_land', 'MULTIPOLYGON'],
  ['plan_zones', 'MULTIPOLYGON'],
  ['admin_divisions', 'MULTIPOLYGON'],
  ['project_boundaries', 'MULTIPOLYGON'],
  ['low_efficiency_plots', 'MULTIPOLYGON'],
  ['projects', 'MULTIPOLYGON'],
] as const
const serviceTables = ['datasets', 'analysis_results', 'import_jobs', 'api_keys', 'audit_log', 'county_stats']

let db: Database
beforeAll(() => {
  db = openTestDatabase()
})
afterAll(async () => {
  await migrateLatest(db.knex)
  await db.close()
})

async function tableNames(): Promise<string[]> {
  const { rows } = await db.knex.raw('SELECT tablename FROM pg_tables WHERE schemaname = current_schema()')
  return rows.map((r: { tablename: string }) => r.tablename)
}

describe('migrations', () => {
  it('go down to an empty schema and up again', async () => {
    await migrateLatest(db.knex)
    await migrateDown(db.knex, true)
    const afterDown = await tableNames()
    for (const t of [...layerTables.map(([t]) => t), ...serviceTables]) expect(afterDown).not.toContain(t)
    expect((await migrationStatus(db.knex)).current).toBe(false)

    const applied = await migrateLatest(db.knex)
    expect(applied).toContain('20261123000000_foundation')
    expect(await migrationStatus(db.knex)).toMatchObject({ current: true, pending: [] })
    const afterUp = await tableNames()
    for (const t of [...layerTables.map(([t]) => t), ...serviceTables]) expect(afterUp).toContain(t)
  })

  it('give every spatial table an EPSG:4490 geometry, a GiST index and a county code', async () => {
    await migrateLatest(db.knex)
    const { rows: geoms } = await db.knex.raw(`SELECT f_table_name AS t, type, srid FROM geometry_columns WHERE f_geometry_column = 'geom'`)
    const { rows: gist } = await db.knex.raw(`SELECT tablename AS t FROM pg_indexes WHERE indexdef ILIKE '%USING gist (geom)%'`)
    const { rows: county } = await db.knex.raw(
      `SELECT table_name AS t FROM information_schema.columns WHERE column_name = 'xzqdm' AND character_maximum_length = 6`,
    )
    for (const [table, type] of layerTables) {
      expect(geoms).toContainEqual({ t: table, type, srid: 4490 })
      expect(gist.map((r: { t: string }) => r.t)).toContain(table)
      expect(county.map((r: { t: string }) => r.t)).toContain(table)
    }
  })

  it('reject a county code that is not 6 digits', async () => {
    await migrateLatest(db.knex)
    await expect(db.knex('county_stats').insert({ xzqdm: '3715ab', year: 2025 })).rejects.toThrow(/xzqdm_format/)
  })

  it('allow only one active version of a layer per county', async () => {
    await migrateLatest(db.knex)
    const base = { layer: 'survey3', xzqdm: '379901', active: true, status: 'ready' }
    await db.knex('datasets').insert({ ...base, version: 1 })
    await expect(db.knex('datasets').insert({ ...base, version: 2 })).rejects.toThrow(/datasets_one_active/)
    await db.knex('datasets').where({ xzqdm: '379901' }).delete()
  })
})
