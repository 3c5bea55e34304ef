// Stored analyses nothing references are pruned; the approved, the latest and the latest current one
// stay, and an approval pinning a result while the prune runs keeps it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pruneAnalysisResults } from '../../src/analysis/prune.js'
import { analysisSchemaVersion } from '../../src/schemas/analysis.js'
import { buildTestApp, resetData, testDatabase, type TestApp } from '../helpers/app.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
})
afterAll(() => t.close())

describe('pruning stored analyses', () => {
  it('keeps what approvals pin and what readers and submissions use, drops the rest', async () => {
    const [p] = await t.knex
      .raw(`INSERT INTO projects (xzqdm, code, geom) VALUES ('371502', 'P1', ST_Multi(ST_MakeEnvelope(115.95, 36.45, 115.951, 36.451, 4490))) RETURNING id`)
      .then((r) => r.rows)
    const [other] = await t.knex
      .raw(`INSERT INTO projects (xzqdm, code, geom) VALUES ('371521', 'P2', ST_Multi(ST_MakeEnvelope(115.95, 36.45, 115.951, 36.451, 4490))) RETURNING id`)
      .then((r) => r.rows)
    const add = async (projectId: number, county: string, stale: boolean, schemaVersion = analysisSchemaVersion) =>
      (
        await t
          .knex('analysis_results')
          .insert({ project_id: projectId, xzqdm: county, inputs: '{}', result: JSON.stringify({ schemaVersion }), stale })
          .returning('id')
      )[0].id as number
    const approved = await add(p.id, '371502', true)
    const dropped1 = await add(p.id, '371502', true)
    const dropped2 = await add(p.id, '371502', false)
    const latestCurrent = await add(p.id, '371502', false)
    // not stale by its inputs, but of an older schema version: not current, nothing rests on it
    const dropped3 = await add(p.id, '371502', false, analysisSchemaVersion - 1)
    const latest = await add(p.id, '371502', true)
    const otherCounty = [await add(other.id, '371521', false), await add(other.id, '371521', false)]
    await t.knex('projects').where({ id: p.id }).update({ approved_result_id: approved })
    expect(await pruneAnalysisResults(t.knex, '371502')).toBe(3)
    const left = (await t.knex('analysis_results').select('id').orderBy('id')).map((r) => r.id)
    expect(left).toEqual([approved, latestCurrent, latest, ...otherCounty])
    expect(left).not.toContain(dropped1)
    expect(left).not.toContain(dropped2)
    expect(left).not.toContain(dropped3)
    // The approval still holds its result (the key refuses deleting it: nothing unpins it any more).
    expect(await t.knex('projects').where({ id: p.id }).first('approved_result_id')).toEqual({ approved_result_id: approved })
    await expect(t.knex('analysis_results').where({ id: approved }).delete()).rejects.toThrow(/approved_result_id_county_fk/)
  })

  // Two connections at once: the embedded database has one.
  it.skipIf(testDatabase().backend !== 'server')('leaves a result that an approval is pinning meanwhile, and the approval holds', async () => {
    await resetData(t.knex)
    const [p] = await t.knex
      .raw(`INSERT INTO projects (xzqdm, code, geom) VALUES ('371502', 'P1', ST_Multi(ST_MakeEnvelope(115.95, 36.45, 115.951, 36.451, 4490))) RETURNING id`)
      .then((r) => r.rows)
    const add = async () =>
      (await t.knex('analysis_results').insert({ project_id: p.id, xzqdm: '371502', inputs: '{}', result: '{}', stale: false }).returning('id'))[0].id as number
    const pinned = await add() // what the approval read before a batch run stored a newer one
    await add()
    // The approval's transaction, as review/service.ts runs it: the result read FOR SHARE, then pinned.
    const approval = await t.knex.transaction()
    await approval('analysis_results').where({ id: pinned }).first('stale').forShare()
    await approval('projects').where({ id: p.id }).update({ approved_result_id: pinned })
    // The pruning runs while the approval's transaction is open, and must not wait for it: it skips
    // the row the approval holds. Until it has ended or waits for a lock (seen from another connection).
    let ended = false
    const pruning = pruneAnalysisResults(t.knex, '371502').finally(() => (ended = true))
    pruning.catch(() => {}) // awaited below; not an unhandled rejection meanwhile
    const waitingForLock = async () =>
      (await t.knex.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0].n > 0
    try {
      await expect.poll(async () => ended || (await waitingForLock()), { timeout: 30_000 }).toBe(true)
      expect(ended, 'the pruning waited for the approval instead of skipping the row it holds').toBe(true)
    } finally {
      await approval.commit()
    }
    expect(await pruning).toBe(0)
    expect(await t.knex('projects').where({ id: p.id }).first('approved_result_id')).toEqual({ approved_result_id: pinned })
    // Pinned now, it stays at the next prune too.
    expect(await pruneAnalysisResults(t.knex, '371502')).toBe(0)
    expect(await t.knex('analysis_results').where({ project_id: p.id }).count()).toEqual([{ count: 2 }])
  })
})
