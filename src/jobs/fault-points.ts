// Named stages of long work where the fault tests (test/jobs/faults.test.ts) stop a job as a crash
// or a database restart would: there a process started with LR_FAULT_AT=<stage> kills itself
// (SIGKILL, as kill -9: no handler, no cleanup, no rollback but the database's own), and a test in
// the same process may set a hook that runs there (it ends the job's database connection with
// pg_terminate_backend). Recovery must then be clean whichever stage it was: that is what the
// stages are for. Off (no variable, no hook), a stage is one check of a constant.
//
// Read from the environment here rather than from the configuration: it is no setting of the
// service, only a way for a test to crash a real process at a chosen point.
import type { Knex } from 'knex'

/** The stages, in the order a job passes them. */
export const faultPoints = [
  /** the import's row and its upload committed and queued; the run not yet begun (src/import/service.ts) */
  'import.queued',
  /** the source opened (encoding, fields); nothing written for the version yet */
  'import.opened',
  /** the version's datasets row ('loading') and its empty table made */
  'import.version-created',
  /** one batch stored in the version's table, more to come (src/import/load.ts) */
  'import.loading-batch',
  /** every batch stored; the location not yet checked */
  'import.loaded',
  /** indexes built, the table attached as the layer's partition, count and extent written; still 'loading' */
  'import.attached',
  /** planner statistics taken; the switch's transaction not yet begun */
  'import.before-activation',
  /** in the switch's transaction: the version active, the activation hooks run, the job's success written; not committed */
  'import.inside-activation',
  /** the switch committed (the version, what followed it and the job's success); the follow-ups not yet started */
  'import.after-activation',
  /** an analysis run has stored the results of its first chunk of projects, more to come */
  'analysis.chunk-stored',
  /** every project analysed; the superseded results not yet pruned */
  'analysis.before-prune',
  /** a bundle run (a user's, or an import's follow-up) has inserted its bundles; not yet current */
  'bundles.written',
  /** in the bundle run's last transaction: its bundles current, its success written; not committed */
  'bundles.inside-activation',
] as const

export type FaultPointName = (typeof faultPoints)[number]

/**
 * What a test runs at each stage, given the connection the job is working with there (a
 * transaction's inside one), or none where the job holds none.
 */
export type FaultHook = (name: FaultPointName, db: Knex | undefined) => Promise<void> | void

/** `<stage>` or `<stage>@<n>` (its n-th pass: a survey database's second layer) from an environment variable. */
function stageOf(variable: 'LR_FAULT_AT' | 'LR_FAULT_PAUSE_AT'): [string | undefined, number] {
  const value = process.env[variable]
  if (!value) return [undefined, 1]
  const m = /^([^@]+)(?:@([1-9][0-9]*))?$/.exec(value)
  if (!m || !(faultPoints as readonly string[]).includes(m[1]!))
    throw new Error(`${variable}=${value} names no stage; the stages are ${faultPoints.join(', ')} (each may end in @<pass>)`)
  return [m[1], Number(m[2] ?? 1)]
}

// LR_FAULT_AT kills at the stage's pass
const [killAt, killPass] = stageOf('LR_FAULT_AT')
let passes = 0

// LR_FAULT_PAUSE_AT=<stage>[@<n>] holds the job at the stage's n-th pass for LR_FAULT_PAUSE_MS (5 s
// unless set) and says so on stderr: a process test stops the service while a job is surely there,
// instead of making its input large enough to be still running on the day's machine.
const [pauseAt, pausePass] = stageOf('LR_FAULT_PAUSE_AT')
const pauseMs = Number(process.env.LR_FAULT_PAUSE_MS ?? 5000)
let pausePasses = 0

let hook: FaultHook | undefined
let armed = killAt !== undefined || pauseAt !== undefined

/** Sets (or, with undefined, clears) the hook of this process; for tests. */
export function setFaultHook(h: FaultHook | undefined): void {
  hook = h
  armed = killAt !== undefined || pauseAt !== undefined || h !== undefined
}

/** A stage of a job: nothing happens unless a test armed it (see above). */
export function faultPoint(name: FaultPointName, db?: Knex): Promise<void> | void {
  if (!armed) return
  if (name === killAt && ++passes === killPass) process.kill(process.pid, 'SIGKILL')
  if (name === pauseAt && ++pausePasses === pausePass) {
    process.stderr.write(`fault point: paused at ${name} for ${pauseMs} ms\n`)
    return new Promise<void>((resolve) => setTimeout(resolve, pauseMs)).then(() => hook?.(name, db))
  }
  return hook?.(name, db)
}
