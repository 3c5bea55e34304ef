// A GeoPackage (OGC 12-128r18, version 1.4) of a collection or query in one download, built with
// sql.js (SQLite compiled to WebAssembly: no native module, docs/decisions.md): the layer's CRS in
// gpkg_spatial_ref_sys with PostGIS's WKT, geometries as GeoPackage binary (the GP header with the
// envelope, then ISO WKB), typed columns, and the Chinese titles as field aliases through the schema
// extension (gpkg_data_columns), which GDAL reads as alternative names and QGIS and ArcGIS show.
// The database lives in memory, so the number of features is bounded (GPKG_MAX_FEATURES).
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js'
import type { Knex } from 'knex'
import { activeDatasetIds } from '../db/read-model.js'
import type { Scope } from '../domain/region.js'
import { problem } from '../errors/index.js'
import type { Collection, Property } from '../ogc/collections.js'
import type { ItemsQuery } from '../ogc/params.js'
import { countMatched, type ExportRow } from '../ogc/queries.js'
import { pages } from './shapefile.js'

let sqlJs: Promise<SqlJsStatic> | undefined
const sqlite = () => (sqlJs ??= initSqlJs())

/** GeoPackage column type of a property (Table 1 of the standard). */
export function gpkgType(p: Pick<Property, 'type' | 'format'>): string {
  switch (p.type) {
    case 'integer':
      return 'INTEGER'
    case 'number':
      return 'REAL'
    case 'boolean':
      return 'BOOLEAN'
    case 'date':
      return 'DATE'
    case 'string':
      return p.format === 'date-time' ? 'DATETIME' : 'TEXT'
  }
}

/** The table (layer) name: the collection id with underscores, as ArcGIS wants table names. */
export const gpkgTableName = (c: Collection) => c.id.replace(/-/g, '_')

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

/** GeoPackage binary: 'GP', version 0, flags (little endian, envelope [minx, maxx, miny, maxy]), srs_id, envelope, WKB. */
export function gpkgGeometry(wkbHex: string, envelope: [number, number, number, number], srsId: number): Uint8Array {
  const wkb = Buffer.from(wkbHex, 'hex')
  const head = Buffer.alloc(8 + 32)
  head.write('GP', 0, 'latin1')
  head[2] = 0
  head[3] = 0b0000_0011 // bit 0: little endian; bits 1–3 = 1: envelope of 4 doubles
  head.writeInt32LE(srsId, 4)
  envelope.forEach((v, i) => head.writeDoubleLE(v, 8 + i * 8))
  return Buffer.concat([head, wkb])
}

interface Srs {
  id: number
  name: string
  wkt: string
}

/** The container: application id and version, the gpkg_* tables, the CRS rows and the schema extension. */
function createContainer(db: Database, srs: Srs) {
  db.run(`PRAGMA application_id = 1196444487`) // 'GPKG'
  db.run(`PRAGMA user_version = 10400`)
  db.run(`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
            organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`)
  const srsRow = db.prepare('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)')
  for (const row of [
    ['Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'],
    ['Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'],
    [
      'WGS 84 geodetic',
      4326,
      'EPSG',
      4326,
      'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
      'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid',
    ],
    ...(srs.id === 4326 ? [] : [[srs.name, srs.id, 'EPSG', srs.id, srs.wkt, null]]),
  ]) {
    srsRow.run(row)
  }
  srsRow.free()
  db.run(`CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
            last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
            srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`)
  db.run(`CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
            srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name))`)
  db.run(`CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
            scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))`)
  db.run(`CREATE TABLE gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT,
            mime_type TEXT, constraint_name TEXT, CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name))`)
  db.run(`CREATE TABLE gpkg_data_column_constraints (constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT, min NUMERIC,
            min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN, description TEXT, CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))`)
  const schemaExtension = 'http://www.geopackage.org/spec/#extension_schema'
  const ext = db.prepare('INSERT INTO gpkg_extensions VALUES (?, NULL, ?, ?, ?)')
  ext.run(['gpkg_data_columns', 'gpkg_schema', schemaExtension, 'read-write'])
  ext.run(['gpkg_data_column_constraints', 'gpkg_schema', schemaExtension, 'read-write'])
  ext.free()
}

/** One feature table: its columns, its row in gpkg_contents and gpkg_geometry_columns, and the Chinese aliases. */
function addLayer(db: Database, c: Collection, q: ItemsQuery, srs: Srs, idColumn: boolean) {
  const table = gpkgTableName(c)
  const columns = [
    'fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL',
    'geom ' + (c.geometryType === 'MultiPolygon' ? 'MULTIPOLYGON' : 'MULTILINESTRING'),
    ...(idColumn ? ['feature_id TEXT'] : []),
    ...q.properties.map((p) => `${quote(p.name)} ${gpkgType(p)}`),
  ]
  db.run(`CREATE TABLE ${quote(table)} (${columns.join(', ')})`)
  db.run('INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, ?, ?, ?, ?)', [
    table,
    'features',
    c.titleZh,
    c.description,
    srs.id,
  ])
  db.run('INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)', [table, 'geom', c.geometryType.toUpperCase(), srs.id])
  const alias = db.prepare('INSERT INTO gpkg_data_columns (table_name, column_name, name, title, description) VALUES (?, ?, ?, ?, ?)')
  if (idColumn) alias.run([table, 'feature_id', '要素标识', '要素标识', 'feature id in the OGC API'])
  for (const p of q.properties) alias.run([table, p.name, p.titleZh, p.titleZh, p.name])
  alias.free()
}

/** The CRS row of the output: its EPSG name and WKT as PostGIS knows them. */
async function outputSrs(knex: Knex, srid: number): Promise<Srs> {
  const { rows } = await knex.raw('SELECT srtext FROM spatial_ref_sys WHERE srid = ?', [srid])
  const wkt = (rows[0]?.srtext as string | undefined) ?? ''
  const name = /^[A-Z]+CS\["([^"]+)"/.exec(wkt)?.[1] ?? `EPSG:${srid}`
  return { id: srid, name, wkt: wkt || 'undefined' }
}

const sqliteValue = (p: Property, v: unknown): string | number | null => {
  if (v === null || v === undefined) return null
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'number' || typeof v === 'string') return v
  return String(v)
}

/** One layer of a GeoPackage: a collection, the region it is read in and the query selecting its rows. */
export interface GpkgLayer {
  collection: Collection
  scope: Scope
  query: ItemsQuery
}

/** How many features a GeoPackage may hold in all, and the refusal beyond (given the count, or `> max` while writing). */
export interface GpkgCap {
  maxFeatures: number
  tooLarge: (n: number | string) => Error
}

/** The rows of one layer into its table; answers how many were written, refused once the running total passes the cap. */
async function fillLayer(db: Database, knex: Knex, layer: GpkgLayer, srs: Srs, o: GpkgCap & { written: number }): Promise<number> {
  const { collection: c, scope, query: q } = layer
  const idColumn = c.idType === 'string'
  addLayer(db, c, q, srs, idColumn)
  const table = gpkgTableName(c)
  const names = ['fid', 'geom', ...(idColumn ? ['feature_id'] : []), ...q.properties.map((p) => p.name)]
  const insert = db.prepare(`INSERT INTO ${quote(table)} (${names.map(quote).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`)
  const box = [Infinity, Infinity, -Infinity, -Infinity]
  let count = 0
  try {
    for await (const rows of pages(knex, c, scope, q, 'wkb')) {
      count += rows.length
      if (o.written + count > o.maxFeatures) throw o.tooLarge(`> ${o.maxFeatures}`)
      for (const r of rows as ExportRow[]) {
        const env = r.envelope ?? null
        if (env) {
          box[0] = Math.min(box[0]!, env[0])
          box[1] = Math.min(box[1]!, env[2])
          box[2] = Math.max(box[2]!, env[1])
          box[3] = Math.max(box[3]!, env[3])
        }
        const geometry = r.wkb && env ? gpkgGeometry(r.wkb, env, srs.id) : null
        const fid = idColumn ? null : Number(r.id)
        insert.run([fid, geometry, ...(idColumn ? [String(r.id)] : []), ...q.properties.map((p, i) => sqliteValue(p, r.values[i]))])
      }
    }
  } finally {
    insert.free()
  }
  if (count > 0) db.run('UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?', [...box, table])
  return count
}

/**
 * One GeoPackage of one or several layers (a table each, one output CRS), as bytes. Refused with
 * `tooLarge` once more than `maxFeatures` rows are written in all: callers count first, this is
 * the bound when a count was an estimate or changed meanwhile.
 */
export async function writeGeopackage(knex: Knex, layers: GpkgLayer[], srid: number, cap: GpkgCap): Promise<Uint8Array> {
  const SQL = await sqlite()
  const db = new SQL.Database()
  try {
    const srs = await outputSrs(knex, srid)
    createContainer(db, srs)
    let written = 0
    db.run('BEGIN')
    for (const layer of layers) written += await fillLayer(db, knex, layer, srs, { ...cap, written })
    db.run('COMMIT')
    return db.export()
  } finally {
    db.close()
  }
}

/**
 * The GeoPackage of a query (every match unless the client gave a limit), as bytes. Refused with
 * 413 above `maxFeatures`: counted first, and counted again while writing (the count beyond
 * 100 000 is an estimate).
 */
export async function geopackage(knex: Knex, c: Collection, scope: Scope, q: ItemsQuery, maxFeatures: number): Promise<Uint8Array> {
  const tooLarge = (n: number | string) =>
    problem('LR_EXPORT_TOO_LARGE', `the GeoPackage would hold ${n} features, more than the limit of ${maxFeatures}; filter by county, bbox or filter`, {
      detailZh: `GeoPackage 下载将包含 ${n} 个要素，超过上限 ${maxFeatures} 个：请按行政区、范围（bbox）或条件（filter）缩小后再下载`,
      limit: maxFeatures,
    })
  // The layer versions read once, so every page (and the count) reads the same ones.
  if (c.layer && !q.datasets) q = { ...q, datasets: await activeDatasetIds(knex, c.layer, scope) }
  if (!q.limitGiven || q.limit > maxFeatures) {
    const matched = await countMatched(knex, c, scope, q)
    const wanted = q.limitGiven ? Math.min(q.limit, matched.count - q.offset) : matched.count - q.offset
    if (matched.exact && wanted > maxFeatures) throw tooLarge(wanted)
  }
  return writeGeopackage(knex, [{ collection: c, scope, query: q }], q.crs.srid, { maxFeatures, tooLarge })
}
