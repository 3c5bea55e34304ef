// A running job's progress as its row shows it (pollers, the console's bar, the CLI): written at
// most a few times a second and one write at a time, so progress never costs the job its speed and
// no write lands after the job's final state.
import type { Knex } from 'knex'
import { activeStatuses, type JobKind } from './kinds.js'

/** Fewer progress writes than this apart are folded into the next one: a few a second keep pollers current. */
const progressIntervalMs = 250

/** The row's progress and the kind's own columns, written at most a few times a second, one write at a time. */
export class ProgressWriter {
  private pending: Record<string, unknown> | null = null
  private writing: Promise<void> | null = null
  private last = 0

  constructor(
    private readonly knex: Knex,
    private readonly kind: JobKind,
    private readonly id: number,
  ) {}

  set(fraction: number, columns: Record<string, unknown> = {}): void {
    this.pending = { ...this.pending, ...columns, progress: fraction }
    if (this.writing || Date.now() - this.last < progressIntervalMs) return
    const row = this.pending
    this.pending = null
    this.last = Date.now()
    // A lost write is only a stale progress figure: the final state carries the job's figures.
    this.writing = this.knex(this.kind.table)
      .where({ id: this.id })
      .whereIn('status', activeStatuses)
      .update(row)
      .then(
        () => {},
        () => {},
      )
      .finally(() => (this.writing = null))
  }

  /** Waits for a write in flight, so that none lands after the final state. */
  async settled(): Promise<void> {
    await this.writing
    this.pending = null
  }
}
