// The names of the kinds of long work, and a reference to one job: what the activation hooks
// (hooks.ts), the kinds (kinds.ts) and the owner (jobs.ts) all speak of.

export type JobKindKey = 'import' | 'analysis' | 'bundles'

/** A job to run after another one ends, recorded (as a queued row) in the transaction that made it necessary. */
export interface FollowUp {
  kind: JobKindKey
  id: number
}
