// One lifecycle for every job row: queued → running → succeeded | failed | cancelled. Only this
// module writes a final state. Ending a job that did not succeed removes what it wrote, in the
// transaction that records its end; when that cannot be done now (the database is away), it is
// retried, and what is still left is handled at the next start (jobs.ts, recover).
import type { Knex } from 'knex'
import { connectionLost, diskFull } from '../db/connection.js'
import { activeStatuses, type FinalStatus, type JobKind, type JobOutcome } from './kinds.js'
import { ownerColumns, type JobOwner } from './owner.js'

/**
 * Starts a queued job as `owner`'s; false when it is no longer queued (a cancel ended it first) or
 * another owner has taken it (a start that found this process gone): then it must not run here.
 */
export async function markRunning(knex: Knex, kind: JobKind, id: number, owner: JobOwner): Promise<boolean> {
  const taken = await knex(kind.table)
    .where({ id, status: 'queued' })
    .where((q) => q.whereNull('owner').orWhere('owner', owner.id))
    .update({ status: 'running', started_at: knex.fn.now(), ...ownerColumns(knex, owner) })
  return taken > 0
}

/** The one text a user reads for an error: the database's message without the SQL knex prefixes. */
export function errorText(err: unknown): string {
  const e = err as Error & { code?: string }
  if (lostConnection(e)) return 'the database connection was lost while the job ran; nothing it wrote was kept. Start it again'
  if (diskFull(e)) return diskFullSaid.message
  return (e?.message ?? String(err)).split(' - ').at(-1)!
}

/** A dropped or refused database connection, as node-pg and PostgreSQL report it (one definition: src/db/connection.ts). */
export const lostConnection = connectionLost

/** The disk is full (one definition: src/db/connection.ts). */
export { diskFull }

/** What a job that ran out of disk says: nothing it wrote was kept, and what to do. */
export const diskFullSaid = {
  message:
    "the disk is full (the data directory's, or the database server's); nothing of the job was kept. Free space or enlarge the disk, then start it again",
  messageZh: '磁盘已满（数据目录或数据库服务器的磁盘）：任务未完成，已写入的数据已撤销。请清理或扩充磁盘后重新提交',
}

export interface Ending {
  status: FinalStatus
  outcome?: JobOutcome
  /** the error shown when the outcome brings no errors of its own (messageZh: its Chinese, for the console) */
  messageZh?: string
  message?: string
}

/**
 * Writes the final state of a job that has not ended, in `trx`: for any end but success, its
 * partial rows go first, in the same transaction. Returns false when the job had ended already
 * (then nothing is written or removed: an ended run's rows may be the county's current ones).
 */
export async function endJob(trx: Knex.Transaction, kind: JobKind, id: number, end: Ending): Promise<boolean> {
  const row = await trx(kind.table).first('status').where({ id }).forUpdate()
  if (!row || !(activeStatuses as readonly string[]).includes(row.status)) return false
  if (end.status !== 'succeeded') await kind.removePartial(trx, id)
  const columns = { ...end.outcome?.columns }
  if (end.message && columns.errors === undefined) columns.errors = JSON.stringify([{ message: end.message, messageZh: end.messageZh ?? end.message }])
  await trx(kind.table)
    .where({ id })
    .update({ ...columns, status: end.status, finished_at: trx.fn.now(), ...(end.status === 'succeeded' && { progress: 1 }) })
  await kind.ended?.(trx, id, end.status, end.outcome ?? {})
  return true
}

/**
 * The second path: a job whose end could not be written (its connection was gone) is ended from
 * here, a few times over a minute while the pool reconnects. Never rejects; false if it gave up.
 */
export async function endJobEventually(knex: Knex, kind: JobKind, id: number, end: Ending, opts: { attempts?: number; delayMs?: number } = {}) {
  const attempts = opts.attempts ?? 6
  for (let i = 0; i < attempts; i++) {
    try {
      await knex.transaction((trx) => endJob(trx, kind, id, end))
      return true
    } catch {
      if (i < attempts - 1) await new Promise((r) => setTimeout(r, (opts.delayMs ?? 500) * 2 ** i))
    }
  }
  return false
}

/**
 * A job to run again (a resumed follow-up) that has not ended: what it wrote goes, and it is queued
 * as if new, as `owner`'s when given (a start resuming it), else still its owner's.
 */
export async function requeueJob(knex: Knex, kind: JobKind, id: number, owner?: JobOwner): Promise<boolean> {
  return knex.transaction(async (trx) => {
    const row = await trx(kind.table).first('status').where({ id }).forUpdate()
    if (!row || !(activeStatuses as readonly string[]).includes(row.status)) return false
    await kind.removePartial(trx, id)
    await trx(kind.table)
      .where({ id })
      .update({ status: 'queued', progress: 0, started_at: null, ...(owner && ownerColumns(trx, owner)) })
    return true
  })
}
