// A project's analysis history (what started each result, and who) and the analysis the province
// approved, read as stored after an input changed and the project was recomputed (issue 22).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { markCountyStale } from '../../src/analysis/queries.js'
import { buildTestApp, resetData, reviewKeys, transitionBody, withKey, type TestApp } from '../helpers/app.js'

let t: TestApp
let keys: Record<string, string>
let id: number
const prefix = (key: string) => key.split('_').slice(0, 2).join('_')
const api = (method: 'GET' | 'POST', url: string, key = keys.county!, payload?: object) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: withKey(key), ...(payload ? { payload } : {}) })

beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
  keys = await reviewKeys(t.knex, '371502')
  const created = await api('POST', '/projects', keys.county, {
    code: 'H-1',
    county: '371502',
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [115.95, 36.45],
          [115.952, 36.45],
          [115.952, 36.452],
          [115.95, 36.452],
          [115.95, 36.45],
        ],
      ],
    },
  })
  expect(created.statusCode, created.body).toBe(201)
  id = created.json().id
})
afterAll(() => t.close())

describe('analysis history and the approved analysis', () => {
  it('lists each stored result with its trigger and key; the approved one stays pinned after a change and a recompute', async () => {
    for (const url of [`/projects/${id}/analysis/approved`, `/projects/${id}/analysis/pieces?of=approved`])
      expect((await api('GET', url)).json()).toMatchObject({ status: 404, detailZh: expect.stringContaining('H-1') })
    const read = (await api('GET', `/projects/${id}/analysis`)).json()
    expect(read.computedNow).toBe(true)
    const recomputed = (await api('POST', `/projects/${id}/analysis`, keys.city)).json()
    // the city’s check recomputes when the latest is not current (and the approval pins that one)
    await markCountyStale(t.knex, '371502')
    for (const [action, key] of [
      ['submit', keys.county],
      ['check', keys.city],
      ['approve', keys.province],
    ] as const)
      expect((await api('POST', `/projects/${id}/transitions`, key, transitionBody(action))).statusCode).toBe(200)

    // an input changes and the county recomputes: the latest is new, the approved one stays
    await markCountyStale(t.knex, '371502')
    const latest = (await api('POST', `/projects/${id}/analysis`)).json()
    const approved = await api('GET', `/projects/${id}/analysis/approved`, keys.city)
    expect(approved.statusCode, approved.body).toBe(200)
    const a = approved.json()
    const history = (await api('GET', `/projects/${id}/analyses`, keys.province)).json()
    const pinned = history.items.find((x: { approved: boolean }) => x.approved)
    expect(a).toMatchObject({ resultId: pinned.resultId, approvedBy: prefix(keys.province!), inputsChanged: true, result: { code: 'H-1' } })
    expect(a.resultId).not.toBe(latest.resultId)
    // no layer was loaded when it was approved: its pieces are the boundary alone
    const pieces = (await api('GET', `/projects/${id}/analysis/pieces?of=approved`)).json()
    expect(pieces.features.map((f: { properties: { role: string } }) => f.properties.role)).toEqual(['project'])
    expect(a.result.computedAt).toBe(pinned.computedAt)
    expect(Date.parse(a.approvedAt)).toBeGreaterThanOrEqual(Date.parse(a.computedAt))
    expect(history.items.map((x: { resultId: number; trigger: string; triggeredBy: string; approved: boolean; latest: boolean }) => x)).toEqual([
      expect.objectContaining({ resultId: latest.resultId, trigger: 'recompute', triggerZh: '手动重新计算', triggeredBy: prefix(keys.county!), latest: true }),
      expect.objectContaining({ trigger: 'review', triggeredBy: prefix(keys.city!), approved: true, latest: false, stale: true }),
      expect.objectContaining({ resultId: recomputed.resultId, trigger: 'recompute', triggeredBy: prefix(keys.city!), approved: false }),
      expect.objectContaining({ resultId: read.resultId, trigger: 'read', triggerZh: expect.stringContaining('查看时'), verdictZh: read.verdictZh }),
    ])
    expect(history.items[0]).toMatchObject({ eligible: latest.eligible, stockAreaM2: latest.stockArea.m2, footprintRatio: latest.footprint?.ratio ?? null })

    // a county run: its results record the run and the key that started it, and the pinned one is kept
    const run = await api('POST', '/analysis/runs', keys.admin, { county: '371502' })
    expect(run.statusCode).toBe(202)
    await t.app.jobs.ended('analysis', run.json().id)
    const after = (await api('GET', `/projects/${id}/analyses`)).json().items
    expect(after[0]).toMatchObject({ trigger: 'run', triggerZh: '全县批量分析', triggeredBy: prefix(keys.admin!), latest: true })
    expect(after.find((x: { approved: boolean }) => x.approved).resultId).toBe(a.resultId)
    expect((await api('GET', `/projects/${id}/analysis/approved`)).json().resultId).toBe(a.resultId)
  })

  it('answers only within the key’s region', async () => {
    for (const url of [`/projects/${id}/analyses`, `/projects/${id}/analysis/approved`, `/projects/${id}/analysis/pieces?of=approved`])
      expect((await api('GET', url, keys.otherCounty)).statusCode).toBe(404)
  })
})
