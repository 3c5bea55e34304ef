// The review queue (issue 22): what each row carries for a decision (verdict, areas, overlaps, days
// waited, due date), the counts beside 审核 in the navigation for each office, and the comment that
// goes with a step (required with a return, optional with an approval).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { roundTo, toMu } from '../../src/domain/units.js'
import { buildTestApp, resetData, reviewKeys, transitionBody, type TestApp, withKey } from '../helpers/app.js'
import { gkArea, gkRect } from '../helpers/gk.js'

let t: TestApp & { dataDir: string }
const keys: Record<string, string> = {}
const ids: Record<string, number> = {}

async function newProject(code: string, rect: [number, number, number, number], county = '371502') {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: withKey(county === '371502' ? keys.county! : keys.otherCounty!),
    payload: { code, srid: 4548, geometry: { type: 'Polygon', coordinates: [gkRect(...rect)] }, attributes: { name: code } },
  })
  expect(res.statusCode, res.body).toBe(201)
  return res.json().id as number
}
const move = (id: number, who: string, action: string, reason?: string) =>
  t.app.inject({ method: 'POST', url: `/api/v1/projects/${id}/transitions`, headers: withKey(keys[who]!), payload: transitionBody(action, reason) })
const get = async (url: string, who: string) => {
  const res = await t.app.inject({ url: `/api/v1${url}`, headers: withKey(keys[who]!) })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}
/** Dates the steps as if taken at 10:00 China time on the given days. */
async function dated(id: number, submitted: string, cityChecked?: string) {
  await t
    .knex('projects')
    .where({ id })
    .update({ submitted_at: `${submitted}T10:00:00+08:00` })
  if (cityChecked)
    await t
      .knex('project_transitions')
      .where({ project_id: id, action: 'check' })
      .update({ at: `${cityChecked}T10:00:00+08:00` })
}

beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
  Object.assign(keys, await reviewKeys(t.knex, '371502'))
  // Q-A and Q-B share 100 × 100 m; Q-C stands apart; Q-D is a neighbour county's
  ids.A = await newProject('Q-A', [0, 0, 200, 100])
  ids.B = await newProject('Q-B', [100, 0, 300, 100])
  ids.C = await newProject('Q-C', [1000, 0, 1100, 100])
  for (const id of [ids.A, ids.B, ids.C]) expect((await move(id!, 'county', 'submit')).statusCode).toBe(200)
  // the city's check analyses A and B (no layers: undecided); C waits for the city, not analysed
  for (const id of [ids.A, ids.B]) expect((await move(id!, 'city', 'check')).statusCode).toBe(200)
  await dated(ids.A!, '2026-11-02', '2026-11-06') // due Friday 11-20
  await dated(ids.B!, '2026-11-02', '2026-11-16') // due Monday 11-30
  await dated(ids.C!, '2026-11-13')
})
afterAll(async () => {
  await t.close()
})

describe('the review list', () => {
  it('gives each row the verdict, the areas in m² and 亩, the overlaps counted, the working days waited and the due date', async () => {
    // B's check made A's analysis stale (B's status is an input of it): this read recomputes it
    const a = await get(`/projects/${ids.A}/analysis`, 'province')
    const list = await get('/reviews?asOf=2026-11-23', 'province')
    const byCode = Object.fromEntries([...list.items, ...list.awaitingCity].map((i: any) => [i.code, i]))
    expect(a.verdictZh).toBe('无法判定')
    // the project area, computed independently of PostGIS (proj4 + GeographicLib)
    const area = gkArea(0, 0, 200, 100)
    expect(Math.abs(byCode['Q-A'].areaM2 - area)).toBeLessThan(0.01)
    expect(byCode['Q-A'].areaMu).toBe(roundTo(toMu(byCode['Q-A'].areaM2), 4))
    expect(byCode['Q-A']).toMatchObject({
      eligible: a.eligible,
      verdictZh: a.verdictZh,
      analysisStale: false,
      stockAreaM2: a.stockArea.m2,
      stockAreaMu: a.stockArea.mu,
      overlapCount: 1,
      overlaps: [{ code: 'Q-B', status: 'city-checked' }],
      cityCheckedOn: '2026-11-06',
      dueOn: '2026-11-20',
      overdue: true,
      // 11-09 … 11-13, 11-16 … 11-20, 11-23
      workingDaysWaiting: 11,
    })
    expect(byCode['Q-B']).toMatchObject({ overlapCount: 1, dueOn: '2026-11-30', overdue: false, workingDaysWaiting: 5 })
    // not analysed yet: no verdict, no stock, no overlaps; the project area is known from the boundary
    expect(byCode['Q-C']).toMatchObject({
      eligible: null,
      verdictZh: null,
      analysisStale: null,
      stockAreaM2: null,
      stockAreaMu: null,
      overlaps: null,
      overlapCount: null,
      dueOn: null,
      workingDaysWaiting: 6,
    })
    expect(Math.abs(byCode['Q-C'].areaM2 - gkArea(1000, 0, 1100, 100))).toBeLessThan(0.01)
  })

  it('keeps to the key’s region, as every list does', async () => {
    const other = await get('/reviews', 'otherCity')
    expect([...other.items, ...other.awaitingCity]).toEqual([])
    const county = await get('/reviews', 'county')
    expect(county.items.map((i: any) => i.code).sort()).toEqual(['Q-A', 'Q-B'])
  })
})

describe('the counts beside 审核', () => {
  it('counts each office’s own queue and what is past the province’s due date', async () => {
    const counts = async (who: string, asOf = '2026-11-23') => get(`/reviews/counts?asOf=${asOf}`, who)
    expect(await counts('city')).toMatchObject({ role: 'city', pending: 1, projects: 1, milestones: 0, overdue: 0 })
    expect(await counts('province')).toMatchObject({ role: 'province', pending: 2, projects: 2, overdue: 1 })
    // on the due date not yet overdue; the day after it is
    expect((await counts('province', '2026-11-20')).overdue).toBe(0)
    expect((await counts('province', '2026-12-01')).overdue).toBe(2)
    // a county follows everything of its own under review; a neighbour sees none of it
    expect(await counts('county')).toMatchObject({ pending: 3, projects: 3, overdue: 1 })
    expect(await counts('otherCity')).toMatchObject({ pending: 0, overdue: 0 })
    expect(await counts('admin')).toMatchObject({ pending: 3, overdue: 1 })
  })

  it('agrees with the list (overdue=true) on any day', async () => {
    for (const asOf of ['2026-11-20', '2026-11-23', '2026-12-01']) {
      const overdue = (await get(`/reviews?overdue=true&asOf=${asOf}`, 'province')).items.length
      expect((await get(`/reviews/counts?asOf=${asOf}`, 'province')).overdue).toBe(overdue)
    }
  })
})

describe('the comment with a step', () => {
  it('refuses a return without a comment (empty or blank) with a 400 in Chinese and English; nothing moves', async () => {
    for (const reason of [undefined, '', '  \n ']) {
      const res = await move(ids.B!, 'province', 'return', reason)
      expect(res.statusCode).toBe(400)
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
      const body = res.json()
      expect(body.detailZh ?? body.detail).toMatch(/退回须说明理由/)
      expect(JSON.stringify(body)).toMatch(/a return needs a reason/)
    }
    expect((await get(`/projects/${ids.B}`, 'province')).status).toBe('city-checked')
  })

  it('keeps an approval’s optional comment in the history; one without a comment is fine', async () => {
    const approved = await move(ids.A!, 'province', 'approve', ' 材料齐全，同意入库 ')
    expect(approved.statusCode, approved.body).toBe(200)
    const history = await get(`/projects/${ids.A}/transitions`, 'county')
    expect(history.at(-1)).toMatchObject({ action: 'approve', reason: '材料齐全，同意入库' })
    expect(history.find((h: any) => h.action === 'submit').reason).toBeNull()
  })
})
