/// <reference lib="dom" />
// Issue 24: a survey database in the upload panel. A GeoPackage is sent without a kind; the page lists
// its layers (name, geometry, count, CRS, fields) with the proposed kind of each in Chinese; the
// technician changes the mapping (XZQ not imported) and 按上述对应导入 imports the rest, one job each.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData } from '../helpers/app.js'
import { requireUnderCi, skipWithout } from '../helpers/ci.js'
import { rect, shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'
import { signedIn, startWebTest, type WebTest } from './browser.js'

const hasOgr2ogr = (() => {
  try {
    execFileSync('ogr2ogr', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

let w: WebTest
let key: string
let dir: string
let gpkg: string

describe.skipIf(skipWithout(hasOgr2ogr))('a survey database in the upload panel', () => {
  beforeAll(async () => {
    requireUnderCi(hasOgr2ogr, 'ogr2ogr (Debian gdal-bin) is needed to make the test GeoPackage')
    w = await startWebTest()
    await resetData(w.t.knex)
    key = await keyFor(w.t.knex, 'county', '371502', '东昌府区自然资源局')
    dir = await tempDir()
    const dltb = await shapefileZip(dir, 'DLTB', {
      fields: surveyFields,
      features: [1, 2, 3].map((n) => ({
        parts: [rect(410000 + 100 * n, 4030000, 410100 + 100 * n, 4030100)],
        values: { BSM: n, DLBM: '0601', DLMC: '工业用地', ZLDWMC: '李庄村', CZCSXM: '202' },
      })),
    })
    const xzq = await shapefileZip(dir, 'XZQ', {
      fields: [
        { name: 'XZQDM', type: 'C', length: 12 },
        { name: 'XZQMC', type: 'C', length: 60 },
      ],
      features: [{ parts: [rect(400000, 4020000, 420000, 4040000)], values: { XZQDM: '371502001', XZQMC: '古楼街道' } }],
    })
    gpkg = path.join(dir, '371502三调.gpkg')
    execFileSync('ogr2ogr', ['-f', 'GPKG', gpkg, `/vsizip/${dltb}`, '-nln', 'DLTB'])
    execFileSync('ogr2ogr', ['-f', 'GPKG', '-update', gpkg, `/vsizip/${xzq}`, '-nln', 'XZQ'])
  }, 180_000)
  afterAll(async () => {
    await w?.close()
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  })

  it('lists the layers with the proposed kinds; the mapping as changed is imported', async () => {
    const { page } = await signedIn(w, key)
    await page.waitForSelector('#upload-form')
    await page.setInputFiles('#file', gpkg)
    expect(await page.textContent('#layer-hint')).toMatch(/无需选择图层类型/)
    await page.click('#start-upload')
    await page.waitForSelector('#database-layers', { timeout: 60_000 })
    expect(await page.textContent('#database-listing')).toMatch(/371502三调\.gpkg 中有 2 个图层/)
    const rows = await page.$$eval('#database-layers tbody tr', (trs) =>
      trs.map((tr) => {
        const cells = [...tr.querySelectorAll('td')].map((td) => td.textContent)
        const select = tr.querySelector('select')!
        return { cells: cells.slice(0, 6), kind: select.selectedOptions[0]!.textContent, reason: cells[7] }
      }),
    )
    expect(rows).toEqual([
      { cells: ['DLTB', '', '面', '3', 'EPSG:4548', '6'], kind: '三调地类图斑', reason: expect.stringMatching(/地类图斑，含三调字段（CZCSXM）/) },
      { cells: ['XZQ', '', '面', '1', 'EPSG:4548', '2'], kind: '行政区划', reason: expect.stringMatching(/XZQ（行政区），按数据库标准图层名/) },
    ])
    // nothing imported by the listing
    expect(Number((await w.t.knex('import_jobs').count({ n: '*' }).first())!.n)).toBe(0)
    // the county's boundary is not this delivery's: XZQ is left out
    await page.selectOption('#database-layers select[data-layer="XZQ"]', '')
    await page.click('#import-mapped')
    await page.waitForSelector('#job-status:text("导入成功")', { timeout: 60_000 })
    expect(await page.textContent('#database-jobs')).toBe('已创建 1 个导入任务（每个图层一个新版本）')
    expect(await page.textContent('h3.job-of')).toBe('图层 DLTB → 三调地类图斑')
    const versions = await w.t.knex('datasets').select('layer', 'feature_count')
    expect(versions.map((v) => [v.layer, Number(v.feature_count)])).toEqual([['survey3', 3]])
  })
})
