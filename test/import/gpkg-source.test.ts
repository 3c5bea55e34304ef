// A GeoPackage's rows read from the file itself (src/import/gpkg-source.ts) against GDAL's reading
// of the same layer (the machine's ogr2ogr, the reference reader): every feature's record number,
// values and WKB byte for byte, on GeoPackages written by GDAL from the sample county, with dense
// oblique polygons that spill to overflow pages, pages of 1 KiB, dates, Chinese text, a column added
// later. A layer this reader does not read (a DateTime field, curves) is left to GDAL (null).
import { execFileSync } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import initSqlJs from 'sql.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { detectDatabase, listDatabase, openDatabaseLayer } from '../../src/import/database-source.js'
import { nativeGdalFor, type NativeGdal } from '../../src/import/gdal/native.js'
import { openGeoPackageLayer } from '../../src/import/gpkg-source.js'
import type { FeatureSource } from '../../src/import/source.js'
import { SourceError } from '../../src/import/shapefile-source.js'
import { hasOgr2ogr, requireUnderCi, skipWithout } from '../helpers/ci.js'
import { tempDir } from '../helpers/shapefiles.js'

const ogr = (...args: string[]) => execFileSync('ogr2ogr', args, { stdio: ['ignore', 'ignore', 'pipe'] })

let dir: string
let native: NativeGdal

/** Every feature a source gives: record, values, shape (its WKB as hex). */
async function features(source: FeatureSource) {
  const out: unknown[] = []
  try {
    for (;;) {
      const b = await source.next(500)
      if (!b.features.length) return out
      for (const f of b.features)
        out.push({
          ...f,
          shape:
            f.shape.kind === 'shape'
              ? { ...f.shape, wkbAt: 0, wkb: b.wkb.subarray(f.shape.wkbAt, f.shape.wkbAt + f.shape.wkbLength).toString('hex') }
              : f.shape,
        })
    }
  } finally {
    await source.close()
  }
}

/**
 * GDAL's COPY rows write a real with 15 significant digits (PGDump's %.15g); the direct reader keeps
 * the stored double. Compared at GDAL's precision; the exact value is checked on its own below.
 */
const at15 = (rows: unknown[]) =>
  rows.map((f) => {
    const r = f as { values: unknown[] }
    return { ...r, values: r.values.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(15)) : v)) }
  })

/** The layer read both ways: GDAL's rows and the direct ones (null when the direct reader declines it). */
async function both(file: string, layerName: string, family: 'polygon' | 'line' = 'polygon') {
  const db = (await detectDatabase({ path: file, name: path.basename(file) }))!
  const layer = (await listDatabase(db, { native })).layers.find((l) => l.name === layerName)!
  const opts = { family, maxVertices: 1e6 }
  const gdal = await features(await openDatabaseLayer(db, layer, { native }, opts))
  const direct = await openGeoPackageLayer(db, layer, opts)
  const rows = direct && (await features(direct))
  return { gdal, direct: rows && at15(rows), exact: rows, layer }
}

/** A polygon of `n` vertices on an oblique ellipse around (x, y) in metres, closed. */
function ellipse(x: number, y: number, n: number, r: number): number[][] {
  const ring: number[][] = []
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n
    ring.push([x + r * Math.cos(a) + 0.37 * r * Math.sin(a), y + 0.6 * r * Math.sin(a) + 0.123456789 * i])
  }
  ring.push(ring[0]!)
  return ring
}

describe.skipIf(skipWithout(hasOgr2ogr))('GeoPackage rows read directly', () => {
  beforeAll(async () => {
    requireUnderCi(hasOgr2ogr, 'ogr2ogr (Debian gdal-bin) is needed to make the test GeoPackages and read them as the reference')
    native = (await nativeGdalFor('native'))!
    dir = await tempDir()
  })
  afterAll(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true })
  })

  it("gives every feature of the sample county's DLTB as GDAL does, also with 1 KiB pages", async () => {
    const shp = path.join(dir, 'survey3')
    execFileSync('unzip', ['-q', '-o', path.resolve('data/sample/371502_survey3.zip'), '-d', shp])
    const gpkg = path.join(dir, 'dltb.gpkg')
    ogr('-f', 'GPKG', gpkg, path.join(shp, 'DLTB.shp'), '-nln', 'DLTB')
    const { gdal, direct } = await both(gpkg, 'DLTB')
    expect(gdal).toHaveLength(3000)
    expect(direct).toEqual(gdal)
    expect(JSON.stringify(direct)).toMatch(/[\u4e00-\u9fff]/)
    // the same file rewritten by SQLite with 1 KiB pages: a deeper tree, rows spilling to overflow pages
    const SQL = await initSqlJs()
    const db = new SQL.Database(await fs.readFile(gpkg))
    db.run('PRAGMA page_size = 1024')
    db.run('VACUUM')
    const small = path.join(dir, 'dltb-1k.gpkg')
    await fs.writeFile(small, db.export())
    db.close()
    expect((await fs.readFile(small)).readUInt16BE(16)).toBe(1024)
    expect((await both(small, 'DLTB')).direct).toEqual(gdal)
  })

  it('dense oblique polygons (overflow pages), single and multi, a date, nulls, an empty geometry, a column added later', async () => {
    const geojson = path.join(dir, 'dense.geojson')
    const feature = (i: number, geometry: unknown, extra: Record<string, unknown> = {}) => ({
      type: 'Feature',
      properties: {
        DLMC: i % 3 ? `城镇住宅用地${i}` : null,
        TBMJ: i % 4 ? 1234.5 + i / 7 : null,
        SJNF: 2020 + (i % 3),
        GXRQ: i % 5 ? `2023-0${1 + (i % 9)}-1${i % 10}` : null,
        ...extra,
      },
      geometry,
    })
    const fs_ = [
      ...Array.from({ length: 30 }, (_, i) => feature(i + 1, { type: 'Polygon', coordinates: [ellipse(500000 + 1000 * i, 4000000, 50 + 200 * i, 300)] })),
      feature(31, {
        type: 'MultiPolygon',
        coordinates: [[ellipse(560000, 4000000, 3000, 200)], [ellipse(561000, 4000000, 40, 100), ellipse(561000, 4000000, 20, 30).reverse()]],
      }),
      feature(32, null),
    ]
    await fs.writeFile(geojson, JSON.stringify({ type: 'FeatureCollection', features: fs_ }))
    const gpkg = path.join(dir, 'dense.gpkg')
    ogr('-f', 'GPKG', gpkg, geojson, '-nln', 'DLTB', '-a_srs', 'EPSG:4548', '-nlt', 'MULTIPOLYGON')
    // an empty geometry, and a field added after the rows were written (their records lack it)
    const SQL = await initSqlJs()
    const db = new SQL.Database(await fs.readFile(gpkg))
    // GDAL's triggers keeping the spatial index call its SQL functions, which sql.js has not
    for (const [name] of db.exec("SELECT name FROM sqlite_master WHERE type = 'trigger'")[0]?.values ?? []) db.run(`DROP TRIGGER "${String(name)}"`)
    db.run("UPDATE DLTB SET geom = X'4750001100000000' || X'010600000000000000' WHERE fid = 30")
    db.run('ALTER TABLE DLTB ADD COLUMN "BZ" TEXT(20)')
    db.run("UPDATE DLTB SET BZ = '备注' WHERE fid = 2")
    await fs.writeFile(gpkg, db.export())
    db.close()
    const { gdal, direct, exact, layer } = await both(gpkg, 'DLTB')
    expect(layer.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['DLMC:String', 'TBMJ:Real', 'SJNF:Integer', 'GXRQ:Date', 'BZ:String'])
    expect(gdal).toHaveLength(32)
    for (let i = 0; i < gdal.length; i++) expect(JSON.stringify(direct![i]), `feature ${i + 1}`).toBe(JSON.stringify(gdal[i]))
    expect(direct).toEqual(gdal)
    const byRecord = new Map((exact as Array<{ record: number; values: unknown[]; shape: { kind: string; wkb?: string } }>).map((f) => [f.record, f]))
    expect(byRecord.get(2)!.values).toEqual([`城镇住宅用地2`, 1234.5 + 2 / 7, 2022, '2023/03/12', '备注'])
    expect(byRecord.get(32)!.shape).toEqual({ kind: 'null' })
    expect(byRecord.get(30)!.shape.wkb).toBe('010600000000000000')
    expect(byRecord.get(31)!.shape.wkb!.length / 2).toBeGreaterThan(3000 * 16)
  })

  it('lines as the line kinds read them', async () => {
    const geojson = path.join(dir, 'lines.geojson')
    const line = (i: number) => ellipse(500000 + 50 * i, 4000000, 10 + 40 * i, 20).slice(0, -1)
    await fs.writeFile(
      geojson,
      JSON.stringify({
        type: 'FeatureCollection',
        features: Array.from({ length: 12 }, (_, i) => ({
          type: 'Feature',
          properties: { KD: i / 3, MC: `农村道路${i}` },
          geometry: { type: 'LineString', coordinates: line(i) },
        })),
      }),
    )
    const gpkg = path.join(dir, 'lines.gpkg')
    ogr('-f', 'GPKG', gpkg, geojson, '-nln', 'XZDW', '-a_srs', 'EPSG:4548')
    const { gdal, direct } = await both(gpkg, 'XZDW', 'line')
    expect(gdal).toHaveLength(12)
    expect(direct).toEqual(gdal)
  })

  it('leaves to GDAL a layer with a DateTime field or curves; a damaged file is a SourceError naming the layer', async () => {
    const geojson = path.join(dir, 'dt.geojson')
    await fs.writeFile(
      geojson,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', properties: { T: '2024-05-06T10:11:12Z' }, geometry: { type: 'Polygon', coordinates: [ellipse(500000, 4000000, 20, 10)] } },
        ],
      }),
    )
    const dt = path.join(dir, 'dt.gpkg')
    ogr('-f', 'GPKG', dt, geojson, '-nln', 'DLTB', '-a_srs', 'EPSG:4548')
    expect((await both(dt, 'DLTB')).direct).toBeNull()
    const plain = path.join(dir, 'plain.geojson')
    await fs.writeFile(plain, (await fs.readFile(geojson, 'utf8')).replace('"T":"2024-05-06T10:11:12Z"', '"MC":"旱地"'))
    const curved = path.join(dir, 'curved.gpkg')
    ogr('-f', 'GPKG', curved, plain, '-nln', 'DLTB', '-a_srs', 'EPSG:4548', '-nlt', 'CURVEPOLYGON')
    const [curvedLayer] = (await listDatabase((await detectDatabase({ path: curved, name: 'c.gpkg' }))!, { native })).layers
    expect(curvedLayer!.fields.map((f) => f.type)).toEqual(['String'])
    expect((await both(curved, 'DLTB')).direct).toBeNull()
    // cut short: the listing (from the whole file) still says 3000 rows
    const shp = path.join(dir, 'survey3')
    const whole = path.join(dir, 'whole.gpkg')
    ogr('-f', 'GPKG', whole, path.join(shp, 'DLTB.shp'), '-nln', 'DLTB')
    const db = (await detectDatabase({ path: whole, name: '371502.gpkg' }))!
    const layer = (await listDatabase(db, { native })).layers.find((l) => l.name === 'DLTB')!
    const bytes = await fs.readFile(whole)
    await fs.writeFile(whole, bytes.subarray(0, Math.floor(bytes.length * 0.7)))
    // damaged where its schema lies: found as the layer is opened (elsewhere, as its rows are read)
    const err = await openGeoPackageLayer(db, layer, { family: 'polygon', maxVertices: 1e6 })
      .then((cut) => features(cut!))
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SourceError)
    expect(err).toMatchObject({
      message: expect.stringMatching(/layer DLTB of 371502\.gpkg cannot be read: .*damaged/),
      messageZh: expect.stringMatching(/图层 DLTB 无法读取/),
    })
  })
})
