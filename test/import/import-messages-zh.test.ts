// Issue 22: every import error and warning carries a Chinese text a county technician can act on,
// naming the file, the record and the field (by its catalogue title), the cause and what to set.
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, type TestApp } from '../helpers/app.js'
import { importFile } from '../helpers/imports.js'
import { rect, shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
const good = (n: number) => ({
  parts: [rect(410000 + 100 * n, 4030000, 410100 + 100 * n, 4030100)],
  values: { BSM: n, DLBM: '0601', DLMC: '工业用地', ZLDWMC: '李庄村' },
})

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})
beforeEach(async () => {
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
})

interface Issue {
  code?: string
  fieldMapFor?: { field: string; titleZh: string; sourceFields: string[] }
  file?: string
  record?: number
  field?: string
  message: string
  messageZh: string
}

/** Imports and checks that no issue of the job lacks its Chinese text. */
async function run(fields: Record<string, string>, file: string) {
  const job = (await importFile(t, key, fields, file)) as { id: number; status: string; errors: Issue[]; warnings: Issue[] }
  for (const i of [...job.errors, ...job.warnings]) expect(i.messageZh, i.message).toMatch(/[\u4e00-\u9fff]/)
  return job
}

const zh = (list: Issue[]) => list.map((i) => i.messageZh).join('\n')

describe('import messages in Chinese', () => {
  it('no .prj and no srid: names the file and the Shandong systems to choose from', async () => {
    const zip = await shapefileZip(dir, 'noprj', { fields: surveyFields, features: [good(1)], prj: null })
    const job = await run({ layer: 'survey3' }, zip)
    expect(job.status).toBe('failed')
    expect(zh(job.errors)).toMatch(/文件“noprj\.shp”：缺少 \.prj 文件且未指定坐标系/)
    expect(zh(job.errors)).toMatch(/“EPSG 坐标系代码”.*2000国家大地坐标系 3度带 高斯-克吕格 中央经线117°（EPSG:4548）/)
  })

  it('says what can be done (code): choose a system, give the 7 parameters, map a field, skip the bad records; an identical file is unchanged', async () => {
    const noPrj = await run({ layer: 'survey3' }, await shapefileZip(dir, 'fix-noprj', { fields: surveyFields, features: [good(1)], prj: null }))
    expect(noPrj.errors.map((e) => e.code)).toEqual(['no-prj'])
    // a system that lands the data outside China: choose another
    const wrong = await run({ layer: 'survey3', srid: '4490' }, await shapefileZip(dir, 'fix-wrong', { fields: surveyFields, features: [good(1)] }))
    expect(wrong.errors.map((e) => e.code)).toEqual(['crs'])
    const xian = await run({ layer: 'survey3', srid: '2384' }, await shapefileZip(dir, 'fix-xian', { fields: surveyFields, features: [good(1)] }))
    expect(xian.errors.map((e) => e.code)).toEqual(['towgs84'])
    const nodlbm = await shapefileZip(dir, 'fix-field', {
      fields: [{ name: 'DM', type: 'C', length: 10 }, ...surveyFields.filter((f) => f.name !== 'DLBM')],
      features: [{ parts: good(1).parts, values: { DM: '0601' } }],
    })
    const missing = await run({ layer: 'survey3' }, nodlbm)
    expect(missing.errors).toEqual([
      expect.objectContaining({
        code: 'field-missing',
        fieldMapFor: { field: 'dlbm', titleZh: '地类编码', sourceFields: ['DM', 'BSM', 'DLMC', 'ZLDWMC', 'TBMJ', 'CZCSXM'] },
      }),
    ])
    // the field map the console sends for it (by the Chinese title) imports the file
    expect((await run({ layer: 'survey3', fieldMap: '{"地类编码":"DM"}' }, nodlbm)).status).toBe('succeeded')
    const bad = {
      ...good(2),
      parts: [
        [
          [410000, 4030000],
          [410000, 4030100],
          [410100, 4030000],
        ],
      ],
    }
    const invalid = await run({ layer: 'survey3' }, await shapefileZip(dir, 'fix-invalid', { fields: surveyFields, features: [good(1), bad] }))
    // the sum first, with what to do; the record below
    expect(invalid.errors.map((e) => [e.code, e.record])).toEqual([
      ['invalid-records', undefined],
      [undefined, 2],
    ])
    expect(invalid.errors[0]!.messageZh).toMatch(/1 条记录无法导入，整批未导入.*跳过并列出错误要素/)
    // the same file again as a replace: succeeded, unchanged, said so
    const once = await shapefileZip(dir, 'fix-same', { fields: surveyFields, features: [good(1)] })
    const first = (await run({ layer: 'survey3' }, once)) as { unchanged?: boolean }
    expect(first.unchanged).toBe(false)
    const again = (await run({ layer: 'survey3' }, once)) as { status: string; unchanged?: boolean; warnings: Array<Issue & { code?: string }> }
    expect(again).toMatchObject({ status: 'succeeded', unchanged: true })
    expect(again.warnings).toContainEqual(
      expect.objectContaining({ code: 'unchanged', messageZh: expect.stringMatching(/与当前版本（第 \d+ 版）相同，未导入/) }),
    )
  })

  it('a ring of 3 positions: names the file, the record and the ring', async () => {
    const file = path.join(dir, 'ring3.geojson')
    const square = [
      [115.98, 36.45],
      [115.98, 36.46],
      [115.99, 36.46],
      [115.99, 36.45],
      [115.98, 36.45],
    ]
    const feature = (coordinates: number[][][], DLBM: string) => ({ type: 'Feature', properties: { DLBM }, geometry: { type: 'Polygon', coordinates } })
    const triangle = [square[0]!, square[1]!, square[0]!]
    await fs.writeFile(file, JSON.stringify({ type: 'FeatureCollection', features: [feature([square], '0601'), feature([triangle], '0602')] }))
    const job = await run({ layer: 'survey3' }, file)
    expect(job.status).toBe('failed')
    expect(job.errors).toContainEqual(
      expect.objectContaining({
        record: 2,
        message: expect.stringMatching(/ring 1 of polygon 1 has 3 positions/),
        messageZh: expect.stringMatching(/^文件“ring3\.geojson”第 2 条记录：第 1 个面的第 1 个环只有 3 个点，一个闭合环至少需要 4 个点/),
      }),
    )
  })

  it('a file that is not a zip although it starts like one: says so in Chinese, not in the library’s words', async () => {
    const zip = await shapefileZip(dir, 'cut', { fields: surveyFields, features: [good(1), good(2)] })
    const whole = await fs.readFile(zip)
    const cut = path.join(dir, 'cut-off.zip')
    await fs.writeFile(cut, whole.subarray(0, whole.length - 30))
    const job = await run({ layer: 'survey3' }, cut)
    expect(job.status).toBe('failed')
    expect(job.errors[0]!.message).toMatch(/not a readable zip file/)
    expect(job.errors[0]!.messageZh).toMatch(/^文件“cut-off\.zip”：文件不是有效的 ZIP 压缩包.*请将 \.shp、\.shx、\.dbf、\.prj（及 \.cpg）直接打包/)
  })

  it('a mapped field the file lacks, and a required field missing: names the field by its Chinese title', async () => {
    const zip = await shapefileZip(dir, 'fm', { fields: surveyFields, features: [good(1)] })
    const mapped = await run({ layer: 'survey3', fieldMap: '{"dlbm":"DLBM_X"}' }, zip)
    expect(mapped.status).toBe('failed')
    expect(zh(mapped.errors)).toMatch(/文件“fm\.shp”：字段对应把“地类编码”（dlbm）对应到“DLBM_X”，但文件中没有该字段；文件中的字段：BSM、DLBM/)
    const nodlbm = await shapefileZip(dir, 'nodlbm', {
      fields: [{ name: 'MC', type: 'C', length: 10 }],
      features: [{ parts: good(1).parts, values: { MC: 'x' } }],
    })
    const missing = await run({ layer: 'survey3' }, nodlbm)
    expect(zh(missing.errors)).toMatch(/文件“nodlbm\.shp”：文件中没有必填字段“地类编码”（查找了 DLBM）：请在“字段对应”中指明源字段/)
  })

  it('text not valid GBK: names record and field (坐落单位名称) and the encoding to choose', async () => {
    const zip = await shapefileZip(dir, 'badtext', {
      fields: surveyFields,
      features: [good(1), { ...good(2), values: { ...good(2).values, ZLDWMC: 'placeholder' } }],
      tamper: async (files) => {
        const dbf = await fs.readFile(files.dbf!)
        Buffer.from([0xff, 0xfe, 0x41]).copy(dbf, dbf.indexOf('placeholder')) // 0xFF is never a GBK lead byte
        await fs.writeFile(files.dbf!, dbf)
      },
    })
    const job = await run({ layer: 'survey3' }, zip)
    expect(job.status).toBe('failed')
    expect(job.errors).toContainEqual(
      expect.objectContaining({
        record: 2,
        field: 'ZLDWMC',
        messageZh: expect.stringMatching(/^文件“badtext\.shp”第 2 条记录，字段“坐落单位名称”（ZLDWMC）：文字按 GBK 编码无法识别（字节 ff fe 41.*“编码”中选择/),
      }),
    )
  })

  it('warnings of a successful import: a null shape by record, a repaired shape with its cause, a field the file lacks by its title', async () => {
    const bowtie = [
      [410000, 4030000],
      [410000, 4030100],
      [410100, 4030000],
      [410100, 4030100],
      [410000, 4030000],
    ]
    const zip = await shapefileZip(dir, 'nulls', {
      fields: surveyFields,
      features: [
        good(1),
        { parts: null as never, values: { BSM: 2, DLBM: '0702', DLMC: '农村宅基地' } },
        { parts: [bowtie], values: { BSM: 3, DLBM: '0601', DLMC: '工业用地' } },
      ],
    })
    const job = await run({ layer: 'survey3' }, zip)
    expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
    expect(job.warnings).toContainEqual(
      expect.objectContaining({ record: 2, messageZh: expect.stringMatching(/^文件“nulls\.shp”第 2 条记录：图形为空，已只导入属性/) }),
    )
    expect(job.warnings).toContainEqual(
      expect.objectContaining({
        record: 3,
        messageZh: expect.stringMatching(/^文件“nulls\.shp”第 3 条记录：图形无效（自相交（位置 [\d. ]+）），已自动修复后导入/),
      }),
    )
    expect(zh(job.warnings)).toMatch(/文件“nulls\.shp”：文件中没有“权属性质”字段（查找了 QSXZ），该字段留空/)
  })

  it('reads a job stored before issue 22 (issues without messageZh): shown with its English text, not refused', async () => {
    const job = await run({ layer: 'survey3' }, await shapefileZip(dir, 'old', { fields: surveyFields, features: [good(1)], prj: null }))
    const old = [{ file: 'old.shp', message: 'the file has no .prj and no srid was given' }]
    await t
      .knex('import_jobs')
      .where({ id: job.id })
      .update({ errors: JSON.stringify(old), warnings: JSON.stringify([{ message: 'a warning' }]) })
    const headers = { 'x-api-key': key }
    const one = await t.app.inject({ method: 'GET', url: `/api/v1/imports/${job.id}`, headers })
    expect(one.statusCode, one.body).toBe(200)
    expect(one.json()).toMatchObject({ errors: [{ ...old[0], messageZh: old[0]!.message }], warnings: [{ message: 'a warning', messageZh: 'a warning' }] })
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/imports', headers })
    expect(list.statusCode, list.body).toBe(200)
    expect(list.json().find((j: { id: number }) => j.id === job.id).errors).toEqual([{ ...old[0], messageZh: old[0]!.message }])
  })
})
