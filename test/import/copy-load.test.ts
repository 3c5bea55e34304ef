// Shapes projected in Node and loaded by binary COPY (src/import/copy-batch.ts; on the embedded
// database, projected in Node and inserted) store what the INSERT from the source CRS stores: the same
// file imported both ways gives the same rows, column for column, the same attributes, and shapes
// whose points differ by no more than PROJ and Node's libm differ (2 units in the last place), so
// whose Gauss-Kruger areas differ by no more than such a shift of every edge (3.2 nm times the
// perimeter). Not compared: ST_Area on the ellipsoid, whose own rounding (2e-7 m² on a 1 000 m²
// rectangle moved by 1 nm, measured) is larger than what it would compare;
// shapes PostGIS must check (holes, a bowtie) still go by INSERT and are repaired as before.
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { layerKind, type LayerKind } from '../../src/catalogue/layer-kinds.js'
import { copyStats } from '../../src/import/copy-batch.js'
import { runImport } from '../../src/import/run.js'
import { generateCounty } from '../../src/testdata/generate.js'
import { buildTestApp, resetData, type TestApp } from '../helpers/app.js'
import { prj4527, rect, shapefileZip, surveyFields, tempDir } from '../helpers/shapefiles.js'

let t: TestApp
let dir: string

beforeAll(async () => {
  t = await buildTestApp()
  dir = await tempDir()
})
afterAll(async () => {
  await t.close()
  await fs.rm(dir, { recursive: true, force: true })
})
beforeEach(() => resetData(t.knex))

async function importAs(loader: 'copy' | 'insert', kind: LayerKind, zip: string) {
  const before = { ...copyStats }
  const report = await runImport(
    { knex: t.knex, limits: { loader, batchSize: 100 } },
    {
      kind,
      county: '371502',
      mode: 'replace',
      onInvalid: 'fail',
      file: { path: zip, name: path.basename(zip), sha256: `${loader}-${kind.key}-${path.basename(zip)}` },
      importedBy: 'test',
      jobId: null,
    },
  )
  return { report, copied: copyStats.rows - before.rows, projected: copyStats.projected - before.projected }
}

/** Differences between two versions of a layer, row by row on the source record. */
async function compare(kind: LayerKind, a: number, b: number) {
  const { rows } = await t.knex.raw(
    `SELECT count(*)::int AS rows,
            count(*) FILTER (WHERE y.id IS NULL)::int AS missing,
            count(*) FILTER (WHERE (to_jsonb(x) - 'id' - 'dataset_id' - 'geom') IS DISTINCT FROM (to_jsonb(y) - 'id' - 'dataset_id' - 'geom'))::int AS "otherColumns",
            count(*) FILTER (WHERE (x.geom IS NULL) <> (y.geom IS NULL) OR GeometryType(x.geom) <> GeometryType(y.geom)
                                OR ST_NPoints(x.geom) <> ST_NPoints(y.geom) OR ST_SRID(y.geom) <> 4490)::int AS "otherShapes",
            coalesce(max(ST_HausdorffDistance(x.geom, y.geom)), 0) AS "maxDegrees",
            count(*) FILTER (WHERE abs(ST_Area(ST_Transform(x.geom, 4548)) - ST_Area(ST_Transform(y.geom, 4548))) > ST_Perimeter(ST_Transform(x.geom, 4548)) * 3.2e-9)::int AS "otherAreas"
       FROM "${kind.table}" x LEFT JOIN "${kind.table}" y ON y.dataset_id = ? AND y.source_record = x.source_record
      WHERE x.dataset_id = ?`,
    [b, a],
  )
  return rows[0]
}

const datasetOf = async (kind: LayerKind) =>
  (await t.knex('datasets').where({ layer: kind.key, xzqdm: '371502' }).orderBy('version').select('id')).map((r: { id: number }) => r.id)

describe('loading by binary COPY', () => {
  it('stores every layer of a generated county as the INSERT path does', async () => {
    const layers = await generateCounty({ outDir: path.join(dir, 'county'), patches: 250 })
    let copiedRows = 0
    let projectedRows = 0
    for (const { layer, zip, count } of layers) {
      const kind = layerKind(layer === 'survey2-lines' ? 'survey2-lines' : layer)!
      await resetData(t.knex)
      const inserted = await importAs('insert', kind, zip)
      const copied = await importAs('copy', kind, zip)
      expect([inserted.copied, inserted.projected], layer).toEqual([0, 0])
      projectedRows += copied.projected
      copiedRows += copied.copied
      expect(copied.report.counts, layer).toEqual(inserted.report.counts)
      const [a, b] = await datasetOf(kind)
      const d = await compare(kind, a!, b!)
      expect({ layer, ...d, maxDegrees: d.maxDegrees <= 1e-13 }).toEqual({
        layer,
        rows: count,
        missing: 0,
        otherColumns: 0,
        otherShapes: 0,
        otherAreas: 0,
        maxDegrees: true,
      })
    }
    // the polygons proven valid in Node were projected there (the others, and lines, which are not
    // proven, went from the source CRS: the next test shows which), and copied, on the embedded
    // database too (its wire server's COPY FROM STDIN)
    expect(projectedRows).toBeGreaterThan(100)
    expect(copiedRows).toBe(projectedRows)
  })

  it('sends shapes PostGIS must check by INSERT in the same version: dense oblique rings by COPY, holes and a bowtie repaired as before', async () => {
    // A zone-numbered grid (EPSG:4527), a 1 500-vertex ellipse tilted 37°, a parcel with a hole, a bowtie and a null shape.
    const ellipse: number[][] = []
    for (let k = 0; k < 1500; k++) {
      const a = (-2 * Math.PI * k) / 1500 // clockwise, as shapefile shells are
      const [u, v] = [800 * Math.cos(a), 300 * Math.sin(a)]
      const r = (37 * Math.PI) / 180
      ellipse.push([39_410_000 + u * Math.cos(r) - v * Math.sin(r), 4_030_000 + u * Math.sin(r) + v * Math.cos(r)])
    }
    ellipse.push(ellipse[0]!)
    const hole = [...rect(39_412_100, 4_031_100, 39_412_200, 4_031_200)].reverse()
    const zip = await shapefileZip(dir, 'mixed', {
      prj: prj4527,
      fields: surveyFields,
      features: [
        { parts: [ellipse], values: { BSM: 1, DLBM: '0601', DLMC: '工业用地', TBMJ: 1 } },
        { parts: [rect(39_412_000, 4_031_000, 39_412_300, 4_031_300), hole], values: { BSM: 2, DLBM: '0702', DLMC: '农村宅基地', TBMJ: 2 } },
        {
          parts: [
            [
              [39_413_000, 4_032_000],
              [39_413_100, 4_032_100],
              [39_413_100, 4_032_000],
              [39_413_000, 4_032_100],
              [39_413_000, 4_032_000],
            ],
          ],
          values: { BSM: 3, DLBM: '0101', DLMC: '水田', TBMJ: 3 },
        },
        { parts: null, values: { BSM: 4, DLBM: '1001', DLMC: '铁路用地', TBMJ: 4 } },
        { parts: [rect(39_414_000, 4_033_000, 39_414_050, 4_033_020)], values: { BSM: 5, DLBM: '0603', DLMC: '采矿用地', TBMJ: 5 } },
      ],
    })
    const kind = layerKind('survey3')!
    const inserted = await importAs('insert', kind, zip)
    const copied = await importAs('copy', kind, zip)
    // the ellipse, the rectangle and the null shape projected in Node and copied; the
    // holed parcel and the bowtie inserted from the grid, checked and repaired by PostGIS
    expect(copied.projected).toBe(3)
    expect(copied.copied).toBe(3)
    expect(copied.report.counts).toEqual(inserted.report.counts)
    expect(copied.report.counts).toMatchObject({ stored: 5, repaired: 1, nullShapes: 1 })
    expect(copied.report.warnings.map((w) => w.messageZh)).toEqual(inserted.report.warnings.map((w) => w.messageZh))
    const [a, b] = await datasetOf(kind)
    const d = await compare(kind, a!, b!)
    expect(d).toMatchObject({ rows: 5, missing: 0, otherColumns: 0, otherShapes: 0, otherAreas: 0 })
    expect(d.maxDegrees).toBeLessThanOrEqual(1e-13)
  })
})
