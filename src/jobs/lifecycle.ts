// One lifecycle for every job row: queued → running → succeeded | failed | cancelled. Failing a job
// removes what it wrote; when that cannot be done now (the database is away), it is retried, and
// what is still left is cleared at the next start by recoverInterruptedJobs.
import type { Knex } from 'knex'
import { jobKind, registeredJobKinds, type JobKindKey } from './kinds.js'

export type FinalStatus = 'succeeded' | 'failed' | 'cancelled'

export async function markRunning(knex: Knex, kind: JobKindKey, id: number): Promise<void> {
  await knex(jobKind(kind).table).where({ id }).update({ status: 'running', started_at: knex.fn.now() })
}

/** The one text a user reads for an error: the database's message without the SQL knex prefixes. */
export function errorText(err: unknown): string {
  const e = err as Error & { code?: string }
  if (lostConnection(e)) return 'the database connection was lost while the job ran; nothing it wrote was kept. Start it again'
  return (e?.message ?? String(err)).split(' - ').at(-1)!
}

/** A dropped or refused database connection, as node-pg and PostgreSQL report it. */
export function lostConnection(e: (Error & { code?: string }) | null | undefined): boolean {
  if (!e) return false
  return (
    ['57P01', '57P02', '57P03', '08006', '08003', '08001', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE'].includes(e.code ?? '') ||
    /Connection terminated|connection is closed|Client was closed/i.test(e.message ?? '')
  )
}

/** Marks a job that has not ended as failed (or cancelled), after removing its partial rows. */
export async function failJob(knex: Knex, kind: JobKindKey, id: number, opts: { message: string; status?: 'failed' | 'cancelled' }): Promise<boolean> {
  const k = jobKind(kind)
  await k.removePartial(knex, id)
  const n = await knex(k.table)
    .where({ id })
    .whereIn('status', ['queued', 'running'])
    .update({ status: opts.status ?? 'failed', finished_at: knex.fn.now(), errors: JSON.stringify([{ message: opts.message }]) })
  return n > 0
}

/**
 * The second path: a job whose own error handling failed (its connection was gone) is failed from
 * here, a few times over a minute while the pool reconnects. Never rejects.
 */
export async function failJobEventually(
  knex: Knex,
  kind: JobKindKey,
  id: number,
  message: string,
  opts: { attempts?: number; delayMs?: number; status?: 'failed' | 'cancelled' } = {},
): Promise<boolean> {
  const attempts = opts.attempts ?? 6
  for (let i = 0; i < attempts; i++) {
    try {
      await failJob(knex, kind, id, { message, status: opts.status })
      return true
    } catch {
      await new Promise((r) => setTimeout(r, (opts.delayMs ?? 500) * 2 ** i))
    }
  }
  return false
}

/** At start: every job of every kind that was queued or running when the service stopped is failed, its rows removed. */
export async function recoverInterruptedJobs(knex: Knex): Promise<Record<JobKindKey, number>> {
  const counts = {} as Record<JobKindKey, number>
  for (const k of registeredJobKinds()) {
    const rows: Array<{ id: number }> = await knex(k.table).select('id').whereIn('status', ['queued', 'running'])
    for (const { id } of rows) await failJob(knex, k.key, id, { message: 'interrupted by a stop of the service; start it again' })
    counts[k.key] = rows.length
  }
  return counts
}
