// The kinds of long work the service runs, each with its row table and what an unfinished job of
// that kind leaves behind. The lifecycle (lifecycle.ts) and the runner treat them all alike.
import type { Knex } from 'knex'

export type JobKindKey = 'import' | 'analysis' | 'bundles'

export interface JobKind {
  key: JobKindKey
  /** the table holding one row per job, with status, progress, errors, started_at, finished_at */
  table: 'import_jobs' | 'analysis_runs' | 'bundle_runs'
  /** Removes what an unfinished job wrote (a version being loaded, bundles of a run). Idempotent. */
  removePartial(knex: Knex, id: number): Promise<void>
}

const kinds = new Map<JobKindKey, JobKind>()

/** Registered by each feature (import, analysis, bundles) for itself, so src/jobs knows none of them. */
export function registerJobKind(kind: JobKind): void {
  kinds.set(kind.key, kind)
}

export function jobKind(key: JobKindKey): JobKind {
  const k = kinds.get(key)
  if (!k) throw new Error(`job kind ${key} is not registered`)
  return k
}

export const registeredJobKinds = (): JobKind[] => [...kinds.values()]

export const jobKey = (kind: JobKindKey, id: number) => `${kind}:${id}`
