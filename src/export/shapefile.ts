// Zipped shapefile of a collection or query, as ArcGIS and CASS users expect it: .prj as ArcGIS
// writes it for CGCS2000 geographic or a Gauss-Kruger zone, .cpg, GBK (or UTF-8) text, field names
// within the dBASE limits, polygons with clockwise shells. Rows are read in pages, so memory stays flat.
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Knex } from 'knex'
import type { Scope } from '../domain/region.js'
import type { DbfValue } from '../formats/shapefile/dbf-values.js'
import { esriPrj } from '../formats/shapefile/prj-writer.js'
import { ShapefileWriter, type Parts, type WriterField } from '../formats/shapefile/writer.js'
import { zipFiles } from '../formats/zip-writer.js'
import type { Collection, Property } from '../ogc/collections.js'
import type { ItemsQuery } from '../ogc/params.js'
import { exportRows } from '../ogc/queries.js'
import { dbfFieldNames, fitBytes } from './field-names.js'

const pageSize = 2000

function dbfField(p: Property, name: string): WriterField {
  switch (p.type) {
    case 'string':
      return { name, type: 'C', length: Math.min(254, p.width ?? 80) }
    case 'number':
      return { name, type: 'N', length: 19, decimals: 6 }
    case 'integer':
      return { name, type: 'N', length: 18, decimals: 0 }
    case 'boolean':
      return { name, type: 'L', length: 1 }
    case 'date':
      return { name, type: 'D', length: 8 }
  }
}

/** GeoJSON MultiPolygon / MultiLineString coordinates → shapefile parts (every ring or line). */
function parts(geometry: { type: string; coordinates: number[][][] | number[][][][] } | null): Parts {
  if (!geometry) return null
  if (geometry.type === 'MultiPolygon') return (geometry.coordinates as number[][][][]).flat()
  if (geometry.type === 'Polygon' || geometry.type === 'MultiLineString') return geometry.coordinates as number[][][]
  if (geometry.type === 'LineString') return [geometry.coordinates as unknown as number[][]]
  return null
}

/** Every page of a query, in order (offset paging over the collection's stable order). */
export async function* pages(knex: Knex, c: Collection, scope: Scope, q: ItemsQuery, withGeometry: boolean) {
  const end = q.limitGiven ? q.offset + q.limit : Infinity
  for (let offset = q.offset; offset < end; offset += pageSize) {
    const rows = await exportRows(knex, c, scope, q, offset, Math.min(pageSize, end - offset), withGeometry)
    if (rows.length) yield rows
    if (rows.length < pageSize) return
  }
}

/** Writes the zip; returns its path and a cleanup function. */
export async function shapefileZip(knex: Knex, c: Collection, scope: Scope, q: ItemsQuery): Promise<{ file: string; cleanup: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lr-export-'))
  const cleanup = () => fs.rm(dir, { recursive: true, force: true })
  try {
    const names = dbfFieldNames(
      q.properties.map((p) => p.dbfName ?? p.titleZh),
      q.encoding,
    )
    const fields = q.properties.map((p, i) => dbfField(p, names[i]!))
    const base = path.join(dir, c.id)
    const prj = q.crs.geographic
      ? esriPrj({ datum: 'CGCS2000' })
      : esriPrj({ datum: 'CGCS2000', centralMeridian: q.crs.centralMeridian!, falseEasting: q.crs.falseEasting! })
    const writer = await ShapefileWriter.create({
      basePath: base,
      shapeType: c.geometryType === 'MultiPolygon' ? 5 : 3,
      fields,
      encoding: q.encoding,
      languageDriver: q.encoding === 'GBK' ? 0x4d : 0,
      cpg: q.encoding,
      prj,
    })
    for await (const rows of pages(knex, c, scope, q, true)) {
      for (const r of rows) {
        const values: Record<string, DbfValue> = {}
        q.properties.forEach((p, i) => {
          const v = r.values[i]
          const field = fields[i]!
          // Text is cut at a character boundary, never mid-character as a plain byte cut would.
          values[field.name] = typeof v === 'string' && p.type === 'string' ? fitBytes(v, q.encoding, field.length) : (v as DbfValue)
        })
        await writer.write(parts(r.geometry), values)
      }
    }
    await writer.close()
    const zip = path.join(dir, `${c.id}.zip`)
    const members = ['shp', 'shx', 'dbf', 'prj', 'cpg'].map((ext) => ({ path: `${base}.${ext}`, name: `${c.id}.${ext}` }))
    await zipFiles(zip, members)
    return { file: zip, cleanup }
  } catch (err) {
    await cleanup()
    throw err
  }
}
