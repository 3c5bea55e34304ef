// Layer listings: what is loaded, in which version, for the key's region.
import type { Knex } from 'knex'
import type { Actor } from '../auth/actor.js'
import { inScope, resolveCounty } from '../domain/region.js'
import { problem } from '../errors/index.js'
import { layerKind } from '../catalogue/layer-kinds.js'
import { activeLayers, layerVersion, layerVersions, setSurveyYear } from './queries.js'
import { auditedWrite } from '../auth/actor.js'
import type { LayerVersionPatch } from '../schemas/imports.js'
import { surveyYearLayers } from './survey-year.js'

export async function listLayers(knex: Knex, actor: Actor, county?: string) {
  const rows = await activeLayers(knex, actor.scope, county)
  return rows.map(({ layer, county: c, ...active }) => ({ layer, titleZh: layerKind(layer)?.titleZh ?? layer, county: c, active }))
}

function countyOf(actor: Actor, layer: string, requested?: string) {
  const { county, problem: why } = resolveCounty(actor.scope, requested)
  if (!county) throw problem('LR_BAD_REQUEST', why!, { detailZh: '请提供6位县级行政区划代码 county' })
  if (!inScope(actor.scope, county)) throw problem('LR_NOT_FOUND', `no layer ${layer} for county ${county} in this key’s region`)
  return county
}

export async function layerDetail(knex: Knex, actor: Actor, layer: string, requested?: string) {
  const county = countyOf(actor, layer, requested)
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

/**
 * Sets (or clears) the survey year of a loaded survey version (issue 21): a version imported without one,
 * or dated wrongly, is dated here; the statistics of that year are then measured on it. Whoever may
 * import into the county may date its versions; audited.
 */
export async function setVersionSurveyYear(knex: Knex, actor: Actor, o: { layer: string; version: number; county?: string; body: LayerVersionPatch }) {
  const county = countyOf(actor, o.layer, o.county)
  if (!surveyYearLayers.includes(o.layer))
    throw problem('LR_BAD_REQUEST', `a survey year is for the layers ${surveyYearLayers.join(', ')} only, not ${o.layer}`, {
      detailZh: '调查年度仅适用于三调地类图斑（年度变更调查）',
    })
  const found = await layerVersion(knex, o.layer, county, o.version)
  if (!found || found.status !== 'ready')
    throw problem('LR_NOT_FOUND', `no loaded version ${o.version} of layer ${o.layer} in county ${county}`, {
      detailZh: `${county} 没有已导入的${layerKind(o.layer)!.titleZh}第 ${o.version} 版`,
    })
  const year = o.body.surveyYear
  await auditedWrite(
    knex,
    actor,
    (trx) => setSurveyYear(trx, { id: found.datasetId, county }, year, 'given'),
    () => ({
      action: 'layer-version.survey-year',
      objectType: 'dataset',
      objectId: found.datasetId,
      county,
      detail: { layer: o.layer, version: o.version, surveyYear: year, before: found.surveyYear },
    }),
  )
  return (await layerVersion(knex, o.layer, county, o.version))!
}
