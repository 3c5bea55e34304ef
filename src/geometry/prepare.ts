// Turns a user's GeoJSON area geometry into a valid MultiPolygon in EPSG:4490, saying what was repaired.
import type { Knex } from 'knex'
import { outsideChina } from '../domain/extent.js'
import { problem } from '../errors/index.js'
import { geometryErrors } from './geojson-check.js'

export interface PreparedGeometry {
  /** hex EWKB, SRID 4490 */
  ewkb: string
  repairs: string[]
}

// Validity is judged in the CRS the boundary was drawn in, then it is transformed to EPSG:4490.
const prepareSql = `
WITH src AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(?), ?::int) AS g),
checked AS (
  SELECT g, ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason,
         ST_Transform(ST_Multi(ST_CollectionExtract(ST_MakeValid(g, 'method=structure'), 3)), 4490) AS fixed
  FROM src)
SELECT valid, reason, ST_IsEmpty(fixed) AS empty, encode(ST_AsEWKB(fixed), 'hex') AS ewkb,
       ST_XMin(fixed) AS "minX", ST_YMin(fixed) AS "minY", ST_XMax(fixed) AS "maxX", ST_YMax(fixed) AS "maxY"
FROM checked`

export async function prepareAreaGeometry(knex: Knex, geometry: unknown, srid = 4490): Promise<PreparedGeometry> {
  // Checked first so an unknown code is the client's error, named, and not PostGIS's text.
  const known = await knex('spatial_ref_sys').first('srid').where({ srid })
  if (!known)
    throw problem('LR_BAD_REQUEST', `srid ${srid} is not a coordinate system known to the service (EPSG code expected, e.g. 4490 or 4548)`, {
      detailZh: `srid ${srid} 不是已知的坐标系代码`,
      errors: [{ field: 'srid', message: 'unknown EPSG code' }],
    })
  // The request schema checks types and ring sizes; GeoJSON rules it cannot express (closed rings)
  // are checked here, so the user reads which ring is wrong instead of a database error.
  const errors = geometryErrors(geometry)
  if (errors.length) {
    throw problem('LR_VALIDATION', `geometry is not valid GeoJSON: ${errors.join('; ')}`, {
      detailZh: '几何不是有效的 GeoJSON（环须首尾闭合且至少 4 个坐标）',
      errors: errors.map((message) => ({ path: '/geometry', message })),
    })
  }
  let row: { valid: boolean; reason: string; empty: boolean; ewkb: string; minX: number; minY: number; maxX: number; maxY: number }
  try {
    const result = await knex.raw(prepareSql, [JSON.stringify(geometry), srid])
    row = result.rows[0]
  } catch {
    // PostGIS's own message names its internals; the client needs to know which field is wrong.
    throw problem(
      'LR_UNPROCESSABLE',
      `geometry is not a GeoJSON polygon that can be placed in EPSG:${srid} (malformed coordinates, or outside the coordinate system's domain)`,
      {
        detailZh: '几何不是有效的 GeoJSON，或坐标超出该坐标系的适用范围',
        errors: [{ field: 'geometry', message: 'not a valid GeoJSON geometry in this coordinate system' }],
      },
    )
  }
  if (row.empty) {
    throw problem('LR_UNPROCESSABLE', `geometry has no area after repair (${row.reason})`, { detailZh: '几何修复后面积为零' })
  }
  if (outsideChina(row)) {
    throw problem(
      'LR_UNPROCESSABLE',
      `geometry extent ${row.minX.toFixed(3)},${row.minY.toFixed(3)},${row.maxX.toFixed(3)},${row.maxY.toFixed(3)} lies outside China (73–136°E, 3–54°N): ` +
        'coordinates must be longitude/latitude in CGCS2000; projected (Gauss-Kruger) or swapped lat/lon coordinates are the usual cause',
      { detailZh: '坐标超出中国范围，可能是坐标系错误（应为 CGCS2000 经纬度）' },
    )
  }
  return { ewkb: row.ewkb, repairs: row.valid ? [] : [row.reason] }
}
