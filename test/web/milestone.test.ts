/// <reference lib="dom" />
// A milestone recorded after the province's approval, in the browser: the city sees it on the project page
// with its check and return buttons and the province none yet; the review list shows it; the province
// confirms it (or returns it with a reason) from the project page, and only then does it count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData, transitionBody, withKey } from '../helpers/app.js'
import { gkRect } from '../helpers/gk.js'
import { signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
const keys: Record<string, string> = {}
let id: number

const api = (method: 'GET' | 'POST' | 'PATCH', url: string, key: string, payload?: object) =>
  w.t.app.inject({ method, url: `/api/v1${url}`, headers: withKey(key), ...(payload ? { payload } : {}) })

beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  keys.county = await keyFor(w.t.knex, 'county', '371502', '东昌府区自然资源局')
  keys.city = await keyFor(w.t.knex, 'city', '3715', '聊城市自然资源和规划局')
  keys.province = await keyFor(w.t.knex, 'province', null, '山东省自然资源厅')
  const created = await api('POST', '/projects', keys.county!, {
    code: 'MS-WEB',
    srid: 4548,
    geometry: { type: 'Polygon', coordinates: [gkRect(0, 0, 200, 100)] },
    attributes: { developmentMode: 'government-reserve' },
  })
  id = created.json().id
  for (const [who, action] of [
    ['county', 'submit'],
    ['city', 'check'],
    ['province', 'approve'],
  ] as const)
    expect((await api('POST', `/projects/${id}/transitions`, keys[who]!, transitionBody(action))).statusCode).toBe(200)
  const proposed = await api('PATCH', `/projects/${id}`, keys.county!, { milestoneType: 'land-supply', milestoneDate: '2026-08-31' })
  expect(proposed.statusCode, proposed.body).toBe(200)
}, 120_000)
afterAll(async () => w?.close())

describe('a milestone change after approval in the console', () => {
  it('the city checks it on the project page; the province sees it waiting in the review list and confirms it', async () => {
    const province = await signedIn(w, keys.province!)
    const city = await signedIn(w, keys.city!)
    const open = async (page: typeof city.page) => {
      await page.goto(`${w.baseUrl}/#/projects/${id}`)
      await page.reload()
      await page.waitForSelector('#pending-milestone')
    }
    await open(province.page)
    expect(await province.page.textContent('#pending-milestone')).toContain('待市级审核')
    expect(await province.page.textContent('#milestone-after-approval')).toContain('经市级审核、省级确认后方计入奖励年度')
    expect(await province.page.$('#milestone-actions')).toBeNull()

    await open(city.page)
    expect(await city.page.textContent('#pending-milestone')).toContain('2026-08-31')
    // proposed without its evidence: the city reads so before it checks (165号 三: 证明材料……作为认定……的依据)
    expect(await city.page.getAttribute('#pending-evidence-status', 'data-needs-review')).toBe('true')
    expect(await city.page.textContent('#pending-evidence-status')).toContain('证明材料未录入：土地供应供地时间（部监测监管系统）、土地供应电子监管号')
    expect(await city.page.$('#pending-milestone button[data-action="confirm"]')).toBeNull()
    await city.page.click('#pending-milestone button[data-action="check"]')
    await city.page.waitForSelector('#review-message :text("已市级审核通过完成节点")')

    await province.page.goto(`${w.baseUrl}/#/reviews`)
    await province.page.waitForSelector('#pending-milestones tbody tr')
    expect(await province.page.getAttribute('#pending-milestones tbody tr', 'data-stage')).toBe('city-checked')
    expect(await province.page.textContent('#pending-milestones')).toContain('待省级确认')

    await open(province.page)
    await province.page.click('#pending-milestone button[data-action="confirm"]')
    await province.page.waitForSelector('#review-message :text("已省级确认完成节点")')
    expect(await province.page.$('#pending-milestone')).toBeNull()
    expect((await api('GET', `/projects/${id}`, keys.county!)).json()).toMatchObject({ milestoneDate: '2026-08-31', pendingMilestone: null })
    for (const s of [province, city]) await s.context.close()
  })

  it('the province returns a later change with a reason; the confirmed milestone stays', async () => {
    expect((await api('PATCH', `/projects/${id}`, keys.county!, { milestoneDate: '2027-01-05' })).statusCode).toBe(200)
    expect((await api('POST', `/projects/${id}/milestone/transitions`, keys.city!, { action: 'check' })).statusCode).toBe(200)
    const { context, page } = await signedIn(w, keys.province!)
    await page.goto(`${w.baseUrl}/#/projects/${id}`)
    await page.waitForSelector('#pending-milestone button[data-action="return"]')
    await page.click('#pending-milestone button[data-action="return"]')
    await page.waitForSelector('#pending-milestone p.error') // a return needs a reason
    await page.fill('#milestone-return-reason', '与监管系统供地时间不符')
    await page.click('#pending-milestone button[data-action="return"]')
    await page.waitForSelector('#review-message :text("已退回完成节点")')
    const history = (await api('GET', `/projects/${id}/milestone/transitions`, keys.county!)).json()
    expect(history.at(-1)).toMatchObject({ action: 'return', reason: '与监管系统供地时间不符', milestoneDate: '2027-01-05' })
    expect((await api('GET', `/projects/${id}`, keys.county!)).json()).toMatchObject({ milestoneDate: '2026-08-31', pendingMilestone: null })
    await context.close()
  })
})
