// The stored analysis result is a versioned contract (issue 20): a result of an older schema
// version, or one that is not of the schema's shape, is stale for every reader and recomputed on
// GET, never answered as a 500; a pinned (approved) result is the province's record, kept and read
// as stored, never recomputed or replaced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analysisSchemaVersion } from '../../src/schemas/analysis.js'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { lonLatRectangle } from '../helpers/geometry.js'

let t: TestApp
let key: string
let province: string

beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
  province = await keyFor(t.knex, 'province')
})
afterAll(() => t.close())

async function newProject(code: string, west: number): Promise<number> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: withKey(key),
    payload: { code, geometry: lonLatRectangle(west, 36.45, west + 0.003, 36.452) },
  })
  expect(res.statusCode).toBe(201)
  return res.json().id
}
const getAnalysis = (id: number) => t.app.inject({ method: 'GET', url: `/api/v1/projects/${id}/analysis`, headers: withKey(key) })
const stored = (id: number) => t.knex('analysis_results').first('id', 'stale', 'schema_version', 'result').where({ id })

/** Rewrites a stored result as an older release wrote it: no schemaVersion, and without `plane` (added since). */
async function makeOld(resultId: number, change: (r: Record<string, unknown>) => void = () => {}) {
  const { result } = await stored(resultId)
  delete result.schemaVersion
  delete result.plane
  change(result)
  await t
    .knex('analysis_results')
    .where({ id: resultId })
    .update({ result: JSON.stringify(result) })
}

describe('a stored result of an older schema version', () => {
  it('is stale in the lists, recomputed on GET and marked stale in the store', async () => {
    const id = await newProject('OLD-1', 115.95)
    const first = (await getAnalysis(id)).json()
    expect(first).toMatchObject({ schemaVersion: analysisSchemaVersion, computedNow: true })
    expect(await stored(first.resultId)).toMatchObject({ schema_version: analysisSchemaVersion, stale: false })
    await makeOld(first.resultId)
    expect(await stored(first.resultId)).toMatchObject({ schema_version: 1, stale: false })

    // SQL readers tell an old result by its schema_version column, without reading its JSON.
    const list = (await t.app.inject({ method: 'GET', url: '/api/v1/projects?code=OLD-1', headers: withKey(key) })).json()
    expect(list.items[0].analysis).toMatchObject({ stale: true })
    const ogc = (await t.app.inject({ method: 'GET', url: '/ogc/collections/projects/items?code=OLD-1', headers: withKey(key) })).json()
    expect(ogc.features[0].properties).toMatchObject({ stale: true })

    const res = await getAnalysis(id)
    expect(res.statusCode).toBe(200)
    const again = res.json()
    expect(again).toMatchObject({ schemaVersion: analysisSchemaVersion, computedNow: true, stale: false, plane: { epsg: expect.any(Number) } })
    expect(again.resultId).toBeGreaterThan(first.resultId)
    expect(await stored(first.resultId)).toMatchObject({ schema_version: 1, stale: true })
    // now current: answered as stored
    expect((await getAnalysis(id)).json()).toMatchObject({ resultId: again.resultId, computedNow: false })
  })

  it('of the current version but not of the schema’s shape is recomputed too, not a 500', async () => {
    const id = await newProject('BROKEN-1', 115.96)
    const first = (await getAnalysis(id)).json()
    const { result } = await stored(first.resultId)
    delete result.checks
    await t
      .knex('analysis_results')
      .where({ id: first.resultId })
      .update({ result: JSON.stringify(result) })
    expect(await stored(first.resultId)).toMatchObject({ schema_version: analysisSchemaVersion })
    const res = await getAnalysis(id)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ computedNow: true, checks: expect.any(Array) })
    expect(res.json().resultId).toBeGreaterThan(first.resultId)
  })
})

describe('a pinned (approved) result of an older schema version', () => {
  it('stays the province’s record: read as stored by the pull and the totals, never replaced', async () => {
    const id = await newProject('PINNED-1', 115.97)
    const first = (await getAnalysis(id)).json()
    // the record as an older release stored it, with a stock area the latest analysis will not have
    await makeOld(first.resultId, (r) => {
      r.stockArea = { ...(r.stockArea as object), method: 'survey2-construction', m2: 4321.5 }
    })
    await t.knex('projects').where({ id }).update({ status: 'province-approved', approved_result_id: first.resultId })
    const record = (await stored(first.resultId)).result

    // GET answers a current analysis: a new latest result, the pinned one untouched
    const latest = (await getAnalysis(id)).json()
    expect(latest).toMatchObject({ computedNow: true, schemaVersion: analysisSchemaVersion })
    expect(latest.stockArea.m2).not.toBe(4321.5)
    expect(await t.knex('projects').first('approved_result_id').where({ id })).toEqual({ approved_result_id: first.resultId })
    expect((await stored(first.resultId)).result).toEqual(record)

    // the province reads the numbers it approved, from the old record
    const pull = (await t.app.inject({ method: 'GET', url: '/api/v1/province/projects?county=371502', headers: withKey(province) })).json()
    const item = pull.items.find((i: { id: number }) => i.id === id)
    expect(item.analysis).toMatchObject({ source: 'approved' })
    expect(item.stockArea).toMatchObject({ method: 'survey2-construction', m2: 4321.5 })
    const totals = (await t.app.inject({ method: 'GET', url: '/api/v1/province/counties', headers: withKey(province) })).json()
    const county = totals.counties.find((c: { county: string }) => c.county === '371502')
    expect(county.approved).toBe(1)
    expect(county.stockArea.m2).toBeGreaterThanOrEqual(4321.5)
  })
})
