// A county's projects from a projects layer, analysed as a batch job; stored results, the eligible
// filter, and staleness when an input layer or the project changes.
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliActor } from '../../src/auth/service.js'
import { generateCounty } from '../../src/testdata/generate.js'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { importFile } from '../helpers/imports.js'
import { tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
let zips: Record<string, string>

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
  const generated = await generateCounty({
    outDir: path.join(dir, 'county'),
    patches: 3000,
    layers: ['survey2', 'survey3', 'buildings', 'projects', 'approved-unsupplied', 'idle-land'],
  })
  zips = Object.fromEntries(generated.map((g) => [g.layer, g.zip]))
  for (const layer of ['survey2', 'survey3', 'buildings', 'projects', 'approved-unsupplied', 'idle-land']) {
    const job = await importFile(t, key, { layer }, zips[layer]!)
    expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
  }
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: withKey(key) })
async function runAnalysis() {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/analysis/runs', headers: withKey(key), payload: {} })
  expect(res.statusCode).toBe(202)
  await t.app.jobs.ended('analysis', res.json().id)
  return (await get(res.json().url)).json()
}

describe('projects from a projects layer', () => {
  it('creates one project per feature, keyed by its code, and updates them on re-import', async () => {
    const list = (await get('/api/v1/projects?county=371502&limit=1000')).json()
    expect(list.total).toBe(18)
    expect(list.items[0]).toMatchObject({ code: '371502-0001', name: expect.stringMatching(/低效用地再开发项目$/) })
    expect(list.items.every((p: { developmentMode: string | null }) => p.developmentMode !== null)).toBe(true)
    // The same file again under another name is a new version: projects are updated, not duplicated.
    const copy = path.join(dir, 'projects-again.zip')
    await fs.copyFile(zips.projects!, copy)
    await fs.appendFile(copy, Buffer.alloc(0))
    const job = await importFile(t, key, { layer: 'projects', mode: 'append' }, copy)
    expect(job.warnings).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/0 created, 18 updated/) }))
    expect((await get('/api/v1/projects?county=371502')).json().total).toBe(18)
  })
})

describe('batch analysis', () => {
  it('analyses every project of the county and stores each result', async () => {
    const run = await runAnalysis()
    expect(run).toMatchObject({ status: 'succeeded', county: '371502', total: 18, done: 18, progress: 1 })
    const stored = await t.knex('analysis_results').where({ xzqdm: '371502' }).count<{ n: number }>({ n: '*' }).first()
    expect(Number(stored!.n)).toBe(18)
  })

  it('gives the same results in chunks of four, measured two ahead, as in one chunk', async () => {
    const latest = async () => {
      const rows = await t.knex('analysis_results').select('project_id', 'result').where({ xzqdm: '371502' }).orderBy('id')
      const byProject = new Map<number, Record<string, unknown>>()
      for (const r of rows) {
        const { computedAt: _at, trigger: _trigger, triggeredBy: _by, ...rest } = r.result as Record<string, unknown>
        byProject.set(Number(r.project_id), rest)
      }
      return byProject
    }
    const whole = await latest()
    // 18 projects in five chunks: two measured while the first is stored, through the run's statement gate
    const { id } = await t.app.jobs.start('analysis', cliActor(), { county: '371502', chunk: 4 })
    expect(await t.app.jobs.ended('analysis', id)).toBe('succeeded')
    const chunked = await latest()
    expect(chunked.size).toBe(18)
    expect(chunked).toEqual(whole)
    const run = (await get(`/api/v1/analysis/runs/${id}`)).json()
    expect(run).toMatchObject({ status: 'succeeded', total: 18, done: 18 })
  })

  it('lists projects with their latest verdict, filtered by eligibility', async () => {
    const all = (await get('/api/v1/projects?county=371502&limit=1000')).json()
    expect(all.items.every((p: { analysis: unknown }) => p.analysis !== null)).toBe(true)
    const verdicts = all.items.map((p: { analysis: { eligible: boolean | null } }) => p.analysis.eligible)
    const yes = (await get('/api/v1/projects?county=371502&eligible=true')).json()
    const no = (await get('/api/v1/projects?county=371502&eligible=false')).json()
    expect(yes.total).toBe(verdicts.filter((v: boolean | null) => v === true).length)
    expect(no.total).toBe(verdicts.filter((v: boolean | null) => v === false).length)
    // Ownership is not recorded for any project, so none can be eligible yet.
    expect(yes.total).toBe(0)
    // The list agrees with what one project's own analysis says.
    const one = all.items[0]
    const single = (await get(`/api/v1/projects/${one.id}/analysis`)).json()
    expect(single.footprint.ratio).toBeCloseTo(one.analysis.footprintRatio, 9)
  })

  it('marks results stale when an input layer gets a new version or the project changes', async () => {
    const first = (await get('/api/v1/projects?county=371502&limit=1')).json().items[0]
    await t.app.inject({ method: 'PATCH', url: `/api/v1/projects/${first.id}`, headers: withKey(key), payload: { ownershipClear: true } })
    let list = (await get('/api/v1/projects?county=371502&limit=1000')).json().items
    expect(list.filter((p: { analysis: { stale: boolean } }) => p.analysis.stale).map((p: { id: number }) => p.id)).toEqual([first.id])

    const again = path.join(dir, 'buildings-v2.zip')
    await fs.copyFile(zips.buildings!, again)
    const job = await importFile(t, key, { layer: 'buildings', mode: 'append' }, again)
    expect(job.warnings).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/stored project analyses .* are now stale/) }))
    list = (await get('/api/v1/projects?county=371502&limit=1000')).json().items
    expect(list.every((p: { analysis: { stale: boolean } }) => p.analysis.stale)).toBe(true)

    await runAnalysis()
    list = (await get('/api/v1/projects?county=371502&limit=1000')).json().items
    expect(list.every((p: { analysis: { stale: boolean } }) => !p.analysis.stale)).toBe(true)
  })

  it('refuses another county', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/analysis/runs', headers: withKey(key), payload: { county: '371521' } })
    expect(res.statusCode).toBe(403)
  })
})
