// A plan layer without a usable permitted attribute: permitted derived from the zone's name or code,
// or the import refused naming the fields expected; never a layer that makes every project fail.
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { gkArea, gkRect } from '../helpers/gk.js'
import { importFile } from '../helpers/imports.js'
import { shapefileZip, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
const text = (name: string, length = 20) => ({ name, type: 'C' as const, length })
// two zones side by side: (0,0)–(200,200) and (200,0)–(400,200)
const zones = (fields: ReturnType<typeof text>[], values: Array<Record<string, string | null>>) =>
  shapefileZip(dir, `plan${Math.random().toString(16).slice(2)}`, {
    fields,
    features: values.map((v, i) => ({ parts: [gkRect(200 * i, 0, 200 * i + 200, 200)], values: v })),
  })
const permittedStored = async (datasetId: number) =>
  (await t.knex('plan_zones').select('permitted').where({ dataset_id: datasetId }).orderBy('source_record')).map((r) => r.permitted)

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})

describe('plan zones without a permitted attribute', () => {
  it('derives permitted from zone names, and the plan check then judges projects by it', async () => {
    const job = await importFile(t, key, { layer: 'plan-zones' }, await zones([text('GHFQMC')], [{ GHFQMC: '城镇集中建设区' }, { GHFQMC: '永久基本农田' }]))
    expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
    expect(await permittedStored(job.datasetId)).toEqual([true, false])
    expect(job.warnings).toContainEqual(
      expect.objectContaining({
        message: expect.stringMatching(/no source field for permitted; derived for each zone/),
        messageZh: expect.stringMatching(/没有“允许建设”字段.*逐条判断/),
      }),
    )
    const project = async (code: string, r: number[][]) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/projects',
        headers: withKey(key),
        payload: { code, srid: 4548, geometry: { type: 'Polygon', coordinates: [r] } },
      })
      expect(res.statusCode, res.body).toBe(201)
      return (await t.app.inject({ method: 'GET', url: `/api/v1/projects/${res.json().id}/analysis`, headers: withKey(key) })).json()
    }
    const inside = await project('PZ-IN', gkRect(10, 10, 110, 110))
    expect(inside.conflicts.outsidePlan.m2).toBe(0)
    expect(inside.checks.find((c: any) => c.id === 'in-plan').passed).toBe(true)
    const across = await project('PZ-ACROSS', gkRect(150, 0, 250, 100))
    expect(Math.abs(across.conflicts.outsidePlan.m2 - gkArea(200, 0, 250, 100))).toBeLessThanOrEqual(0.01)
    expect(across.checks.find((c: any) => c.id === 'in-plan').passed).toBe(false)
  })

  it('derives permitted from 规划分区 codes (GHFQDM) and 用地用海 codes (YDYHFLDM), each in its own system', async () => {
    const zoneCodes = await importFile(t, key, { layer: 'plan-zones' }, await zones([text('GHFQDM', 6)], [{ GHFQDM: '040101' }, { GHFQDM: '0402' }]))
    expect(zoneCodes.status, JSON.stringify(zoneCodes.errors)).toBe('succeeded')
    expect(await permittedStored(zoneCodes.datasetId)).toEqual([true, false])
    const landUse = await importFile(t, key, { layer: 'plan-zones' }, await zones([text('YDYHFLDM', 6)], [{ YDYHFLDM: '1001' }, { YDYHFLDM: '0601' }]))
    expect(landUse.status, JSON.stringify(landUse.errors)).toBe('succeeded')
    expect(await permittedStored(landUse.datasetId)).toEqual([true, false])
  })

  it('keeps a given permitted value and derives only the empty ones', async () => {
    const job = await importFile(
      t,
      key,
      { layer: 'plan-zones' },
      await zones(
        [text('SFYX', 2), text('GHFQMC')],
        [
          { SFYX: 'N', GHFQMC: '城镇集中建设区' },
          { SFYX: null, GHFQMC: '居住生活区' },
          { SFYX: 'Y', GHFQMC: '村庄建设区' },
        ],
      ),
    )
    expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
    expect(await permittedStored(job.datasetId)).toEqual([false, true, true])
  })

  it('refuses a layer with neither a permitted field nor a zone code or name, naming the fields expected in Chinese and English', async () => {
    const job = await importFile(t, key, { layer: 'plan-zones' }, await zones([text('BZ')], [{ BZ: 'x' }, { BZ: 'y' }]))
    expect(job.status).toBe('failed')
    const message = job.errors.map((e: any) => e.message).join('\n')
    expect(message).toMatch(/SFYX/)
    expect(message).toMatch(/GHFQDM/)
    expect(job.errors.map((e: any) => e.messageZh).join('\n')).toMatch(/规划分区图层须有/)
  })

  it('refuses a zone whose code is not in the table, naming record and field; onInvalid=skip stores the rest', async () => {
    const file = await zones([text('GHFQDM', 6)], [{ GHFQDM: '0401' }, { GHFQDM: '99' }])
    const job = await importFile(t, key, { layer: 'plan-zones' }, file)
    expect(job.status).toBe('failed')
    expect(job.errors).toContainEqual(
      expect.objectContaining({
        record: 2,
        field: 'GHFQDM',
        message: expect.stringMatching(/GHFQDM='99'.*cannot tell whether construction is permitted/),
        messageZh: expect.stringMatching(/第 2 条记录，字段“分区代码”（GHFQDM）：.*GHFQDM='99'.*无法判断是否允许建设/),
      }),
    )
    const skipped = await importFile(t, key, { layer: 'plan-zones', onInvalid: 'skip' }, file)
    expect(skipped.status).toBe('succeeded')
    expect(skipped.counts).toMatchObject({ stored: 1, rejected: 1 })
    expect(await permittedStored(skipped.datasetId)).toEqual([true])
  })
})
