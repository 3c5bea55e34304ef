// SQL of vector tiles. Storage is EPSG:4490 lon/lat; ST_Transform(…, 3857) works from 4490 on both
// PostGIS 3.3 (Debian) and PGlite's 3.6, so no relabelling to 4326 is needed. Features are
// simplified to one tile pixel per zoom before clipping. Where PostGIS has protobuf support the
// tile is ST_AsMVT; otherwise (PGlite) PostGIS clips, simplifies and snaps to the tile grid and
// src/tiles/mvt.ts encodes.
import type { Knex } from 'knex'
import type { Scope } from '../domain/region.js'
import type { Collection } from '../ogc/collections.js'
import { CRS84, crsByUri } from '../ogc/crs.js'
import { fromWhere, type Selection } from '../ogc/queries.js'
import { tileLimitOf, type TileCaps } from './limits.js'
import { encodeTile, type TileFeature } from './mvt.js'

export const extent = 4096
const buffer = 64
const half = 20037508.342789244
const R = 6378137

export interface TileAddress {
  z: number
  x: number
  y: number
}

/** Web Mercator bounds of a tile, and the lon/lat box (with the buffer) to select features. */
export function tileBounds({ z, x, y }: TileAddress) {
  const size = (2 * half) / 2 ** z
  const xmin = -half + x * size
  const ymax = half - y * size
  const margin = (size * buffer) / extent
  const lon = (m: number) => ((m / R) * 180) / Math.PI
  const lat = (m: number) => (Math.atan(Math.sinh(Math.max(-half, Math.min(half, m)) / R)) * 180) / Math.PI
  const lonLat: [number, number, number, number] = [lon(xmin - margin), lat(ymax - size - margin), lon(xmin + size + margin), lat(ymax + margin)]
  return { size, xmin, ymax, lonLat }
}

const mvtSupport = new WeakMap<Knex, boolean>()

/** Whether this PostGIS can build tiles itself (asked once per database). */
export async function hasAsMvt(knex: Knex): Promise<boolean> {
  let ok = mvtSupport.get(knex)
  if (ok === undefined) {
    ok = await knex
      .raw(`SELECT ST_AsMVT(t) FROM (SELECT 1 AS a, ST_AsMVTGeom(ST_MakeEnvelope(0, 0, 1, 1, 3857), ST_MakeEnvelope(0, 0, 2, 2, 3857)) AS geom) t`)
      .then(
        () => true,
        () => false,
      )
    mvtSupport.set(knex, ok)
  }
  return ok
}

/** The largest features first, then the collection's order: which ones a capped tile keeps, the same every time. */
function capSql(c: Collection): string {
  const size = c.geometryType === 'MultiPolygon' ? 'ST_Area(f.geom)' : 'ST_Length(f.geom)'
  return `ORDER BY ${size} DESC, ${c.orderBy} LIMIT ?`
}

function selection(address: TileAddress): Selection {
  return { bbox: { coords: tileBounds(address).lonLat, crs: crsByUri(CRS84)! }, filters: [] }
}

/** The tile with ST_AsMVT / ST_AsMVTGeom. */
export async function tileWithPostgis(knex: Knex, c: Collection, scope: Scope, address: TileAddress, caps: TileCaps): Promise<Buffer> {
  const { size } = tileBounds(address)
  const fw = await fromWhere(knex, c, scope, selection(address))
  const limit = tileLimitOf(c.id, caps)
  const props = c.properties.map((p) => `${p.sql} AS "${p.name}"`).join(', ')
  const id = c.idType === 'integer' ? `, ${c.idSql} AS mvt_id` : ''
  const { rows } = await knex.raw(
    `SELECT ST_AsMVT(t, ?, ${extent}, 'geom'${c.idType === 'integer' ? `, 'mvt_id'` : ''}) AS tile FROM (
       SELECT ${props}${id}, ST_AsMVTGeom(ST_Simplify(ST_Transform(f.geom, 3857), ?::float8, true), ST_TileEnvelope(?, ?, ?), ${extent}, ${buffer}, true) AS geom
         ${fw.sql} ${capSql(c)}) t
      WHERE geom IS NOT NULL`,
    [c.id, size / extent, address.z, address.x, address.y, ...fw.bindings, limit.maxFeatures] as Knex.RawBinding[],
  )
  return rows[0]?.tile ?? Buffer.alloc(0)
}

/** The same tile where PostGIS has no ST_AsMVT: geometry to tile coordinates in SQL, encoding in JS. */
export async function tileEncodedHere(knex: Knex, c: Collection, scope: Scope, address: TileAddress, caps: TileCaps): Promise<Buffer> {
  const { size, xmin, ymax } = tileBounds(address)
  const scale = extent / size
  const margin = (size * buffer) / extent
  const fw = await fromWhere(knex, c, scope, selection(address))
  const clipped = `ST_ClipByBox2D(ST_Simplify(ST_Transform(f.geom, 3857), ?::float8, true), ST_MakeEnvelope(?, ?, ?, ?, 3857))`
  const tileGeom = `ST_CollectionExtract(ST_SnapToGrid(ST_Affine(${clipped}, ?::float8, 0, 0, ?::float8, ?::float8, ?::float8), 1), ${c.geometryType === 'MultiPolygon' ? 3 : 2})`
  const { rows } = await knex.raw(
    `SELECT id, values, ST_AsGeoJSON(g, 0, 0)::json AS geometry FROM (
       SELECT ${c.idSql} AS id, json_build_array(${c.properties.map((p) => p.sql).join(', ')}) AS values, ${tileGeom} AS g
         ${fw.sql} ${capSql(c)}) t
      WHERE g IS NOT NULL AND NOT ST_IsEmpty(g)`,
    [
      size / extent,
      xmin - margin,
      ymax - size - margin,
      xmin + size + margin,
      ymax + margin,
      scale,
      -scale,
      -xmin * scale,
      ymax * scale,
      ...fw.bindings,
      tileLimitOf(c.id, caps).maxFeatures,
    ] as Knex.RawBinding[],
  )
  if (!rows.length) return Buffer.alloc(0)
  const features: TileFeature[] = (
    rows as Array<{ id: number | string; values: Array<string | number | boolean | null>; geometry: TileFeature['geometry'] }>
  ).map((r) => ({
    id: typeof r.id === 'number' ? r.id : undefined,
    properties: c.properties.map((p, i) => [p.name, r.values[i] ?? null]),
    geometry: r.geometry,
  }))
  return encodeTile(c.id, features, extent)
}

export async function tile(knex: Knex, c: Collection, scope: Scope, address: TileAddress, caps: TileCaps): Promise<Buffer> {
  if (address.z < tileLimitOf(c.id, caps).minZoom) return Buffer.alloc(0)
  return (await hasAsMvt(knex)) ? tileWithPostgis(knex, c, scope, address, caps) : tileEncodedHere(knex, c, scope, address, caps)
}
