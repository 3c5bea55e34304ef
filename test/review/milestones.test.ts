// A milestone recorded or changed after the province's approval (issue 21): the county's PATCH becomes a
// proposal beside the confirmed milestone, the city checks it, the province confirms it, either returns it;
// wrong offices and states answer problem documents; every step is audited and kept in the history; the
// review list and the actions endpoint show it to the right office; the reward year follows only the
// confirmed milestone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, resetData, reviewKeys, transitionBody, type TestApp, withKey } from '../helpers/app.js'
import { gkRect } from '../helpers/gk.js'

let t: TestApp & { dataDir: string }
const keys: Record<string, string> = {}
const COUNTY = '371502'

const api = (method: 'GET' | 'POST' | 'PATCH', url: string, who: string, payload?: object) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: withKey(keys[who]!), ...(payload ? { payload } : {}) })
const review = (id: number, who: string, action: string, reason?: string) =>
  api('POST', `/projects/${id}/milestone/transitions`, who, { action, ...(reason !== undefined ? { reason } : {}) })
const project = async (id: number) => (await api('GET', `/projects/${id}`, 'county')).json()

async function approvedProject(code: string, attributes: object = {}) {
  const created = await api('POST', '/projects', 'county', {
    code,
    srid: 4548,
    geometry: { type: 'Polygon', coordinates: [gkRect(0, 0, 200, 100)] },
    attributes: { developmentMode: 'government-reserve', ...attributes },
  })
  expect(created.statusCode, created.body).toBe(201)
  const id = created.json().id as number
  for (const [who, action] of [
    ['county', 'submit'],
    ['city', 'check'],
    ['province', 'approve'],
  ] as const) {
    const res = await api('POST', `/projects/${id}/transitions`, who, transitionBody(action))
    expect(res.statusCode, res.body).toBe(200)
  }
  return id
}

/** The reward table of a year for the county: the projects whose confirmed milestone falls in it (qualifying or
 * excluded for another reason) and those listed only because a proposal waits (`milestone-unconfirmed`). */
async function rewardTable(year: number) {
  const res = await api('GET', `/province/rewards?year=${year}`, 'province')
  expect(res.statusCode, res.body).toBe(200)
  const row = res.json().counties.find((c: { county: string }) => c.county === COUNTY)
  const listed: Array<{ code: string; exclusion?: string; reasonZh?: string }> = row ? [...row.qualifyingProjects, ...row.excludedProjects] : []
  return {
    counted: listed.filter((p) => p.exclusion !== 'milestone-unconfirmed').map((p) => p.code),
    unconfirmed: listed.filter((p) => p.exclusion === 'milestone-unconfirmed'),
  }
}
const rewardYearCodes = async (year: number) => (await rewardTable(year)).counted

beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
  Object.assign(keys, await reviewKeys(t.knex, COUNTY))
})
afterAll(async () => {
  await t?.close()
})

describe('a milestone recorded after approval', () => {
  let id: number
  beforeAll(async () => {
    id = await approvedProject('MS-1')
  })

  it('is a proposal: the confirmed milestone stays empty and the reward year does not count it', async () => {
    const res = await api('PATCH', `/projects/${id}`, 'county', { milestoneType: 'land-supply', milestoneDate: '2026-08-31' })
    expect(res.statusCode, res.body).toBe(200)
    const p = res.json()
    expect(p).toMatchObject({ status: 'province-approved', milestoneType: null, milestoneDate: null })
    expect(p.pendingMilestone).toMatchObject({ milestoneType: 'land-supply', milestoneDate: '2026-08-31', stage: 'submitted' })
    expect(p.pendingMilestone.proposedBy).toBe(keys.county!.slice(0, p.pendingMilestone.proposedBy.length))
    expect(Date.parse(p.pendingMilestone.proposedAt)).not.toBeNaN()
    const table = await rewardTable(2026)
    expect(table.counted).toEqual([])
    // listed so that the county sees why it is missing
    expect(table.unconfirmed).toEqual([
      expect.objectContaining({ code: 'MS-1', milestoneDate: '2026-08-31', reasonZh: '完成节点于省级审核通过后登记，待市级审核，经省级确认后方计入' }),
    ])
  })

  it('is shown to the city in the review list and the actions, not to another city or the province yet', async () => {
    const list = (await api('GET', '/reviews', 'city')).json()
    expect(list.milestones).toEqual([
      expect.objectContaining({
        projectId: id,
        code: 'MS-1',
        stage: 'submitted',
        proposed: { milestoneType: 'land-supply', milestoneDate: '2026-08-31' },
        confirmed: { milestoneType: null, milestoneDate: null },
      }),
    ])
    expect((await api('GET', '/reviews', 'otherCity')).json().milestones).toEqual([])
    const actions = async (who: string) => (await api('GET', `/projects/${id}/actions`, who)).json().milestoneActions.map((a: { action: string }) => a.action)
    expect(await actions('city')).toEqual(['check', 'return'])
    expect(await actions('province')).toEqual([])
    expect(await actions('county')).toEqual([])
  })

  it('refuses the wrong office (403) and the wrong state (409) with bilingual problem documents', async () => {
    for (const who of ['county', 'province', 'admin']) {
      const res = await review(id, who, 'check')
      expect(res.statusCode).toBe(403)
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(res.json().detailZh).toMatch(/无权/)
    }
    expect((await review(id, 'otherCity', 'check')).statusCode).toBe(404)
    const early = await review(id, 'province', 'confirm') // the city has not checked it
    expect(early.statusCode).toBe(409)
    expect(early.json().detailZh).toMatch(/待市级审核/)
    expect((await review(id, 'province', 'return', '材料不全')).statusCode).toBe(403) // the city reviews a submitted change
    expect((await review(id, 'city', 'return')).statusCode).toBe(400) // no reason
    expect((await api('POST', `/projects/${id}/milestone/transitions`, 'city', { action: 'approve' })).statusCode).toBe(400)
  })

  it('is checked by the city, then confirmed by the province only; then it decides the reward year', async () => {
    const checked = await review(id, 'city', 'check')
    expect(checked.statusCode, checked.body).toBe(200)
    expect(checked.json()).toMatchObject({ from: 'submitted', to: 'city-checked', confirmed: false, actionZh: '市级审核通过完成节点' })
    expect((await project(id)).pendingMilestone.stage).toBe('city-checked')
    expect((await review(id, 'city', 'check')).statusCode).toBe(409)
    expect((await review(id, 'city', 'confirm')).statusCode).toBe(403)
    expect((await review(id, 'city', 'return', '有误')).statusCode).toBe(403) // the province reviews it now
    expect((await review(id, 'province', 'return', '   ')).statusCode).toBe(400)
    expect((await api('GET', `/projects/${id}/actions`, 'province')).json().milestoneActions.map((a: { action: string }) => a.action)).toEqual([
      'confirm',
      'return',
    ])
    expect(await rewardTable(2026)).toMatchObject({ counted: [], unconfirmed: [expect.objectContaining({ reasonZh: expect.stringMatching(/待省级确认/) })] })

    const confirmed = await review(id, 'province', 'confirm')
    expect(confirmed.statusCode, confirmed.body).toBe(200)
    expect(confirmed.json()).toMatchObject({ from: 'city-checked', to: null, confirmed: true, milestoneDate: '2026-08-31' })
    expect(await project(id)).toMatchObject({ milestoneType: 'land-supply', milestoneDate: '2026-08-31', pendingMilestone: null })
    expect(await rewardTable(2026)).toEqual({ counted: ['MS-1'], unconfirmed: [] })
    expect((await review(id, 'province', 'confirm')).statusCode).toBe(409) // nothing pending any more
  })

  it('a later change waits too: the confirmed year stands until the province confirms, and stays when it is returned', async () => {
    const res = await api('PATCH', `/projects/${id}`, 'county', { milestoneDate: '2027-01-05' })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ milestoneDate: '2026-08-31', pendingMilestone: { milestoneType: 'land-supply', milestoneDate: '2027-01-05' } })
    expect(await rewardTable(2026)).toEqual({ counted: ['MS-1'], unconfirmed: [] })
    expect(await rewardTable(2027)).toMatchObject({ counted: [], unconfirmed: [expect.objectContaining({ code: 'MS-1', milestoneDate: '2027-01-05' })] })
    expect((await review(id, 'city', 'check')).statusCode).toBe(200)
    const returned = await review(id, 'province', 'return', '土地供应日期与监管系统不符')
    expect(returned.statusCode, returned.body).toBe(200)
    expect(await project(id)).toMatchObject({ milestoneDate: '2026-08-31', pendingMilestone: null })
    expect(await rewardTable(2026)).toEqual({ counted: ['MS-1'], unconfirmed: [] })
    expect(await rewardTable(2027)).toEqual({ counted: [], unconfirmed: [] })
  })

  it('the county may revise a pending proposal (back to the city); the same value again is no new proposal', async () => {
    expect((await api('PATCH', `/projects/${id}`, 'county', { milestoneDate: '2027-02-01' })).statusCode).toBe(200)
    expect((await review(id, 'city', 'check')).statusCode).toBe(200)
    const revised = await api('PATCH', `/projects/${id}`, 'county', { milestoneDate: '2027-03-01' })
    expect(revised.json().pendingMilestone).toMatchObject({ milestoneDate: '2027-03-01', stage: 'submitted' })
    const before = await t.knex('milestone_reviews').where({ project_id: id }).count({ n: '*' }).first()
    expect((await api('PATCH', `/projects/${id}`, 'county', { milestoneDate: '2027-03-01' })).statusCode).toBe(200)
    expect(await t.knex('milestone_reviews').where({ project_id: id }).count({ n: '*' }).first()).toEqual(before)
    expect((await review(id, 'city', 'check')).statusCode).toBe(200)
    expect((await review(id, 'province', 'confirm')).statusCode).toBe(200)
    expect(await rewardYearCodes(2026)).toEqual([])
    expect(await rewardYearCodes(2027)).toEqual(['MS-1'])
  })

  it('keeps the history and the audit rows of every step', async () => {
    const history = (await api('GET', `/projects/${id}/milestone/transitions`, 'county')).json()
    expect(history.map((h: { action: string; milestoneDate: string; role: string }) => [h.action, h.milestoneDate, h.role])).toEqual([
      ['propose', '2026-08-31', 'county'],
      ['check', '2026-08-31', 'city'],
      ['confirm', '2026-08-31', 'province'],
      ['propose', '2027-01-05', 'county'],
      ['check', '2027-01-05', 'city'],
      ['return', '2027-01-05', 'province'],
      ['propose', '2027-02-01', 'county'],
      ['check', '2027-02-01', 'city'],
      ['propose', '2027-03-01', 'county'],
      ['check', '2027-03-01', 'city'],
      ['confirm', '2027-03-01', 'province'],
    ])
    expect(history[5]).toMatchObject({ reason: '土地供应日期与监管系统不符', actionZh: '退回完成节点' })
    expect((await api('GET', `/projects/${id}/milestone/transitions`, 'otherCounty')).statusCode).toBe(404)
    const audit = await t
      .knex('audit_log')
      .where({ object_type: 'project', object_id: String(id), result: 'ok' })
      .whereLike('action', 'milestone.%')
      .orderBy('id')
      .pluck('action')
    expect(audit).toEqual([
      'milestone.propose',
      'milestone.check',
      'milestone.confirm',
      'milestone.propose',
      'milestone.check',
      'milestone.return',
      'milestone.propose',
      'milestone.check',
      'milestone.propose',
      'milestone.propose-unchanged',
      'milestone.check',
      'milestone.confirm',
    ])
  })
})

describe('what a proposal must be', () => {
  it('is recorded by the county only', async () => {
    const id = await approvedProject('MS-2')
    for (const who of ['city', 'province']) {
      const res = await api('PATCH', `/projects/${id}`, who, { milestoneType: 'land-supply', milestoneDate: '2026-01-01' })
      expect(res.statusCode).toBe(403)
      expect(res.json().detailZh).toMatch(/由县级登记/)
    }
  })

  it('needs both type and date, and a type the development mode allows', async () => {
    const id = await approvedProject('MS-3')
    const dateOnly = await api('PATCH', `/projects/${id}`, 'county', { milestoneDate: '2026-01-01' })
    expect(dateOnly.statusCode).toBe(400)
    expect(dateOnly.json().detailZh).toMatch(/须同时填写完成节点类型和完成日期/)
    const wrongType = await api('PATCH', `/projects/${id}`, 'county', { milestoneType: 'planning-permits', milestoneDate: '2026-01-01' })
    expect(wrongType.statusCode).toBe(400)
    expect(wrongType.json().detailZh).toMatch(/政府收储改造/)
    expect((await project(id)).pendingMilestone).toBeNull()
  })

  it('a milestone recorded before approval keeps today’s path: reviewed with the project, it counts on approval', async () => {
    const id = await approvedProject('MS-4', { milestoneType: 'land-supply', milestoneDate: '2025-03-01' })
    expect(await project(id)).toMatchObject({ milestoneDate: '2025-03-01', pendingMilestone: null })
    expect(await rewardYearCodes(2025)).toEqual(['MS-4'])
    expect(await t.knex('milestone_reviews').where({ project_id: id }).count({ n: '*' }).first()).toEqual({ n: 0 })
    // a change within the same year: listed once, by the confirmed milestone, until the province confirms the new date
    expect((await api('PATCH', `/projects/${id}`, 'county', { milestoneDate: '2025-09-01' })).statusCode).toBe(200)
    expect(await rewardTable(2025)).toEqual({ counted: ['MS-4'], unconfirmed: [] })
  })
})

describe('the evidence goes with the milestone (165号 三: 证明材料……作为认定是否达到奖励标准的依据)', () => {
  const supply = { date: '2025-03-01', supervisionNumber: '3715022025B00042', areaM2: 20000 }

  it('recorded after approval, evidence alone is a proposal; confirmed, it becomes the project’s; the history keeps it', async () => {
    const id = await approvedProject('MS-5', { milestoneType: 'land-supply', milestoneDate: '2025-03-01' })
    const before = await project(id)
    expect(before).toMatchObject({ milestoneEvidence: null, milestoneEvidenceStatus: { complete: false, needsReview: true } })
    expect(before.milestoneEvidenceStatus.noteZh).toBe('证明材料未录入：土地供应供地时间（部监测监管系统）、土地供应电子监管号，需人工复核')

    const proposed = await api('PATCH', `/projects/${id}`, 'county', { milestoneEvidence: { landSupply: supply } })
    expect(proposed.statusCode, proposed.body).toBe(200)
    expect(proposed.json()).toMatchObject({
      milestoneEvidence: null, // the confirmed milestone keeps its (missing) evidence until the province confirms
      pendingMilestone: {
        milestoneType: 'land-supply',
        milestoneDate: '2025-03-01',
        milestoneEvidence: { landSupply: supply },
        evidenceStatus: { complete: true, needsReview: false, noteZh: '证明材料已录入' },
        stage: 'submitted',
      },
    })
    const rows = async () => (await t.knex('milestone_reviews').where({ project_id: id }).count({ n: '*' }).first())!.n
    const n = await rows()
    expect((await api('PATCH', `/projects/${id}`, 'county', { milestoneEvidence: { landSupply: { ...supply } } })).statusCode).toBe(200)
    expect(await rows()).toBe(n) // the same evidence again is no new proposal

    expect((await review(id, 'city', 'check')).statusCode).toBe(200)
    expect((await review(id, 'province', 'confirm')).statusCode).toBe(200)
    expect(await project(id)).toMatchObject({
      milestoneType: 'land-supply',
      milestoneDate: '2025-03-01',
      milestoneEvidence: { landSupply: supply },
      milestoneEvidenceStatus: { complete: true, needsReview: false },
      pendingMilestone: null,
    })
    const history = (await api('GET', `/projects/${id}/milestone/transitions`, 'county')).json()
    expect(history.map((h: { action: string; milestoneEvidence: unknown }) => [h.action, h.milestoneEvidence])).toEqual([
      ['propose', { landSupply: supply }],
      ['check', { landSupply: supply }],
      ['confirm', { landSupply: supply }],
    ])
    const audit = await t
      .knex('audit_log')
      .first('detail')
      .where({ object_id: String(id), action: 'milestone.propose' })
    expect(audit.detail.milestoneEvidence).toEqual({ landSupply: supply })
  })

  it('a returned proposal leaves the confirmed evidence as it was', async () => {
    const id = await approvedProject('MS-6', { milestoneType: 'land-supply', milestoneDate: '2025-03-01', milestoneEvidence: { landSupply: supply } })
    const changed = await api('PATCH', `/projects/${id}`, 'county', {
      milestoneDate: '2025-04-01',
      milestoneEvidence: { landSupply: { ...supply, date: '2025-04-01' } },
    })
    expect(changed.json().pendingMilestone.milestoneEvidence.landSupply.date).toBe('2025-04-01')
    expect((await review(id, 'city', 'return', '监管系统供地时间为2025-03-01')).statusCode).toBe(200)
    expect(await project(id)).toMatchObject({ milestoneDate: '2025-03-01', milestoneEvidence: { landSupply: supply }, pendingMilestone: null })
  })

  it('the evidence area is a stock-rule input: frozen once submitted, like the boundary', async () => {
    const id = await approvedProject('MS-7')
    const res = await api('PATCH', `/projects/${id}`, 'county', { evidenceAreaM2: 15000 })
    expect(res.statusCode).toBe(409)
  })
})

describe('a milestone without its type does not count', () => {
  it('a date recorded alone before approval is listed for its year as milestone-type-missing, not counted', async () => {
    const id = await approvedProject('MS-8', { milestoneDate: '2024-05-20' })
    expect(await project(id)).toMatchObject({ milestoneType: null, milestoneDate: '2024-05-20', milestoneEvidenceStatus: null })
    const res = await api('GET', '/province/rewards?year=2024', 'province')
    const row = res.json().counties.find((c: { county: string }) => c.county === COUNTY)
    expect(row.qualifyingProjects).toEqual([])
    expect(row.excludedProjects).toEqual([
      expect.objectContaining({
        code: 'MS-8',
        exclusion: 'milestone-type-missing',
        reasonZh: '完成节点未录入类型（土地供应、不动产转移登记及规划许可、规划许可），仅有日期不计入奖励',
      }),
    ])
  })
})
