// A GeoPackage layer's rows read from the file itself (src/formats/sqlite/file.ts), not through
// GDAL: a GeoPackage is an SQLite table of attribute columns and a geometry column holding standard
// WKB behind a short header, so the rows need no translation, and GDAL's CPU (ogr2ogr or gdal3.js
// beside the loader and PostgreSQL on two cores) is saved. The listing (layers, fields, aliases,
// CRS, counts) is still GDAL's (./database-source.ts): this reader returns the same values GDAL's
// COPY rows give, for the layers whose shape it knows (2D polygon or line types, fields of the
// types below, a rowid table); for any other it returns null and GDAL reads the layer, as before.
// Why, and what was measured: docs/decisions.md (issue 24).
import type { DbfValue } from '../formats/shapefile/dbf-values.js'
import type { Bbox } from '../crs/resolve.js'
import { geojsonToWkb } from '../formats/geojson/to-wkb.js'
import { tableColumns } from '../formats/sqlite/create-table.js'
import { readSchema, SqliteFile, SqliteFormatError, type SqliteRow, type SqlValue } from '../formats/sqlite/file.js'
import { WkbBatch } from '../formats/wkb-batch.js'
import type { DatabaseField, DatabaseLayer } from './database-layers.js'
import { checkCount, layerBbox, reexportZh, type DatabaseUpload } from './database-source.js'
import { checkedWkb, ewkbToGeometry, provenOneRingPolygon } from './gdal/copy-rows.js'
import { SourceError } from './shapefile-source.js'
import { checkedShape, type FeatureSource, type SourceBatch, type SourceFeature } from './source.js'

/** Field types read here as GDAL gives them; a layer with any other (DateTime, Binary) is read by GDAL. */
const readTypes = new Set(['String', 'Integer', 'Integer64', 'Real', 'Date'])
const geometryTypes = { polygon: new Set(['POLYGON', 'MULTIPOLYGON']), line: new Set(['LINESTRING', 'MULTILINESTRING']) }
/** the WKB of MULTIPOLYGON EMPTY / MULTILINESTRING EMPTY, as GDAL's output has it for an empty geometry */
const emptyMulti = { polygon: Buffer.from('010600000000000000', 'hex'), line: Buffer.from('010500000000000000', 'hex') }
/** the bytes of a GeoPackage geometry header's envelope, by its indicator (bits 1–3 of the flags) */
const envelopeBytes = [0, 32, 48, 48, 64]

const notBlob = {
  kind: 'rejected',
  message: 'the geometry column holds a number or text, not a geometry blob',
  messageZh: '几何字段中是数字或文本而不是几何数据：请在 GIS 软件中修复后重新导出',
} as const

/** A value of the record as GDAL's COPY rows give it for the field (./database-source.ts valueOf). */
function valueOf(v: SqlValue | undefined, f: DatabaseField): DbfValue {
  if (v === null || v === undefined) return null
  if (Buffer.isBuffer(v)) return v.toString('utf8')
  if (f.subType === 'Boolean') return typeof v === 'number' ? v !== 0 : v === 't' || v === '1' || v === 'true'
  if (f.type === 'Date') return typeof v === 'string' ? v.replace(/^(\d{4})-(\d{2})-(\d{2})$/, '$1/$2/$3') : String(v)
  if (f.type === 'String') return typeof v === 'number' ? String(v) : v
  if (typeof v === 'number') return v
  const n = Number(v)
  return v.trim() !== '' && Number.isFinite(n) ? n : v
}

/**
 * A GeoPackage geometry (header, then WKB) as the loader's plain little-endian WKB of the layer's
 * multi type: GDAL's promotion (a polygon becomes a one-part multipolygon) and its checks (bytes
 * checked where they lie, ./gdal/copy-rows.ts); anything else through the GeoJSON path's words.
 */
function shapeOf(blob: Buffer, family: 'polygon' | 'line', maxVertices: number, wkb: WkbBatch): SourceFeature['shape'] {
  const flags = blob[3] ?? 0
  const envelope = envelopeBytes[(flags >> 1) & 7]
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50 || envelope === undefined || flags & 0x20)
    return {
      kind: 'rejected',
      message: 'the geometry is not a GeoPackage geometry blob (no "GP" header, or an extended type)',
      messageZh: '几何不是 GeoPackage 标准几何（缺少“GP”头或为扩展类型）：请在 GIS 软件中修复后重新导出',
    }
  if (flags & 0x10) {
    const empty = emptyMulti[family]
    return { kind: 'shape', wkbAt: wkb.append(empty), wkbLength: empty.length, reorganized: false, proven: false }
  }
  let w = blob.subarray(8 + envelope)
  const single = family === 'polygon' ? 3 : 2
  if (w.length >= 5 && w[0] === 1 && w.readUInt32LE(1) === single) {
    const multi = Buffer.allocUnsafe(9 + w.length)
    multi[0] = 1
    multi.writeUInt32LE(single + 3, 1)
    multi.writeUInt32LE(1, 5)
    w.copy(multi, 9)
    w = multi
  }
  const fast = checkedWkb(w, family, maxVertices)
  if (fast) {
    const proven = family === 'polygon' && provenOneRingPolygon(fast)
    return { kind: 'shape', wkbAt: wkb.append(fast), wkbLength: fast.length, reorganized: false, proven }
  }
  return checkedShape(geojsonToWkb(ewkbToGeometry(blob.subarray(8 + envelope)), family, maxVertices), wkb)
}

/** Who reads a GeoPackage layer's rows (GPKG_READER): the service from the file itself where it can, or GDAL. */
export type GpkgReaderMode = 'direct' | 'gdal'

/**
 * The rows of a survey database's layer read directly, or null when GDAL reads them: the database
 * is not a GeoPackage, `mode` is gdal, or the layer is of a shape this reader leaves to GDAL.
 */
export function directLayer(
  db: DatabaseUpload,
  layer: DatabaseLayer,
  opts: { family: 'polygon' | 'line'; maxVertices: number },
  mode: GpkgReaderMode = 'direct',
): Promise<FeatureSource | null> {
  return db.format === 'gpkg' && mode === 'direct' ? openGeoPackageLayer(db, layer, opts) : Promise.resolve(null)
}

/**
 * The layer's rows straight from the GeoPackage, or null when this reader does not read the layer
 * (GDAL then does). Throws SourceError when the file is damaged where it was read.
 */
export async function openGeoPackageLayer(
  file: { path: string; name: string },
  layer: DatabaseLayer,
  opts: { family: 'polygon' | 'line'; maxVertices: number },
): Promise<FeatureSource | null> {
  if (!layer.fields.every((f) => readTypes.has(f.type))) return null
  let db: SqliteFile | null = null
  try {
    db = await SqliteFile.open(file.path)
    if (!db) return null
    const schema = await readSchema(db)
    const table = (name: string) => schema.find((e) => e.type === 'table' && e.name.toLowerCase() === name.toLowerCase())
    const features = table(layer.name)
    const geometryColumns = table('gpkg_geometry_columns')
    if (!features?.sql || !geometryColumns?.sql || !layer.geometryName) return db.close().then(() => null)
    // the layer's geometry type and dimensions as the GeoPackage declares them
    const gcCols = tableColumns(geometryColumns.sql)?.map((c) => c.name.toLowerCase()) ?? []
    const [tn, cn, gt, z, m] = ['table_name', 'column_name', 'geometry_type_name', 'z', 'm'].map((c) => gcCols.indexOf(c))
    let declared: SqlValue[] | null = null
    for await (const rows of db.leaves(geometryColumns.rootPage))
      for (const r of rows) if (String(r.values[tn!]).toLowerCase() === layer.name.toLowerCase()) declared = r.values
    const columns = tableColumns(features.sql)
    if (
      !declared ||
      !columns ||
      !geometryTypes[opts.family].has(String(declared[gt!]).toUpperCase()) ||
      String(declared[cn!]).toLowerCase() !== layer.geometryName.toLowerCase() ||
      declared[z!] !== 0 ||
      declared[m!] !== 0
    )
      return db.close().then(() => null)
    const at = (name: string) => {
      const i = columns.findIndex((c) => c.name === name)
      return i >= 0 ? i : columns.findIndex((c) => c.name.toLowerCase() === name.toLowerCase())
    }
    const fieldAt = layer.fields.map((f) => at(f.name))
    const geometryAt = at(layer.geometryName)
    // every field found, none read that a short (older) record would have to take a DEFAULT for, the rowid named
    const read = [...fieldAt, geometryAt]
    if (read.some((i) => i < 0 || columns[i]!.rowid || columns[i]!.hasDefault) || !columns.some((c) => c.rowid)) return db.close().then(() => null)
    const source = new GeoPackageRows(file.name, db, features.rootPage, layer, fieldAt, geometryAt, opts)
    db = null
    return source
  } catch (err) {
    await db?.close()
    if (err instanceof SqliteFormatError) throw damaged(file.name, layer.name, err.message)
    throw err
  }
}

const damaged = (file: string, layer: string, why: string) =>
  new SourceError(
    `layer ${layer} of ${file} cannot be read: ${why}; the GeoPackage is damaged or incomplete`,
    `${file} 的图层 ${layer} 无法读取（${why}）：GeoPackage 文件已损坏或不完整。${reexportZh}`,
  )

class GeoPackageRows implements FeatureSource {
  readonly fieldNames: string[]
  readonly total: number
  readonly bbox: Bbox | null
  private read = 0
  private readonly leaves: AsyncGenerator<SqliteRow[]>
  private rows: SqliteRow[] = []
  private next_ = 0

  readonly fileName: string

  constructor(
    private readonly file: string,
    private readonly db: SqliteFile,
    root: number,
    private readonly layer: DatabaseLayer,
    private readonly fieldAt: number[],
    private readonly geometryAt: number,
    private readonly opts: { family: 'polygon' | 'line'; maxVertices: number },
  ) {
    this.fileName = `${file}:${layer.name}`
    this.fieldNames = layer.fields.map((f) => f.name)
    this.total = layer.featureCount
    this.bbox = layerBbox(layer)
    this.leaves = db.leaves(root, geometryAt)
  }

  async next(max: number): Promise<SourceBatch> {
    const out: SourceFeature[] = []
    const wkb = new WkbBatch(256 << 10)
    const { fields } = this.layer
    try {
      while (out.length < max) {
        if (this.next_ >= this.rows.length) {
          const r = await this.leaves.next()
          if (r.done) break
          this.rows = r.value
          this.next_ = 0
          continue
        }
        const { rowid, values } = this.rows[this.next_++]!
        this.read++
        const geometry = values[this.geometryAt]
        out.push({
          record: rowid,
          shape:
            geometry === null || geometry === undefined
              ? { kind: 'null' }
              : Buffer.isBuffer(geometry)
                ? shapeOf(geometry, this.opts.family, this.opts.maxVertices, wkb)
                : notBlob,
          values: fields.map((f, i) => valueOf(values[this.fieldAt[i]!], f)),
          issues: [],
          deleted: false,
        })
      }
    } catch (err) {
      if (err instanceof SqliteFormatError) throw damaged(this.file, this.layer.name, err.message)
      throw err
    }
    if (out.length === 0) checkCount(this.layer, this.read)
    return { features: out, wkb: wkb.take() }
  }

  async close(): Promise<void> {
    await this.leaves.return(undefined)
    await this.db.close()
  }
}
