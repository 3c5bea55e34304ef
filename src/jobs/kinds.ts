// The kinds of long work the service runs: each says how its row is created, how it runs, what an
// unfinished job leaves behind, and whether an interrupted one may run again. The lifecycle
// (lifecycle.ts), the runner and the owner (jobs.ts) treat them all alike and know none of them.
import type { Knex } from 'knex'
import type { Actor, AuditDescription } from '../auth/actor.js'
import type { Scope } from '../domain/region.js'
import type { ActivationHooks } from './hooks.js'
import type { FollowUp, JobKindKey } from './keys.js'

/** What each kind is started with; every feature adds its own entry (`declare module`) next to its kind. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface JobParamsByKind {}

export type ParamsOf<K extends JobKindKey> = K extends keyof JobParamsByKind ? JobParamsByKind[K] : never

export type FinalStatus = 'succeeded' | 'failed' | 'cancelled'
export const activeStatuses = ['queued', 'running'] as const

/** The reason (AbortSignal.reason) a stop of the service aborts the running job with: nobody cancelled it. */
export const serviceStop = Object.freeze({ stop: 'the service is stopping' })
/** Whether a job's abort came from a stop of the service, not a user's cancel. */
export const stoppedByService = (signal?: AbortSignal): boolean => signal?.aborted === true && signal.reason === serviceStop
/** What a job a stop of the service aborted says: it fails, to be submitted again. */
export const stoppedSaid = { message: 'interrupted by a stop of the service; start it again', messageZh: '服务停止，任务中断：请重新提交' } as const

/** How a run ended without throwing: succeeded, or failed with a report of its own (an import's bad records). */
export interface JobOutcome {
  status?: 'succeeded' | 'failed'
  /** the kind's own columns of the final row (report, counts) */
  columns?: Record<string, unknown>
  followUps?: FollowUp[]
}

/** What a running job is given by the lifecycle. */
export interface JobContext<P> {
  knex: Knex
  id: number
  params: P
  signal: AbortSignal
  hooks: ActivationHooks
  /** Progress for the row (a few writes a second at most) and for listeners (the CLI's bar). */
  progress(fraction: number, columns?: Record<string, unknown>, label?: string): void
  /**
   * Records success inside the job's own last transaction, so that what the job commits and its
   * final state commit together: no stop can leave one without the other.
   */
  succeed(trx: Knex.Transaction, outcome?: JobOutcome): Promise<void>
  /**
   * A commit of the job's own that is not its end (one layer of a survey database, a version of its
   * own), called inside `trx` before the job writes to its row there: waits for the progress write in
   * flight (so that none lands after it), and makes this process the owner of the follow-ups recorded
   * in `trx`, to be started once the job has ended, however it ends (a stop before: the next start).
   */
  checkpoint(trx: Knex.Transaction, followUps?: FollowUp[]): Promise<void>
}

export interface JobKind<K extends JobKindKey = JobKindKey> {
  key: K
  /** the table holding one row per job, with status, progress, errors, started_at, finished_at */
  table: 'import_jobs' | 'analysis_runs' | 'bundle_runs'
  /** the row's URL under the API, without the id */
  path: string
  /** what users call one job of the kind, in messages: 'import' / '导入任务' */
  noun: { en: string; zh: string }
  /** the audit log's object type and action prefix (import_job / import.cancel) */
  audit: { objectType: string; action: string }
  /** Checks the params (bad input, scope) and inserts the queued row in the caller's transaction. */
  insert(trx: Knex.Transaction, actor: Actor, params: ParamsOf<K>): Promise<{ id: number; audit: Omit<AuditDescription, 'objectId'> }>
  run(ctx: JobContext<ParamsOf<K>>): Promise<JobOutcome | void>
  /** The row as the API shows it (at least status and county), in the key's scope (404 problem otherwise). */
  get(knex: Knex, id: number, scope: Scope): Promise<any>
  /** Removes what an unfinished job wrote (a version being loaded, bundles of a run). Idempotent. */
  removePartial(knex: Knex, id: number): Promise<void>
  /**
   * The params of an interrupted job that is to run again rather than fail (a recorded follow-up),
   * read from its row; null: it fails. What `run` does must then be safe to do twice.
   */
  resumable?(knex: Knex, id: number): Promise<ParamsOf<K> | null>
  /** Written with the final state, in its transaction (the import's `import.finish` audit row). */
  ended?(trx: Knex.Transaction, id: number, status: FinalStatus, outcome: JobOutcome): Promise<void>
  /**
   * At start, after the interrupted jobs were settled: what no job owns any more (versions left
   * loading, upload files), sparing what the live jobs of other processes hold; a file younger
   * than heartbeatLimitSeconds may be an upload whose job is not written yet.
   */
  atStart?(knex: Knex, o: { heartbeatLimitSeconds: number }): Promise<void>
  /** The user's text for an error the run did not expect (the import prefixes `internal error:`). */
  errorMessage?(err: unknown): string
}

export const jobKey = (kind: JobKindKey, id: number) => `${kind}:${id}`
