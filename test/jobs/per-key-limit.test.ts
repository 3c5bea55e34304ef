// One key may not queue imports without bound (issue 25): past JOBS_PER_KEY queued or running jobs of
// a kind, 429 with Retry-After and a Chinese reason; another key is not affected; once a job ends the
// key may submit again.
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, type TestApp } from '../helpers/app.js'
import { upload, waitForJob } from '../helpers/imports.js'
import { rect, shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'

let t: TestApp
let dir: string
beforeAll(async () => {
  t = await buildTestApp(undefined, { config: { jobsPerKey: 1 } })
  await resetData(t.knex)
  dir = await tempDir()
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})

describe('jobs per key', () => {
  it('refuses a second import while the key has one queued or running, 429 with Retry-After; others and later ones pass', async () => {
    const features = Array.from({ length: 3000 }, (_, i) => ({
      parts: [rect(410000 + (i % 60) * 50, 4030000 + Math.floor(i / 60) * 50, 410040 + (i % 60) * 50, 4030040 + Math.floor(i / 60) * 50)],
      values: { BSM: i + 1, DLBM: '0601', DLMC: '工业用地' },
    }))
    const zip = await shapefileZip(dir, 'many', { fields: surveyFields, features })
    const key = await keyFor(t.knex, 'county', '371502')
    const other = await keyFor(t.knex, 'county', '371502', '另一把密钥')
    const first = await upload(t, key, { layer: 'survey3' }, zip)
    expect(first.statusCode, first.body).toBe(202)
    const second = await upload(t, key, { layer: 'survey3' }, zip)
    expect(second.statusCode).toBe(429)
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(0)
    expect(second.json().detailZh).toMatch(/上限 1 个/)
    const fromOther = await upload(t, other, { layer: 'survey2' }, zip)
    expect(fromOther.statusCode, fromOther.body).toBe(202)
    await waitForJob(t, key, first.json().id)
    await waitForJob(t, other, fromOther.json().id)
    const again = await upload(t, key, { layer: 'survey3', mode: 'append' }, zip)
    expect(again.statusCode, again.body).toBe(202)
    await waitForJob(t, key, again.json().id)
  })
})
