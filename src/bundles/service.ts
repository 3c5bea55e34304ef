// Bundling use cases: runs as jobs (started by a user or following an import), read as GeoJSON, make a project of a bundle.
import { groupBy } from '../collections.js'
import type { Knex } from 'knex'
import { activeInputs } from '../analysis/queries.js'
import { auditedWrite, type Actor } from '../auth/actor.js'
import { activeBundleRun, activeDataset } from '../db/read-model.js'
import { whereInScope } from '../db/scope.js'
import { analysisDefaults, survey2LandOf } from '../domain/analysis-config.js'
import { bundleDefaults, classifyNeighbours, holeEnclave, memberFlags, type Enclave, type Flag, type NeighbourFacts } from '../domain/bundles.js'
import { countyProblem, inScope, type Scope } from '../domain/region.js'
import { roundTo, toMu } from '../domain/units.js'
import { problem } from '../errors/index.js'
import { insertProject, projectCodeExists } from '../projects/queries.js'
import type { ActivationHook } from '../jobs/hooks.js'
import { faultPoint } from '../jobs/fault-points.js'
import type { JobContext, JobKind } from '../jobs/kinds.js'
import * as q from './queries.js'

export interface BundleParams {
  gapMeters: number
  minBundleM2: number
}

export interface BundleRunParams extends BundleParams {
  county: string
}

declare module '../jobs/kinds.js' {
  interface JobParamsByKind {
    bundles: BundleRunParams
  }
}

/** Computes the bundles of a run from the county's active plots layer; they become current with the run's success. */
async function computeBundles(ctx: JobContext<BundleRunParams>) {
  const { knex, id: runId, signal } = ctx
  const { county, ...params } = ctx.params
  const stopIfCancelled = () => {
    if (signal.aborted) throw new Error('cancelled')
  }
  const plots = await activeDataset(knex, 'plots', county).first('id')
  if (!plots) throw problem('LR_CONFLICT', `county ${county} has no plots layer (低效用地图斑) loaded`, { detailZh: '尚未导入低效用地图斑' })
  await knex('bundle_runs').where({ id: runId }).update({ plots_dataset_id: plots.id })
  const { count, srid } = await q.insertBundles(knex, runId, county, plots.id, params.gapMeters)
  const run: q.Run = { id: runId, county, srid }
  await faultPoint('bundles.written', knex)
  await q.analyzeBundles(knex)
  stopIfCancelled()
  ctx.progress(0.5)
  const inputs = await activeInputs(knex, county)
  // the stock land as the analysis cuts it (src/db/analysis-cut.ts survey2StockLand): the construction codes,
  // without the patches changed after the 2009 baseline when the configuration leaves them out
  const survey2 = inputs.survey2 ? { datasetId: inputs.survey2.datasetId, land: survey2LandOf(analysisDefaults) } : null
  const [gaps, facts, construction, neighbours] = await Promise.all([
    q.enclosedGaps(knex, run, survey2),
    q.memberFacts(knex, run, plots.id),
    survey2 ? q.bundleConstruction(knex, run, plots.id, survey2) : null,
    inputs.survey3
      ? q.neighbourPieces(knex, run, plots.id, inputs.survey3.datasetId, survey2, {
          enclaveMinShare: bundleDefaults.enclaveMinShare,
          cornerMaxM2: bundleDefaults.cornerMaxM2,
          toleranceM: bundleDefaults.sharedToleranceM,
          minWidthM: bundleDefaults.sliverWidthM,
          minPieceM2: bundleDefaults.minPieceM2,
          minSharedM: bundleDefaults.minSharedM,
        })
      : [],
  ])
  stopIfCancelled()
  ctx.progress(0.9)
  const byBundle = groupBy(facts, (f) => f.bundleId)
  const holesOf = groupBy(gaps, (g) => g.bundleId)
  const neighboursOf = groupBy(neighbours, (n) => n.bundleId)
  const c = { minBundleM2: params.minBundleM2, cornerMaxM2: bundleDefaults.cornerMaxM2, enclaveMinShare: bundleDefaults.enclaveMinShare }
  await q.updateBundles(
    knex,
    county,
    [...byBundle].map(([id, members]) => {
      const around = classifyNeighbours((neighboursOf.get(id) ?? []) as NeighbourFacts[], c)
      const holes: Enclave[] = (holesOf.get(id) ?? []).map(({ bundleId: _, ...h }) => holeEnclave(h))
      const flags: Flag[] = [...memberFlags(members, c), ...around.flags]
      return { id, flags, enclosedGaps: [...holes, ...around.enclaves], survey2ConstructionM2: construction ? (construction.get(id) ?? 0) : null }
    }),
  )
  stopIfCancelled()
  // The run's bundles become the county's current ones in the transaction that records its success.
  await knex.transaction(async (trx) => {
    await q.activateRun(trx, runId, county)
    await ctx.succeed(trx, { columns: { bundle_count: count } })
    await faultPoint('bundles.inside-activation', trx)
  })
}

const checkCounty = (actor: Actor, county: string) => {
  const why = countyProblem(county)
  if (why) throw problem('LR_BAD_REQUEST', why, { detailZh: `县级行政区划代码 ${county} 无效`, errors: [{ field: 'county', message: why }] })
  if (!inScope(actor.scope, county))
    throw problem('LR_FORBIDDEN', `this key may not bundle plots of county ${county}`, { detailZh: `本密钥无权处理 ${county} 的图斑` })
}

/**
 * Bundle runs in the one job lifecycle: an unfinished run leaves the bundles it inserted. A run that
 * follows an import (after_import_job_id) was recorded with the new version and runs again after a
 * stop: it removes its own rows first and computes from the active plots, so twice gives the same.
 */
export const bundleJobKind: JobKind<'bundles'> = {
  key: 'bundles',
  table: 'bundle_runs',
  path: '/api/v1/bundles/runs',
  noun: { en: 'bundle run', zh: '连片组团任务' },
  audit: { objectType: 'bundle_run', action: 'bundle' },
  async insert(trx, actor, { county, ...params }) {
    checkCounty(actor, county)
    const [row] = await trx('bundle_runs')
      .insert({ xzqdm: county, gap_meters: params.gapMeters, min_bundle_m2: params.minBundleM2, created_by: actor.principal.prefix })
      .returning('id')
    return { id: row.id as number, audit: { action: 'bundle.run', objectType: 'bundle_run', county, detail: { ...params } } }
  },
  run: computeBundles,
  get: getBundleRun,
  async removePartial(knex, id) {
    await knex('bundles').where({ run_id: id }).delete()
  },
  async resumable(knex, id) {
    const row = await knex('bundle_runs').first('xzqdm', 'gap_meters', 'min_bundle_m2', 'after_import_job_id').where({ id })
    if (!row?.after_import_job_id) return null
    return { county: row.xzqdm, gapMeters: row.gap_meters, minBundleM2: row.min_bundle_m2 }
  },
}

/**
 * After a new plots (or land) version: bundles follow their plots, and their enclaves and 边角地 the
 * land around them. A bundle run of its own (progress, cancel), recorded in the activation's
 * transaction with the parameters of the county's current bundles.
 */
export const rebundleHook: ActivationHook = async (trx, e) => {
  const landLayer = e.layer === 'survey3' || e.layer === 'survey2'
  if (!(e.layer === 'plots' || (landLayer && (await hasCurrentBundles(trx, e.county))))) return { notes: [] }
  const last = await activeBundleRun(trx, e.county).first('gap_meters', 'min_bundle_m2')
  const params = last
    ? { gapMeters: last.gap_meters, minBundleM2: last.min_bundle_m2 }
    : { gapMeters: bundleDefaults.gapMeters, minBundleM2: bundleDefaults.minBundleM2 }
  const [run] = await trx('bundle_runs')
    .insert({
      xzqdm: e.county,
      gap_meters: params.gapMeters,
      min_bundle_m2: params.minBundleM2,
      created_by: `import:${e.importJobId}`,
      after_import_job_id: e.importJobId,
    })
    .returning('id')
  const url = `${bundleJobKind.path}/${run.id}`
  return {
    notes: [
      {
        message: `${e.layer}: the contiguous bundles are recomputed by bundle run ${run.id} (${url})`,
        messageZh: `连片分析将由第 ${run.id} 次连片计算重新生成`,
      },
    ],
    followUps: [{ kind: 'bundles', id: run.id as number }],
  }
}

export async function hasCurrentBundles(knex: Knex, county: string): Promise<boolean> {
  return Boolean(await activeBundleRun(knex, county).first('id'))
}

export async function getBundleRun(knex: Knex, id: number, scope: Scope) {
  const run = await whereInScope(
    knex('bundle_runs')
      .first({
        id: 'id',
        county: 'xzqdm',
        status: 'status',
        progress: 'progress',
        gapMeters: 'gap_meters',
        minBundleM2: 'min_bundle_m2',
        active: 'active',
        bundleCount: 'bundle_count',
        afterImportJobId: 'after_import_job_id',
        errors: 'errors',
        createdAt: 'created_at',
        finishedAt: 'finished_at',
      })
      .where({ id }),
    scope,
  )
  if (!run) throw problem('LR_NOT_FOUND', `bundle run ${id} not found`)
  return run
}

type BundleRow = Awaited<ReturnType<typeof q.activeBundles>>[number]
type MadeProjects = Awaited<ReturnType<typeof q.projectsFromBundles>>

function feature(b: BundleRow, made: MadeProjects) {
  return {
    type: 'Feature' as const,
    id: b.id,
    properties: {
      bundleId: b.id,
      county: b.county,
      members: b.members,
      memberCount: b.members.length,
      m2: roundTo(b.m2, 2),
      mu: roundTo(toMu(b.m2), 4),
      meetsMinArea: b.m2 >= b.minBundleM2,
      minBundleMu: roundTo(toMu(b.minBundleM2), 4),
      survey2ConstructionM2: b.survey2ConstructionM2 === null ? null : roundTo(b.survey2ConstructionM2, 2),
      enclosedGaps: b.enclosedGaps,
      flags: b.flags,
      gapMeters: b.gapMeters,
      runId: b.runId,
      /** projects made from this bundle (已立项), oldest first; empty when none */
      projects: made.get(b.id) ?? [],
    },
    geometry: b.geometry,
  }
}

async function features(knex: Knex, rows: BundleRow[]) {
  const made = rows.length
    ? await q.projectsFromBundles(
        knex,
        rows[0]!.county,
        rows.map((b) => b.id),
      )
    : new Map()
  return rows.map((b) => feature(b, made))
}

export async function bundlesOfCounty(knex: Knex, actor: Actor, county: string) {
  if (!inScope(actor.scope, county)) return { type: 'FeatureCollection' as const, features: [] }
  return { type: 'FeatureCollection' as const, features: await features(knex, await q.activeBundles(knex, county)) }
}

/**
 * A bundle's land piece by piece, for the map: each member plot with the flags it carries (边角地, 插花地,
 * 零散, or none), the non-member 边角地 beside it and its 夹心地 (holes and enclosed land), each with
 * the rule, the measured figures and the reason in Chinese.
 */
export async function bundlePieces(knex: Knex, actor: Actor, bundleId: number) {
  const b = await q.bundleById(knex, bundleId)
  if (!b || !inScope(actor.scope, b.county))
    throw problem('LR_NOT_FOUND', `bundle ${bundleId} not found`, { detailZh: `组团 ${bundleId} 不存在或不在权限范围内` })
  const flags = (b.flags ?? []) as Flag[]
  const why = ({ flag, rule, measured, reason, reasonZh }: Flag) => ({ flag, rule, measured, reason, reasonZh })
  const members = (await q.bundleMembers(knex, bundleId, b.county)).map((m) => {
    const own = flags.filter((f) => f.member && f.plot === m.code)
    return {
      type: 'Feature' as const,
      properties: {
        piece: 'member',
        plot: m.code,
        m2: roundTo(m.m2, 2),
        zldwdm: m.zldwdm,
        qsdwdm: m.qsdwdm,
        flags: own.map((f) => f.flag),
        reasons: own.map(why),
      },
      geometry: m.geometry,
    }
  })
  const corners = flags
    .filter((f) => !f.member && f.geometry)
    .map((f) => ({
      type: 'Feature' as const,
      properties: { piece: 'land', patch: f.patch ?? null, m2: roundTo(f.m2 ?? 0, 2), flags: [f.flag], reasons: [why(f)] },
      geometry: f.geometry,
    }))
  const enclaves = ((b.enclosedGaps ?? []) as Enclave[]).map((e) => ({
    type: 'Feature' as const,
    properties: {
      piece: e.source,
      patch: e.patch ?? null,
      m2: roundTo(e.m2, 2),
      flags: ['enclave'],
      reasons: [{ flag: 'enclave', rule: e.rule, measured: e.measured, reason: e.reason, reasonZh: e.reasonZh }],
    },
    geometry: e.geometry,
  }))
  return { type: 'FeatureCollection' as const, features: [...members, ...corners, ...enclaves] }
}

export async function bundleOfPlot(knex: Knex, actor: Actor, plotId: number) {
  const plot = await whereInScope(knex('low_efficiency_plots').first('id', 'xzqdm').where({ id: plotId }), actor.scope)
  if (!plot) throw problem('LR_NOT_FOUND', `plot ${plotId} not found`, { detailZh: `图斑 ${plotId} 不存在或不在权限范围内` })
  const b = await q.bundleOfPlot(knex, plotId)
  if (!b) throw problem('LR_NOT_FOUND', `plot ${plotId} is in no current bundle; run POST /api/v1/bundles/runs`, { detailZh: '该图斑尚未归入连片组团' })
  return (await features(knex, [b]))[0]
}

/**
 * Makes a project of a bundle: its members and, by default, their 夹心地 (165号 二: 插花地、边角地、夹心地可一并纳入，连片开发)
 * — the holes of the dissolved bundle and the non-member land it encloses. `includeEnclosedGaps: false` leaves them out.
 * The project records the bundle it came from and the scattered land it includes (members flagged 边角地 or 插花地,
 * and the 夹心地 it took in), which its analysis counts beside the database plots and the 2009 construction land.
 */
export async function projectFromBundle(
  knex: Knex,
  actor: Actor,
  bundleId: number,
  opts: { code?: string; name?: string; includeEnclosedGaps?: boolean } = {},
) {
  const b = await q.bundleById(knex, bundleId)
  if (!b || !inScope(actor.scope, b.county))
    throw problem('LR_NOT_FOUND', `bundle ${bundleId} not found`, { detailZh: `组团 ${bundleId} 不存在或不在权限范围内` })
  const projectCode = opts.code?.trim() || `BUNDLE-${b.runId}-${b.bundleNo}`
  if (await projectCodeExists(knex, b.county, projectCode))
    throw problem('LR_CONFLICT', `project code '${projectCode}' already exists in county ${b.county}`, { detailZh: `本县已有项目编号 ${projectCode}` })
  const withGaps = opts.includeEnclosedGaps ?? true
  const gaps = (b.enclosedGaps ?? []) as Enclave[]
  const included = withGaps ? gaps : []
  const geometry = included.length ? await q.bundleProjectGeometry(knex, bundleId, true) : { ewkb: b.ewkb as string }
  const name = opts.name?.trim() || `连片开发 ${b.members.join('、')}${included.length ? `（含夹心地${included.length}处）` : ''}`.slice(0, 500)
  const created = await auditedWrite(
    knex,
    actor,
    async (trx) => {
      const id = await insertProject(trx, { county: b.county, code: projectCode, ewkb: geometry.ewkb, repairs: [], attributes: { name } })
      const scattered = await q.recordScatteredLand(trx, { projectId: id, county: b.county, bundleId, withEnclosedGaps: withGaps })
      return { id, scattered }
    },
    ({ id, scattered }) => ({
      action: 'project.create',
      objectType: 'project',
      objectId: id,
      county: b.county,
      detail: {
        fromBundle: bundleId,
        bundleRun: b.runId,
        members: b.members,
        enclosedGapsIncluded: included.length,
        enclosedGapsM2: roundTo(
          included.reduce((sum, g) => sum + g.m2, 0),
          2,
        ),
        scatteredLand: scattered.map((s) => ({ ...s, m2: roundTo(s.m2, 2) })),
      },
    }),
  )
  return created.id
}
