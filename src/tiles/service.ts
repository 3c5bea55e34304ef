// Vector tiles of every OGC collection and their TileJSON. The ETag derives from what the key
// sees (its region), the active versions of the data and the tile address, so a client revalidates
// cheaply and a new layer version or analysis changes every tile at once.
import { createHash } from 'node:crypto'
import type { Knex } from 'knex'
import type { Actor } from '../auth/actor.js'
import { problem } from '../errors/index.js'
import type { Collection } from '../ogc/collections.js'
import * as ogc from '../ogc/queries.js'
import { tileInfoLayer, tileLimitOf, type TileCaps } from './limits.js'
import { completeZoom, tile, type TileAddress } from './queries.js'

export const maxZoom = 22

/** `written` is the address as the client wrote it, so the message quotes it rather than a parse result (-1). */
export function checkAddress({ z, x, y }: TileAddress, written = `${z}/${x}/${y}`): void {
  const n = 2 ** z
  if (!(z >= 0 && z <= maxZoom && x >= 0 && x < n && y >= 0 && y < n)) {
    throw problem('LR_NOT_FOUND', `no tile ${written}: zoom is a whole number 0–${maxZoom}, x and y whole numbers below 2^zoom`, {
      detailZh: `瓦片 ${written} 不存在`,
    })
  }
}

/**
 * The tag of what a tile shows (collection, address, the key's region, the data's versions), and the
 * short token of the data's versions that TileJSON puts into its tile URLs (`?v=`): a tile asked for
 * under the current token never changes, so it may be cached as immutable.
 */
export async function tileEtag(
  knex: Knex,
  actor: Actor,
  c: Collection,
  a: TileAddress,
): Promise<{ etag: string; version: string; datasets: number[] | undefined }> {
  const token = await ogc.versionToken(knex, c, actor.scope)
  const scope = JSON.stringify(actor.scope)
  const etag = `"${createHash('sha256').update(`${c.id}|${a.z}/${a.x}/${a.y}|${scope}|${token}`).digest('base64url').slice(0, 27)}"`
  return { etag, version: versionParam(c, scope, token), datasets: datasetsOfToken(c, token) }
}

/**
 * The active versions a layer collection's token names (its version token is their ids in order,
 * joined by '.', then `~` and a digest: ogc.versionToken), so the tile is built from exactly the versions its ETag names,
 * without a second lookup; undefined for the other collections (they read what they need).
 */
export function datasetsOfToken(c: Collection, token: string): number[] | undefined {
  if (!c.layer) return undefined
  const ids = token.split('~')[0]! // what follows `~` is the digest of their import times
  return ids === '' ? [] : ids.split('.').map(Number)
}

const versionParam = (c: Collection, scope: string, token: string) => createHash('sha256').update(`${c.id}|${scope}|${token}`).digest('base64url').slice(0, 16)

export const tileOf = (knex: Knex, actor: Actor, c: Collection, a: TileAddress, caps: TileCaps, datasets?: number[]) =>
  tile(knex, c, actor.scope, a, caps, datasets)

const fieldType = { string: 'String', number: 'Number', integer: 'Number', boolean: 'Boolean', date: 'String' } as const

/**
 * completeFromZoom by collection, key region, data version and cap: counting tiles reads the whole
 * layer. Kept per database (its connection pool), as another database may give out the same ids; the
 * token's digest of import times tells a database emptied or restored under a running service.
 */
const completeZoomsOf = new WeakMap<Knex, Map<string, number>>()

async function completeFromZoom(knex: Knex, actor: Actor, c: Collection, caps: TileCaps, token: string): Promise<number> {
  const key = `${c.id}|${JSON.stringify(actor.scope)}|${token}|${tileLimitOf(c.id, caps).maxFeatures}`
  let completeZooms = completeZoomsOf.get(knex)
  if (!completeZooms) completeZoomsOf.set(knex, (completeZooms = new Map()))
  let z = completeZooms.get(key)
  if (z === undefined) {
    z = await completeZoom(knex, c, actor.scope, caps, maxZoom)
    if (completeZooms.size >= 500) completeZooms.clear()
    completeZooms.set(key, z)
  }
  return z
}

export async function tileJson(knex: Knex, actor: Actor, c: Collection, link: { tilesRoot: string; key?: string; caps: TileCaps }) {
  const { tilesRoot, key } = link
  const bounds = await ogc.extent(knex, c, actor.scope)
  // one reading of the versions for the URLs' v and completeFromZoom, so both describe the same data
  const token = await ogc.versionToken(knex, c, actor.scope)
  const v = versionParam(c, JSON.stringify(actor.scope), token)
  const query = new URLSearchParams({ v, ...(key && { key }) }).toString()
  const limit = tileLimitOf(c.id, link.caps)
  const complete = await completeFromZoom(knex, actor, c, link.caps, token)
  return {
    tilejson: '3.0.0',
    name: c.id,
    description: c.description,
    scheme: 'xyz',
    // v: the data's versions, so a client caches the tiles for good and a new version is a new URL
    tiles: [`${tilesRoot}/${c.id}/{z}/{x}/{y}.mvt?${query}`],
    minzoom: limit.minZoom,
    maxzoom: maxZoom,
    bounds: bounds ?? [73, 3, 136, 54],
    // maxFeaturesPerTile and completeFromZoom are ours (TileJSON 3.0 allows extra keys): a tile holds at
    // most this many features, the largest first; from completeFromZoom on no tile of the data is cut.
    // Below it a cut tile has the X-Tile-Truncated header and the tile-info layer.
    vector_layers: [
      {
        id: c.id,
        description: c.titleZh,
        minzoom: limit.minZoom,
        maxzoom: maxZoom,
        maxFeaturesPerTile: limit.maxFeatures,
        completeFromZoom: complete,
        fields: Object.fromEntries(c.properties.map((p) => [p.name, fieldType[p.type]])),
      },
      {
        id: tileInfoLayer,
        description: '瓦片要素超过上限时的提示：本瓦片只含最大的要素，请放大查看全部',
        minzoom: limit.minZoom,
        maxzoom: Math.max(limit.minZoom, complete - 1),
        fields: { truncated: 'Boolean', layer: 'String', maxFeatures: 'Number' },
      },
    ],
  }
}
