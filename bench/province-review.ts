// The province benchmark's review round: each county analyses its projects and sends a share of
// them through the real review workflow (county submits, city checks, province approves) over the
// HTTP API, so that the rewards report reads approved analyses rather than an empty frame. Every
// county also gets statistics for the reward year, and as many projects again get a milestone in
// that year without being approved (the report lists them as excluded).
import type { Knex } from 'knex'
import { createKey } from '../src/auth/keys.js'
import { countyByCode } from '../src/domain/regions.js'

export interface Api {
  call(key: string, url: string, init?: RequestInit): Promise<Response>
  waitFor(key: string, url: string): Promise<{ status: string }>
}

export const REWARD_YEAR = 2025
/** One project in `APPROVED_EVERY` of each county (by id) is approved, the next one only submitted. */
const APPROVED_EVERY = 10

const json = (body: unknown): RequestInit => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

async function projectsOf(api: Api, key: string, county: string): Promise<number[]> {
  const ids: number[] = []
  for (let offset = 0; ; offset += 1000) {
    const page = (await (await api.call(key, `/api/v1/projects?county=${county}&limit=1000&offset=${offset}`)).json()) as { items: Array<{ id: number }> }
    ids.push(...page.items.map((p) => p.id))
    if (page.items.length < 1000) return ids.sort((a, b) => a - b)
  }
}

/** A county's round: statistics and milestones, the batch analysis, then submit → check → approve. */
async function reviewCounty(api: Api, keys: { county: string; city: string; province: string; admin: string }, county: string, index: number) {
  // per-capita land of 180, 250 and 320 m² in turn: the three coefficient bands (1.1, 1.0, 0.9)
  const population = 400_000 + index * 1_000
  const perCapita = [180, 250, 320][index % 3]!
  await api.call(keys.admin, `/api/v1/counties/${county}/stats/${REWARD_YEAR}`, {
    method: 'PUT',
    ...json({ population, urbanRuralConstructionLandM2: population * perCapita }),
  })
  const ids = await projectsOf(api, keys.county, county)
  // the chosen projects, two in every APPROVED_EVERY: a milestone in the reward year (land supply is
  // one every development mode may reach: src/domain/project.ts); set before the analysis, which it
  // would make stale
  const chosen = ids.filter((_, i) => i % APPROVED_EVERY <= 1)
  for (const [i, id] of chosen.entries()) {
    const milestoneDate = `${REWARD_YEAR}-${String(1 + (i % 12)).padStart(2, '0')}-15`
    await api.call(keys.county, `/api/v1/projects/${id}`, { method: 'PATCH', ...json({ milestoneType: 'land-supply', milestoneDate }) })
  }
  const t0 = Date.now()
  const { url } = await (await api.call(keys.county, '/api/v1/analysis/runs', { method: 'POST', ...json({ county }) })).json()
  const run = await api.waitFor(keys.county, url)
  if (run.status !== 'succeeded') throw new Error(`analysis ${county}: ${run.status}`)
  const analysisMs = Date.now() - t0
  const t1 = Date.now()
  let approved = 0
  for (const [i, id] of chosen.entries()) {
    const move = (key: string, action: string) =>
      api.call(key, `/api/v1/projects/${id}/transitions`, { method: 'POST', ...json({ action, ...(action === 'check' ? { fieldCheck } : {}) }) })
    await move(keys.county, 'submit')
    if (i % 2 === 1) continue // submitted, waiting for the city: listed as excluded by the report
    await move(keys.city, 'check')
    await move(keys.province, 'approve')
    approved++
  }
  return { projects: ids.length, approved, analysisMs, reviewMs: Date.now() - t1 }
}

/** The city's field check (外业核查) its check records (src/domain/field-check.ts). */
const fieldCheck = { date: '2026-03-16', by: 'bench', findings: '现场与上报一致', result: 'consistent' }

/** Runs every county's round, `concurrency` counties at a time; keys are made per county and city. */
export async function reviewRound(api: Api, knex: Knex, counties: readonly string[], keys: { province: string; admin: string }, concurrency: number) {
  const key = async (role: 'county' | 'city', region: string) =>
    (await createKey(knex, { name: `bench ${role} ${region}`, role, region, createdBy: 'bench' })).token
  const cityKeys = new Map<string, string>()
  for (const county of counties) {
    const city = countyByCode(county)!.cityCode.slice(0, 4)
    if (!cityKeys.has(city)) cityKeys.set(city, await key('city', city))
  }
  const queue = counties.map((county, index) => ({ county, index }))
  const totals = { projects: 0, approved: 0, analysisMs: 0, reviewMs: 0 }
  const t0 = Date.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const countyKeys = { ...keys, county: await key('county', c.county), city: cityKeys.get(countyByCode(c.county)!.cityCode.slice(0, 4))! }
        const r = await reviewCounty(api, countyKeys, c.county, c.index)
        for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += r[k]
      }
    }),
  )
  return { ...totals, wallMs: Date.now() - t0 }
}
