// Layer listings: what is loaded, in which version, for the key's region.
import type { Knex } from 'knex'
import type { Actor } from '../auth/actor.js'
import { inScope, resolveCounty } from '../domain/region.js'
import { problem } from '../errors/index.js'
import { layerKind } from '../catalogue/layer-kinds.js'
import { activeLayers, layerVersions } from './queries.js'

export async function listLayers(knex: Knex, actor: Actor, county?: string) {
  const rows = await activeLayers(knex, actor.scope, county)
  return rows.map(({ layer, county: c, ...active }) => ({ layer, titleZh: layerKind(layer)?.titleZh ?? layer, county: c, active }))
}

export async function layerDetail(knex: Knex, actor: Actor, layer: string, requested?: string) {
  const { county, problem: why } = resolveCounty(actor.scope, requested)
  if (!county) throw problem('LR_BAD_REQUEST', why!, { detailZh: '请提供6位县级行政区划代码 county' })
  if (!inScope(actor.scope, county)) throw problem('LR_NOT_FOUND', `no layer ${layer} for county ${county} in this key’s region`)
  const kind = layerKind(layer)!
  const versions = await layerVersions(knex, layer, county)
  return {
    layer,
    titleZh: kind.titleZh,
    geometry: kind.family === 'polygon' ? 'MultiPolygon' : 'MultiLineString',
    county,
    active: versions.find((v) => v.active) ?? null,
    versions,
  }
}
