// County statistics (人口, 城乡建设用地) and fraud findings: the inputs of the reward quota, each
// write committed with its audit row.
import type { Knex } from 'knex'
import { auditedWrite, type Actor } from '../auth/actor.js'
import { inScope } from '../domain/region.js'
import { adjustmentCoefficient, outsideProvincialScheme, perCapitaM2, rewardDefaults, tableOfFindingYear } from '../domain/rewards.js'
import { roundTo } from '../domain/units.js'
import { problem } from '../errors/index.js'
import { getProject } from '../projects/service.js'
import type { CountyStatsBody, FindingBody } from '../schemas/rewards.js'
import { surveyVersionChoice } from '../domain/reward-statistics.js'
import * as q from './queries.js'
import { landSurveyOf, populationSourceOf } from './stats-view.js'

/** A county key writes its own county's statistics; province and admin keys any county's; city keys none. */
function mayWriteStats(actor: Actor, county: string) {
  const { role } = actor.principal
  if (role === 'city') throw problem('LR_FORBIDDEN', 'a city key may not write county statistics', { detailZh: '市级密钥无权填报县级统计数据' })
  if (role === 'county' && !inScope(actor.scope, county)) {
    throw problem('LR_FORBIDDEN', `this key may not write statistics of county ${county}`, { detailZh: `本密钥无权填报 ${county} 的统计数据` })
  }
}

/**
 * 城乡建设用地 of `year` from the county's third-survey layer, with how it was obtained: measured on the
 * version whose survey year is `year` (年度变更调查), else on the active one, and the detail says which.
 */
async function computedLand(knex: Knex, county: string, year: number) {
  const layer = await q.survey3OfYear(knex, county, year)
  if (!layer) {
    throw problem(
      'LR_CONFLICT',
      `no third-survey (survey3) layer is loaded for county ${county}: give urbanRuralConstructionLandM2 or import the layer first`,
      {
        detailZh: `${county} 未导入三调地类图斑，无法计算城乡建设用地面积：请填写 urbanRuralConstructionLandM2 或先导入三调数据`,
      },
    )
  }
  const { urbanRuralCzcsxm: czcsxm, survey3ConstructionCodes: landUseCodes } = rewardDefaults
  const r = await q.urbanRuralLand(knex, layer.id, { czcsxm, landUseCodes })
  if (r.patches === 0) {
    throw problem(
      'LR_CONFLICT',
      `the third-survey layer of county ${county} (version ${layer.version}) has no construction-land patch (DLBM ${landUseCodes.join('/')}) with CZCSXM ${czcsxm.join('/')}: give urbanRuralConstructionLandM2`,
      {
        detailZh: `${county} 三调图层（第 ${layer.version} 版）没有城镇村属性码为 ${czcsxm.join('、')} 的建设用地图斑，请直接填写城乡建设用地面积`,
      },
    )
  }
  const m2 = r.tbmj_m2 + r.geometry_m2
  const choice = surveyVersionChoice(year, { datasetId: layer.id, version: layer.version, surveyYear: layer.survey_year })
  return {
    m2,
    detail: {
      method: 'survey3-czcsxm-construction',
      description: `sum over third-survey patches with CZCSXM ${czcsxm.join('/')} and a construction land-use code (DLBM in landUseCodes): TBMJ where present (> 0), otherwise the ellipsoidal area on CGCS2000; farmland, forest, water and other non-construction patches inside the 城镇村 range do not count (excluded)`,
      descriptionZh: `三调城镇村属性码为 ${czcsxm.join('、')} 且地类为建设用地（landUseCodes）的图斑面积之和：有图斑面积（TBMJ）的取TBMJ，否则取CGCS2000椭球面积；城镇村范围内的耕地、林地、水域等非建设用地不计入（excluded）`,
      layer: {
        datasetId: layer.id,
        version: layer.version,
        sourceName: layer.source_name,
        importedAt: new Date(layer.imported_at).toISOString(),
        surveyYear: layer.survey_year,
        surveyYearSource: layer.survey_year_source,
        active: layer.active,
      },
      // which version and why (issue 21): the 年度变更调查 of the statistics' year, else the active one
      surveyVersion: { statisticsYear: year, how: choice.how, note: choice.en, noteZh: choice.zh },
      czcsxm: [...czcsxm],
      landUseCodes: [...landUseCodes],
      patches: r.patches,
      fromTbmj: { patches: r.from_tbmj, m2: roundTo(r.tbmj_m2, 2) },
      fromGeometry: { patches: r.from_geometry, m2: roundTo(r.geometry_m2, 2) },
      withoutArea: r.without_area, // neither TBMJ nor a shape: counted as 0
      excluded: { patches: r.excluded_patches, m2: roundTo(r.excluded_m2, 2) },
    },
  }
}

function statsView(row: q.StatsRow) {
  const population = Number(row.population)
  const land = Number(row.urban_rural_construction_land_m2)
  const perCapita = perCapitaM2(land, population)
  return {
    county: row.xzqdm.trim(),
    year: row.year,
    population,
    populationSource: populationSourceOf(row),
    urbanRuralConstructionLandM2: roundTo(land, 2),
    landSource: row.land_source,
    landSurvey: landSurveyOf(row),
    landDetail: row.land_detail,
    perCapitaM2: roundTo(perCapita, 4),
    coefficient: adjustmentCoefficient(perCapita),
    outsideScheme: outsideProvincialScheme(row.xzqdm),
    updatedAt: row.updated_at.toISOString(),
  }
}

export async function putCountyStats(knex: Knex, actor: Actor, county: string, year: number, body: CountyStatsBody) {
  mayWriteStats(actor, county)
  // Measured before the transaction: the embedded database has one connection.
  const land = body.urbanRuralConstructionLandM2 === undefined ? await computedLand(knex, county, year) : null
  const row = await auditedWrite(
    knex,
    actor,
    (trx) =>
      q.upsertStats(trx, {
        county,
        year,
        population: body.population,
        populationSource: body.populationSource ?? null,
        landM2: land ? land.m2 : body.urbanRuralConstructionLandM2!,
        landSource: land ? 'computed' : 'given',
        landDetail: land ? land.detail : null,
      }),
    (r) => ({
      action: 'county-stats.put',
      objectType: 'county-stats',
      objectId: `${county}/${year}`,
      county,
      detail: {
        population: r.population,
        populationSource: populationSourceOf(r),
        landM2: r.urban_rural_construction_land_m2,
        landSource: r.land_source,
        landSurvey: landSurveyOf(r),
      },
    }),
  )
  return statsView(row)
}

export async function getCountyStats(knex: Knex, actor: Actor, county: string, year: number) {
  const row = inScope(actor.scope, county) ? await q.findStats(knex, county, year) : undefined
  if (!row || row.population === null || row.urban_rural_construction_land_m2 === null) {
    throw problem('LR_NOT_FOUND', `no statistics of county ${county} for ${year}`, { detailZh: `${county} 无 ${year} 年度统计数据或不在本密钥的权限范围内` })
  }
  return statsView(row)
}

function findingView(r: q.FindingRow) {
  return {
    id: r.id,
    projectId: r.project_id,
    projectCode: r.project_code,
    county: r.xzqdm.trim(),
    kind: r.kind,
    year: r.year,
    deductedInRewardsOf: tableOfFindingYear(r.year),
    tableIssuedIn: tableOfFindingYear(r.year) + 1,
    honoursRevokedFor: r.year,
    note: r.note,
    createdBy: r.created_by,
    createdByName: r.created_by_name ?? null,
    createdAt: r.created_at.toISOString(),
  }
}

/** 弄虚作假 found by the province (165号 五): only a province key records it. */
export async function createFinding(knex: Knex, actor: Actor, projectId: number, body: FindingBody) {
  if (actor.principal.role !== 'province') {
    throw problem('LR_FORBIDDEN', `only a province key may record a finding; this is a ${actor.principal.role} key`, {
      detailZh: '仅省级密钥可登记查实的弄虚作假问题',
    })
  }
  const note = body.note.trim()
  if (!note) throw problem('LR_BAD_REQUEST', 'note must not be blank', { detailZh: '请说明查实情况', errors: [{ path: '/note', message: 'blank' }] })
  const project = await getProject(knex, actor, projectId)
  const row = await auditedWrite(
    knex,
    actor,
    (trx) =>
      q.insertFinding(trx, {
        projectId,
        county: project.county,
        projectCode: project.code,
        kind: body.kind,
        year: body.year,
        note,
        createdBy: actor.principal.prefix,
      }),
    (r) => ({ action: 'finding.create', objectType: 'finding', objectId: r.id, county: project.county, detail: { projectId, kind: r.kind, year: r.year } }),
  )
  return findingView({ ...row, created_by_name: actor.principal.name })
}

export async function listFindings(knex: Knex, actor: Actor, projectId: number) {
  await getProject(knex, actor, projectId)
  return (await q.findingsOfProject(knex, projectId)).map(findingView)
}
