// Project analysis: measure in PostGIS (set-based, one statement per measure for any number of
// projects, each cut in its own plane: src/db/analysis-cut.ts), judge with the domain rules, keep each result with the
// layer versions it used.
import type { Knex } from 'knex'
import type { Actor } from '../auth/actor.js'
import { analysisDefaults, survey2LandOf, type AnalysisConfig } from '../domain/analysis-config.js'
import type { UseClass } from '../domain/approach.js'
import { classifyBuildingType, excludedTypes } from '../domain/building-types.js'
import { scatteredLandKinds, scatteredLandKindZh, type ScatteredLandKind } from '../domain/bundles.js'
import { displayArea, m2Text, roundKeepingSide } from '../domain/display.js'
import { comparePlannedUse } from '../domain/plan-use.js'
import { analysisTriggers, type AnalysisTrigger, type TriggeredBy } from '../domain/analysis-triggers.js'
import type { Approach } from '../domain/project.js'
import { countyByCode } from '../domain/regions.js'
import {
  entryChecks,
  entryEligibility,
  rewardCounting,
  stockArea,
  stockOptions,
  type Measures,
  type OutsideCountyMeasure,
  type ProjectFacts,
} from '../domain/rules.js'
import { analysisHistoryOf, approvedAnalysisOf, latestAnalysisOf, markAnalysisStale } from '../db/read-model.js'
import { problem } from '../errors/index.js'
import { getProject } from '../projects/service.js'
import { analysisSchemaVersion, type AnalysisResult } from '../schemas/analysis.js'
import { projectOverlaps } from './overlaps.js'
import { projectPieces, type PieceVersions } from './pieces.js'
import { currentResult } from './stored-result.js'
import * as q from './queries.js'
import type { StatementGate } from '../db/statement-gate.js'

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
export const verdictZh = (eligible: boolean | null) => (eligible === true ? '符合' : eligible === false ? '不符合' : '无法判定') as AnalysisResult['verdictZh']
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
async function measure(knex: Knex, ctx: CountyContext, county: string, ids: number[], config: AnalysisConfig, gate?: StatementGate) {
  const { inputs } = ctx
  const cut: q.Cut = { county, ids, gate }
  const empty = new Map<number, never>()
  const land = survey2LandOf(config)
  const [areas, s2, changed, lines, types, fp, au, idle, outside, planned, s3, plots, overlaps, scattered, outsideCounty] = await Promise.all([
    q.projectAreas(knex, cut),
    inputs.survey2 ? q.survey2Construction(knex, cut, inputs.survey2.datasetId, land) : empty,
    inputs.survey2 ? q.survey2ChangedAfterBaseline(knex, cut, inputs.survey2.datasetId, land) : empty,
    inputs.survey2 && inputs['survey2-lines'] ? q.survey2Lines(knex, cut, inputs['survey2-lines'].datasetId, land) : empty,
    inputs.buildings ? q.buildingTypes(knex, cut, inputs.buildings.datasetId) : new Map<number, Array<{ type: string | null; buildings: number }>>(),
    inputs.buildings ? q.footprints(knex, cut, inputs.buildings.datasetId, ctx.excludedTypes) : empty,
    inputs['approved-unsupplied'] ? q.approvedUnsupplied(knex, cut, inputs['approved-unsupplied'].datasetId) : null,
    inputs['idle-land'] ? q.idleLand(knex, cut, inputs['idle-land'].datasetId) : null,
    inputs['plan-zones'] ? q.outsidePlan(knex, cut, inputs['plan-zones'].datasetId) : null,
    inputs['plan-zones'] ? q.plannedUses(knex, cut, inputs['plan-zones'].datasetId) : null,
    inputs.survey3 ? q.survey3Breakdown(knex, cut, inputs.survey3.datasetId) : new Map<number, never[]>(),
    inputs.plots ? q.onPlots(knex, cut, inputs.plots.datasetId) : null,
    projectOverlaps(knex, cut, { survey2: inputs.survey2?.datasetId, land }),
    q.scatteredLand(knex, cut, {
      plots: inputs.plots?.datasetId,
      survey2: inputs.survey2 ? { datasetId: inputs.survey2.datasetId, land } : undefined,
    }),
    inputs['admin-divisions'] ? q.outsideCounty(knex, cut, inputs['admin-divisions'].datasetId) : null,
  ])
  // Which counties the part outside lies in: every county's boundaries are read, so only for the
  // projects that reach out of theirs (few), in a statement of its own (it fans out when distributed).
  const crossing = outsideCounty ? ids.filter((id) => (outsideCounty.get(id)?.m2 ?? 0) > 0) : []
  const outsideIn =
    crossing.length && inputs['admin-divisions'] ? await q.outsideCountyIn(knex, { county, ids: crossing, gate }, inputs['admin-divisions'].datasetId) : empty
  return { inputs, types, areas, s2, changed, lines, fp, au, idle, outside, planned, s3, plots, overlaps, scattered, outsideCounty, outsideIn }
}

/**
 * Below this a part outside the county is not a place: two counties' boundaries drawn on one line
 * meet with slivers of 10⁻⁶ m², which would be listed as a county (or as unknown) with 0.00 m².
 */
const placeMinM2 = 0.005

/** Where the part of a project outside its county lies, as the result and the rules name it (largest first, the unknown part last). */
function outsideCountyParts(rows: ReadonlyArray<{ county: string | null; m2: number }> | undefined): OutsideCountyMeasure[] {
  const parts = (rows ?? []).filter((r) => r.m2 >= placeMinM2)
  const known = parts.flatMap((r) => (r.county === null ? [] : [{ code: r.county, name: countyByCode(r.county)?.name ?? null, m2: r.m2 }]))
  const unknown = parts.filter((r) => r.county === null).map((r) => ({ code: null, name: null, m2: r.m2 }))
  return [...known, ...unknown]
}

type AnalysisOptions = { config?: AnalysisConfig; context?: CountyContext; triggeredBy?: TriggeredBy; gate?: StatementGate }

/** Analyses projects of one county against its active layers and stores the results. */
export async function analyzeProjects(knex: Knex, county: string, projects: ProjectForAnalysis[], o: AnalysisOptions = {}) {
  return completeAnalyses(knex, county, projects, await measureProjects(knex, county, projects, o), o)
}

/** The measures of projects of one county (the statements only: what completeAnalyses judges and stores). */
export async function measureProjects(knex: Knex, county: string, projects: ProjectForAnalysis[], o: AnalysisOptions = {}) {
  if (!projects.length) return null
  // The measures select projects by county and id (one shard when distributed): another county's project would be missed.
  const stranger = projects.find((p) => p.county !== county)
  if (stranger) throw new Error(`project ${stranger.id} is in county ${stranger.county}, not ${county}`)
  const config = o.config ?? analysisDefaults
  const ctx = o.context ?? (await countyContext(knex, county, config))
  return measure(
    knex,
    ctx,
    county,
    projects.map((p) => p.id),
    config,
    o.gate,
  )
}

/** The results of projects from their measures (measureProjects): checks and figures, stored. */
export async function completeAnalyses(
  knex: Knex,
  county: string,
  projects: ProjectForAnalysis[],
  measured: Awaited<ReturnType<typeof measureProjects>>,
  o: AnalysisOptions = {},
) {
  if (!projects.length || !measured) return []
  const config = o.config ?? analysisDefaults
  const { inputs, types, areas, s2, changed, lines, fp, au, idle, outside, planned, s3, plots, overlaps, scattered, outsideCounty, outsideIn } = measured
  const computedAt = new Date().toISOString()
  const results: AnalysisResult[] = projects.map((p) => {
    const area = areas.get(p.id)!
    // the plane this project was cut in (its county's delivery plane, or its own longitude's zone)
    const srid = area.srid
    const construction = s2.get(p.id)
    const later = changed.get(p.id)
    const footprint = fp.get(p.id)
    const netPatches = construction?.netM2 ?? 0
    const netLines = lines.get(p.id)?.m2 ?? 0
    const land = scattered.get(p.id)
    const outsideParts = outsideCountyParts(outsideIn.get(p.id))
    const measures: Measures = {
      areaM2: area.m2,
      planarAreaM2: area.planarM2,
      survey2Loaded: inputs.survey2 !== null,
      survey2ConstructionM2: construction?.m2 ?? 0,
      survey2ConstructionPlanarM2: construction?.planarM2 ?? 0,
      survey2ConstructionNetM2: inputs.survey2 ? netPatches + netLines : null,
      survey2LatestChange: construction?.latestChange ?? null,
      survey2ChangedAfterBaseline: inputs.survey2
        ? { count: later?.patches.length ?? 0, m2: later?.m2 ?? 0, excluded: config.excludeChangedAfterBaseline }
        : null,
      buildingsLoaded: inputs.buildings !== null,
      footprintM2: footprint?.m2 ?? 0,
      footprintPlanarM2: footprint?.planarM2 ?? 0,
      approvedUnsuppliedM2: au ? (au.get(p.id)?.m2 ?? 0) : null,
      idleLandM2: idle ? (idle.get(p.id)?.m2 ?? 0) : null,
      outsidePlanM2: outside ? (outside.get(p.id)?.m2 ?? 0) : null,
      plannedUse: planned ? (planned.get(p.id) ?? { areas: [], codedM2: 0 }) : null,
      onPlotsM2: plots ? (plots.get(p.id)?.m2 ?? 0) : null,
      overlaps: overlaps.get(p.id) ?? [],
      ...(land
        ? {
            scatteredLandM2: land.m2,
            scatteredOffPlotsM2: land.offPlotsM2,
            scatteredOffConstructionM2: land.offConstructionM2,
            scatteredOffConstructionPlanarM2: land.offConstructionPlanarM2,
          }
        : {}),
      outsideCountyM2: outsideCounty ? (outsideCounty.get(p.id)?.m2 ?? 0) : null,
      outsideCountyIn: outsideParts,
    }
    const facts: ProjectFacts = { ...p, approach: p.approach as Approach, originalUse: p.originalUse as UseClass | null, newUse: p.newUse as UseClass | null }
    const stock = stockArea(measures, facts, undefined, stockOptions(config))
    // which figure the stock is: only a default-approach stock is one of them (a formula is compared with it)
    const stockIs = (figure: 'gross' | 'net') => stock.method === 'survey2-construction' && stock.m2 !== null && stock.figure === figure
    // the 15–30 亩 rule's share is of the evidence area when one is recorded (165号 三 提供证明材料中面积)
    const stockThresholds = area.m2 >= config.minAreaM2 && area.m2 <= config.smallProjectMaxM2 ? [(facts.evidenceAreaM2 ?? area.m2) * config.stockShareMin] : []
    const checks = entryChecks(measures, facts, stock, config)
    const eligible = entryEligibility(checks)
    const rewardCounted = rewardCounting(checks)
    const a = measures.areaM2
    // the 15–30 亩 rule's base: the area the evidence states, else the drawn area (src/domain/rules.ts)
    const shareBase = facts.evidenceAreaM2 ?? a
    // Shown numbers keep the side of the thresholds they are judged against (src/domain/display.ts).
    const areaThresholds = [config.minAreaM2, config.smallProjectMaxM2]
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
            ...displayArea(measures.survey2ConstructionM2, [
              shareBase * config.stockShareMin,
              a * config.builtBefore2010MinShare,
              a * config.builtBefore2010MinConstructionShare,
            ]),
            planarM2: m2(measures.survey2ConstructionPlanarM2),
            ratio: a > 0 ? measures.survey2ConstructionM2 / a : 0,
            patches: construction?.ids.length ?? 0,
            latestChange: measures.survey2LatestChange,
            usedForStock: stockIs('gross'),
            ...(land ? withScattered(measures.survey2ConstructionM2 + land.offConstructionM2, a, config.builtBefore2010MinShare) : {}),
            codes: [...config.survey2ConstructionCodes],
          }
        : null,
      survey2ChangedAfterBaseline: inputs.survey2
        ? changedAfterBaseline(later, construction, lines.get(p.id), { config, linesLoaded: !!inputs['survey2-lines'] })
        : null,
      survey2ConstructionNet: inputs.survey2
        ? {
            method: `net: patch pieces × TBDLMJ/TBMJ${inputs['survey2-lines'] ? ' + linear features × KD × KCBL' : ' (no linear-feature layer loaded)'}`,
            ...displayArea(netPatches + netLines, stockIs('net') ? stockThresholds : []),
            patchesM2: m2(netPatches),
            linesM2: m2(netLines),
            // Patches without TBMJ/TBDLMJ count at full area.
            scaledByTbdlmj: construction?.scaled ?? null,
            ...linesWarning(lines.get(p.id)),
            // The stock is the gross cut unless stockFigure says net (docs/decisions.md, issue 21).
            usedForStock: stockIs('net'),
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
      onPlots: plots
        ? {
            m2: m2(measures.onPlotsM2!),
            share: a > 0 ? measures.onPlotsM2! / a : 0,
            plots: plots.get(p.id)?.ids ?? [],
            ...(land ? withScattered(measures.onPlotsM2! + land.offPlotsM2, a, config.onPlotsMinShare) : {}),
          }
        : null,
      scatteredLand: land ? scatteredLandResult(land) : null,
      planUse: measures.plannedUse ? planUseResult(measures.plannedUse, facts.newUse, a, config) : null,
      overlaps: (overlaps.get(p.id) ?? []).map((o) => ({
        projectId: o.projectId,
        code: o.code,
        status: o.status,
        m2: m2(o.m2, [0, config.conflictToleranceM2]),
        stockM2: m2(o.stockM2, [0, config.conflictToleranceM2]),
      })),
      outsideCounty:
        measures.outsideCountyM2 === null || measures.outsideCountyM2 === undefined
          ? null
          : {
              m2: m2(measures.outsideCountyM2, [0, config.conflictToleranceM2]),
              share: a > 0 ? measures.outsideCountyM2 / a : 0,
              counties: outsideParts.flatMap((x) => (x.code === null ? [] : [{ code: x.code, name: x.name, m2: m2(x.m2) }])),
              unknownM2: m2(outsideParts.find((x) => x.code === null)?.m2 ?? 0),
            },
      stockArea: {
        ...stock,
        ...(stock.m2 === null ? { m2: null, mu: null } : displayArea(stock.m2, stockThresholds)),
        ...(stock.formulaM2 === undefined ? {} : { formulaM2: m2(stock.formulaM2) }),
      },
      evidenceAreaM2: facts.evidenceAreaM2 ?? null,
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
    o.triggeredBy,
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
  const triggeredBy: TriggeredBy = { trigger: o.force ? 'recompute' : 'read', by: actor.principal.prefix }
  const [result] = await analyzeProjects(knex, project.county, [project as ProjectForAnalysis], { config: o.config, triggeredBy })
  return { ...result!, computedNow: true, stale: false }
}

/**
 * The analysis the province approved for the project, as stored when it approved (never recomputed:
 * the province's record, docs/decisions.md issue 20), with when and by whom it approved.
 */
export async function approvedAnalysis(knex: Knex, actor: Actor, projectId: number) {
  const project = await getProject(knex, actor, projectId)
  const stored = await approvedAnalysisOf(knex, { id: projectId, county: project.county })
  if (!stored) throw problem('LR_NOT_FOUND', `project ${projectId} has no approved analysis`, { detailZh: `项目 ${project.code} 尚无省级审批通过时的分析结果` })
  const approval = await knex('project_transitions')
    .first('at', 'key_prefix')
    .where({ project_id: projectId, xzqdm: project.county, action: 'approve' })
    .orderBy('at', 'desc')
  return {
    resultId: stored.id,
    approvedAt: approval ? (approval.at as Date).toISOString() : null,
    approvedBy: (approval?.key_prefix as string | undefined) ?? null,
    computedAt: stored.computedAt.toISOString(),
    schemaVersion: stored.schemaVersion,
    inputsChanged: stored.stale || stored.schemaVersion !== analysisSchemaVersion,
    result: stored.result as Record<string, unknown>,
  }
}

/** The project's stored analyses, newest first, with what started each and the figures a list shows. */
export async function analysisHistory(knex: Knex, actor: Actor, projectId: number, limit = 100) {
  const project = await getProject(knex, actor, projectId)
  const rows = await analysisHistoryOf(knex, { id: projectId, county: project.county }, limit)
  return {
    items: rows.map((r, i) => {
      const trigger = r.trigger && r.trigger in analysisTriggers ? (r.trigger as AnalysisTrigger) : null
      return {
        resultId: r.id,
        computedAt: r.computedAt.toISOString(),
        trigger,
        triggerZh: trigger ? analysisTriggers[trigger].zh : null,
        triggeredBy: r.triggeredBy,
        eligible: r.eligible,
        verdictZh: verdictZh(r.eligible),
        stockAreaM2: r.stockAreaM2 === null ? null : m2(r.stockAreaM2),
        footprintRatio: r.footprintRatio,
        stale: r.stale,
        approved: r.approved,
        latest: i === 0,
      }
    }),
    limit,
  }
}

/** The pieces behind the numbers, as a GeoJSON FeatureCollection (lon/lat, CGCS2000) for QGIS. */
export async function analysisPieces(knex: Knex, actor: Actor, projectId: number, o: { of?: 'current' | 'approved'; config?: AnalysisConfig } = {}) {
  const config = o.config ?? analysisDefaults
  const project = await getProject(knex, actor, projectId)
  const where = { id: projectId, county: project.county }
  const rows = await projectPieces(
    knex,
    where,
    o.of === 'approved' ? await approvedPiecesOptions(knex, project, config) : { survey2: survey2LandOf(config), rules: config.buildingTypeRules },
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

/**
 * The pieces of the analysis the province approved: cut from the layer versions it recorded (kept
 * from purging while it is pinned: read-model versionsInUseOfCounty), with the building types it
 * excluded and the construction codes it counted, so the map shows the land behind the approved numbers.
 */
async function approvedPiecesOptions(knex: Knex, project: { id: number; county: string; code: string }, config: AnalysisConfig) {
  const stored = await approvedAnalysisOf(knex, project)
  if (!stored)
    throw problem('LR_NOT_FOUND', `project ${project.id} has no approved analysis`, { detailZh: `项目 ${project.code} 尚无省级审批通过时的分析结果` })
  const a = stored.result as Partial<AnalysisResult>
  const inputs = (a.inputs ?? {}) as Record<string, { datasetId?: unknown } | null | undefined>
  const versions: PieceVersions = (layer) => {
    const datasetId = inputs[layer]?.datasetId
    return typeof datasetId === 'number' ? { layer, datasetId, county: project.county } : null
  }
  const land = survey2LandOf(config)
  return {
    survey2: {
      ...land,
      codes: a.survey2Construction?.codes ?? land.codes,
      excludeChangedAfter: a.survey2ChangedAfterBaseline?.excluded ?? land.excludeChangedAfter,
    },
    rules: config.buildingTypeRules,
    versions,
    excludedTypes: (a.footprint?.types ?? []).flatMap((t) => (t.class === 'excluded' && t.type !== null ? [t.type] : [])),
  }
}

/** The planned uses inside, grouped by first-level class and compared with the new use (check plan-use). */
function planUseResult(planned: NonNullable<Measures['plannedUse']>, newUse: UseClass | null, areaM2: number, config: AnalysisConfig) {
  const { groups, m2: byRelation } = comparePlannedUse(planned.areas, newUse)
  const threshold = [areaM2 * config.planUseConflictShareMax]
  const summed = groups.reduce((sum, g) => sum + g.m2, 0)
  // Zones of different codes overlapping each other count their common land under each code.
  const overlap = summed - planned.codedM2
  return {
    newUse,
    codedM2: m2(planned.codedM2),
    groups: groups.map((g) => ({ ...g, m2: m2(g.m2), share: areaM2 > 0 ? g.m2 / areaM2 : 0 })),
    byRelation: {
      ...Object.fromEntries(Object.entries(byRelation).map(([r, v]) => [r, m2(v)])),
      conflicts: m2(byRelation.conflicts, threshold),
    } as Record<keyof typeof byRelation, number>,
    ...(overlap > 0.01 && {
      warningZh: `规划分区图层在项目范围内有相互重叠、代码不同的图斑：各类用地面积之和比有代码的用地多${m2(overlap)}平方米，重叠部分分别计入各自的类别`,
    }),
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

/** The most patches changed after the baseline a result lists (count gives them all). */
export const changedPatchesListed = 50

/** 二调图斑 changed after the baseline inside a project, listed with what happened to them, in Chinese. */
function changedAfterBaseline(
  later: { m2: number; patches: q.ChangedPatch[] } | undefined,
  counted: { undated: number; unreadable: number } | undefined,
  lines: { changedAfter: number } | undefined,
  o: { config: AnalysisConfig; linesLoaded: boolean },
) {
  const { config } = o
  const patches = later?.patches ?? []
  const date = config.survey2BaselineDate
  const excluded = config.excludeChangedAfterBaseline
  const lineCount = o.linesLoaded ? (lines?.changedAfter ?? 0) : null
  const undated = counted?.undated ?? 0
  const unreadable = counted?.unreadable ?? 0
  const parts: string[] = []
  if (patches.length)
    parts.push(
      `${patches.length}个二调建设用地图斑变更日期（BGRQ）晚于${date}，面积${m2Text(later!.m2)}，` +
        (excluded ? '不属于2009年底前已建设的土地，未计入二调建设用地和盘活存量面积' : '按配置仍计入二调建设用地和盘活存量面积，请与2009年基期数据核对'),
    )
  else parts.push(`项目范围内无变更日期（BGRQ）晚于${date}的二调建设用地图斑`)
  if (lineCount) parts.push(`${lineCount}条二调建设用地线状地物变更日期晚于${date}，${excluded ? '未计入净面积' : '按配置仍计入净面积'}`)
  if (undated) parts.push(`${undated}个计入的图斑未填变更日期（BGRQ），按2009年基期数据计入`)
  if (unreadable) parts.push(`${unreadable}个计入的图斑变更日期（BGRQ）无法识别，按2009年基期数据计入，请核对`)
  return {
    baselineDate: date,
    excluded,
    count: patches.length,
    ...displayArea(later?.m2 ?? 0),
    items: patches.slice(0, changedPatchesListed).map((x) => ({ ...x, m2: m2(x.m2) })),
    itemsMax: changedPatchesListed,
    lines: lineCount,
    undatedPatches: undated,
    unreadableDatePatches: unreadable,
    noteZh: parts.join('；'),
  }
}

/** Layer land with the project's scattered land beside it (165号 二): the area and share a check judges. */
function withScattered(admittedM2: number, areaM2: number, minShare: number) {
  return { withScatteredLandM2: m2(admittedM2, [areaM2 * minShare]), withScatteredLandShare: areaM2 > 0 ? admittedM2 / areaM2 : 0 }
}

/** The bundle a project came from and the 插花地、边角地、夹心地 recorded then, as measured inside the project. */
function scatteredLandResult(land: q.ScatteredLandRow): NonNullable<AnalysisResult['scatteredLand']> {
  const order = (k: ScatteredLandKind) => scatteredLandKinds.indexOf(k)
  return {
    fromBundle: { bundleId: land.bundleId, runId: land.runId, bundleNo: land.bundleNo },
    ...displayArea(land.m2),
    offPlotsM2: m2(land.offPlotsM2),
    offConstructionM2: m2(land.offConstructionM2),
    kinds: [...land.kinds]
      .sort((x, y) => order(x.kind) - order(y.kind))
      .map((k) => ({ kind: k.kind, kindZh: scatteredLandKindZh[k.kind], pieces: k.pieces, ...displayArea(k.m2) })),
  }
}
