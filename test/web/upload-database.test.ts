/// <reference lib="dom" />
// Issue 24: a survey database in the upload panel. A GeoPackage is sent without a kind; the page lists
// its layers (name, geometry, count, CRS, fields) with the proposed kind of each in Chinese; the
// technician changes the mapping and 按上述对应导入 imports the layers in one job, the page showing
// a bar, the state and the outcome of each layer in Chinese (one that fails does not undo the other).
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData } from '../helpers/app.js'
import { hasOgr2ogr, requireUnderCi, skipWithout } from '../helpers/ci.js'
import { rect, shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'
import { signedIn, startWebTest, type WebTest } from './browser.js'

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

  it('lists the layers with the proposed kinds; the mapping as changed is imported, with a bar for each layer', async () => {
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
    // at 1366 px (the browser's default here) the table fits its card: 导入为 and 说明 are seen without scrolling sideways
    const fit = await page.$eval('#database-layers', (t) => ({ table: t.scrollWidth, box: t.closest('.table-wrap')!.clientWidth }))
    expect(fit.table).toBeLessThanOrEqual(fit.box)
    // nothing imported by the listing
    expect(Number((await w.t.knex('import_jobs').count({ n: '*' }).first())!.n)).toBe(0)
    // the technician maps XZQ to the projects layer by mistake: it has no project code, and fails alone
    await page.selectOption('#database-layers select[data-layer="XZQ"]', 'projects')
    await page.click('#import-mapped')
    expect(await page.textContent('#database-job')).toBe('已创建导入任务：2 个图层依次导入，每个图层为一个新版本（某一图层失败不影响其他图层）')
    await page.waitForSelector('#job-status:text("导入失败")', { timeout: 60_000 })
    const bars = await page.$$eval('#import-layer-bars tbody tr', (trs) =>
      trs.map((tr) => {
        const cells = [...tr.querySelectorAll('td')].map((td) => td.textContent)
        const bar = tr.querySelector('progress')!
        return { cells, value: bar.value, state: bar.dataset.state }
      }),
    )
    expect(bars).toEqual([
      { cells: ['DLTB → 三调地类图斑', ' 100 %', '已导入', '已导入为第 1 版，入库 3 个要素'], value: 1, state: 'succeeded' },
      { cells: ['XZQ → 项目红线', expect.stringMatching(/%$/), '失败', expect.stringMatching(/项目编号/)], value: expect.any(Number), state: 'failed' },
    ])
    // the coordinate system found as the layers were read: one line, both layers being in the same
    expect(await page.textContent('#job-crs')).toBe('识别的坐标系：2000国家大地坐标系 3度带 高斯-克吕格 中央经线117°（EPSG:4548），按数据库中图层的坐标系定义')
    // and the encoding: one line too, the database's (not its last layer's)
    expect(await page.textContent('#job-encoding')).toBe(
      '识别的编码：UTF-8，GeoPackage / 文件地理数据库的文字均为 Unicode，按 UTF-8 读取（GeoPackage 371502三调.gpkg）',
    )
    expect(await page.textContent('#import-detail')).toContain('三调地类图斑、项目红线')
    // the job's first error says which layer was not imported and which was
    expect(await page.textContent('.job-errors')).toMatch(/2 个图层中有 1 个未导入：XZQ（.*）。已导入：DLTB/)
    const versions = await w.t.knex('datasets').select('layer', 'feature_count')
    expect(versions.map((v) => [v.layer, Number(v.feature_count)])).toEqual([['survey3', 3]])
    expect(Number((await w.t.knex('import_jobs').count({ n: '*' }).first())!.n)).toBe(1)
  })
})
