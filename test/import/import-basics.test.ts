// Imports of real shapefiles and GeoJSON through the API: counts, Chinese text, areas, CRS and
// encoding found, repairs, null shapes, versions.
import fs from 'node:fs/promises'
import path from 'node:path'
import proj4 from 'proj4'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, type TestApp } from '../helpers/app.js'
import { ellipsoidalRingArea } from '../helpers/geometry.js'
import { importFile, tempFilesLeft } from '../helpers/imports.js'
import { prj4527, rect, shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'

let t: TestApp & { dataDir: string }
let key: string
let dir: string
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

// proj4 is independent of PostGIS's PROJ: the expected lon/lat of each corner comes from it.
proj4.defs('EPSG:4548', '+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs')
proj4.defs('EPSG:4527', '+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=39500000 +y_0=0 +ellps=GRS80 +units=m +no_defs')
const toLonLat = (epsg: string, ring: number[][]) => ring.map((p) => proj4(epsg, 'WGS84', p))

describe('shapefile import', () => {
  const features = [
    {
      parts: [rect(410000, 4030000, 410100, 4030100)],
      values: { BSM: 1, DLBM: '0601', DLMC: '工业用地', ZLDWMC: '古楼街道李庄村', TBMJ: 10000, CZCSXM: '201' },
    },
    {
      parts: [rect(410100, 4030000, 410300, 4030050)],
      values: { BSM: 2, DLBM: '0702', DLMC: '农村宅基地', ZLDWMC: '侯营镇王屯村（东）', TBMJ: 10000, CZCSXM: '203' },
    },
    {
      parts: [rect(410300, 4030000, 410350.5, 4030033.3)],
      values: { BSM: 3, DLBM: '0103', DLMC: '旱地', ZLDWMC: '𠀀兼容字测试·沙镇镇', TBMJ: 1681.65, CZCSXM: null },
    },
  ]

  it('stores every feature with its Chinese text exactly, and the areas of known rectangles (EPSG:4548)', async () => {
    const zip = await shapefileZip(dir, 'dltb4548', { fields: surveyFields, features, encoding: 'GB18030', cpg: 'GB18030' })
    const job = await importFile(t, key, { layer: 'survey3' }, zip)
    expect(job).toMatchObject({ status: 'succeeded', progress: 1, county: '371502', counts: { read: 3, stored: 3, repaired: 0, rejected: 0 } })
    expect(job.sourceCrs).toMatchObject({ epsg: 4548, how: 'prj' })
    expect(job.encoding).toMatchObject({ name: 'GB18030', how: 'cpg' })
    const rows = await t
      .knex('survey3_patches')
      .orderBy('source_record')
      .select(
        'source_record',
        'bsm',
        'dlbm',
        'dlmc',
        'zldwmc',
        'tbmj',
        'czcsxm',
        'attrs',
        t.knex.raw('ST_Area(geom::geography) AS ellipsoidal'),
        t.knex.raw('ST_Area(ST_Transform(geom, 4548)) AS planar'),
      )
    expect(rows.map((r) => [r.source_record, r.bsm, r.dlbm, r.dlmc, r.zldwmc, r.tbmj, r.czcsxm])).toEqual(
      features.map((f, i) => [i + 1, f.values.BSM, f.values.DLBM, f.values.DLMC, f.values.ZLDWMC, f.values.TBMJ, f.values.CZCSXM]),
    )
    // each attribute is stored once: every field here has a column that holds it exactly
    expect(rows.map((r) => r.attrs)).toEqual([{}, {}, {}])
    const planar = [100 * 100, 200 * 50, 50.5 * 33.3]
    rows.forEach((r, i) => {
      // 1 mm² per 10 000 m²: the Gauss-Kruger area survives the trip through EPSG:4490.
      expect(Math.abs(r.planar - planar[i]!)).toBeLessThan(1e-6 * (planar[i]! / 10000) + 1e-9)
      const expected = ellipsoidalRingArea(toLonLat('EPSG:4548', features[i]!.parts![0]!))
      // plus what the stored coordinates can carry: a transform good to 2 units in the last place of
      // a longitude near 117° (2 × 2⁻⁴⁶ degrees, 3.2 nm) moves the area by up to that times the perimeter
      const ring = features[i]!.parts![0]!
      const perimeter = ring.slice(1).reduce((p, q, k) => p + Math.hypot(q[0]! - ring[k]![0]!, q[1]! - ring[k]![1]!), 0)
      expect(Math.abs(r.ellipsoidal - expected)).toBeLessThan(1e-6 * (planar[i]! / 10000) + perimeter * 3.2e-9)
    })
    expect(tempFilesLeft(t.dataDir)).toEqual([])
  })

  it('reads the zone-prefixed system (EPSG:4527) to the same areas', async () => {
    const shifted = features.map((f) => ({ ...f, parts: f.parts.map((ring) => ring.map(([x, y]) => [x! + 39_000_000, y!])) }))
    const zip = await shapefileZip(dir, 'dltb4527', { fields: surveyFields, features: shifted, prj: prj4527 })
    const job = await importFile(t, key, { layer: 'survey3' }, zip)
    expect(job.sourceCrs).toMatchObject({ epsg: 4527, how: 'prj' })
    const rows = await t
      .knex('survey3_patches')
      .orderBy('source_record')
      .select(t.knex.raw('ST_Area(geom::geography) AS ellipsoidal'), t.knex.raw('ST_Area(ST_Transform(geom, 4527)) AS planar'))
    const planar = [10000, 10000, 50.5 * 33.3]
    rows.forEach((r, i) => {
      expect(Math.abs(r.planar - planar[i]!)).toBeLessThan(1e-6 * (planar[i]! / 10000) + 1e-9)
      expect(Math.abs(r.ellipsoidal - ellipsoidalRingArea(toLonLat('EPSG:4527', shifted[i]!.parts![0]!)))).toBeLessThan(1e-6)
    })
  })

  it('finds GBK by the language driver byte, and by detection when nothing names it', async () => {
    const ldid = await shapefileZip(dir, 'ldid', { fields: surveyFields, features, cpg: null, languageDriver: 0x4d })
    expect((await importFile(t, key, { layer: 'survey3' }, ldid)).encoding).toMatchObject({ name: 'GBK', how: 'ldid' })
    const bare = await shapefileZip(dir, 'bare', { fields: surveyFields, features, cpg: null, languageDriver: 0x57 })
    const job = await importFile(t, key, { layer: 'survey3' }, bare)
    expect(job.encoding).toMatchObject({ name: 'GBK', how: 'detected' })
    expect((await t.knex('survey3_patches').where({ bsm: 1 }).first()).zldwmc).toBe('古楼街道李庄村')
    const utf8 = await shapefileZip(dir, 'utf8', { fields: surveyFields, features, encoding: 'UTF-8', cpg: null, languageDriver: 0 })
    expect((await importFile(t, key, { layer: 'survey3' }, utf8)).encoding).toMatchObject({ name: 'UTF-8', how: 'detected' })
    expect((await t.knex('survey3_patches').where({ bsm: 2 }).first()).zldwmc).toBe('侯营镇王屯村（东）')
  })

  it('lets the encoding parameter override the .cpg', async () => {
    const zip = await shapefileZip(dir, 'wrongcpg', { fields: surveyFields, features, encoding: 'UTF-8', cpg: 'GBK' })
    const job = await importFile(t, key, { layer: 'survey3', encoding: 'UTF-8' }, zip)
    expect(job.encoding).toMatchObject({ name: 'UTF-8', how: 'param' })
    expect((await t.knex('survey3_patches').where({ bsm: 3 }).first()).zldwmc).toBe('𠀀兼容字测试·沙镇镇')
  })

  it('drops a character cut off by the field width and says so', async () => {
    const zip = await shapefileZip(dir, 'cut', {
      fields: [
        { name: 'DLBM', type: 'C', length: 4 },
        { name: 'ZLDWMC', type: 'C', length: 7 },
      ],
      features: [{ parts: [rect(410000, 4030000, 410010, 4030010)], values: { DLBM: '0601', ZLDWMC: '古楼街道' } }], // 8 bytes in GBK, 7 kept
    })
    const job = await importFile(t, key, { layer: 'survey3' }, zip)
    expect(job.status).toBe('succeeded')
    expect(job.warnings).toContainEqual(expect.objectContaining({ record: 1, field: 'ZLDWMC', message: expect.stringMatching(/cut off/) }))
    expect((await t.knex('survey3_patches').first()).zldwmc).toBe('古楼街')
  })

  it('keeps in attrs what no column holds exactly: fields without a column, and values a column changed or refused', async () => {
    const zip = await shapefileZip(dir, 'attrs-once', {
      fields: [
        { name: 'DLBM', type: 'C', length: 4 },
        { name: 'TBMJ', type: 'C', length: 10 },
        { name: 'CZCSXM', type: 'N', length: 4 },
        { name: 'BZ', type: 'C', length: 20 },
      ],
      features: [
        { parts: [rect(410000, 4030000, 410010, 4030010)], values: { DLBM: '0601', TBMJ: '100.0', CZCSXM: 201, BZ: '备注一' } },
        { parts: [rect(410010, 4030000, 410020, 4030010)], values: { DLBM: '0602', TBMJ: '约一百', CZCSXM: null, BZ: null } },
      ],
    })
    const job = await importFile(t, key, { layer: 'survey3' }, zip)
    expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
    const rows = await t.knex('survey3_patches').orderBy('source_record').select('dlbm', 'tbmj', 'czcsxm', 'attrs')
    expect(rows).toEqual([
      // TBMJ read from text into a number, CZCSXM from a number into text: as delivered in attrs too; BZ has no column
      { dlbm: '0601', tbmj: 100, czcsxm: '201', attrs: { TBMJ: '100.0', CZCSXM: 201, BZ: '备注一' } },
      // a TBMJ the column refused (stored as null, with a warning) stays as delivered
      { dlbm: '0602', tbmj: null, czcsxm: null, attrs: { TBMJ: '约一百', BZ: null } },
    ])
  })

  it('repairs an invalid ring and keeps the reason; keeps null shapes with their attributes', async () => {
    const bowtie = [
      [410000, 4030000],
      [410000, 4030100],
      [410100, 4030000],
      [410100, 4030100],
      [410000, 4030000],
    ]
    const zip = await shapefileZip(dir, 'repair', {
      fields: surveyFields,
      features: [
        { parts: [bowtie], values: { BSM: 1, DLBM: '0601', DLMC: '工业用地' } },
        { parts: null, values: { BSM: 2, DLBM: '0702', DLMC: '农村宅基地' } },
        { parts: [rect(410200, 4030000, 410300, 4030100)], values: { BSM: 3, DLBM: '0103', DLMC: '旱地' } },
      ],
    })
    const job = await importFile(t, key, { layer: 'survey3' }, zip)
    expect(job.counts).toMatchObject({ read: 3, stored: 3, repaired: 1, nullShapes: 1 })
    expect(job.warnings).toContainEqual(expect.objectContaining({ record: 1, message: expect.stringMatching(/repaired: Self-intersection/) }))
    const rows = await t
      .knex('survey3_patches')
      .orderBy('source_record')
      .select(
        'bsm',
        'dlmc',
        'geom_repair',
        t.knex.raw('ST_IsValid(geom) AS valid'),
        t.knex.raw('ST_NumGeometries(geom) AS parts'),
        t.knex.raw('geom IS NULL AS empty'),
      )
    expect(rows).toEqual([
      { bsm: 1, dlmc: '工业用地', geom_repair: expect.stringMatching(/Self-intersection/), valid: true, parts: 2, empty: false },
      { bsm: 2, dlmc: '农村宅基地', geom_repair: null, valid: null, parts: null, empty: true },
      { bsm: 3, dlmc: '旱地', geom_repair: null, valid: true, parts: 1, empty: false },
    ])
  })

  it('groups rings into polygons with holes whatever their orientation', async () => {
    const outer = rect(410000, 4030000, 410100, 4030100)
    const hole = [...rect(410040, 4030040, 410060, 4030060)].reverse()
    const islandWrongWay = [...rect(410200, 4030000, 410250, 4030050)].reverse() // counter-clockwise shell
    const zip = await shapefileZip(dir, 'rings', {
      fields: surveyFields,
      features: [{ parts: [hole, outer, islandWrongWay], values: { BSM: 1, DLBM: '0601' } }],
    })
    await importFile(t, key, { layer: 'survey3' }, zip)
    const row = await t
      .knex('survey3_patches')
      .first(
        t.knex.raw('ST_NumGeometries(geom) AS polys'),
        t.knex.raw('ST_NRings(geom) AS rings'),
        t.knex.raw('ST_Area(ST_Transform(geom, 4548)) AS area'),
        'geom_repair',
      )
    expect(row).toMatchObject({ polys: 2, rings: 3, geom_repair: null })
    expect(row.area).toBeCloseTo(10000 - 400 + 2500, 4)
  })

  it('imports GeoJSON in lon/lat (CGCS2000) with attributes', async () => {
    const ring = [
      [115.95, 36.45],
      [115.951, 36.45],
      [115.951, 36.451],
      [115.95, 36.451],
      [115.95, 36.45],
    ]
    const file = path.join(dir, 'plots.geojson')
    await fs.writeFile(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', properties: { TBBH: 'DX001', DKMC: '李庄村地块', DXLX: '产业转型升级类' }, geometry: { type: 'Polygon', coordinates: [ring] } },
          { type: 'Feature', properties: { TBBH: 'DX002', DKMC: null }, geometry: null },
        ],
      }),
    )
    const job = await importFile(t, key, { layer: 'plots' }, file)
    expect(job).toMatchObject({ status: 'succeeded', counts: { read: 2, stored: 2, nullShapes: 1 }, sourceCrs: { epsg: 4490, how: 'detected' } })
    const row = await t.knex('low_efficiency_plots').where({ plot_code: 'DX001' }).first('plot_name', 'category', t.knex.raw('ST_Area(geom::geography) AS a'))
    expect(row.plot_name).toBe('李庄村地块')
    expect(row.category).toBe('产业转型升级类')
    expect(Math.abs(row.a - ellipsoidalRingArea(ring))).toBeLessThan(1e-6)
  })

  it('maps fields by the user’s fieldMap', async () => {
    const zip = await shapefileZip(dir, 'fwlx', {
      fields: [
        { name: 'FWJG', type: 'C', length: 20 },
        { name: 'MC', type: 'C', length: 20 },
      ],
      features: [{ parts: [rect(410000, 4030000, 410010, 4030010)], values: { FWJG: '临时建筑', MC: '工棚' } }],
    })
    const job = await importFile(t, key, { layer: 'buildings', fieldMap: JSON.stringify({ buildingType: 'fwjg' }) }, zip)
    expect(job.status).toBe('succeeded')
    expect(await t.knex('buildings').first('building_type', 'name')).toEqual({ building_type: '临时建筑', name: '工棚' })
  })

  it('maps fields by a fieldMap written with the fields’ Chinese titles (the console’s)', async () => {
    const zip = await shapefileZip(dir, 'fwlx-zh', {
      fields: [
        { name: 'FWJG', type: 'C', length: 20 },
        { name: 'MC', type: 'C', length: 20 },
      ],
      features: [{ parts: [rect(410000, 4030000, 410010, 4030010)], values: { FWJG: '简易棚', MC: '车棚' } }],
    })
    const job = await importFile(t, key, { layer: 'buildings', fieldMap: JSON.stringify({ 建筑类型: 'fwjg' }) }, zip)
    expect(job.status, JSON.stringify(job.errors)).toBe('succeeded')
    expect(await t.knex('buildings').where({ name: '车棚' }).first('building_type')).toEqual({ building_type: '简易棚' })
  })
})
