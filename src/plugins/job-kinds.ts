// Composition of the job system: each feature's job kind and what must follow a new layer version,
// built into one Jobs owner per app (plugins/jobs.ts), CLI run or benchmark. src/jobs knows none of the features.
import type { Knex } from 'knex'
import { analysisLayers, markCountyStale, markNeighboursStale } from '../analysis/queries.js'
import { analysisJobKind } from '../analysis/runs.js'
import { bundleJobKind, rebundleHook } from '../bundles/service.js'
import { importJobKind } from '../import/jobs.js'
import type { ImportKindOptions } from '../import/job-steps.js'
import { ActivationHooks, type ActivationHook } from '../jobs/hooks.js'
import { Jobs, type JobsOptions } from '../jobs/jobs.js'
import { syncProjectsFromLayer } from '../projects/from-layer.js'

const projectsFromLayer: ActivationHook = async (trx, e) => {
  if (e.layer !== 'projects') return { notes: [] }
  const sync = await syncProjectsFromLayer(trx, e.datasetId, e.county)
  const made = {
    message: `projects: ${sync.created} created, ${sync.updated} updated from this layer`,
    messageZh: `项目：按本图层新建 ${sync.created} 个、更新 ${sync.updated} 个`,
  }
  return { notes: [made, ...sync.skipped] }
}

const staleAnalyses: ActivationHook = async (trx, e) => {
  if (!(analysisLayers as readonly string[]).includes(e.layer)) return { notes: [] }
  const stale = await markCountyStale(trx, e.county)
  const note = {
    message: `${stale} stored project analyses of county ${e.county} are now stale`,
    messageZh: `本县（${e.county}）已保存的 ${stale} 个项目分析结果因图层更新已过期，需重新分析`,
  }
  return { notes: stale ? [note] : [] }
}

/** A county's new boundary moves where its neighbours' projects reaching into it lie (analysis outsideCounty). */
const staleNeighbours: ActivationHook = async (trx, e) => {
  if (e.layer !== 'admin-divisions') return { notes: [] }
  const stale = await markNeighboursStale(trx, e.county)
  const note = {
    message: `${stale} stored analyses of neighbouring counties' projects reaching into county ${e.county} are now stale`,
    messageZh: `相邻县跨入本县（${e.county}）的 ${stale} 个项目分析结果因行政区划更新已过期，需重新分析`,
  }
  return { notes: stale ? [note] : [] }
}

export interface BuildJobsOptions extends ImportKindOptions {
  knex: Knex
  log: JobsOptions['log']
  cancelWaitMs?: number
  maxActivePerActor?: number
  heartbeatSeconds?: number
}

export function buildJobs(o: BuildJobsOptions): Jobs {
  // The order matters: projects first (a projects layer creates them), then bundles, then stale marks.
  const hooks = new ActivationHooks()
    .register('updating projects from the layer', projectsFromLayer)
    .register('re-bundling the plots', rebundleHook)
    .register('marking analyses stale', staleAnalyses)
    .register('marking neighbouring counties’ analyses stale', staleNeighbours)
  return new Jobs({
    knex: o.knex,
    log: o.log,
    hooks,
    kinds: [importJobKind({ dataDir: o.dataDir, limits: o.limits, keepVersions: o.keepVersions }), analysisJobKind, bundleJobKind],
    cancelWaitMs: o.cancelWaitMs,
    maxActivePerActor: o.maxActivePerActor,
    heartbeatSeconds: o.heartbeatSeconds,
  })
}
