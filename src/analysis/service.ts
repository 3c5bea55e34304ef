// Project analysis: measure in PostGIS (set-based, one statement per measure for any number of
// projects, each cut in its own plane: src/db/analysis-cut.ts), judge with the domain rules, keep each result with the
// layer versions it used.
import type { Knex } from 'knex'
import type { Actor } from '../auth/actor.js'
import { analysisDefaults, type AnalysisConfig } from '../domain/analysis-config.js'
import type { UseClass } from '../domain/approach.js'
import { classifyBuildingType, excludedTypes } from '../domain/building-types.js'
import { displayArea, roundKeepingSide } from '../domain/display.js'
import type { Approach } from '../domain/project.js'
import { entryChecks, entryEligibility, rewardCounting, stockArea, type Measures, type ProjectFacts } from '../domain/rules.js'
import { latestAnalysisOf, markAnalysisStale } from '../db/read-model.js'
import { getProject } from '../projects/service.js'
import { analysisSchemaVersion, type AnalysisResult } from '../schemas/analysis.js'
import { projectOverlaps } from './overlaps.js'
import { projectPieces } from './pieces.js'
import { currentResult } from './stored-result.js'
import * as q from './queries.js'

/** A project row as the queries give it: the rules' facts, with enumerations as stored text. */
export interface ProjectForAnalysis extends Omit<ProjectFacts, 'approach' | 'originalUse' | 'newUse'> {
  id: number
  code: string
  county: string
  approach: string
  originalUse: string | null
  newUse: string | null
  geometry?: unknown
}

const m2 = (x: number, thresholds: number[] = []) => roundKeepingSide(x, 2, thresholds)
const verdictZh = (eligible: boolean | null) => (eligible === true ? '符合' : eligible === false ? '不符合' : '无法判定') as AnalysisResult['verdictZh']
const rewardVerdictZh = (counted: boolean | null) =>
  (counted === true ? '计入奖励' : counted === false ? '不计入奖励' : '无法判定') as AnalysisResult['rewardVerdictZh']

/** What every chunk of a county's analysis shares: the active layers and the excluded building types. */
export interface CountyContext {
  inputs: q.Inputs
  excludedTypes: string[]
}

export async function countyContext(knex: Knex, county: string, config: AnalysisConfig): Promise<CountyContext> {
  const inputs = await q.activeInputs(knex, county)
  const types = inputs.buildings ? await q.buildingTypesOf(knex, inputs.buildings.datasetId) : []
  return { inputs, excludedTypes: excludedTypes(types, config.buildingTypeRules) }
}

/** Measures projects of one county against its active layers, each project in its own plane. */
async function measure(knex: Knex, ctx: CountyContext, county: string, ids: number[], config: AnalysisConfig) {
  const { inputs } = ctx
  const cut: q.Cut = { county, ids }
  const empty = new Map<number, never>()
  const [areas, s2, lines, types, fp, au, idle, outside, s3, plots, overlaps] = await Promise.all([
    q.projectAreas(knex, cut),
    inputs.survey2 ? q.survey2Construction(knex, cut, inputs.survey2.datasetId, config.survey2ConstructionCodes) : empty,
    inputs.survey2 && inputs['survey2-lines'] ? q.survey2Lines(knex, cut, inputs['survey2-lines'].datasetId, config.survey2ConstructionCodes) : empty,
    inputs.buildings ? q.buildingTypes(knex, cut, inputs.buildings.datasetId) : new Map<number, Array<{ type: string | null; buildings: number }>>(),
    inputs.buildings ? q.footprints(knex, cut, inputs.buildings.datasetId, ctx.excludedTypes) : empty,
    inputs['approved-unsupplied'] ? q.approvedUnsupplied(knex, cut, inputs['approved-unsupplied'].datasetId) : null,
    inputs['idle-land'] ? q.idleLand(knex, cut, inputs['idle-land'].datasetId) : null,
    inputs['plan-zones'] ? q.outsidePlan(knex, cut, inputs['plan-zones'].datasetId) : null,
    inputs.survey3 ? q.survey3Breakdown(knex, cut, inputs.survey3.datasetId) : new Map<number, never[]>(),
    inputs.plots ? q.onPlots(knex, cut, inputs.plots.datasetId) : null,
    projectOverlaps(knex, cut, { survey2: inputs.survey2?.datasetId, codes: config.survey2ConstructionCodes }),
  ])
  return { inputs, types, areas, s2, lines, fp, au, idle, outside, s3, plots, overlaps }
}

/** Analyses projects of one county against its active layers and stores the results. */
export async function analyzeProjects(
  knex: Knex,
  county: string,
  projects: ProjectForAnalysis[],
  o: { config?: AnalysisConfig; context?: CountyContext } = {},
) {
  if (!projects.length) return []
  // The measures select projects by county and id (one shard when distributed): another county's project would be missed.
  const stranger = projects.find((p) => p.county !== county)
  if (stranger) throw new Error(`project ${stranger.id} is in county ${stranger.county}, not ${county}`)
  const config = o.config ?? analysisDefaults
  const ctx = o.context ?? (await countyContext(knex, county, config))
  const { inputs, types, areas, s2, lines, fp, au, idle, outside, s3, plots, overlaps } = await measure(
    knex,
    ctx,
    county,
    projects.map((p) => p.id),
    config,
  )
  const computedAt = new Date().toISOString()
  const results: AnalysisResult[] = projects.map((p) => {
    const area = areas.get(p.id)!
    // the plane this project was cut in (its county's delivery plane, or its own longitude's zone)
    const srid = area.srid
    const construction = s2.get(p.id)
    const footprint = fp.get(p.id)
    const measures: Measures = {
      areaM2: area.m2,
      planarAreaM2: area.planarM2,
      survey2Loaded: inputs.survey2 !== null,
      survey2ConstructionM2: construction?.m2 ?? 0,
      survey2ConstructionPlanarM2: construction?.planarM2 ?? 0,
      survey2LatestChange: construction?.latestChange ?? null,
      buildingsLoaded: inputs.buildings !== null,
      footprintM2: footprint?.m2 ?? 0,
      footprintPlanarM2: footprint?.planarM2 ?? 0,
      approvedUnsuppliedM2: au ? (au.get(p.id)?.m2 ?? 0) : null,
      idleLandM2: idle ? (idle.get(p.id)?.m2 ?? 0) : null,
      outsidePlanM2: outside ? (outside.get(p.id)?.m2 ?? 0) : null,
      onPlotsM2: plots ? (plots.get(p.id)?.m2 ?? 0) : null,
      overlaps: overlaps.get(p.id) ?? [],
    }
    const facts: ProjectFacts = { ...p, approach: p.approach as Approach, originalUse: p.originalUse as UseClass | null, newUse: p.newUse as UseClass | null }
    const stock = stockArea(measures, facts, undefined, config.capFormulaAtConstruction)
    const checks = entryChecks(measures, facts, stock, config)
    const eligible = entryEligibility(checks)
    const rewardCounted = rewardCounting(checks)
    const a = measures.areaM2
    // Shown numbers keep the side of the thresholds they are judged against (src/domain/display.ts).
    const areaThresholds = [config.minAreaM2, config.smallProjectMaxM2]
    const netPatches = construction?.netM2 ?? 0
    const netLines = lines.get(p.id)?.m2 ?? 0
    return {
      schemaVersion: analysisSchemaVersion,
      projectId: p.id,
      code: p.code,
      county: p.county,
      plane: { epsg: srid, description: `CGCS2000 3° Gauss-Kruger CM ${75 + (srid - 4534) * 3}°E (EPSG:${srid})` },
      area: { ...displayArea(a, areaThresholds), planarM2: m2(area.planarM2, areaThresholds), planarEpsg: srid },
      survey2Construction: inputs.survey2
        ? {
            method: 'gross',
            ...displayArea(measures.survey2ConstructionM2, [a * config.stockShareMin, a * config.builtBefore2010MinShare]),
            planarM2: m2(measures.survey2ConstructionPlanarM2),
            ratio: a > 0 ? measures.survey2ConstructionM2 / a : 0,
            patches: construction?.ids.length ?? 0,
            latestChange: measures.survey2LatestChange,
            codes: [...config.survey2ConstructionCodes],
          }
        : null,
      survey2ConstructionNet: inputs.survey2
        ? {
            method: `net: patch pieces × TBDLMJ/TBMJ${inputs['survey2-lines'] ? ' + linear features × KD × KCBL' : ' (no linear-feature layer loaded)'}`,
            ...displayArea(netPatches + netLines),
            patchesM2: m2(netPatches),
            linesM2: m2(netLines),
            // Patches without TBMJ/TBDLMJ count at full area.
            scaledByTbdlmj: construction?.scaled ?? null,
            ...linesWarning(lines.get(p.id)),
            // The stock is the gross cut (docs/decisions.md, issue 21): this figure is reported beside it.
            usedForStock: false,
          }
        : null,
      footprint: inputs.buildings
        ? {
            ...displayArea(measures.footprintM2, [a * config.footprintRatioMin]),
            planarM2: m2(measures.footprintPlanarM2),
            ratio: a > 0 ? measures.footprintM2 / a : 0,
            buildings: footprint?.ids.length ?? 0,
            types: (types.get(p.id) ?? []).map((t) => {
              const c = classifyBuildingType(t.type, config.buildingTypeRules)
              return { type: t.type, buildings: t.buildings, class: c.class, category: c.category, counted: c.class !== 'excluded' }
            }),
          }
        : null,
      survey3: (s3.get(p.id) ?? []).map((r) => ({
        code: r.code,
        name: r.name,
        ...displayArea(r.m2),
        apportionedM2: r.apportionedM2 === null ? null : m2(r.apportionedM2),
      })),
      conflicts: {
        approvedUnsupplied: au ? { m2: m2(au.get(p.id)?.m2 ?? 0, [0, config.conflictToleranceM2]), ids: au.get(p.id)?.ids ?? [] } : null,
        idleLand: idle ? { m2: m2(idle.get(p.id)?.m2 ?? 0, [0, config.conflictToleranceM2]), ids: idle.get(p.id)?.ids ?? [] } : null,
        outsidePlan: outside ? { m2: m2(outside.get(p.id)?.m2 ?? 0, [0, config.conflictToleranceM2]) } : null,
      },
      onPlots: plots ? { m2: m2(measures.onPlotsM2!), share: a > 0 ? measures.onPlotsM2! / a : 0, plots: plots.get(p.id)?.ids ?? [] } : null,
      overlaps: (overlaps.get(p.id) ?? []).map((o) => ({
        projectId: o.projectId,
        code: o.code,
        status: o.status,
        m2: m2(o.m2, [0, config.conflictToleranceM2]),
        stockM2: m2(o.stockM2, [0, config.conflictToleranceM2]),
      })),
      stockArea: {
        ...stock,
        ...(stock.m2 === null
          ? { m2: null, mu: null }
          : displayArea(stock.m2, a >= config.minAreaM2 && a <= config.smallProjectMaxM2 ? [a * config.stockShareMin] : [])),
        ...(stock.formulaM2 === undefined ? {} : { formulaM2: m2(stock.formulaM2) }),
      },
      checks,
      eligible,
      verdictZh: verdictZh(eligible),
      rewardCounted,
      rewardVerdictZh: rewardVerdictZh(rewardCounted),
      needsReview: checks.filter((c) => c.needsReview).map((c) => c.id),
      nearThreshold: checks.filter((c) => c.nearThreshold).map((c) => c.id),
      inputs,
      computedAt,
    }
  })
  const ids = await q.storeResults(
    knex,
    results.map((r) => ({ projectId: r.projectId, county, inputs, result: r, eligible: r.eligible })),
  )
  return results.map((r, i) => ({ ...r, resultId: ids[i]! }))
}

/**
 * The project's current analysis: the stored result when it is current (inputs unchanged, this
 * schema version, the schema's shape: ./stored-result.ts), computed and stored only when there is
 * none or it is not current (`computedNow` says which). `force` recomputes (POST).
 */
export async function projectAnalysis(knex: Knex, actor: Actor, projectId: number, o: { force?: boolean; config?: AnalysisConfig } = {}) {
  const project = await getProject(knex, actor, projectId)
  if (!o.force) {
    const stored = await latestAnalysisOf(knex, projectId)
    const current = stored && currentResult(stored)
    if (current) return { ...current, resultId: stored.id, computedNow: false, stale: false }
    // of an older schema version, or not the schema's shape: stale for every reader from now on
    if (stored && !stored.stale) await markAnalysisStale(knex, stored)
  }
  const [result] = await analyzeProjects(knex, project.county, [project as ProjectForAnalysis], { config: o.config })
  return { ...result!, computedNow: true, stale: false }
}

/** The pieces behind the numbers, as a GeoJSON FeatureCollection (lon/lat, CGCS2000) for QGIS. */
export async function analysisPieces(knex: Knex, actor: Actor, projectId: number, config: AnalysisConfig = analysisDefaults) {
  const project = await getProject(knex, actor, projectId)
  const rows = await projectPieces(
    knex,
    { id: projectId, county: project.county },
    { constructionCodes: config.survey2ConstructionCodes, rules: config.buildingTypeRules },
  )
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

/** Construction-coded lines inside that the net figure could not read fully: counted and said, never a silent 0. */
function linesWarning(l: { missingKd: number; missingKcbl: number } | undefined) {
  if (!l || (l.missingKd === 0 && l.missingKcbl === 0)) return {}
  const parts = [
    l.missingKd ? `${l.missingKd} 条线状地物缺少宽度（KD），按 0 计` : null,
    l.missingKcbl ? `${l.missingKcbl} 条线状地物缺少扣除比例（KCBL），按全宽计` : null,
  ].filter(Boolean)
  return {
    linesWithoutWidth: l.missingKd,
    linesWithoutShare: l.missingKcbl,
    warningZh: `项目范围内二调建设用地线状地物：${parts.join('；')}，请补全后重新分析`,
  }
}
