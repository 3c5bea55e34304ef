// Who did something by name beside the key's prefix (review history, audit, filings), and the year-wide
// CSVs of projects and filings with Chinese values and Beijing time (issue 22).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, transitionBody, withKey, type TestApp } from '../helpers/app.js'
import { lonLatRectangle } from '../helpers/geometry.js'

let t: TestApp
let county: string
let province: string
let projectId: number
const prefix = (token: string) => token.split('_').slice(0, 2).join('_')

/** RFC 4180 rows of a CSV body (quoted cells with commas, quotes and line breaks). */
function csvRows(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  const endCell = () => {
    row.push(cell)
    cell = ''
  }
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') endCell()
    else if (ch === '\r' && text[i + 1] === '\n') {
      endCell()
      rows.push(row)
      row = []
      i++
    } else cell += ch
  }
  if (cell || row.length) {
    endCell()
    rows.push(row)
  }
  return rows
}

/** A CSV response as objects by its Chinese header, after checking the BOM. */
function csvObjects(raw: Buffer): Array<Record<string, string>> {
  expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
  const [head, ...rows] = csvRows(raw.subarray(3).toString('utf8'))
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])))
}

/** An instant as a clock in Beijing shows it, by the platform's time-zone data (not the service's arithmetic). */
const beijing = (d: Date) => {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  )
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
  county = await keyFor(t.knex, 'county', '371502', '东昌府区自然资源局')
  province = await keyFor(t.knex, 'province', null, '省自然资源厅利用处')
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: withKey(county),
    payload: {
      code: 'N-001',
      geometry: lonLatRectangle(115.95, 36.45, 115.953, 36.452),
      attributes: { name: '古楼街道旧厂区', developmentMode: 'government-reserve' },
    },
  })
  expect(created.statusCode).toBe(201)
  projectId = created.json().id
  // a reward year (milestone of 2025) and the land uses of 退二进三, straight into the row
  await t
    .knex('projects')
    .where({ id: projectId })
    .update({ milestone_type: 'land-supply', milestone_date: '2025-06-30', original_use: 'industrial', new_use: 'commercial' })
  const moved = await t.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${projectId}/transitions`,
    headers: withKey(county),
    payload: transitionBody('submit'),
  })
  expect(moved.statusCode).toBe(200)
  const filed = await t.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${projectId}/filings`,
    headers: withKey(county),
    payload: { kind: 'scheme', documentDate: '2025-03-10', title: '实施方案, "第一版"' },
  })
  expect(filed.statusCode).toBe(201)
  await t.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${projectId}/filings`,
    headers: withKey(county),
    payload: { kind: 'plan', documentDate: '2024-12-01' },
  })
})
afterAll(() => t?.close())

describe('names beside key prefixes', () => {
  it('gives the name of the key that acted in the review history, the audit log and filings, the prefix kept', async () => {
    const history = (await t.app.inject({ url: `/api/v1/projects/${projectId}/transitions`, headers: withKey(county) })).json()
    expect(history[0]).toMatchObject({ action: 'submit', by: prefix(county), byName: '东昌府区自然资源局' })
    const audit = (await t.app.inject({ url: '/api/v1/audit?limit=50', headers: withKey(province) })).json()
    const submit = audit.find((e: { action: string }) => e.action === 'project.submit')
    expect(submit).toMatchObject({ keyPrefix: prefix(county), keyName: '东昌府区自然资源局' })
    const filings = (await t.app.inject({ url: `/api/v1/filings?projectId=${projectId}`, headers: withKey(county) })).json()
    expect(filings.items[0]).toMatchObject({ createdBy: prefix(county), createdByName: '东昌府区自然资源局', countyName: '东昌府区' })
  })
})

describe('year-wide CSVs', () => {
  it('lists a year’s filings with Chinese values and the time in Beijing time', async () => {
    const res = await t.app.inject({ url: '/api/v1/filings?format=csv&year=2025&asOf=2026-01-10', headers: withKey(province) })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/)
    const rows = csvObjects(res.rawPayload)
    expect(rows).toHaveLength(1) // the 2024 document is of another year
    const stored = await t.knex('filings').first('created_at').where({ kind: 'scheme' })
    expect(rows[0]).toEqual({
      项目编号: 'N-001',
      '县（市、区）代码': '371502',
      '县（市、区）': '东昌府区',
      备案事项: '实施方案',
      文件名称: '实施方案, "第一版"',
      批准或签订日期: '2025-03-10',
      备案期限: '2025-04-10',
      备案日期: '',
      状态: '逾期未备案',
      登记人: '东昌府区自然资源局',
      登记密钥: prefix(county),
      '登记时间（北京时间）': beijing(stored.created_at),
    })
  })

  it('gives the year’s projects with land uses, status and stock method in Chinese, times in Beijing time', async () => {
    const res = await t.app.inject({ url: '/api/v1/province/projects?format=csv&year=2025', headers: withKey(province) })
    expect(res.statusCode).toBe(200)
    const [row, ...more] = csvObjects(res.rawPayload)
    expect(more).toHaveLength(0)
    const stored = await t.knex('projects').first('updated_at').where({ id: projectId })
    expect(row).toMatchObject({
      项目编号: 'N-001',
      '县（市、区）': '东昌府区',
      开发模式: '政府收储改造',
      原用途: '工业',
      新用途: '商业服务业',
      审核状态: '县级已提交',
      分析来源: '未分析',
      '更新时间（北京时间）': beijing(stored.updated_at),
    })
    expect(row!['更新时间（北京时间）']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/)
    // the English header row names the same values for scripts
    const en = (await t.app.inject({ url: '/api/v1/province/projects?format=csv&year=2025&headers=en', headers: withKey(province) })).rawPayload
    expect(csvObjects(en)[0]).toMatchObject({ originalUse: '工业', newUse: '商业服务业', updatedAt: beijing(stored.updated_at) })
  })
})
