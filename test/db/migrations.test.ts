import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/connection.js'
import { migrateDown, migrateLatest, migrateStep, migrationStatus } from '../../src/db/migrate.js'
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

  // The plane a county is cut in reads it (src/db/analysis-cut.ts countyPlane); versions imported
  // before imports stored it get it from their EPSG code. Meridians by hand from the EPSG registry.
  it('give stored versions the central meridian of their delivery', async () => {
    await migrateLatest(db.knex)
    expect(await migrateStep(db.knex, 'down')).toEqual(['20261209010000_dataset_central_meridian'])
    const stored: Array<[string, number, number | undefined]> = [
      ['survey3', 4548, 117], // CGCS2000 3° CM 117°E
      ['survey2', 4527, 117], // CGCS2000 3° zone 39, with the zone number
      ['buildings', 2385, 120], // Xian 1980 3° CM 120°E
      ['approved-unsupplied', 21420, 117], // Beijing 1954 6° zone 20, with the zone number
      ['idle-land', 4509, 117], // CGCS2000 6° CM 117°E
      ['plan-zones', 4490, undefined], // longitude/latitude
    ]
    // Two results of one project at 118.6°E: cut in its longitude's zone (EPSG:4549, as every
    // project was while the meridian was never stored) and in the delivery's (4548).
    const [project] = await db
      .knex('projects')
      .insert({ xzqdm: '379902', code: 'M-1', geom: db.knex.raw("ST_GeomFromText('MULTIPOLYGON(((118.6 36.5,118.61 36.5,118.61 36.51,118.6 36.5)))', 4490)") })
      .returning('id')
    const result = (epsg: number) => ({ project_id: project.id, xzqdm: '379902', inputs: {}, result: { schemaVersion: 1, plane: { epsg } } })
    try {
      for (const [layer, epsg] of stored)
        await db
          .knex('datasets')
          .insert({ layer, xzqdm: '379902', version: 1, status: 'ready', active: true, source_crs: { epsg, name: `EPSG:${epsg}`, how: 'prj' } })
      const [longitudes, deliveries] = await db
        .knex('analysis_results')
        .insert([result(4549), result(4548)])
        .returning('id')
      await migrateLatest(db.knex)
      const stale = async (r: { id: number }) => (await db.knex('analysis_results').where({ id: r.id }).first('stale')).stale
      expect([await stale(longitudes), await stale(deliveries)]).toEqual([true, false])
      const rows: Array<{ layer: string; source_crs: { centralMeridian?: number } }> = await db
        .knex('datasets')
        .where({ xzqdm: '379902' })
        .select('layer', 'source_crs')
      expect(Object.fromEntries(rows.map((r) => [r.layer, r.source_crs.centralMeridian]))).toEqual(Object.fromEntries(stored.map(([l, , cm]) => [l, cm])))
      expect(await migrateStep(db.knex, 'down')).toEqual(['20261209010000_dataset_central_meridian'])
      const after: Array<{ source_crs: object }> = await db.knex('datasets').where({ xzqdm: '379902' }).select('source_crs')
      expect(after.every((r) => !('centralMeridian' in r.source_crs))).toBe(true)
    } finally {
      await db.knex('analysis_results').where({ xzqdm: '379902' }).delete()
      await db.knex('projects').where({ xzqdm: '379902' }).delete()
      await db.knex('datasets').where({ xzqdm: '379902' }).delete()
      await migrateLatest(db.knex)
    }
  })
})
