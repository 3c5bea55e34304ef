// Every bad delivery gets a clear error naming the file, record or field, and changes nothing.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { esriPrj } from '../../src/formats/shapefile/prj-writer.js'
import { buildTestApp, keyFor, resetData, type TestApp } from '../helpers/app.js'
import { importFile, snapshot, tempFilesLeft, upload } from '../helpers/imports.js'
import { rawZip, rect, shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
let before: Record<string, number>
const good = (n: number) => ({
  parts: [rect(410000 + 100 * n, 4030000, 410100 + 100 * n, 4030100)],
  values: { BSM: n, DLBM: '0601', DLMC: '工业用地', ZLDWMC: '李庄村' },
})

beforeAll(async () => {
  t = await buildTestApp(undefined, { uploadLimitBytes: 200_000 })
  dir = await tempDir()
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})
beforeEach(async () => {
  await resetData(t.knex)
  key = await keyFor(t.knex, 'county', '371502')
  // An active version exists: a failed import must leave it untouched.
  const zip = await shapefileZip(dir, 'base', { fields: surveyFields, features: [good(1), good(2)] })
  expect((await importFile(t, key, { layer: 'survey3' }, zip)).status).toBe('succeeded')
  before = await snapshot(t.knex)
})

async function expectFailure(fields: Record<string, string>, file: string, message: RegExp, where: { record?: number; field?: string } = {}) {
  const job = await importFile(t, key, fields, file)
  expect(job.status).toBe('failed')
  expect(job.datasetId).toBeNull()
  expect(job.errors).toContainEqual(expect.objectContaining({ message: expect.stringMatching(message), ...where }))
  expect(await snapshot(t.knex)).toEqual(before)
  expect(tempFilesLeft(t.dataDir)).toEqual([])
  return job
}

describe('bad geometry', () => {
  it('rejects NaN and infinite coordinates with the record number', async () => {
    const zip = await shapefileZip(dir, 'nan', {
      fields: surveyFields,
      features: [
        good(1),
        {
          ...good(2),
          parts: [
            [
              [410000, 4030000],
              [NaN, 4030100],
              [410100, 4030100],
              [410000, 4030000],
            ],
          ],
        },
        {
          ...good(3),
          parts: [
            [
              [410000, 4030000],
              [410000, Infinity],
              [410100, 4030100],
              [410100, 4030000],
              [410000, 4030000],
            ],
          ],
        },
      ],
    })
    const job = await expectFailure({ layer: 'survey3' }, zip, /NaN or infinite/, { record: 2 })
    expect(job.errors).toContainEqual(expect.objectContaining({ record: 3 }))
    expect(job.counts).toMatchObject({ read: 3, rejected: 2 })
  })

  it('rejects an unclosed ring with the record number', async () => {
    const zip = await shapefileZip(dir, 'open', {
      fields: surveyFields,
      features: [
        good(1),
        {
          ...good(2),
          parts: [
            [
              [410000, 4030000],
              [410000, 4030100],
              [410100, 4030100],
              [410100, 4030000],
              [410000, 4030001],
            ],
          ],
        },
      ],
    })
    await expectFailure({ layer: 'survey3' }, zip, /ring 1 is not closed/, { record: 2 })
  })

  it('rejects lines where polygons are expected', async () => {
    const zip = await shapefileZip(dir, 'lines', {
      shapeType: 3,
      fields: surveyFields,
      features: [
        {
          parts: [
            [
              [410000, 4030000],
              [410100, 4030100],
            ],
          ],
          values: { BSM: 1, DLBM: '102' },
        },
      ],
    })
    await expectFailure({ layer: 'survey3' }, zip, /PolyLine shapes, but this layer needs polygons/)
  })

  it('stores the rest with onInvalid=skip and lists the bad record', async () => {
    const zip = await shapefileZip(dir, 'skip', {
      fields: surveyFields,
      features: [
        good(1),
        {
          ...good(2),
          parts: [
            [
              [410000, 4030000],
              [410000, 4030100],
              [410100, 4030000],
            ],
          ],
        },
        good(3),
      ],
    })
    const job = await importFile(t, key, { layer: 'survey3', onInvalid: 'skip' }, zip)
    expect(job).toMatchObject({ status: 'succeeded', counts: { read: 3, stored: 2, rejected: 1 } })
    expect(job.errors).toContainEqual(expect.objectContaining({ record: 2, message: expect.stringMatching(/3 points/) }))
  })
})

describe('bad files', () => {
  it('fails on a .shp/.dbf record count mismatch, naming both counts', async () => {
    const zip = await shapefileZip(dir, 'count', {
      fields: surveyFields,
      features: [good(1), good(2), good(3)],
      tamper: async (files) => {
        const dbf = await fs.readFile(files.dbf!)
        dbf.writeUInt32LE(2, 4)
        await fs.writeFile(files.dbf!, dbf)
      },
    })
    await expectFailure({ layer: 'survey3' }, zip, /3 shapes .* but the \.dbf has 2/)
  })

  it('fails on text that is not valid in the declared encoding, naming record and field', async () => {
    const zip = await shapefileZip(dir, 'badtext', {
      fields: surveyFields,
      features: [good(1), { ...good(2), values: { ...good(2).values, ZLDWMC: 'placeholder' } }],
      tamper: async (files) => {
        const dbf = await fs.readFile(files.dbf!)
        const at = dbf.indexOf('placeholder')
        Buffer.from([0xff, 0xfe, 0x41]).copy(dbf, at) // 0xFF is never a GBK lead byte
        await fs.writeFile(files.dbf!, dbf)
      },
    })
    await expectFailure({ layer: 'survey3' }, zip, /not valid GBK text \(ff fe 41/, { record: 2, field: 'ZLDWMC' })
  })

  it('fails on a .cpg naming an unknown encoding', async () => {
    const zip = await shapefileZip(dir, 'cpg', { fields: surveyFields, features: [good(1)], cpg: 'KOI8-R' })
    await expectFailure({ layer: 'survey3' }, zip, /unknown encoding 'KOI8-R'/)
  })

  it('fails without a .dbf, and with two shapefiles in one zip', async () => {
    await expectFailure(
      { layer: 'survey3' },
      await shapefileZip(dir, 'nodbf', { fields: surveyFields, features: [good(1)], omit: ['dbf'] }),
      /no nodbf\.dbf beside it/,
    )
    const a = await fs.readFile(await shapefileZip(dir, 'a', { fields: surveyFields, features: [good(1)] }))
    void a
    const two = await rawZip(path.join(dir, 'two.zip'), [
      { name: 'a.shp', data: await fs.readFile(path.join(dir, 'a.shp')) },
      { name: 'b.shp', data: await fs.readFile(path.join(dir, 'a.shp')) },
      { name: 'a.dbf', data: await fs.readFile(path.join(dir, 'a.dbf')) },
    ])
    await expectFailure({ layer: 'survey3' }, two, /2 shapefiles/)
  })

  it('refuses zip entries that climb out, absolute paths and links', async () => {
    const shp = await fs.readFile(path.join(dir, 'base.shp'))
    for (const [name, mode, why] of [
      ['../../evil.shp', undefined, /climbs out/],
      ['/etc/evil.shp', undefined, /absolute path/],
      ['link.shp', 0o120777, /symbolic link/],
    ] as const) {
      const zip = await rawZip(path.join(dir, 'evil.zip'), [
        { name, data: shp, mode },
        { name: 'x.dbf', data: Buffer.alloc(10) },
      ])
      await expectFailure({ layer: 'survey3' }, zip, why)
    }
  })

  it('refuses a member that inflates to more or less than its header says', async () => {
    const shp = await fs.readFile(path.join(dir, 'base.shp'))
    const dbf = await fs.readFile(path.join(dir, 'base.dbf'))
    for (const [declared, why, whyZh] of [
      [dbf.length - 10, /too many bytes in the stream\. expected \d+\. got at least \d+/, /“sizes\.dbf”解压后的字节数多于其声明的 \d+ 字节/],
      [dbf.length + 10, /not enough bytes in the stream\. expected \d+\. got only \d+/, /“sizes\.dbf”解压后的字节数少于其声明的 \d+ 字节/],
    ] as const) {
      const zip = await rawZip(path.join(dir, 'sizes.zip'), [
        { name: 'sizes.shp', data: shp, deflate: true },
        { name: 'sizes.dbf', data: dbf, deflate: true, declaredSize: declared },
      ])
      const job = await expectFailure({ layer: 'survey3' }, zip, why)
      expect(job.errors).toContainEqual(expect.objectContaining({ messageZh: expect.stringMatching(whyZh) }))
    }
  })

  it('refuses a member with a password, saying so, whether deflated or stored', async () => {
    const shp = await fs.readFile(path.join(dir, 'base.shp'))
    const dbf = await fs.readFile(path.join(dir, 'base.dbf'))
    for (const deflate of [true, false]) {
      const zip = await rawZip(path.join(dir, 'locked.zip'), [
        { name: 'locked.shp', data: shp, deflate },
        // a stored member with a password starts with its 12-byte encryption header
        deflate
          ? { name: 'locked.dbf', data: dbf, deflate, encrypted: true }
          : { name: 'locked.dbf', data: Buffer.concat([Buffer.alloc(12), dbf]), declaredSize: dbf.length, encrypted: true },
      ])
      const job = await expectFailure({ layer: 'survey3' }, zip, /'locked\.dbf' is encrypted/)
      expect(job.errors).toContainEqual(expect.objectContaining({ messageZh: expect.stringMatching(/“locked\.dbf”已加密/) }))
    }
  })

  it('refuses a zip bomb by its compression ratio', async () => {
    const zip = await rawZip(path.join(dir, 'bomb.zip'), [{ name: 'bomb.shp', data: Buffer.alloc(20 * 1024 * 1024), deflate: true }])
    await expectFailure({ layer: 'survey3' }, zip, /expands \d+-fold/)
  })

  it('refuses a file that is neither zip nor GeoJSON, and malformed or too deeply nested GeoJSON', async () => {
    const txt = path.join(dir, 'notes.txt')
    await fs.writeFile(txt, 'hello')
    await expectFailure({ layer: 'survey3' }, txt, /neither a zip/)
    const broken = path.join(dir, 'broken.geojson')
    await fs.writeFile(broken, '{"type": "FeatureCollection", "features": [')
    await expectFailure({ layer: 'survey3' }, broken, /not valid JSON/)
    const deep = path.join(dir, 'deep.geojson')
    await fs.writeFile(
      deep,
      '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":' + '['.repeat(100) + ']'.repeat(100) + '},"geometry":null}]}',
    )
    await expectFailure({ layer: 'survey3' }, deep, /nests deeper than 32/)
  })

  it('answers 413 for an upload over the limit and keeps nothing of it', async () => {
    const big = path.join(dir, 'big.geojson')
    await fs.writeFile(big, JSON.stringify({ type: 'FeatureCollection', features: [], pad: 'x'.repeat(300_000) }))
    const res = await upload(t, key, { layer: 'survey3' }, big)
    expect(res.statusCode).toBe(413)
    expect(res.headers['content-type']).toMatch(/problem\+json/)
    expect(tempFilesLeft(t.dataDir)).toEqual([])
    expect(await snapshot(t.knex)).toEqual(before)
  })
})

describe('bad coordinate systems', () => {
  it('asks for srid when there is no .prj and eastings have no zone prefix', async () => {
    const zip = await shapefileZip(dir, 'noprj', { fields: surveyFields, features: [good(1)], prj: null })
    await expectFailure({ layer: 'survey3' }, zip, /without a zone prefix.*pass srid.*4548 CM 117E/)
  })

  it('detects a prefixed zone when there is no .prj', async () => {
    const zip = await shapefileZip(dir, 'noprj39', {
      fields: surveyFields,
      features: [{ ...good(1), parts: [rect(39410000, 4030000, 39410100, 4030100)] }],
      prj: null,
    })
    const job = await importFile(t, key, { layer: 'survey3' }, zip)
    expect(job).toMatchObject({ status: 'succeeded', sourceCrs: { epsg: 4527, how: 'detected' } })
    expect(job.warnings).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/zone prefix 39/) }))
  })

  it('names the likely cause when the data lands outside China', async () => {
    const zip = await shapefileZip(dir, 'prefixmix', { fields: surveyFields, features: [{ ...good(1), parts: [rect(39410000, 4030000, 39410100, 4030100)] }] })
    await expectFailure({ layer: 'survey3' }, zip, /inside China.*carry a zone prefix but CGCS2000 \/ 3-degree Gauss-Kruger CM 117E has none/)
  })

  it('refuses Xian 1980 data without Bursa-Wolf parameters', async () => {
    const zip = await shapefileZip(dir, 'xian', { fields: surveyFields, features: [good(1)], prj: esriPrj({ datum: 'Xian1980', centralMeridian: 117 }) })
    await expectFailure({ layer: 'survey3' }, zip, /Xian 1980 .* needs the regional 7-parameter/)
  })

  it('refuses a .prj it cannot identify, and WGS 84 unless the user accepts it', async () => {
    const odd = await shapefileZip(dir, 'odd', {
      fields: surveyFields,
      features: [good(1)],
      prj: esriPrj({ datum: 'CGCS2000', centralMeridian: 117 }).replace('117.0]', '116.0]'),
    })
    await expectFailure({ layer: 'survey3' }, odd, /not recognised: central meridian 116/)
    const wgs = await shapefileZip(dir, 'wgs', {
      fields: surveyFields,
      features: [{ ...good(1), parts: [rect(115.9, 36.4, 115.901, 36.401)] }],
      prj: esriPrj({ datum: 'WGS84' }),
    })
    await expectFailure({ layer: 'survey3' }, wgs, /WGS 84.*srid=4326/)
    expect((await importFile(t, key, { layer: 'survey3', srid: '4326' }, wgs)).status).toBe('succeeded')
  })
})

describe('bad forms', () => {
  it('refuses a fieldMap naming a field the file does not have, and a missing required field', async () => {
    const zip = await shapefileZip(dir, 'fm', { fields: surveyFields, features: [good(1)] })
    await expectFailure({ layer: 'survey3', fieldMap: '{"dlbm":"DLBM_X"}' }, zip, /maps dlbm to 'DLBM_X', but the file has no such field/)
    const nodlbm = await shapefileZip(dir, 'nodlbm', {
      fields: [{ name: 'MC', type: 'C', length: 10 }],
      features: [{ parts: good(1).parts, values: { MC: 'x' } }],
    })
    await expectFailure({ layer: 'survey3' }, nodlbm, /no DLBM field/)
  })

  it('answers 400 for a bad form and 403 for another county, keeping no upload', async () => {
    const zip = await shapefileZip(dir, 'form', { fields: surveyFields, features: [good(1)] })
    expect((await upload(t, key, { layer: 'nope' }, zip)).statusCode).toBe(400)
    expect((await upload(t, key, { layer: 'survey3', fieldMap: '{' }, zip)).statusCode).toBe(400)
    expect((await upload(t, key, { layer: 'survey3' })).statusCode).toBe(400)
    const other = await upload(t, key, { layer: 'survey3', county: '371521' }, zip)
    expect(other.statusCode).toBe(403)
    expect(other.json().title).toBe('无权执行该操作')
    expect(tempFilesLeft(t.dataDir)).toEqual([])
    expect(await snapshot(t.knex)).toEqual(before)
  })
})

describe('hardening (issue 13)', () => {
  it('caps members read whole: a .prj bomb under the ratio limit is refused before it is inflated', async () => {
    // 200 kB of text that compresses about 2-fold: under every ratio and total limit, still no .prj.
    await shapefileZip(dir, 'prjbomb', { fields: surveyFields, features: [good(1)], prj: null })
    const read = async (ext: string) => fs.readFile(path.join(dir, `prjbomb.${ext}`))
    const zip = await rawZip(path.join(dir, 'prjbomb2.zip'), [
      { name: 'p.shp', data: await read('shp') },
      { name: 'p.shx', data: await read('shx') },
      { name: 'p.dbf', data: await read('dbf') },
      { name: 'p.prj', data: Buffer.from(randomBytes(100_000).toString('hex')), deflate: true },
    ])
    await expectFailure({ layer: 'survey3' }, zip, /p\.prj' unpacks to more than 65536 bytes/)
  })

  it('refuses a .shx whose offsets point past the end of the .shp, naming the record (issue 25)', async () => {
    const zip = await shapefileZip(dir, 'shxpast', {
      fields: surveyFields,
      features: [good(1), good(2), good(3)],
      tamper: async (files) => {
        const shx = await fs.readFile(files.shx!)
        shx.writeInt32BE(1_000_000, 100 + 8 * 1) // record 2's offset, in 16-bit words: 2 MB into a 500-byte .shp
        await fs.writeFile(files.shx!, shx)
      },
    })
    const job = await expectFailure({ layer: 'survey3' }, zip, /record 2 past the end of the \.shp/)
    expect(job.errors[0].messageZh).toMatch(/第 2 条记录：\.shx 索引指向 \.shp 文件末尾/)
  })

  it('names the record whose coordinates lie outside the projection, without SQL or table names', async () => {
    // The header's extent is sane (so the extent check passes); record 2 lies 50 000 km east of the zone.
    const zip = await shapefileZip(dir, 'domain', {
      fields: surveyFields,
      features: [good(1), { parts: [rect(5e7, 4030000, 5e7 + 100, 4030100)], values: { BSM: 2, DLBM: '0601' } }, good(3)],
      tamper: async (files) => {
        const shp = await fs.readFile(files.shp!)
        shp.writeDoubleLE(410000, 36)
        shp.writeDoubleLE(4030000, 44)
        shp.writeDoubleLE(410400, 52)
        shp.writeDoubleLE(4030100, 60)
        await fs.writeFile(files.shp!, shp)
      },
    })
    const job = await expectFailure({ layer: 'survey3' }, zip, /cannot be transformed .* CGCS2000 \(.*outside of projection domain/, {
      record: 2,
      field: 'geometry',
    })
    expect(JSON.stringify(job.errors)).not.toMatch(/INSERT|WITH ins|survey3_patches|ST_/)
  })
})
