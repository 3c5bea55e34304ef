// A project's analysis: measure in PostGIS, judge with the domain rules, keep the result with the
// versions of the layers it used.
import type { Knex } from 'knex'
import type { Actor } from '../auth/actor.js'
import { analysisDefaults, toMu, type AnalysisConfig } from '../domain/analysis-config.js'
import type { Approach } from '../domain/project.js'
import { eligibility, entryChecks, stockArea, type Measures, type ProjectFacts } from '../domain/rules.js'
import { getProject } from '../projects/service.js'
import * as q from './queries.js'

const m2 = (x: number) => Math.round(x * 100) / 100
const mu = (x: number) => Math.round(toMu(x) * 10000) / 10000

export async function analyzeProject(knex: Knex, actor: Actor, projectId: number, config: AnalysisConfig = analysisDefaults) {
  const project = await getProject(knex, actor, projectId)
  const inputs = await q.activeInputs(knex, project.county)
  const area = await q.projectArea(knex, projectId)
  const none = { m2: 0, ids: [] as string[] }
  const s2 = inputs.survey2 ? await q.survey2Construction(knex, projectId, inputs.survey2.datasetId, config.survey2ConstructionCodes) : none
  const fp = inputs.buildings ? await q.footprint(knex, projectId, inputs.buildings.datasetId, config.footprintExcludedTypes) : none
  const au = inputs['approved-unsupplied'] ? await q.approvedUnsupplied(knex, projectId, inputs['approved-unsupplied'].datasetId) : null
  const idle = inputs['idle-land'] ? await q.idleLand(knex, projectId, inputs['idle-land'].datasetId) : null
  const outside = inputs['plan-zones'] ? await q.outsidePlan(knex, projectId, inputs['plan-zones'].datasetId) : null
  const survey3 = inputs.survey3 ? await q.survey3Breakdown(knex, projectId, inputs.survey3.datasetId) : []

  const measures: Measures = {
    areaM2: area.m2,
    survey2ConstructionM2: s2.m2,
    survey2Loaded: inputs.survey2 !== null,
    footprintM2: fp.m2,
    buildingsLoaded: inputs.buildings !== null,
    approvedUnsuppliedM2: au?.m2 ?? null,
    idleLandM2: idle?.m2 ?? null,
    outsidePlanM2: outside,
  }
  const facts: ProjectFacts = {
    approach: project.approach as Approach,
    changedUseFloorArea: project.changedUseFloorArea,
    addedFloorArea: project.addedFloorArea,
    newPlotRatio: project.newPlotRatio,
    ownershipClear: project.ownershipClear,
    seized: project.seized,
    mortgaged: project.mortgaged,
    mortgageeConsent: project.mortgageeConsent,
  }
  const stock = stockArea(measures, facts)
  const checks = entryChecks(measures, facts, stock, config)
  const eligible = eligibility(checks)
  const result = {
    projectId,
    code: project.code,
    county: project.county,
    area: { m2: m2(area.m2), mu: mu(area.m2), planarM2: m2(area.planarM2), planarEpsg: area.planarEpsg },
    survey2Construction: inputs.survey2
      ? { method: 'gross', m2: m2(s2.m2), mu: mu(s2.m2), ratio: area.m2 > 0 ? s2.m2 / area.m2 : 0, patches: s2.ids.length }
      : null,
    footprint: inputs.buildings ? { m2: m2(fp.m2), ratio: area.m2 > 0 ? fp.m2 / area.m2 : 0, buildings: fp.ids.length, excludedTypes: config.footprintExcludedTypes } : null,
    survey3: survey3.map((r) => ({ code: r.code, name: r.name, m2: m2(r.m2), mu: mu(r.m2), apportionedM2: r.apportionedM2 === null ? null : m2(r.apportionedM2) })),
    conflicts: {
      approvedUnsupplied: au ? { m2: m2(au.m2), ids: au.ids } : null,
      idleLand: idle ? { m2: m2(idle.m2), ids: idle.ids } : null,
      outsidePlan: outside === null ? null : { m2: m2(outside) },
    },
    stockArea: { ...stock, m2: stock.m2 === null ? null : m2(stock.m2), mu: stock.m2 === null ? null : mu(stock.m2) },
    checks,
    eligible,
    inputs,
    computedAt: new Date().toISOString(),
  }
  await q.storeResult(knex, { projectId, county: project.county, inputs, result, eligible })
  return result
}
