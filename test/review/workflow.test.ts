// The review workflow through the API: who may move a project, what is locked meanwhile, the audit
// trail, the province's working-day due dates, and filings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chinaToday } from '../../src/domain/calendar.js'
import { buildTestApp, cityFieldCheck, resetData, reviewKeys, transitionBody, type TestApp, withKey } from '../helpers/app.js'
import { gkRect } from '../helpers/gk.js'

let t: TestApp & { dataDir: string }
const keys: Record<string, string> = {}

async function newProject(code: string, key = keys.county!) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: withKey(key),
    payload: {
      code,
      srid: 4548,
      geometry: { type: 'Polygon', coordinates: [gkRect(0, 0, 200, 100)] },
      attributes: { name: code, developmentMode: 'government-reserve' },
    },
  })
  expect(res.statusCode, res.body).toBe(201)
  return res.json().id as number
}
const move = (id: number, who: string, action: string, reason?: string) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${id}/transitions`,
    headers: withKey(keys[who]!),
    payload: transitionBody(action, reason),
  })

beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
  Object.assign(keys, await reviewKeys(t.knex, '371502'))
})
afterAll(async () => {
  await t.close()
})

describe('review workflow', () => {
  it('goes draft → submitted → city-checked → province-approved, each step by its own role only', async () => {
    const id = await newProject('WF-1')
    for (const who of ['city', 'province', 'admin']) expect((await move(id, who, 'submit')).statusCode).toBe(403)
    expect((await move(id, 'otherCounty', 'submit')).statusCode).toBe(404) // another county's project does not exist for it
    const submitted = await move(id, 'county', 'submit')
    expect(submitted.statusCode, submitted.body).toBe(200)
    expect(submitted.json()).toMatchObject({ status: 'submitted', transition: { from: 'draft', to: 'submitted' } })

    for (const who of ['county', 'province', 'admin']) expect((await move(id, who, 'check')).statusCode).toBe(403)
    expect((await move(id, 'otherCity', 'check')).statusCode).toBe(404)
    expect((await move(id, 'province', 'approve')).statusCode).toBe(409) // not city-checked yet
    expect((await move(id, 'city', 'check')).json().status).toBe('city-checked')

    for (const who of ['county', 'city', 'admin']) expect((await move(id, who, 'approve')).statusCode).toBe(403)
    const approved = await move(id, 'province', 'approve')
    expect(approved.statusCode, approved.body).toBe(200)
    expect(approved.json().status).toBe('province-approved')
    // the approval pins the analysis the province saw
    const pinned = await t.knex('projects').first('approved_result_id').where({ id })
    expect(pinned.approved_result_id).toBeGreaterThan(0)
    expect((await move(id, 'province', 'approve')).statusCode).toBe(409)
    expect((await move(id, 'county', 'submit')).statusCode).toBe(409)
  })

  it('returns with a reason at either review step, and a returned project can be resubmitted', async () => {
    const id = await newProject('WF-2')
    await move(id, 'county', 'submit')
    expect((await move(id, 'city', 'return')).statusCode).toBe(400) // no reason
    expect((await move(id, 'province', 'return', '材料不全')).statusCode).toBe(403) // the city reviews a submitted project
    const returned = await move(id, 'city', 'return', '佐证材料不全')
    expect(returned.json()).toMatchObject({ status: 'returned' })
    expect((await move(id, 'county', 'submit')).json().status).toBe('submitted')
    await move(id, 'city', 'check')
    expect((await move(id, 'city', 'return', 'x')).statusCode).toBe(403) // now it is the province's step
    expect((await move(id, 'province', 'return', '二调建设用地面积有误')).json().status).toBe('returned')

    const history = (await t.app.inject({ method: 'GET', url: `/api/v1/projects/${id}/transitions`, headers: withKey(keys.county!) })).json()
    expect(history.map((h: any) => [h.action, h.from, h.to, h.role])).toEqual([
      ['submit', 'draft', 'submitted', 'county'],
      ['return', 'submitted', 'returned', 'city'],
      ['submit', 'returned', 'submitted', 'county'],
      ['check', 'submitted', 'city-checked', 'city'],
      ['return', 'city-checked', 'returned', 'province'],
    ])
    expect(history[1].reason).toBe('佐证材料不全')
    expect(history.every((h: any) => /^lr_/.test(h.by) || h.by.length > 0)).toBe(true)
  })

  it('records every transition, and every refused one, in the audit log with who and when', async () => {
    const id = await newProject('WF-3')
    await move(id, 'city', 'submit') // refused
    await move(id, 'county', 'submit')
    const rows = await t
      .knex('audit_log')
      .select('action', 'result', 'key_prefix', 'at', 'detail')
      .where({ object_id: String(id) })
      .where('id', '>', 0)
      .orderBy('id')
    const moves = rows.filter((r) => r.action !== 'project.create')
    expect(moves.map((r) => [r.action, r.result])).toEqual([
      ['POST /api/v1/projects/:id/transitions', 'denied'],
      ['project.submit', 'ok'],
    ])
    expect(moves[1].detail).toMatchObject({ from: 'draft', to: 'submitted' })
    expect(moves.every((r) => r.key_prefix && r.at instanceof Date)).toBe(true)
  })

  it('freezes the boundary inputs under review; the milestone stays editable', async () => {
    const id = await newProject('WF-4')
    await move(id, 'county', 'submit')
    const patch = (payload: object) => t.app.inject({ method: 'PATCH', url: `/api/v1/projects/${id}`, headers: withKey(keys.county!), payload })
    expect((await patch({ approach: 'plot-ratio-increase' })).statusCode).toBe(409)
    expect((await patch({ milestoneType: 'land-supply', milestoneDate: '2026-06-30' })).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/projects/${id}`, headers: withKey(keys.county!) })).statusCode).toBe(409)
  })

  it('sends a milestone recorded after approval to review instead of recording it (test/review/milestones.test.ts)', async () => {
    const id = await newProject('WF-6')
    for (const [who, action] of [
      ['county', 'submit'],
      ['city', 'check'],
      ['province', 'approve'],
    ])
      expect((await move(id, who!, action!)).statusCode).toBe(200)
    const patch = (payload: object) => t.app.inject({ method: 'PATCH', url: `/api/v1/projects/${id}`, headers: withKey(keys.county!), payload })
    const res = await patch({ milestoneType: 'land-supply', milestoneDate: '2026-08-31' })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ milestoneType: null, milestoneDate: null, pendingMilestone: { milestoneDate: '2026-08-31', stage: 'submitted' } })
    expect((await patch({ approach: 'plot-ratio-increase', milestoneDate: '2027-01-05' })).statusCode).toBe(409) // frozen attributes with it
  })

  it('refuses a milestone that does not fit the development mode', async () => {
    const id = await newProject('WF-5')
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/projects/${id}`,
      headers: withKey(keys.county!),
      payload: { milestoneType: 'planning-permits' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().detail).toMatch(/land-supply/)
  })

  it('lets an original owner complete by transfer or by a supply by agreement (协议出让), as the Liaocheng plan allows', async () => {
    const id = await newProject('WF-7')
    const patch = (payload: object) => t.app.inject({ method: 'PATCH', url: `/api/v1/projects/${id}`, headers: withKey(keys.county!), payload })
    expect((await patch({ developmentMode: 'original-owner', milestoneType: 'transfer-registration' })).statusCode).toBe(200)
    expect((await patch({ milestoneType: 'land-supply' })).statusCode).toBe(200)
    expect((await patch({ milestoneType: 'planning-permits' })).statusCode).toBe(200)
    const refused = await patch({ developmentMode: 'market' }) // a market entity does not complete by permits alone
    expect(refused.statusCode).toBe(400)
    expect(refused.json().detailZh).toMatch(/市场主体改造/)
  })
})

describe('the city’s field check (外业核查, 165号 四（一）)', () => {
  const send = (id: number, who: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1/projects/${id}/transitions`, headers: withKey(keys[who]!), payload })
  const submitted = async (code: string) => {
    const id = await newProject(code)
    expect((await move(id, 'county', 'submit')).statusCode).toBe(200)
    return id
  }
  // today and tomorrow in China Standard Time, computed here from the clock, not by the code under test
  const now = new Date()
  const today = new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10)
  const tomorrow = new Date(now.getTime() + 8 * 3600_000 + 86_400_000).toISOString().slice(0, 10)

  it('is required with the city’s check: without it 400 in Chinese, naming the field; nothing moves', async () => {
    const id = await submitted('FC-1')
    const res = await send(id, 'city', { action: 'check' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'LR_BAD_REQUEST', errors: [{ path: 'body/fieldCheck' }] })
    expect(res.json().detailZh).toMatch(/市级审核通过须录入外业核查情况.*核查日期、核查人员、核查情况/)
    expect((await t.knex('projects').first('status').where({ id })).status).toBe('submitted')
  })

  it('refuses a visit after today (today passes), and empty people or findings, each said in Chinese', async () => {
    expect(chinaToday()).toBe(today)
    const id = await submitted('FC-2')
    const later = await send(id, 'city', { action: 'check', fieldCheck: { ...cityFieldCheck, date: tomorrow } })
    expect(later.statusCode).toBe(400)
    expect(later.json().detailZh).toBe(`外业核查日期${tomorrow}晚于今天`)
    const blank = await send(id, 'city', { action: 'check', fieldCheck: { ...cityFieldCheck, by: '  ', findings: '' } })
    expect(blank.statusCode).toBe(400)
    expect(blank.json().detailZh).toBe('未填写外业核查人员；未填写外业核查情况')
    expect(blank.json().errors.map((e: { path: string }) => e.path)).toEqual(['body/fieldCheck/by', 'body/fieldCheck/findings'])
    const bad = await send(id, 'city', { action: 'check', fieldCheck: { ...cityFieldCheck, result: 'maybe' } })
    expect(bad.statusCode).toBe(400) // the schema: 一致 or 不一致 only
    const onTheDay = await send(id, 'city', { action: 'check', fieldCheck: { ...cityFieldCheck, date: today, result: undefined } })
    expect(onTheDay.statusCode, onTheDay.body).toBe(200)
  })

  it('is stored with the check, audited, and shown in the review history with its result in Chinese', async () => {
    const id = await submitted('FC-3')
    const by = ' 王敏、刘强（聊城市自然资源和规划局） '
    expect((await send(id, 'city', { action: 'check', fieldCheck: { ...cityFieldCheck, by } })).statusCode).toBe(200)
    const history = (await t.app.inject({ method: 'GET', url: `/api/v1/projects/${id}/transitions`, headers: withKey(keys.county!) })).json()
    expect(history.map((h: any) => [h.action, h.fieldCheck])).toEqual([
      ['submit', null],
      ['check', { date: '2026-03-16', by: by.trim(), findings: cityFieldCheck.findings, result: 'consistent', resultZh: '一致' }],
    ])
    const audit = await t
      .knex('audit_log')
      .first('detail')
      .where({ object_id: String(id), action: 'project.check' })
    expect(audit.detail.fieldCheck).toEqual({ ...cityFieldCheck, by: by.trim() })
  })

  it('may go with the city’s return (不一致 is often why), is not needed there, and is refused with any other step', async () => {
    const id = await submitted('FC-4')
    const returned = await send(id, 'city', {
      action: 'return',
      reason: '现场已新建厂房，与上报现状不符',
      fieldCheck: { ...cityFieldCheck, findings: '红线内东侧已新建厂房', result: 'inconsistent' },
    })
    expect(returned.statusCode, returned.body).toBe(200)
    const resubmitted = await send(id, 'county', { action: 'submit', fieldCheck: cityFieldCheck })
    expect(resubmitted.statusCode).toBe(400)
    expect(resubmitted.json().detailZh).toBe('外业核查情况由市级在审核（通过或退回）县级提交的项目时录入')
    expect((await move(id, 'county', 'submit')).statusCode).toBe(200)
    expect((await send(id, 'city', { action: 'return', reason: '材料不全' })).statusCode).toBe(200)
    expect((await move(id, 'county', 'submit')).statusCode).toBe(200)
    expect((await move(id, 'city', 'check')).statusCode).toBe(200)
    const approve = await send(id, 'province', { action: 'approve', fieldCheck: cityFieldCheck })
    expect(approve.statusCode).toBe(400)
    const history = (await t.app.inject({ method: 'GET', url: `/api/v1/projects/${id}/transitions`, headers: withKey(keys.city!) })).json()
    expect(history.map((h: any) => [h.action, h.fieldCheck?.resultZh ?? null])).toEqual([
      ['submit', null],
      ['return', '不一致'],
      ['submit', null],
      ['return', null],
      ['submit', null],
      ['check', '一致'],
    ])
  })

  it('a wrong office is refused for its office first, not for the field check', async () => {
    const id = await submitted('FC-5')
    expect((await send(id, 'province', { action: 'check' })).statusCode).toBe(403)
    expect((await send(id, 'county', { action: 'check', fieldCheck: cityFieldCheck })).statusCode).toBe(403)
  })

  it('tells the console which steps take one (GET /projects/{id}/actions)', async () => {
    const id = await submitted('FC-6')
    const actions = (await t.app.inject({ url: `/api/v1/projects/${id}/actions`, headers: withKey(keys.city!) })).json()
    expect(actions.actions.map((a: any) => [a.action, a.fieldCheck])).toEqual([
      ['check', 'required'],
      ['return', 'optional'],
    ])
    const county = (await t.app.inject({ url: `/api/v1/projects/${id}/actions`, headers: withKey(keys.county!) })).json()
    expect(county.actions).toEqual([])
  })
})

describe('province review due dates', () => {
  beforeAll(async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/calendar/2026',
      headers: withKey(keys.province!),
      payload: {
        source: '国办发明电〔2025〕7号',
        holidays: ['01', '02', '03', '04', '05', '06', '07'].map((d) => ({ date: `2026-10-${d}`, name: '国庆节' })),
        workdays: [
          { date: '2026-09-20', name: '国庆节调休上班' },
          { date: '2026-10-10', name: '国庆节调休上班' },
        ],
      },
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(
      (
        await t.app.inject({
          method: 'PUT',
          url: '/api/v1/calendar/2026',
          headers: withKey(keys.county!),
          payload: { source: 'x', holidays: [], workdays: [] },
        })
      ).statusCode,
    ).toBe(403)
  })

  /** A project the county submitted on one day and the city checked on another (both 10:00 China time). */
  async function checked(code: string, submitted: string, cityChecked: string | null) {
    const id = await newProject(code)
    await move(id, 'county', 'submit')
    await t
      .knex('projects')
      .where({ id })
      .update({ submitted_at: `${submitted}T10:00:00+08:00` })
    if (cityChecked) {
      expect((await move(id, 'city', 'check')).statusCode).toBe(200)
      await t
        .knex('project_transitions')
        .where({ project_id: id, action: 'check' })
        .update({ at: `${cityChecked}T10:00:00+08:00` })
    }
    return id
  }
  const reviews = async (q: string) => (await t.app.inject({ method: 'GET', url: `/api/v1/reviews?${q}`, headers: withKey(keys.province!) })).json()

  it('counts the province’s 10 working days from the city’s check, across a weekend and across 国庆 with its make-up Saturday', async () => {
    // submitted Monday 11-02, checked Friday 11-06 → Friday 11-20 (from the submission it would be Monday 11-16)
    await checked('DUE-WEEKEND', '2026-11-02', '2026-11-06')
    // checked Monday 09-28 → 09-29, 09-30, 10-08, 10-09, 10-10 (Sat, worked), 10-12 … 10-16
    await checked('DUE-HOLIDAY', '2026-09-21', '2026-09-28')
    const list = await reviews('asOf=2026-11-20')
    const byCode = Object.fromEntries(list.items.map((i: any) => [i.code, i]))
    expect(byCode['DUE-WEEKEND']).toMatchObject({ submittedOn: '2026-11-02', cityCheckedOn: '2026-11-06', dueOn: '2026-11-20', overdue: false })
    expect(byCode['DUE-HOLIDAY']).toMatchObject({ cityCheckedOn: '2026-09-28', dueOn: '2026-10-16', overdue: true })
  })

  it('lists overdue reviews: not on the due date, from the day after; not early because the county submitted earlier', async () => {
    expect((await reviews('overdue=true&asOf=2026-11-17')).items.map((i: any) => i.code)).not.toContain('DUE-WEEKEND')
    const onDue = (await reviews('overdue=true&asOf=2026-11-20')).items.map((i: any) => i.code)
    expect(onDue).toContain('DUE-HOLIDAY')
    expect(onDue).not.toContain('DUE-WEEKEND')
    expect((await reviews('overdue=true&asOf=2026-11-21')).items.map((i: any) => i.code)).toContain('DUE-WEEKEND')
  })

  it('lists projects waiting for the city separately, without a due date (no time limit is set), with the working days waited', async () => {
    await checked('AT-CITY', '2026-11-06', null) // Friday; 11-09 … 11-13 and 11-16 … 11-20 are 10 working days
    const list = await reviews('asOf=2026-11-20')
    expect(list.items.map((i: any) => i.code)).not.toContain('AT-CITY')
    expect(list.awaitingCity.find((i: any) => i.code === 'AT-CITY')).toMatchObject({
      status: 'submitted',
      submittedOn: '2026-11-06',
      dueOn: null,
      workingDaysWaiting: 10,
    })
    expect(list.cityDeadline.workingDays).toBeNull()
    expect(list.cityDeadline.zh).toMatch(/未规定市级审核时限/)
    expect((await reviews('overdue=true&asOf=2027-06-01')).awaitingCity).toEqual([])
  })
})

describe('filings (备案)', () => {
  let id: number
  beforeAll(async () => {
    id = await newProject('FIL-1')
  })
  const file = (payload: object, key = keys.county!) => t.app.inject({ method: 'POST', url: `/api/v1/projects/${id}/filings`, headers: withKey(key), payload })
  const list = async (q: string, key = keys.county!) => (await t.app.inject({ method: 'GET', url: `/api/v1/filings?${q}`, headers: withKey(key) })).json()

  it('is due one month after the document date and overdue from the day after', async () => {
    const scheme = await file({ kind: 'scheme', documentDate: '2026-01-31', title: '实施方案' })
    expect(scheme.statusCode, scheme.body).toBe(201)
    // one month on is Saturday 2026-02-28: due Monday 03-02
    expect(scheme.json()).toMatchObject({ dueOn: '2026-03-02', nominalDueOn: '2026-02-28', kindZh: '实施方案', filedOn: null })
    await file({ kind: 'supervision-agreement', documentDate: '2026-03-10', filedOn: '2026-04-10' })
    await file({ kind: 'supply-result', documentDate: '2026-03-10', filedOn: '2026-04-11' })
    expect((await list('overdue=true&asOf=2026-03-02')).items).toEqual([])
    const overdue = await list('overdue=true&asOf=2026-03-03')
    expect(overdue.items.map((f: any) => [f.kind, f.status])).toEqual([['scheme', 'overdue']])
    const all = (await list('county=371502&asOf=2026-05-01')).items.map((f: any) => [f.kind, f.status])
    expect(all).toEqual([
      ['scheme', 'overdue'],
      ['supervision-agreement', 'filed'],
      ['supply-result', 'filed-late'],
    ])
  })

  it('moves a due date on a holiday or weekend to the next working day, and is overdue only after that', async () => {
    // one month after 2026-09-03 is Saturday 10-03, inside 国庆 (10-01…10-07 off): due Thursday 10-08
    const res = await file({ kind: 'land-approval', documentDate: '2026-09-03' })
    expect(res.json()).toMatchObject({ dueOn: '2026-10-08', nominalDueOn: '2026-10-03', calendarMissingFor: [] })
    const overdueOn = async (asOf: string) => (await list(`overdue=true&asOf=${asOf}`)).items.map((f: any) => f.kind)
    expect(await overdueOn('2026-10-08')).not.toContain('land-approval')
    expect(await overdueOn('2026-10-09')).toContain('land-approval')
    // 2026-09-20 is a Sunday worked (调休上班): a due date on it stays
    expect((await file({ kind: 'progress', documentDate: '2026-08-20' })).json().dueOn).toBe('2026-09-20')
    await t.app.inject({ method: 'PATCH', url: `/api/v1/filings/${res.json().id}`, headers: withKey(keys.county!), payload: { filedOn: '2026-10-08' } })
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/filings/${res.json().id}`, headers: withKey(keys.county!) })).json().status).toBe('filed')
  })

  it('clears an overdue filing once it is filed, and keeps another county out', async () => {
    const scheme = (await list('asOf=2026-05-01')).items.find((f: any) => f.kind === 'scheme')
    const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/filings/${scheme.id}`, headers: withKey(keys.county!), payload: { filedOn: '2026-03-03' } })
    expect(res.json().status).toBe('filed-late')
    expect((await list('overdue=true&asOf=2026-05-01')).items).toEqual([])
    expect((await list('', keys.otherCounty)).items).toEqual([])
    expect((await file({ kind: 'plan', documentDate: '2026-01-01' }, keys.otherCounty)).statusCode).toBe(404)
    expect((await file({ kind: 'plan', documentDate: '2026-03-01', filedOn: '2026-02-01' })).statusCode).toBe(400)
  })
})
