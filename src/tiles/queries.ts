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
import { tileInfoLayer, tileLimitOf, type TileCaps } from './limits.js'
import { encodeTile, type TileFeature } from './mvt.js'

/** A tile and whether the cap left features out (then it also holds the tile-info layer saying so). */
export interface Tile {
  data: Buffer
  truncated: boolean
}

export const extent = 4096
const buffer = 64
const half = 20037508.342789244
const R = 6378137

export interface TileAddress {
  z: number
  x: number
  y: number
}

/** The Web Mercator tile holding a lon/lat point at zoom z (the inverse of tileBounds, without its buffer). */
export function tileContaining(lon: number, lat: number, z: number): TileAddress {
  const r = (lat * Math.PI) / 180
  return { z, x: Math.floor(((lon + 180) / 360) * 2 ** z), y: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z) }
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
function capOrder(c: Collection): string {
  const size = c.geometryType === 'MultiPolygon' ? 'ST_Area(f.geom)' : 'ST_Length(f.geom)'
  return `ORDER BY ${size} DESC, ${c.orderBy}`
}

function selection(address: TileAddress): Selection {
  return { bbox: { coords: tileBounds(address).lonLat, crs: crsByUri(CRS84)! }, filters: [] }
}

/**
 * The statement of a tile with ST_AsMVT / ST_AsMVTGeom (knex's text and bindings): the route runs it,
 * and bench/tiles.ts runs the same text alone through pg. One feature more than the cap is read, so a
 * tile knows whether it left features out. `datasets`: the active versions already read (the route
 * has them from the version token), so the statement needs no lookup of its own.
 */
export async function tileStatement(
  knex: Knex,
  c: Collection,
  scope: Scope,
  address: TileAddress,
  caps: TileCaps,
  datasets?: number[],
): Promise<{ sql: string; bindings: Knex.RawBinding[]; maxFeatures: number }> {
  const { size } = tileBounds(address)
  const fw = await fromWhere(knex, c, scope, { ...selection(address), ...(datasets && { datasets }) })
  const limit = tileLimitOf(c.id, caps)
  const props = c.properties.map((p) => `${p.sql} AS "${p.name}"`).join(', ')
  const columns = [...c.properties.map((p) => `"${p.name}"`), ...(c.idType === 'integer' ? ['mvt_id'] : []), 'geom'].join(', ')
  const id = c.idType === 'integer' ? `, ${c.idSql} AS mvt_id` : ''
  // The order and limit directly over the scan (cheap columns only), so PostgreSQL keeps only the
  // cap's rows while sorting (a top-N heap sort: a window function over the sort, or the tile
  // geometry computed between sort and limit, made it sort every row of the tile, which spilled to
  // disk at z12); the tile geometry is then built for those rows, numbered as the ordered subquery gives them.
  const selected = [...c.properties.map((p) => `s."${p.name}"`), ...(c.idType === 'integer' ? ['s.mvt_id'] : [])].join(', ')
  const sql = `WITH t AS (
       SELECT ${selected}, ST_AsMVTGeom(ST_Simplify(ST_Transform(s.g, 3857), ?::float8, true), ST_TileEnvelope(?, ?, ?), ${extent}, ${buffer}, true) AS geom,
              row_number() OVER () AS rn
         FROM (SELECT ${props}${id}, f.geom AS g ${fw.sql} ${capOrder(c)} LIMIT ?) s)
     SELECT (SELECT ST_AsMVT(k, ?, ${extent}, 'geom'${c.idType === 'integer' ? `, 'mvt_id'` : ''})
               FROM (SELECT ${columns} FROM t WHERE rn <= ? AND geom IS NOT NULL) k) AS tile,
            (SELECT count(*) FROM t)::int AS n`
  const bindings = [size / extent, address.z, address.x, address.y, ...fw.bindings, limit.maxFeatures + 1, c.id, limit.maxFeatures] as Knex.RawBinding[]
  return { sql, bindings, maxFeatures: limit.maxFeatures }
}

export async function tileWithPostgis(knex: Knex, c: Collection, scope: Scope, address: TileAddress, caps: TileCaps, datasets?: number[]): Promise<Tile> {
  const s = await tileStatement(knex, c, scope, address, caps, datasets)
  const { rows } = await knex.raw(s.sql, s.bindings)
  const truncated = (rows[0]?.n ?? 0) > s.maxFeatures
  return withInfo(c, (rows[0]?.tile as Buffer | null) ?? Buffer.alloc(0), truncated, s.maxFeatures)
}

/**
 * A truncated tile says so inside itself too (a map style or a client reading tiles without their
 * headers sees it): a `tile-info` layer with one point at the tile's centre. Layers of a tile are
 * concatenated messages, so it is appended to whatever built the data layer.
 */
function withInfo(c: Collection, data: Buffer, truncated: boolean, maxFeatures: number): Tile {
  if (!truncated) return { data, truncated }
  const info = encodeTile(
    tileInfoLayer,
    [
      {
        properties: [
          ['truncated', true],
          ['layer', c.id],
          ['maxFeatures', maxFeatures],
        ],
        geometry: { type: 'Point', coordinates: [extent / 2, extent / 2] },
      },
    ],
    extent,
  )
  return { data: Buffer.concat([data, info]), truncated }
}

/** The same tile where PostGIS has no ST_AsMVT: geometry to tile coordinates in SQL, encoding in JS. */
export async function tileEncodedHere(knex: Knex, c: Collection, scope: Scope, address: TileAddress, caps: TileCaps, datasets?: number[]): Promise<Tile> {
  const { size, xmin, ymax } = tileBounds(address)
  const scale = extent / size
  const margin = (size * buffer) / extent
  const fw = await fromWhere(knex, c, scope, { ...selection(address), ...(datasets && { datasets }) })
  const clipped = `ST_ClipByBox2D(ST_Simplify(ST_Transform(f.geom, 3857), ?::float8, true), ST_MakeEnvelope(?, ?, ?, ?, 3857))`
  const tileGeom = `ST_CollectionExtract(ST_SnapToGrid(ST_Affine(${clipped}, ?::float8, 0, 0, ?::float8, ?::float8, ?::float8), 1), ${c.geometryType === 'MultiPolygon' ? 3 : 2})`
  const { rows } = await knex.raw(
    `SELECT id, values, CASE WHEN g IS NULL OR ST_IsEmpty(g) THEN NULL ELSE ST_AsGeoJSON(g, 0, 0)::json END AS geometry FROM (
       SELECT ${c.idSql} AS id, json_build_array(${c.properties.map((p) => p.sql).join(', ')}) AS values, ${tileGeom} AS g,
              row_number() OVER (${capOrder(c)}) AS rn
         ${fw.sql} ${capOrder(c)} LIMIT ?) t
      ORDER BY rn`,
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
      tileLimitOf(c.id, caps).maxFeatures + 1,
    ] as Knex.RawBinding[],
  )
  const cap = tileLimitOf(c.id, caps).maxFeatures
  const kept = (rows as Array<{ id: number | string; values: Array<string | number | boolean | null>; geometry: TileFeature['geometry'] }>)
    .slice(0, cap)
    .filter((r) => r.geometry)
  const truncated = rows.length > cap
  if (!kept.length && !truncated) return { data: Buffer.alloc(0), truncated }
  const features: TileFeature[] = kept.map((r) => ({
    id: typeof r.id === 'number' ? r.id : undefined,
    properties: c.properties.map((p, i) => [p.name, r.values[i] ?? null]),
    geometry: r.geometry,
  }))
  return withInfo(c, kept.length ? encodeTile(c.id, features, extent) : Buffer.alloc(0), truncated, cap)
}

/** `datasets`: the active versions of a layer collection when the caller has read them already. */
export async function tile(knex: Knex, c: Collection, scope: Scope, address: TileAddress, caps: TileCaps, datasets?: number[]): Promise<Tile> {
  if (address.z < tileLimitOf(c.id, caps).minZoom) return { data: Buffer.alloc(0), truncated: false }
  return (await hasAsMvt(knex)) ? tileWithPostgis(knex, c, scope, address, caps, datasets) : tileEncodedHere(knex, c, scope, address, caps, datasets)
}

/**
 * The lowest zoom (from the layer's minimum) at which no tile of what the key sees would exceed the
 * cap: each feature is counted in every tile its box (with the tile buffer) meets, an upper bound
 * of what the tile's own query selects, so tiles from this zoom on are complete.
 */
export async function completeZoom(knex: Knex, c: Collection, scope: Scope, caps: TileCaps, maxZoom: number): Promise<number> {
  const limit = tileLimitOf(c.id, caps)
  const fw = await fromWhere(knex, c, scope, { bbox: null, filters: [] })
  for (let z = limit.minZoom; z < maxZoom; z++) {
    const size = (2 * half) / 2 ** z
    const margin = (size * buffer) / extent
    const { rows } = await knex.raw(
      `WITH b AS (SELECT ST_Transform(ST_Envelope(f.geom), 3857) AS e ${fw.sql})
       SELECT coalesce(max(n), 0)::int AS n FROM (
         SELECT count(*) AS n FROM b,
                generate_series(floor((ST_XMin(e) - ?::float8 + ?::float8) / ?::float8)::int, floor((ST_XMax(e) + ?::float8 + ?::float8) / ?::float8)::int) x,
                generate_series(floor((?::float8 - ST_YMax(e) - ?::float8) / ?::float8)::int, floor((?::float8 - ST_YMin(e) + ?::float8) / ?::float8)::int) y
          GROUP BY x, y) t`,
      [...fw.bindings, margin, half, size, margin, half, size, half, margin, size, half, margin, size] as Knex.RawBinding[],
    )
    if (rows[0].n <= limit.maxFeatures) return z
  }
  return maxZoom
}
