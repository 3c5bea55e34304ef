// Who holds a job: every process that queues or runs jobs is one owner (a random id, its host and
// pid), written on the job's row with a heartbeat it keeps fresh. A start settles only the jobs
// whose owner is gone, so a service starting beside a command-line import leaves that import alone
// (docs/decisions.md, "Job owners").
import { randomUUID } from 'node:crypto'
import os from 'node:os'
import type { Knex } from 'knex'

export interface JobOwner {
  id: string
  host: string
  pid: number
}

/**
 * This process as a job owner: one per process, not per Jobs instance, because liveness is a
 * process's (two owners in one process would each take the other's pid for a restarted one's).
 */
export const processOwner: JobOwner = { id: randomUUID(), host: os.hostname(), pid: process.pid }

/** The columns that make `owner` the holder of a row, its heartbeat fresh. */
export function ownerColumns(knex: Knex, owner: JobOwner) {
  return { owner: owner.id, owner_host: owner.host, owner_pid: owner.pid, heartbeat_at: knex.fn.now() }
}

/**
 * A heartbeat older than this is a gone owner's: three beats missed, and a margin for a busy
 * database or event loop, so that a live owner is never taken for a gone one over one late beat.
 */
export function heartbeatLimitSeconds(heartbeatSeconds: number): number {
  return 3 * heartbeatSeconds + 15
}

/** A row's owner as read for the decision; `stale` computed by the database, on its own clock. */
export interface OwnerOfRow {
  owner: string | null
  owner_host: string | null
  owner_pid: number | null
  stale: boolean
}

/** The owner columns of a job row and whether its heartbeat is older than `limitSeconds` (the database's clock, not ours). */
export function ownerOfRow(knex: Knex, limitSeconds: number) {
  return ['owner', 'owner_host', 'owner_pid', knex.raw('(heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => ?)) AS stale', [limitSeconds])]
}

/**
 * Whether a job's owner is gone, so that its job is to be settled: no owner recorded (rows from
 * before owners), a heartbeat older than the limit (any host), or on this host a pid that no
 * longer exists (at once after a kill -9: a restart need not wait for the heartbeat to age) or
 * that is this process's own (a restarted container's process has the pid its predecessor had).
 * This process's own jobs are never gone.
 */
export function ownerGone(row: OwnerOfRow, me: JobOwner = processOwner): boolean {
  if (row.owner === me.id) return false
  if (row.owner === null || row.stale) return true
  if (row.owner_host !== me.host || row.owner_pid === null) return false
  return row.owner_pid === me.pid || !processExists(row.owner_pid)
}

/** Signal 0 tests a pid without touching it: ESRCH, no such process; EPERM, one of another user. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}
