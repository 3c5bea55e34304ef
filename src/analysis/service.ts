// Project analysis: measure in PostGIS (set-based, one statement per measure for any number of
// projects), judge with the domain rules, keep each result with the layer versions it used.
import type { Knex } from 'knex'
import type { Actor } from '../auth/actor.js'
import { analysisDefaults, toMu, type AnalysisConfig } from '../domain/analysis-config.js'
import type { Approach } from '../domain/project.js'
import { eligibility, entryChecks, stockArea, type Measures, type ProjectFacts } from '../domain/rules.js'
import { getProject } from '../projects/service.js'
import * as q from './queries.js'

const m2 = (x: number) => Math.round(x * 100) / 100
const mu = (x: number) => Math.round(toMu(x) * 10000) / 10000

/** A project row as the queries give it: the rules' facts, with the approach as stored text. */
export interface ProjectForAnalysis extends Omit<ProjectFacts, 'approach'> {
  id: number
  code: string
  county: string
  approach: string
}

export type AnalysisResult = Awaited<ReturnType<typeof analyzeProjects>>[number]

/** Analyses projects of one county against its active layers and stores the results. */
export async function analyzeProjects(knex: Knex, county: string, projects: ProjectForAnalysis[], config: AnalysisConfig = analysisDefaults) {
  const ids = projects.map((p) => p.id)
  const inputs = await q.activeInputs(knex, county)
  const empty = new Map<number, never>()
  const [areas, s2, lines, fp, au, idle, outside, s3] = await Promise.all([
    q.projectAreas(knex, ids),
    inputs.survey2 ? q.survey2Construction(knex, ids, inputs.survey2.datasetId, config.survey2ConstructionCodes) : empty,
    inputs.survey2 && inputs['survey2-lines'] ? q.survey2Lines(knex, ids, inputs['survey2-lines'].datasetId, config.survey2ConstructionCodes) : empty,
    inputs.buildings ? q.footprints(knex, ids, inputs.buildings.datasetId, config.footprintExcludedTypes) : empty,
    inputs['approved-unsupplied'] ? q.approvedUnsupplied(knex, ids, inputs['approved-unsupplied'].datasetId) : null,
    inputs['idle-land'] ? q.idleLand(knex, ids, inputs['idle-land'].datasetId) : null,
    inputs['plan-zones'] ? q.outsidePlan(knex, ids, inputs['plan-zones'].datasetId) : null,
    inputs.survey3 ? q.survey3Breakdown(knex, ids, inputs.survey3.datasetId) : new Map(),
  ])
  const computedAt = new Date().toISOString()
  const results = projects.map((p) => {
    const area = areas.get(p.id)!
    const construction = s2.get(p.id)?.m2 ?? 0
    const footprint = fp.get(p.id)?.m2 ?? 0
    const measures: Measures = {
      areaM2: area.m2,
      survey2ConstructionM2: construction,
      survey2Loaded: inputs.survey2 !== null,
      footprintM2: footprint,
      buildingsLoaded: inputs.buildings !== null,
      approvedUnsuppliedM2: au ? (au.get(p.id)?.m2 ?? 0) : null,
      idleLandM2: idle ? (idle.get(p.id)?.m2 ?? 0) : null,
      outsidePlanM2: outside ? (outside.get(p.id)?.m2 ?? 0) : null,
    }
    const facts: ProjectFacts = { ...p, approach: p.approach as Approach }
    const stock = stockArea(measures, facts)
    const checks = entryChecks(measures, facts, stock, config)
    const netPatches = s2.get(p.id)?.netM2 ?? 0
    const netLines = lines.get(p.id)?.m2 ?? 0
    return {
      projectId: p.id,
      code: p.code,
      county: p.county,
      area: { m2: m2(area.m2), mu: mu(area.m2), planarM2: m2(area.planarM2), planarEpsg: area.planarEpsg },
      survey2Construction: inputs.survey2
        ? { method: 'gross', m2: m2(construction), mu: mu(construction), ratio: area.m2 > 0 ? construction / area.m2 : 0, patches: s2.get(p.id)?.ids.length ?? 0 }
        : null,
      survey2ConstructionNet: inputs.survey2
        ? {
            method: `net: patch pieces × TBDLMJ/TBMJ${inputs['survey2-lines'] ? ' + linear features × KD × KCBL' : ' (no linear-feature layer loaded)'}`,
            m2: m2(netPatches + netLines),
            mu: mu(netPatches + netLines),
            patchesM2: m2(netPatches),
            linesM2: m2(netLines),
            // Patches without TBMJ/TBDLMJ count at full area.
            scaledByTbdlmj: s2.get(p.id)?.scaled ?? null,
          }
        : null,
      footprint: inputs.buildings
        ? { m2: m2(footprint), ratio: area.m2 > 0 ? footprint / area.m2 : 0, buildings: fp.get(p.id)?.ids.length ?? 0, excludedTypes: config.footprintExcludedTypes }
        : null,
      survey3: (s3.get(p.id) ?? []).map((r: { code: string | null; name: string | null; m2: number; apportionedM2: number | null }) => ({
        code: r.code,
        name: r.name,
        m2: m2(r.m2),
        mu: mu(r.m2),
        apportionedM2: r.apportionedM2 === null ? null : m2(r.apportionedM2),
      })),
      conflicts: {
        approvedUnsupplied: au ? { m2: m2(au.get(p.id)?.m2 ?? 0), ids: au.get(p.id)?.ids ?? [] } : null,
        idleLand: idle ? { m2: m2(idle.get(p.id)?.m2 ?? 0), ids: idle.get(p.id)?.ids ?? [] } : null,
        outsidePlan: outside ? { m2: m2(outside.get(p.id)?.m2 ?? 0) } : null,
      },
      stockArea: { ...stock, m2: stock.m2 === null ? null : m2(stock.m2), mu: stock.m2 === null ? null : mu(stock.m2) },
      checks,
      eligible: eligibility(checks),
      inputs,
      computedAt,
    }
  })
  await q.storeResults(knex, results.map((r) => ({ projectId: r.projectId, county, inputs, result: r, eligible: r.eligible })))
  return results
}

export async function analyzeProject(knex: Knex, actor: Actor, projectId: number, config: AnalysisConfig = analysisDefaults) {
  const project = await getProject(knex, actor, projectId)
  const [result] = await analyzeProjects(knex, project.county, [project as ProjectForAnalysis], config)
  return result!
}

/** The pieces behind the numbers, as a GeoJSON FeatureCollection (lon/lat, CGCS2000) for QGIS. */
export async function analysisPieces(knex: Knex, actor: Actor, projectId: number, config: AnalysisConfig = analysisDefaults) {
  const project = await getProject(knex, actor, projectId)
  const inputs = await q.activeInputs(knex, project.county)
  const rows = await q.pieces(knex, projectId, inputs, config.survey2ConstructionCodes, config.footprintExcludedTypes)
  return {
    type: 'FeatureCollection' as const,
    features: rows.map((r, i) => ({
      type: 'Feature' as const,
      id: i + 1,
      properties: { role: r.role, projectId, code: r.code, name: r.name, ref: r.ref, m2: m2(r.m2) },
      geometry: r.geometry,
    })),
  }
}
