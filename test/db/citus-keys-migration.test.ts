// The citus_keys migration on a database with data: rows of every county-owned table written under
// the previous schema come through up, down and up again unchanged; the new keys hold (a row that
// names another county's parent is refused); deleting a project or dropping a version through the
// application does what ON DELETE did, while a raw delete of a parent still named is refused (the
// SET NULL keys are NO ACTION since 20261201040000_citus_no_set_null); ids past 2³¹ work end to end.
import fs from 'node:fs/promises'
import type { Knex } from 'knex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrations } from '../../migrations/index.js'
import { migrateLatest, migrateStep, migrationStatus } from '../../src/db/migrate.js'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { importFile } from '../helpers/imports.js'
import { rect, shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'

const migration = '20261201010000_citus_keys'
/** migrations made after it, undone first (newest first) and applied again after the test */
const later = migrations.map(([name]) => name).slice(migrations.findIndex(([name]) => name === migration) + 1)
const county = '371502'
const square = `ST_Multi(ST_GeomFromText('POLYGON((115.95 36.45,115.951 36.45,115.951 36.451,115.95 36.451,115.95 36.45))', 4490))`

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
})
afterAll(async () => {
  await migrateLatest(t.knex)
  await resetData(t.knex)
  await t.close()
})

const tables = [
  'import_jobs',
  'datasets',
  'survey3_patches',
  'projects',
  'analysis_results',
  'analysis_runs',
  'bundle_runs',
  'bundles',
  'project_transitions',
  'filings',
  'findings',
  'audit_log',
] as const

/** Every row of the tables as JSON, in id order (ids, references and all). */
async function snapshot(knex: Knex): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {}
  for (const table of tables) {
    const { rows } = await knex.raw(`SELECT to_jsonb(t) - 'updated_at' AS r FROM "${table}" t ORDER BY id`)
    out[table] = rows.map((r: { r: unknown }) => r.r)
  }
  return out
}

const primaryKey = async (knex: Knex, table: string) => {
  const { rows } = await knex.raw(
    `SELECT array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS cols
       FROM pg_index i WHERE i.indrelid = ?::regclass AND i.indisprimary`,
    [table],
  )
  return rows[0]?.cols as string[] | undefined
}

/** One row in every county-owned table, written as the previous schema allowed. */
async function writeRows(knex: Knex): Promise<{ jobId: number; datasetId: number; projectId: number }> {
  const [job] = await knex('import_jobs').insert({ layer: 'survey3', xzqdm: county, status: 'succeeded' }).returning('id')
  const [dataset] = await knex('datasets')
    .insert({ layer: 'survey3', xzqdm: county, version: 1, status: 'ready', active: true, import_job_id: job.id })
    .returning('id')
  await knex('import_jobs').where({ id: job.id }).update({ dataset_id: dataset.id })
  await knex.raw(`CREATE TABLE "survey3_patches_d${Number(dataset.id)}" PARTITION OF survey3_patches FOR VALUES IN (${Number(dataset.id)})`)
  await knex.raw(`INSERT INTO survey3_patches (dataset_id, xzqdm, dlbm, geom) VALUES (?, ?, '0601', ${square}), (?, ?, '0702', ${square})`, [
    dataset.id,
    county,
    dataset.id,
    county,
  ])
  const [project] = await knex
    .raw(`INSERT INTO projects (xzqdm, code, geom, source_dataset_id) VALUES (?, 'K-1', ${square}, ?) RETURNING id`, [county, dataset.id])
    .then((r) => r.rows)
  const [result] = await knex('analysis_results')
    .insert({ project_id: project.id, xzqdm: county, inputs: '{}', result: '{"eligible":true}', eligible: true })
    .returning('id')
  await knex('projects').where({ id: project.id }).update({ approved_result_id: result.id })
  await knex('analysis_runs').insert({ xzqdm: county, status: 'succeeded' })
  const [run] = await knex('bundle_runs').insert({ xzqdm: county, plots_dataset_id: dataset.id, gap_meters: 0, min_bundle_m2: 10000 }).returning('id')
  await knex.raw(`INSERT INTO bundles (run_id, xzqdm, bundle_no, members, member_ids, m2, geom) VALUES (?, ?, 1, '{a}', '{1}', 1, ${square})`, [run.id, county])
  const transition = {
    project_id: project.id,
    xzqdm: county,
    action: 'submit',
    from_status: 'draft',
    to_status: 'submitted',
    role: 'county',
    key_prefix: 'lr_x',
  }
  await knex('project_transitions').insert(transition)
  await knex('filings').insert({ project_id: project.id, xzqdm: county, kind: 'plan', document_date: '2026-01-05', due_on: '2026-02-05', created_by: 'lr_x' })
  await knex('findings').insert({ project_id: project.id, xzqdm: county, project_code: 'K-1', kind: 'fraud', year: 2026, note: 'n', created_by: 'lr_x' })
  await knex('audit_log').insert([
    { action: 'key.create', object_type: 'api_key', result: 'ok' }, // about no county
    { action: 'project.create', object_type: 'project', object_id: String(project.id), xzqdm: county, result: 'ok' },
  ])
  return { jobId: job.id, datasetId: dataset.id, projectId: project.id }
}

describe(`migration ${migration} on a database with data`, () => {
  it('keeps every row through up, down and up again, and the keys then hold', async () => {
    for (const name of [...later].reverse()) expect(await migrateStep(t.knex, 'down')).toEqual([name])
    expect(await migrateStep(t.knex, 'down')).toEqual([migration])
    expect((await migrationStatus(t.knex)).pending).toEqual([migration, ...later])
    expect(await primaryKey(t.knex, 'projects')).toEqual(['id'])
    const { jobId, datasetId, projectId } = await writeRows(t.knex)
    const before = await snapshot(t.knex)
    expect(Object.values(before).every((rows) => rows.length > 0)).toBe(true)
    const noCounty = (s: Record<string, unknown[]>) => s.audit_log!.map((r) => (r as { xzqdm: string | null }).xzqdm)

    expect(await migrateStep(t.knex, 'up')).toEqual([migration])
    const after = await snapshot(t.knex)
    // The audit row about no county now carries the province code; everything else is as it was.
    expect(noCounty(after)).toEqual(['370000', county])
    expect({ ...after, audit_log: null }).toEqual({ ...before, audit_log: null })
    expect(await primaryKey(t.knex, 'projects')).toEqual(['id', 'xzqdm'])
    expect(await primaryKey(t.knex, 'survey3_patches')).toEqual(['id', 'dataset_id', 'xzqdm'])
    expect(await primaryKey(t.knex, `survey3_patches_d${datasetId}`)).toEqual(['id', 'dataset_id', 'xzqdm'])

    expect(await migrateStep(t.knex, 'down')).toEqual([migration])
    expect(await snapshot(t.knex)).toEqual(before)
    expect(await primaryKey(t.knex, 'survey3_patches')).toEqual(['id', 'dataset_id'])
    expect(await migrateStep(t.knex, 'up')).toEqual([migration])
    expect({ ...(await snapshot(t.knex)), audit_log: null }).toEqual({ ...before, audit_log: null })

    // A row naming a parent of another county is refused, at every composite key.
    const other = '371521'
    await expect(t.knex('analysis_results').insert({ project_id: projectId, xzqdm: other, inputs: '{}', result: '{}' })).rejects.toThrow(/county_fk/)
    await expect(t.knex.raw(`INSERT INTO survey3_patches (dataset_id, xzqdm) VALUES (?, ?)`, [datasetId, other])).rejects.toThrow(/county_fk/)
    await expect(
      t.knex('filings').insert({ project_id: projectId, xzqdm: other, kind: 'plan', document_date: '2026-01-05', due_on: '2026-02-05', created_by: 'x' }),
    ).rejects.toThrow(/county_fk/)

    await migrateLatest(t.knex) // the later migrations again: the deletes below run on the schema as it is now

    // The keys that used to SET NULL refuse a raw delete of a parent still named: the application clears first.
    await expect(t.knex('projects').where({ id: projectId }).delete()).rejects.toThrow(/findings_project_id_county_fk/)
    await expect(t.knex('datasets').where({ id: datasetId }).delete()).rejects.toThrow(/(import_jobs_dataset_id|projects_source_dataset_id)_county_fk/)

    // Through the application, as ON DELETE did before: a project's results, transitions and filings
    // go with it, its findings stay without it (keeping their county) ...
    const key = await keyFor(t.knex, 'county', county)
    const deleted = await t.app.inject({ method: 'DELETE', url: `/api/v1/projects/${projectId}`, headers: withKey(key) })
    expect(deleted.statusCode, deleted.body).toBe(204)
    expect(await t.knex('analysis_results').where({ project_id: projectId }).count()).toEqual([{ count: 0 }])
    expect(await t.knex('project_transitions').count()).toEqual([{ count: 0 }])
    expect(await t.knex('filings').count()).toEqual([{ count: 0 }])
    expect(await t.knex('findings').first('project_id', 'xzqdm')).toEqual({ project_id: null, xzqdm: county })
    // ... and a version dropped after a re-import (one version kept) goes with its rows; its import
    // job and the projects made from it forget it.
    await t.knex.raw(`INSERT INTO projects (xzqdm, code, geom, source_dataset_id) VALUES (?, 'K-2', ${square}, ?)`, [county, datasetId])
    const dir = await tempDir()
    const limited = await buildTestApp(undefined, { layerVersionsKept: 1 })
    try {
      const zip = await shapefileZip(dir, 'next', {
        fields: surveyFields,
        features: [{ parts: [rect(410000, 4030000, 410100, 4030100)], values: { BSM: 1, DLBM: '0601' } }],
      })
      const job = await importFile(limited, key, { layer: 'survey3' }, zip)
      expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
      expect(job.warnings.map((w: { message: string }) => w.message)).toContain('old versions dropped (keeping the newest 1): 1')
    } finally {
      await limited.close()
      await fs.rm(dir, { recursive: true, force: true })
    }
    expect(await t.knex('datasets').where({ id: datasetId }).count()).toEqual([{ count: 0 }])
    expect(await t.knex('survey3_patches').where({ dataset_id: datasetId }).count()).toEqual([{ count: 0 }])
    expect(await t.knex('import_jobs').where({ id: jobId }).first('dataset_id', 'xzqdm')).toEqual({ dataset_id: null, xzqdm: county })
    expect(await t.knex('projects').where({ code: 'K-2' }).first('source_dataset_id', 'xzqdm')).toEqual({ source_dataset_id: null, xzqdm: county })
  })

  it('takes ids past 2³¹ end to end', async () => {
    await resetData(t.knex)
    await t.knex.raw(`SELECT setval(pg_get_serial_sequence('projects', 'id'), 3000000000)`)
    const key = await keyFor(t.knex, 'county', county)
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(key),
      payload: {
        code: 'BIG-1',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [115.95, 36.45],
              [115.951, 36.45],
              [115.951, 36.451],
              [115.95, 36.451],
              [115.95, 36.45],
            ],
          ],
        },
      },
    })
    expect(res.statusCode, res.body).toBe(201)
    const id = res.json().id as number
    expect(id).toBe(3000000001)
    const analysis = await t.app.inject({ method: 'GET', url: `/api/v1/projects/${id}/analysis`, headers: withKey(key) })
    expect(analysis.statusCode, analysis.body).toBe(200)
    expect(analysis.json()).toMatchObject({ projectId: id, computedNow: true })
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/projects/${id}`, headers: withKey(key) })).json()).toMatchObject({ id, code: 'BIG-1' })
    const pieces = await t.app.inject({ method: 'GET', url: `/ogc/collections/analysis-pieces/items?projectId=${id}`, headers: withKey(key) })
    expect(pieces.statusCode, pieces.body).toBe(200)
    expect(pieces.json().features.map((f: { id: string }) => f.id)).toContain(`${id}-1`)
    const piece = await t.app.inject({ method: 'GET', url: `/ogc/collections/analysis-pieces/items/${id}-1`, headers: withKey(key) })
    expect(piece.statusCode, piece.body).toBe(200)
    expect(piece.json().properties).toMatchObject({ projectId: id, role: 'project' })
  })
})
