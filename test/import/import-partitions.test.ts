// Layer tables partitioned by version: an import attaches its own partition with its indexes, a
// failed one leaves no table behind, old versions are dropped with their partitions, the migration
// moves existing rows, and the array parameters of a batch survive the trip to the database.
import fs from 'node:fs/promises'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import * as partitionsMigration from '../../migrations/20261123050000_layer_partitions.js'
import { migrations } from '../../migrations/index.js'
import { layerKind, partitionName } from '../../src/catalogue/layer-kinds.js'
import { arrayLiteral, purgeOldVersions } from '../../src/import/queries.js'
import { buildTestApp, keyFor, resetData, type TestApp } from '../helpers/app.js'
import { importFile } from '../helpers/imports.js'
import { rect, shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
const survey3 = layerKind('survey3')!

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})
beforeEach(async () => {
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
})

/** A small delivery; `n` makes each file (and its SHA-256) different. */
const delivery = (n: number, extra: Array<{ parts: number[][][]; values: Record<string, string | number | null> }> = []) =>
  shapefileZip(dir, `v${n}-${Math.random().toString(16).slice(2)}`, {
    fields: surveyFields,
    features: [
      ...[0, 1, 2].map((i) => ({ parts: [rect(410000 + i * 200, 4030000, 410100 + i * 200, 4030000 + 100 + n)], values: { BSM: i + 1, DLBM: '0601' } })),
      ...extra,
    ],
  })

/** Tables named like a version of a layer table: attached partitions and loading tables. */
async function versionTables(table: string): Promise<Array<{ name: string; attached: boolean }>> {
  const { rows } = await t.knex.raw(
    `SELECT c.relname AS name, EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid AND i.inhparent = ?::regclass) AS attached
       FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace AND c.relname ~ ? ORDER BY 1`,
    [table, `^${table}_d[0-9]+$`],
  )
  return rows
}

describe('partitions', () => {
  it('are what an import creates: its own partition with GiST index and primary key, found by id alone', async () => {
    const job = await importFile(t, key, { layer: 'survey3' }, await delivery(1))
    expect(job.status).toBe('succeeded')
    const part = partitionName(survey3, job.datasetId)
    expect(await versionTables('survey3_patches')).toEqual([{ name: part, attached: true }])
    const { rows: indexes } = await t.knex.raw(`SELECT indexdef FROM pg_indexes WHERE tablename = ?`, [part])
    const defs = indexes.map((r: { indexdef: string }) => r.indexdef).join('\n')
    expect(defs).toMatch(/USING gist \(geom\)/)
    expect(defs).toMatch(/UNIQUE INDEX .* USING btree \(id, dataset_id, xzqdm\)/)
    const { rows } = await t.knex.raw(`SELECT count(*)::int AS n FROM ${part}`)
    expect(rows[0].n).toBe(3)
    // Lookups by id alone still find the row (OGC items/{featureId}, analysis pieces, bundles).
    const one = await t.knex('survey3_patches').first('id', 'dataset_id').orderBy('id')
    expect(await t.knex('survey3_patches').first('dataset_id').where({ id: one.id })).toEqual({ dataset_id: job.datasetId })
    // The foreign key to datasets still holds on the partitioned table.
    await expect(t.knex('survey3_patches').insert({ dataset_id: job.datasetId + 1000, xzqdm: '371502' })).rejects.toThrow()
  })

  it('have planner statistics when they become active (ANALYZE before the switch)', async () => {
    const job = await importFile(t, key, { layer: 'survey3' }, await delivery(1))
    // Column statistics exist only once the table is analysed (index builds set its row count, not these);
    // autovacuum is off or behind on many servers and absent in PGlite.
    const { rows } = await t.knex.raw('SELECT count(*)::int AS n FROM pg_stats WHERE tablename = ? AND attname = ?', [
      partitionName(survey3, job.datasetId),
      'dlbm',
    ])
    expect(rows[0].n).toBe(1)
  })

  it('are not left behind by a failed import', async () => {
    await importFile(t, key, { layer: 'survey3' }, await delivery(1))
    const before = await versionTables('survey3_patches')
    const bad = await delivery(2, [
      {
        parts: [
          [
            [410000, 4030000],
            [NaN, 4030100],
            [410100, 4030100],
            [410000, 4030000],
          ],
        ],
        values: { BSM: 9, DLBM: '0601' },
      },
    ])
    const job = await importFile(t, key, { layer: 'survey3' }, bad)
    expect(job.status).toBe('failed')
    expect(await versionTables('survey3_patches')).toEqual(before)
    expect(await t.knex('datasets').count<{ n: number }>({ n: '*' }).first()).toEqual({ n: 1 })
  })

  it('keep ids unique across versions (one sequence), also for an append', async () => {
    await importFile(t, key, { layer: 'survey3' }, await delivery(1))
    await importFile(t, key, { layer: 'survey3', mode: 'append' }, await delivery(2))
    await importFile(t, key, { layer: 'survey3' }, await delivery(3))
    const { rows } = await t.knex.raw(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM survey3_patches`)
    expect(rows[0]).toEqual({ n: 3 + 6 + 3, ids: 12 })
    expect((await versionTables('survey3_patches')).every((p) => p.attached)).toBe(true)
  })
})

describe('purge of old versions', () => {
  it('drops inactive versions beyond the newest N with their partitions, keeping the active one and those analyses used', async () => {
    const jobs = []
    for (let v = 1; v <= 5; v++) jobs.push(await importFile(t, key, { layer: 'survey3' }, await delivery(v)))
    expect(jobs.map((j) => j.status)).toEqual(Array(5).fill('succeeded'))
    // The latest analysis of a project was computed from version 1: it stays.
    const [project] = await t
      .knex('projects')
      .insert({ xzqdm: '371502', code: 'P1', geom: t.knex.raw(`ST_Multi(ST_GeomFromText('POLYGON((116 36,116.01 36,116.01 36.01,116 36))', 4490))`) })
      .returning('id')
    await t
      .knex('analysis_results')
      .insert({ project_id: project.id, xzqdm: '371502', inputs: JSON.stringify({ survey3: { datasetId: jobs[0].datasetId, version: 1 } }), result: '{}' })

    expect(await purgeOldVersions(t.knex, survey3, '371502', 0)).toEqual([])
    expect(await purgeOldVersions(t.knex, survey3, '371502', 2)).toEqual([2, 3])
    const left = await t.knex('datasets').select('version', 'active').where({ layer: 'survey3' }).orderBy('version')
    expect(left).toEqual([
      { version: 1, active: false },
      { version: 4, active: false },
      { version: 5, active: true },
    ])
    expect((await versionTables('survey3_patches')).map((p) => p.name)).toEqual(
      [jobs[0], jobs[3], jobs[4]].map((j) => partitionName(survey3, j.datasetId)).sort(),
    )
    const { rows } = await t.knex.raw(`SELECT count(*)::int AS n FROM survey3_patches`)
    expect(rows[0].n).toBe(9)
    // Once the active version is the only one kept and nothing uses version 1 any more, it goes too.
    await t.knex('analysis_results').delete()
    expect(await purgeOldVersions(t.knex, survey3, '371502', 1)).toEqual([1, 4])
    expect(await versionTables('survey3_patches')).toEqual([{ name: partitionName(survey3, jobs[4].datasetId), attached: true }])
  })

  it('runs after an import when versions are limited', async () => {
    const limited = await buildTestApp(undefined, { layerVersionsKept: 2 })
    try {
      const k = await keyFor(limited.knex, 'county', '371502', 'limited')
      for (let v = 1; v <= 3; v++) await importFile(limited, k, { layer: 'survey3' }, await delivery(v))
      const versions = await limited.knex('datasets').where({ layer: 'survey3' }).orderBy('version').pluck('version')
      expect(versions).toEqual([2, 3])
    } finally {
      await limited.close()
    }
  })
})

describe('the partitioning migration', () => {
  it('moves existing rows into one partition per version, keeping ids, and back', async () => {
    await importFile(t, key, { layer: 'survey3' }, await delivery(1))
    await importFile(t, key, { layer: 'survey3' }, await delivery(2))
    const before = await t.knex('survey3_patches').select('id', 'dataset_id', 'bsm', t.knex.raw('ST_AsText(geom) AS g')).orderBy('id')

    // The later migrations go first (newest first), and come back last.
    const later = migrations.slice(migrations.findIndex(([name]) => name === '20261123050000_layer_partitions') + 1).map(([, m]) => m)
    for (const m of [...later].reverse()) await m.down!(t.knex)
    await partitionsMigration.down(t.knex)
    const { rows: kind } = await t.knex.raw(`SELECT relkind FROM pg_class WHERE oid = 'survey3_patches'::regclass`)
    expect(kind[0].relkind).toBe('r')
    expect(await t.knex('survey3_patches').select('id', 'dataset_id', 'bsm', t.knex.raw('ST_AsText(geom) AS g')).orderBy('id')).toEqual(before)
    // Rows written before the migration: an old-style insert straight into the table.
    const [{ id: oldStyle }] = await t.knex('survey3_patches').insert({ dataset_id: before[0].dataset_id, xzqdm: '371502', bsm: 77 }).returning('id')

    await partitionsMigration.up(t.knex)
    for (const m of later) await m.up(t.knex)
    const { rows: parts } = await t.knex.raw(`SELECT relkind FROM pg_class WHERE oid = 'survey3_patches'::regclass`)
    expect(parts[0].relkind).toBe('p')
    const after = await t.knex('survey3_patches').select('id', 'dataset_id', 'bsm', t.knex.raw('ST_AsText(geom) AS g')).orderBy('id')
    expect(after.filter((r) => r.id !== oldStyle)).toEqual(before)
    expect(after.find((r) => r.id === oldStyle)).toMatchObject({ bsm: 77, dataset_id: before[0].dataset_id })
    const ids = [...new Set(before.map((r) => r.dataset_id))].sort((a, b) => a - b)
    expect((await versionTables('survey3_patches')).map((p) => p.name)).toEqual(ids.map((id) => `survey3_patches_d${id}`).sort())
    // The sequence goes on where it was, and a new import still works.
    const job = await importFile(t, key, { layer: 'survey3' }, await delivery(3))
    expect(job.status).toBe('succeeded')
    const { rows: max } = await t.knex.raw(`SELECT min(id)::int AS lo FROM survey3_patches WHERE dataset_id = ?`, [job.datasetId])
    expect(max[0].lo).toBeGreaterThan(oldStyle)
  })
})

describe('array parameters', () => {
  it('arrive as they were sent, escapes and all', async () => {
    const texts = ['plain', '', 'NULL', null, 'a"b', 'back\\slash', '{,}', ' spaced ', '中文 地类', 'tab\there', 'line\nbreak', '😀']
    const lit = arrayLiteral(texts)
    const { rows } = await t.knex.raw(`SELECT ?::text[] AS a, ?::float8[] AS d, ?::int8[] AS b, ?::date[] AS t, ?::boolean[] AS f`, [
      lit as string,
      arrayLiteral([1.5, null, -2e-7, 1e21]) as string,
      arrayLiteral([1, null, 9007199254740991]) as string,
      arrayLiteral(['2024-02-29', null]) as string,
      arrayLiteral([true, false, null]) as string,
    ])
    expect(rows[0].a).toEqual(texts)
    expect(rows[0].d).toEqual([1.5, null, -2e-7, 1e21])
    expect(rows[0].b.map((v: string | null) => (v === null ? null : Number(v)))).toEqual([1, null, 9007199254740991])
    expect(rows[0].f).toEqual([true, false, null])
    expect(arrayLiteral(['no escapes', '中文'])).toBe('{"no escapes","中文"}')
  })
})
