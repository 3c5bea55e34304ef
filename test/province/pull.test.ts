// The province's pull API: stable cursor under concurrent inserts, incremental sync, ETags,
// reproducible numbers with checksums, CSV for spreadsheets, and who may pull.
import fs from 'node:fs/promises'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Knex } from 'knex'
import { buildTestApp, keyFor, resetData, testDatabase, withKey, type TestApp } from '../helpers/app.js'
import { gkArea, gkRect } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'
import { pullAnalysisJoin, pullColumns, toPullRow, type PullRow } from '../../src/province/queries.js'
import { pullItem } from '../../src/province/service.js'

let t: TestApp & { dataDir: string }
let dir: string
const keys: Record<string, string> = {}

async function newProject(code: string, x: number, key = keys.county!, extra: object = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: withKey(key),
    payload: { code, srid: 4548, geometry: { type: 'Polygon', coordinates: [gkRect(x, 0, x + 100, 100)] }, attributes: { name: `项目${code}`, ...extra } },
  })
  expect(res.statusCode, res.body).toBe(201)
  return res.json().id as number
}
/** A project written in a transaction the caller commits (the projects_touch trigger stamps it). */
async function insertProjectRow(trx: Knex.Transaction, county: string, code: string): Promise<number> {
  const { rows } = await trx.raw(
    'INSERT INTO projects (xzqdm, code, geom) VALUES (?, ?, ST_Multi(ST_MakeEnvelope(116, 36, 116.001, 36.001, 4490))) RETURNING id',
    [county, code],
  )
  return rows[0].id as number
}
const pull = (q: string, key = keys.province!, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url: `/api/v1/province/projects?${q}`, headers: { ...withKey(key), ...headers } })

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  keys.county = await keyFor(t.knex, 'county', '371502')
  keys.other = await keyFor(t.knex, 'county', '371521')
  keys.third = await keyFor(t.knex, 'county', '371522')
  keys.fourth = await keyFor(t.knex, 'county', '371524')
  keys.city = await keyFor(t.knex, 'city', '3715')
  keys.province = await keyFor(t.knex, 'province')
  // second-survey construction land over the western 60 m of every 100 m project cell
  const zip = await shapefileZip(dir, 's2', {
    fields: [{ name: 'DLBM', type: 'C', length: 5 }],
    features: Array.from({ length: 30 }, (_, i) => ({ parts: [gkRect(i * 200, 0, i * 200 + 60, 100)], values: { DLBM: '201' } })),
  })
  expect((await importFile(t, keys.county!, { layer: 'survey2' }, zip)).status).toBe('succeeded')
  for (let i = 0; i < 20; i++)
    await newProject(
      `P${String(i).padStart(2, '0')}`,
      i * 200,
      keys.county,
      i < 3 ? { developmentMode: 'government-reserve', milestoneType: 'land-supply', milestoneDate: `202${5 + (i % 2)}-06-30` } : {},
    )
  for (let i = 0; i < 3; i++) await newProject(`Q${i}`, i * 200, keys.other)
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})

describe('pull API', () => {
  it('is for province and admin keys only', async () => {
    for (const who of ['county', 'city']) {
      const res = await pull('', keys[who])
      expect(res.statusCode).toBe(403)
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
    }
  })

  it('pages with a cursor while projects are inserted concurrently in three counties: nothing missed, nothing repeated', async () => {
    const before = (await t.knex('projects').select('id')).map((r) => r.id as number)
    const writers = [keys.county!, keys.third!, keys.fourth!]
    const seen: number[] = []
    let cursor: string | null = null
    const page = async (q: string) => {
      const res = await pull(`${q}${cursor ? `&cursor=${cursor}` : ''}`)
      expect(res.statusCode, res.body).toBe(200)
      const body: { items: Array<{ id: number }>; nextCursor: string | null; hasMore: boolean } = res.json()
      seen.push(...body.items.map((i) => i.id))
      cursor = body.nextCursor
      return body
    }
    let inserted = 0
    for (let n = 0; n < 50; n++) {
      // other clients insert in three counties while this one pages
      const [body] = await Promise.all([
        page('limit=4'),
        inserted < 6 ? newProject(`NEW${inserted}`, 10000 + inserted * 200, writers[inserted++ % writers.length]) : null,
      ])
      if (!body.hasMore) break
    }
    for (const id of before) expect(seen).toContain(id)

    // Writers in three counties stamp in one order and commit in another, with a poll between
    // commits: a county committing after another county's later stamps was read must still be
    // returned. Needs several sessions at once, which the embedded database (one session) has not.
    if (testDatabase().backend === 'server') {
      for (let round = 0; round < 3; round++) {
        const open: Array<{ trx: Knex.Transaction; id: number }> = []
        try {
          for (const [i, county] of ['371502', '371522', '371524'].entries()) {
            const trx = await t.knex.transaction()
            open.push({ trx, id: await insertProjectRow(trx, county, `OUT${round}-${i}`) })
          }
          for (const i of [2, 0, 1]) {
            await open[i]!.trx.commit()
            await page('limit=100')
            expect(seen, `round ${round}: the row committed just now`).toContain(open[i]!.id)
          }
        } finally {
          // a failed expectation must not leave a transaction holding a connection (and a county's lock)
          for (const o of open) if (!o.trx.isCompleted()) await o.trx.rollback()
        }
        // stamped in the order the transactions wrote, so the commits above went against it
        const stamped = await t
          .knex('projects')
          .select('id')
          .whereIn(
            'id',
            open.map((o) => o.id),
          )
          .orderBy(['updated_at', 'id'])
        expect(stamped.map((r) => r.id)).toEqual(open.map((o) => o.id))
      }
    }
    const all = (await t.knex('projects').select('id')).map((r) => r.id as number)
    expect(new Set(seen).size, 'no row twice').toBe(seen.length)
    expect([...seen].sort((x, y) => x - y)).toEqual(all.sort((x, y) => x - y))
    // and what was inserted after the last page comes with the kept cursor
    const late = await newProject('LATE', 20000)
    const next = (await pull(`limit=100&cursor=${cursor}`)).json()
    expect(next.items.map((i: any) => i.id)).toContain(late)
    expect(next.items.map((i: any) => i.id).filter((id: number) => seen.includes(id))).toEqual([])
  })

  it('refuses a cursor reused with other filters', async () => {
    const first = (await pull('limit=2&county=371502')).json()
    const res = await pull(`limit=2&county=371521&cursor=${first.nextCursor}`)
    expect(res.statusCode).toBe(400)
  })

  it('refuses an edited cursor with a problem in Chinese and English, before any value reaches SQL', async () => {
    const issued: string = (await pull('limit=2&city=3715')).json().nextCursor
    const bytes = inflateRawSync(Buffer.from(issued, 'base64url'))
    // version, 12 bytes of the filters' hash, the count, then the first county's code as a varint
    const edit = (change: (b: Buffer) => Buffer) => deflateRawSync(change(Buffer.from(bytes))).toString('base64url')
    const varint = (v: bigint) => {
      const out: number[] = []
      for (; v >= 0x80n; v >>= 7n) out.push(Number(v & 0x7fn) | 0x80)
      return Buffer.from([...out, Number(v)])
    }
    const codeLength = varint(371502n).length
    const edited = {
      'a character changed': `${issued.slice(0, 20)}${issued[20] === 'A' ? 'B' : 'A'}${issued.slice(21)}`,
      'an unknown county': edit((b) => Buffer.concat([b.subarray(0, 14), varint(999999n), b.subarray(14 + codeLength)])),
      // a stamp in the year 146 000: PostgreSQL's cast would fail on it
      'a stamp out of range': edit((b) => Buffer.concat([b.subarray(0, 14 + codeLength), varint(2n ** 62n), b.subarray(14 + codeLength + 8)])),
      'bytes added': edit((b) => Buffer.concat([b, Buffer.from([1, 2, 3])])),
      'far too long': 'A'.repeat(5000),
    }
    for (const [what, cursor] of Object.entries(edited)) {
      const res = await pull(`limit=2&city=3715&cursor=${cursor}`)
      expect(res.statusCode, what).toBe(400)
      expect(res.headers['content-type'], what).toMatch(/application\/problem\+json/)
      const body = res.json()
      expect(body.title, what).toMatch(/[\u4e00-\u9fff]/)
      expect(body.detail, what).toMatch(/cursor/)
      // a changed character may land in the filters' hash: then it is refused as made for other filters
      if (what !== 'far too long') expect(body.detailZh, what).toMatch(/^游标.*请去掉游标重新查询$/)
    }
  })

  it('filters by county, city, status and reward year', async () => {
    const codes = async (q: string) =>
      (await pull(`limit=1000&${q}`))
        .json()
        .items.map((i: any) => i.code)
        .sort()
    expect(await codes('county=371521')).toEqual(['Q0', 'Q1', 'Q2'])
    expect((await codes('city=3715')).length).toBeGreaterThan(20)
    expect(await codes('year=2025')).toEqual(['P00', 'P02'])
    expect(await codes('year=2026')).toEqual(['P01'])
    expect(await codes('status=submitted')).toEqual([])
  })

  it('gives a milestone date without its type no reward year (it does not count: docs/decisions.md, issue 21)', async () => {
    const p05 = (await pull('limit=1000&county=371502')).json().items.find((i: any) => i.code === 'P05')
    const patch = (milestoneDate: string | null) =>
      t.app.inject({ method: 'PATCH', url: `/api/v1/projects/${p05.id}`, headers: withKey(keys.county!), payload: { milestoneDate } })
    expect((await patch('2025-06-30')).statusCode).toBe(200)
    const items = (await pull('limit=1000&county=371502')).json().items
    expect(items.find((i: any) => i.code === 'P05')).toMatchObject({ milestone: null, rewardYear: null })
    expect(
      (await pull('limit=1000&year=2025'))
        .json()
        .items.map((i: any) => i.code)
        .sort(),
    ).toEqual(['P00', 'P02'])
    expect((await patch(null)).statusCode).toBe(200)
  })

  it('gives reproducible numbers: the same inputs, byte-identical numbers and checksum', async () => {
    const id = (await t.knex('projects').first('id').where({ code: 'P00' })).id
    const one = async () => (await pull('limit=1000&county=371502')).json().items.find((i: any) => i.id === id)
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/projects/${id}/analysis`, headers: withKey(keys.county!) })).statusCode).toBe(200)
    const a = await one()
    // POST recomputes (a GET would answer the stored current result)
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/projects/${id}/analysis`, headers: withKey(keys.county!) })).statusCode).toBe(200)
    const b = await one()
    expect(b.updatedAt > a.updatedAt).toBe(true) // analysed again: a change the province sees
    expect(JSON.stringify([b.area, b.stockArea, b.footprintRatio, b.checks, b.eligible])).toBe(
      JSON.stringify([a.area, a.stockArea, a.footprintRatio, a.checks, a.eligible]),
    )
    expect(b.checksum).toBe(a.checksum)
    expect(a.checksum).toMatch(/^[0-9a-f]{64}$/)
    // the numbers themselves, against GeographicLib
    expect(Math.abs(a.area.m2 - gkArea(0, 0, 100, 100))).toBeLessThanOrEqual(0.01)
    expect(a.stockArea.method).toBe('survey2-construction')
    expect(Math.abs(a.stockArea.m2 - gkArea(0, 0, 60, 100))).toBeLessThanOrEqual(0.01)
    expect(a.milestone).toMatchObject({ type: 'land-supply', date: '2025-06-30' })
    expect(a.rewardYear).toBe(2025)
    expect(a.analysis).toMatchObject({ source: 'latest', inputs: { survey2: 1 } })
  })

  it('answers 304 to a matching If-None-Match, and a new ETag once data changes', async () => {
    const first = await pull('county=371521')
    const etag = first.headers.etag as string
    expect(etag).toMatch(/^"/)
    expect((await pull('county=371521', keys.province, { 'if-none-match': etag })).statusCode).toBe(304)
    await t.knex('projects').where({ code: 'Q0' }).update({ name: '改名' })
    const after = await pull('county=371521', keys.province, { 'if-none-match': etag })
    expect(after.statusCode).toBe(200)
    expect(after.headers.etag).not.toBe(etag)
  })

  it('exports CSV that a spreadsheet opens with Chinese headers', async () => {
    const res = await pull('format=csv&year=2025')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/)
    const raw = res.rawPayload
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const lines = raw.subarray(3).toString('utf8').split('\r\n')
    expect(lines[0]!.split(',').slice(0, 6)).toEqual(['项目编号', '项目名称', '县（市、区）代码', '县（市、区）', '设区市', '开发模式'])
    expect(lines.filter(Boolean)).toHaveLength(3)
    expect(lines[1]).toMatch(/^P0[02],项目P0[02],371502,东昌府区,聊城市,政府收储改造,/)
    const en = (await pull('format=csv&year=2025&headers=en')).rawPayload.subarray(3).toString('utf8').split('\r\n')
    expect(en[0]!.split(',').slice(0, 6)).toEqual(['code', 'name', 'county', 'countyName', 'cityName', 'mode'])
    expect(en[0]!.split(',')).toHaveLength(lines[0]!.split(',').length)
    expect(en.slice(1)).toEqual(lines.slice(1))
  })
})

describe('checksum', () => {
  // A row as the pull query returns it; each case changes one input and says whether a reported number changes.
  const row: PullRow = {
    id: 7,
    code: 'P07',
    name: '东关片区',
    county: '371502',
    developmentMode: 'industrial',
    approach: 'survey2-construction',
    originalUse: null,
    newUse: null,
    status: 'approved',
    milestoneType: 'land-supplied',
    milestoneDate: '2025-06-30',
    m2: 10_000.103, // 15.000154 mu: 15.0002 at 4 decimals, near the 15.00015 boundary (10 000.1 m2)
    updatedKey: '2026-11-30T10:00:00.000000Z',
    resultId: 3,
    approved: true,
    stockArea: { method: 'survey2-construction', m2: 6000.456 },
    footprint: { ratio: 0.3123456 },
    checks: [
      { id: 'survey2', passed: true },
      { id: 'footprint', passed: false },
    ],
    eligible: true,
    stale: false,
    computedAt: new Date('2026-11-30T10:00:00Z'),
    inputs: { survey3: { version: 4 } },
  }
  const changes: Array<[string, Partial<PullRow>]> = [
    ['area m2', { m2: 10_000.113 }],
    ['area mu only (10 000.10 m2 either way; 15.0001 mu instead of 15.0002)', { m2: 10_000.098 }],
    ['stock area', { stockArea: { method: 'survey2-construction', m2: 6000.466 } }],
    ['stock area method', { stockArea: { method: 'plan', m2: 6000.456 } }],
    ['stock area unknown', { stockArea: { method: 'survey2-construction', m2: null } }],
    ['footprint ratio', { footprint: { ratio: 0.3123466 } }],
    [
      'a check',
      {
        checks: [
          { id: 'survey2', passed: true },
          { id: 'footprint', passed: true },
        ],
      },
    ],
    ['eligibility', { eligible: false }],
    ['milestone date (and so the reward year)', { milestoneDate: '2026-01-02' }],
    ['county', { county: '371521' }],
  ]
  const same: Array<[string, Partial<PullRow>]> = [
    ['area below the reported precision', { m2: 10_000.1031 }],
    ['stock area below the reported precision', { stockArea: { method: 'survey2-construction', m2: 6000.4561 } }],
    ['footprint ratio below the reported precision', { footprint: { ratio: 0.31234561 } }],
    ['name', { name: '东关片区（二期）' }],
    ['analysis time, staleness and input versions', { computedAt: new Date('2026-12-01T00:00:00Z'), stale: true, inputs: { survey3: { version: 5 } } }],
    ['change time', { updatedKey: '2026-12-01T00:00:00.000000Z' }],
    ['a stock area reason (text, not a number)', { stockArea: { method: 'survey2-construction', m2: 6000.456, reason: 'x' } }],
  ]

  it('changes when any reported number changes', () => {
    const base = pullItem(row)
    for (const [what, change] of changes) {
      const other = pullItem({ ...row, ...change })
      const reportedDiffers =
        JSON.stringify([
          other.area,
          other.stockArea && { ...other.stockArea, reason: undefined },
          other.footprintRatio,
          other.checks,
          other.eligible,
          other.milestone,
          other.rewardYear,
          other.county,
        ]) !== JSON.stringify([base.area, base.stockArea, base.footprintRatio, base.checks, base.eligible, base.milestone, base.rewardYear, base.county])
      expect(reportedDiffers, what).toBe(true)
      expect(other.checksum, what).not.toBe(base.checksum)
    }
  })

  it('stays the same when no reported number changes', () => {
    const base = pullItem(row)
    for (const [what, change] of same) expect(pullItem({ ...row, ...change }).checksum, what).toBe(base.checksum)
  })
})

describe('stored result parts', () => {
  it("reads a result's stock area, footprint ratio and checks from the columns generated beside it exactly as from its JSON", async () => {
    const projectId = await t.knex.transaction((trx) => insertProjectRow(trx, '371524', 'PARTS'))
    const results: Array<Record<string, unknown>> = [
      {
        schemaVersion: 5,
        stockArea: { method: 'survey2-construction', m2: 1234.5678901234567, mu: 1.85, reason: 'no second survey', approach: { applied: 'default' } },
        footprint: { m2: 10, ratio: 0.30000000000000004, buildings: 2 },
        checks: [
          { id: 'min-area', passed: true, message: 'm', messageZh: '中' },
          { id: 'in-plan', passed: null, message: 'm', messageZh: '中' },
          { id: 'ownership', passed: false, message: 'm', messageZh: '中' },
        ],
      },
      { schemaVersion: 2, stockArea: { method: 'formula', m2: null, mu: null }, footprint: null, checks: [] },
      // an older shape without any of the parts
      { eligible: true },
    ]
    try {
      for (const result of results) {
        await t.knex.raw(`INSERT INTO analysis_results (project_id, xzqdm, inputs, result) VALUES (?, '371524', '{}', ?)`, [projectId, JSON.stringify(result)])
        const { rows } = await t.knex.raw(`SELECT ${pullColumns} FROM projects p ${pullAnalysisJoin} WHERE p.xzqdm = '371524' AND p.id = ?`, [projectId])
        const fromColumns = toPullRow(rows[0])
        const fromJson: PullRow = {
          ...fromColumns,
          stockArea: (result.stockArea as PullRow['stockArea']) ?? null,
          footprint: (result.footprint as PullRow['footprint']) ?? null,
          checks: (result.checks as PullRow['checks']) ?? null,
        }
        expect(JSON.stringify(pullItem(fromColumns)), JSON.stringify(result)).toBe(JSON.stringify(pullItem(fromJson)))
      }
    } finally {
      await t.knex('projects').where({ xzqdm: '371524', id: projectId }).delete()
    }
  })
})
