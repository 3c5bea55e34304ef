// Zipped shapefile of a collection or query, as ArcGIS and CASS users expect it: .prj as ArcGIS
// writes it for CGCS2000 geographic or a Gauss-Kruger zone, .cpg, GBK (or UTF-8) text, field names
// within the dBASE limits, polygons with clockwise shells. Rows are read in pages, so memory stays flat.
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import iconv from 'iconv-lite'
import type { Knex } from 'knex'
import type { Scope } from '../domain/region.js'
import type { DbfValue } from '../formats/shapefile/dbf-values.js'
import { esriPrj } from '../formats/shapefile/prj-writer.js'
import { ShapefileWriter, type Parts, type WriterField } from '../formats/shapefile/writer.js'
import { zipFiles } from '../formats/zip-writer.js'
import type { Collection, Property } from '../ogc/collections.js'
import type { ExportEncoding, ItemsQuery } from '../ogc/params.js'
import { exportRows, type ExportGeometry } from '../ogc/queries.js'
import { dbfFieldNames, fitBytes, unencodable } from './field-names.js'

const pageSize = 2000

function dbfField(p: Property, name: string, textWidth: number): WriterField {
  switch (p.type) {
    case 'string':
      return { name, type: 'C', length: textWidth }
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

/** .cpg text: the Windows code page number ArcGIS writes for GBK (GDAL reads 437–950 as CP…), GB18030 and UTF-8 by name. */
export const cpgOf: Record<ExportEncoding, string> = { GBK: '936', GB18030: 'GB18030', 'UTF-8': 'UTF-8' }

const count0x3f = (b: Buffer) => b.reduce((n, x) => n + (x === 0x3f ? 1 : 0), 0)

/** What the text of an export needs: each text field's widest value in bytes, and the characters the encoding lacks. */
export interface TextSurvey {
  widths: number[]
  /** per property index: characters written as '?' */
  lost: Map<number, string[]>
}

/**
 * One pass over the attributes before writing: a dBASE text field is as wide as its widest value
 * (at least 1 byte, at most 254), so a 63-character name is no longer cut to the 80-byte default.
 */
export async function surveyText(knex: Knex, c: Collection, scope: Scope, q: ItemsQuery): Promise<TextSurvey> {
  const widths = q.properties.map(() => 1)
  const lost = new Map<number, string[]>()
  const text = q.properties.flatMap((p, i) => (p.type === 'string' ? [i] : []))
  if (text.length === 0) return { widths, lost }
  for await (const rows of pages(knex, c, scope, q, null)) {
    for (const r of rows) {
      for (const i of text) {
        const v = r.values[i]
        if (typeof v !== 'string' || v === '') continue
        const bytes = q.encoding === 'UTF-8' ? Buffer.from(v, 'utf8') : iconv.encode(v, q.encoding)
        widths[i] = Math.max(widths[i]!, Math.min(254, bytes.length))
        // A '?' the text did not have is a character GBK lacks.
        if (q.encoding === 'GBK' && count0x3f(bytes) > [...v].filter((ch) => ch === '?').length) {
          lost.set(i, [...(lost.get(i) ?? []), ...unencodable(v, q.encoding)])
        }
      }
    }
  }
  return { widths, lost }
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
export async function* pages(knex: Knex, c: Collection, scope: Scope, q: ItemsQuery, geometryAs: ExportGeometry) {
  const end = q.limitGiven ? q.offset + q.limit : Infinity
  for (let offset = q.offset; offset < end; offset += pageSize) {
    const rows = await exportRows(knex, c, scope, q, offset, Math.min(pageSize, end - offset), geometryAs)
    if (rows.length) yield rows
    if (rows.length < pageSize) return
  }
}

/** The zip's path, a cleanup function, and the characters the encoding could not hold (by field). */
export interface ShapefileExport {
  file: string
  cleanup: () => Promise<void>
  /** characters written as '?', counted over every value */
  unencodable: number
  note: string | null
}

/** A note in the zip naming what the encoding lost (Chinese first), or null when nothing was. */
function encodingNote(q: ItemsQuery, names: string[], lost: Map<number, string[]>): string | null {
  if (lost.size === 0) return null
  const lines = [...lost].map(([i, chars]) => `${names[i]} (${q.properties[i]!.name}): ${chars.length} — ${[...new Set(chars)].slice(0, 20).join(' ')}`)
  const total = [...lost.values()].reduce((n, chars) => n + chars.length, 0)
  return [
    `GBK 编码无法表示以下 ${total} 个字符，已写为“?”。请以 encoding=GB18030 或 encoding=UTF-8 重新导出以保留这些字符。`,
    `${total} characters are not in GBK and were written as '?'. Export again with encoding=GB18030 or encoding=UTF-8 to keep them.`,
    '',
    ...lines,
    '',
  ].join('\r\n')
}

/** Writes the zip; returns its path, a cleanup function and what the encoding lost. */
export async function shapefileZip(knex: Knex, c: Collection, scope: Scope, q: ItemsQuery): Promise<ShapefileExport> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lr-export-'))
  const cleanup = () => fs.rm(dir, { recursive: true, force: true })
  try {
    const names = dbfFieldNames(
      q.properties.map((p) => p.dbfName ?? p.titleZh),
      q.encoding,
    )
    const survey = await surveyText(knex, c, scope, q)
    const fields = q.properties.map((p, i) => dbfField(p, names[i]!, survey.widths[i]!))
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
      cpg: cpgOf[q.encoding],
      prj,
    })
    for await (const rows of pages(knex, c, scope, q, 'geojson')) {
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
    const note = encodingNote(q, names, survey.lost)
    if (note) {
      await fs.writeFile(`${base}.encoding.txt`, '\uFEFF' + note)
      members.push({ path: `${base}.encoding.txt`, name: `${c.id}.encoding.txt` })
    }
    await zipFiles(zip, members)
    return { file: zip, cleanup, unencodable: [...survey.lost.values()].reduce((n, chars) => n + chars.length, 0), note }
  } catch (err) {
    await cleanup()
    throw err
  }
}
