// A county's current layers as one GeoPackage (issue 24, GET /api/v1/layers/{county}.gpkg): a
// table for each layer kind with an active version in the county, and the county's projects with
// their latest analysis figures, written by the f=gpkg writer (geopackage.ts) in one output CRS.
import type { Knex } from 'knex'
import type { Actor } from '../auth/actor.js'
import { activeDatasetIds } from '../db/read-model.js'
import { inScope, type Scope } from '../domain/region.js'
import { problem } from '../errors/index.js'
import { collectionById, collections, type Collection } from '../ogc/collections.js'
import { parseItemsQuery } from '../ogc/params.js'
import { countMatched, exactCountLimit } from '../ogc/queries.js'
import { gpkgTableName, writeGeopackage, type GpkgLayer } from './geopackage.js'

/**
 * What the file holds, in this order: every layer kind (src/catalogue/layer-kinds.ts), then the
 * projects. Not the analysis pieces (computed per project on request: costly for a whole county)
 * nor the bundles (derived from the plots by a bundling run, not a current layer).
 */
const countyCollections: Collection[] = [...collections.filter((c) => c.layer), collectionById('projects')!]

/** `limit` is never given here, so an export takes every feature; the page limits only bound a given one. */
const noPageLimits = { default: 1, maximum: 1 }

export interface CountyGeopackage {
  bytes: Uint8Array
  /** the tables written, with their feature counts */
  layers: Array<{ table: string; features: number }>
  fileName: string
  /** the file name in ASCII, for clients that do not read RFC 5987's filename* */
  asciiFileName: string
}

/** The layers of a county to write, with the versions each reads fixed now and their feature counts. */
async function countyLayers(knex: Knex, scope: Scope, crs: string | undefined) {
  const found: Array<GpkgLayer & { count: number; exact: boolean }> = []
  for (const c of countyCollections) {
    const query = parseItemsQuery(c, { f: 'gpkg', ...(crs !== undefined && { crs }) }, noPageLimits)
    if (c.layer) {
      // Read once: every page of the layer then reads these versions, whatever an import switches meanwhile.
      query.datasets = await activeDatasetIds(knex, c.layer, scope)
      if (query.datasets.length === 0) continue
    }
    const matched = await countMatched(knex, c, scope, query)
    if (matched.count > 0) found.push({ collection: c, scope, query, count: matched.count, exact: matched.exact })
  }
  return found
}

/**
 * The GeoPackage of a county the key's region holds: 404 outside it, and 404 when the county has no
 * layer and no project (docs/decisions.md: an empty GeoPackage is no answer); 413 when the layers
 * together hold more than `maxFeatures` features.
 */
export async function countyGeopackage(knex: Knex, actor: Actor, o: { county: string; crs?: string; maxFeatures: number }): Promise<CountyGeopackage> {
  const { county, maxFeatures } = o
  if (!inScope(actor.scope, county))
    throw problem('LR_NOT_FOUND', `no county ${county} in this key’s region`, { detailZh: `${county} 不在本账号（密钥）的权限范围内` })
  const scope: Scope = { kind: 'county', code: county }
  const layers = await countyLayers(knex, scope, o.crs)
  if (layers.length === 0)
    throw problem('LR_NOT_FOUND', `no layers imported for county ${county}, and no projects: there is nothing to put in a GeoPackage`, {
      detailZh: `${county} 尚未导入任何图层，也没有项目：没有可下载的现状图层`,
    })
  const tooLarge = (n: number | string) =>
    problem(
      'LR_EXPORT_TOO_LARGE',
      `the GeoPackage of county ${county} would hold ${n} features, more than the limit of ${maxFeatures}; ` +
        `download its layers one at a time (/ogc/collections/{id}/items?f=gpkg&county=${county})`,
      {
        detailZh: `${county} 的现状图层 GeoPackage 将包含 ${n} 个要素，超过上限 ${maxFeatures} 个：请逐个图层下载（/ogc/collections/{图层}/items?f=gpkg&county=${county}）`,
        limit: maxFeatures,
      },
    )
  // A count beyond exactCountLimit is the planner's estimate: only the limit itself is sure; writing counts again.
  const atLeast = layers.reduce((n, l) => n + (l.exact ? l.count : exactCountLimit + 1), 0)
  if (atLeast > maxFeatures) throw tooLarge(layers.every((l) => l.exact) ? atLeast : `> ${atLeast - 1}`)
  const bytes = await writeGeopackage(knex, layers, layers[0]!.query.crs.srid, { maxFeatures, tooLarge })
  return {
    bytes,
    layers: layers.map((l) => ({ table: gpkgTableName(l.collection), features: l.count })),
    fileName: `${county}_现状图层.gpkg`,
    asciiFileName: `${county}_layers.gpkg`,
  }
}
