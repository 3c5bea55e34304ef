// Composition of the job system: each feature's job kind and what follows an import, registered
// once for the service, the CLI and the tests. src/jobs knows none of the features.
import type { Knex } from 'knex'
import { analysisLayers, markCountyStale } from '../analysis/queries.js'
import { analysisJobKind } from '../analysis/runs.js'
import { bundleJobKind, rebundleHook } from '../bundles/service.js'
import { importJobKind } from '../import/jobs.js'
import { registerAfterImport, type AfterImportHook } from '../jobs/hooks.js'
import { registerJobKind } from '../jobs/kinds.js'
import { syncProjectsFromLayer } from '../projects/from-layer.js'

const projectsFromLayer: AfterImportHook = async (knex: Knex, e) => {
  if (e.layer !== 'projects') return []
  const sync = await syncProjectsFromLayer(knex, e.datasetId, e.county)
  return [{ message: `projects: ${sync.created} created, ${sync.updated} updated from this layer` }, ...sync.skipped]
}

const staleAnalyses: AfterImportHook = async (knex, e) => {
  if (!(analysisLayers as readonly string[]).includes(e.layer)) return []
  const stale = await markCountyStale(knex, e.county)
  return stale ? [{ message: `${stale} stored project analyses of county ${e.county} are now stale` }] : []
}

export function registerJobKinds(): void {
  registerJobKind(importJobKind)
  registerJobKind(analysisJobKind)
  registerJobKind(bundleJobKind)
  // The order matters: projects first (a projects layer creates them), then bundles, then stale marks.
  registerAfterImport('updating projects from the layer', projectsFromLayer)
  registerAfterImport('re-bundling the plots', rebundleHook)
  registerAfterImport('marking analyses stale', staleAnalyses)
}
