/// <reference lib="dom" />
// Issue 22 item 1: import messages a technician can act on, in the upload panel. A delivery without
// .prj offers the Shandong coordinate systems by their Chinese names and 重新导入 with the same file;
// a missing field offers the file's fields, refused records 跳过并列出错误要素; a replace names the
// version it replaces and waits for 替换; a file name that says no kind asks for one; an identical
// file says 与当前版本相同，未导入; the progress bar ends full with how the import ended.
import fs from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData, withKey } from '../helpers/app.js'
import { rect, shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'
import { signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
let key: string
let dir: string
const feature = (n: number) => ({
  parts: [rect(410000 + 100 * n, 4030000, 410100 + 100 * n, 4030100)],
  values: { BSM: n, DLBM: '0601', DLMC: '工业用地', ZLDWMC: '李庄村' },
})

beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  key = await keyFor(w.t.knex, 'county', '371502', '东昌府区自然资源局')
  dir = await tempDir()
}, 120_000)
afterAll(async () => {
  await w?.close()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

const jobCount = async () => Number((await w.t.knex('import_jobs').count({ n: '*' }).first())!.n)
const activeSurvey = async () => {
  const res = await w.t.app.inject({ url: '/api/v1/layers/survey3?county=371502', headers: withKey(key) })
  return res.json().active as { version: number; featureCount: number } | null
}
/** The job's end as the page shows it: its status line and the import bar's value, state and text. */
async function ended(page: Page, status: string) {
  await page.waitForSelector(`#job-status:text("${status}")`, { timeout: 60_000 })
  return {
    value: await page.$eval('#import-progress', (el: HTMLProgressElement) => el.value),
    state: await page.$eval('#import-progress', (el: HTMLProgressElement) => el.dataset.state),
    text: await page.textContent('#import-percent'),
  }
}
/** Runs `act` (a 重新导入) and waits until the last job's report has gone: the next status read is the new job's. */
async function again(page: Page, act: () => Promise<unknown>) {
  const last = await page.$('#job-status')
  await act()
  await last?.waitForElementState('hidden')
}
/** 开始上传 (or 重新导入) with an active version: the dialog names it; 替换 goes on. */
async function confirmReplace(page: Page) {
  await page.waitForSelector('#replace-dialog[open]')
  const text = await page.textContent('#replace-text')
  await page.click('#confirm-replace')
  return text
}

describe('the upload panel’s fixes', () => {
  it('no .prj: the Shandong systems by their Chinese names (Xian 1980 with its 7 parameters), then 重新导入 the same file', async () => {
    const zip = await shapefileZip(dir, '371502_survey3', { fields: surveyFields, prj: null, features: [feature(1)] })
    const { context, page } = await signedIn(w, key)
    await page.waitForSelector('#upload-form')
    await page.setInputFiles('#file', zip)
    await page.click('#start-upload') // no active version yet: no question
    // the bar ends full, said failed, never where the last progress figure left it
    expect(await ended(page, '导入失败')).toEqual({ value: 1, state: 'failed', text: '导入进度 100 % · 失败' })
    const options = await page.$$eval('#fix-srid option', (o) => o.map((x) => x.textContent))
    expect(options).toContain('2000国家大地坐标系 3度带 高斯-克吕格 中央经线117°（EPSG:4548）')
    expect(options).toContain('2000国家大地坐标系 3度带 高斯-克吕格 中央经线117°（带号 39）（EPSG:4527）')
    expect(options).toContain('1980西安坐标系 3度带 高斯-克吕格 中央经线117°（EPSG:2384）')
    expect(options.at(-1)).toBe('其他（填写 EPSG 代码）')
    if (process.env.UPLOAD_SHOTS) {
      for (const [width, height] of [
        [1440, 900],
        [390, 844],
      ] as const) {
        await page.setViewportSize({ width, height })
        await page.locator('#import-fixes').scrollIntoViewIfNeeded()
        await page.screenshot({ path: `${process.env.UPLOAD_SHOTS}/up-${width}.png` })
      }
    }
    // nothing chosen, then Xian 1980 without its 7 parameters: said, nothing sent
    const jobs = await jobCount()
    await page.click('#reimport')
    await page.waitForSelector('#import-fixes [role="alert"]:text("请选择坐标系")')
    await page.selectOption('#fix-srid', '2384')
    expect(await page.isVisible('#fix-towgs84')).toBe(true)
    await page.click('#reimport')
    await page.waitForSelector('#import-fixes [role="alert"]:text("须填写七参数")')
    // 其他 takes a free code
    await page.selectOption('#fix-srid', 'other')
    expect(await page.isVisible('#fix-towgs84')).toBe(false)
    await page.fill('#fix-srid-other', '45')
    await page.click('#reimport')
    await page.waitForSelector('#import-fixes [role="alert"]:text("4 至 6 位数字")')
    expect(await jobCount()).toBe(jobs)
    await page.selectOption('#fix-srid', '4548')
    await page.click('#reimport')
    expect((await ended(page, '导入成功')).text).toBe('导入进度 100 % · 成功')
    expect(await page.textContent('#job-crs')).toMatch(/2000国家大地坐标系 3度带 高斯-克吕格 中央经线117°（EPSG:4548），按上传参数/)
    // the choice stays in the form's own chooser
    expect(await page.$eval('#srid', (el: HTMLSelectElement) => el.value)).toBe('4548')
    await context.close()
  })

  it('a missing field: the file’s fields to map it to; refused records: 跳过并列出错误要素; each 重新导入 names the version it replaces', async () => {
    const bad = {
      ...feature(2),
      parts: [
        [
          [410000, 4030000],
          [410000, 4030100],
          [410100, 4030000],
        ],
      ],
    }
    // named as a delivery is (the kind from the name), in a folder of its own
    const sub = path.join(dir, 'dm')
    fs.mkdirSync(sub)
    const zip = await shapefileZip(sub, '371502_survey3', {
      fields: [{ name: 'DM', type: 'C', length: 5 }, ...surveyFields.filter((f) => f.name !== 'DLBM')],
      features: [
        { parts: feature(1).parts, values: { DM: '0601' } },
        { parts: bad.parts, values: { DM: '0601' } },
      ],
    })
    const active = (await activeSurvey())!
    const { context, page } = await signedIn(w, key)
    await page.waitForSelector('#upload-form')
    await page.setInputFiles('#file', zip)
    await page.click('#start-upload')
    expect(await confirmReplace(page)).toContain(`当前为第 ${active.version} 版`)
    await ended(page, '导入失败')
    const pick = page.locator('#import-fixes select.fix-field[data-field="dlbm"]')
    expect(await pick.locator('option').allTextContents()).toEqual(['请选择源字段', 'DM', 'BSM', 'DLMC', 'ZLDWMC', 'TBMJ', 'CZCSXM'])
    await page.click('#reimport')
    await page.waitForSelector('#import-fixes [role="alert"]:text("请选择“地类编码”对应的源字段")')
    await pick.selectOption('DM')
    await again(page, async () => {
      await page.click('#reimport')
      await confirmReplace(page)
    })
    // the field map is in the form, by the field's Chinese title; now the refused record fails the import
    await ended(page, '导入失败')
    expect(await page.inputValue('#field-map')).toBe('{"地类编码":"DM"}')
    const failed = await (await w.t.app.inject({ url: '/api/v1/imports?limit=1', headers: withKey(key) })).json()[0]
    expect(failed.progress).toBeLessThan(1) // the job stopped short: the page's bar still ends full
    expect(await page.$eval('#import-progress', (el: HTMLProgressElement) => [el.value, el.dataset.state])).toEqual([1, 'failed'])
    expect(await page.textContent('#import-percent')).toBe('导入进度 100 % · 失败')
    expect(await page.textContent('#upload-status .job-errors')).toMatch(/1 条记录无法导入，整批未导入/)
    expect(await page.isChecked('#fix-skip')).toBe(true)
    await again(page, async () => {
      await page.click('#reimport')
      await confirmReplace(page)
    })
    await ended(page, '导入成功')
    expect(await page.textContent('#job-counts')).toMatch(/读取 2，入库 1，.*拒绝 1/)
    expect(await page.$eval('#on-invalid', (el: HTMLSelectElement) => el.value)).toBe('skip')
    await context.close()
  })

  it('a name that says no kind asks for one; a replace names version, date and count, 取消 sends nothing; the same file again: 与当前版本相同，未导入', async () => {
    const zip = await shapefileZip(dir, 'JZW', { fields: surveyFields, features: [feature(1), feature(2), feature(3)] })
    const { context, page } = await signedIn(w, key)
    await page.waitForSelector('#upload-form')
    await page.setInputFiles('#file', zip)
    expect(await page.inputValue('#layer-kind')).toBe('')
    expect(await page.textContent('#layer-hint')).toBe('无法从文件名“JZW.zip”判断图层类型，请选择')
    const jobs = await jobCount()
    await page.click('#start-upload')
    await page.waitForSelector('#upload-status [role="alert"]:text("请先选择图层类型")')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('layer-kind')
    await page.selectOption('#layer-kind', 'survey3')
    // 取消: nothing uploaded
    const active = (await activeSurvey())!
    await page.click('#start-upload')
    await page.waitForSelector('#replace-dialog[open]')
    const text = await page.textContent('#replace-text')
    expect(text).toMatch(
      new RegExp(
        `“三调地类图斑”（371502）当前为第 ${active.version} 版：\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}(:\\d{2})? 导入，${active.featureCount} 个要素，文件“371502_survey3\\.zip”`,
      ),
    )
    await page.click('#cancel-replace')
    await page.waitForSelector('#replace-declined')
    expect(await jobCount()).toBe(jobs)
    await page.click('#start-upload')
    await confirmReplace(page)
    await ended(page, '导入成功')
    // a name chosen by the user stays chosen: the same file again
    await page.setInputFiles('#file', zip)
    expect(await page.inputValue('#layer-kind')).toBe('survey3')
    await page.click('#start-upload')
    expect(await confirmReplace(page)).toContain('3 个要素，文件“JZW.zip”')
    expect(await ended(page, '与当前版本相同，未导入')).toEqual({ value: 1, state: 'unchanged', text: '导入进度 100 % · 未导入' })
    await page.waitForSelector('#recent-imports td:text("与当前版本相同，未导入")')
    // a delivery named by its kind is still read from its name
    await page.setInputFiles('#file', { name: '371502_buildings.zip', mimeType: 'application/zip', buffer: fs.readFileSync(zip) })
    expect(await page.inputValue('#layer-kind')).toBe('buildings')
    await context.close()
  })
})
