// Long work runs here, one job at a time in this process, so a county's million-patch import
// does not compete with another for memory. Each job can be cancelled through its AbortSignal.
// A job that rejects is failed by the runner (the second path: its own handler may have failed
// with the same lost connection), so no row stays 'running' while the service lives.
import type { Knex } from 'knex'
import { outsideRequest } from '../db/request-work.js'
import { jobKey, type JobKindKey } from './kinds.js'
import { errorText, failJobEventually } from './lifecycle.js'

export type JobTask = (signal: AbortSignal) => Promise<void>

interface Queued {
  key: string
  kind: JobKindKey
  id: number
  task: JobTask
  controller: AbortController
}

export interface RunnerDeps {
  knex: Knex
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void }
}

export class JobRunner {
  private readonly queue: Queued[] = []
  private current: { key: string; controller: AbortController; done: Promise<void> } | null = null
  private closed = false
  private readonly failing = new Set<Promise<unknown>>()

  constructor(private readonly deps: RunnerDeps) {}

  enqueue(kind: JobKindKey, id: number, task: JobTask): void {
    if (this.closed) throw new Error('the job runner is closed')
    this.queue.push({ key: jobKey(kind, id), kind, id, task, controller: new AbortController() })
    void this.pump()
  }

  /** Cancels a queued or running job: 'dequeued', 'aborted', or null when unknown. */
  cancel(kind: JobKindKey, id: number): 'dequeued' | 'aborted' | null {
    const key = jobKey(kind, id)
    const i = this.queue.findIndex((j) => j.key === key)
    if (i !== -1) {
      this.queue.splice(i, 1)
      return 'dequeued'
    }
    if (this.current?.key === key) {
      this.current.controller.abort()
      return 'aborted'
    }
    return null
  }

  private async pump(): Promise<void> {
    if (this.current) return
    const next = this.queue.shift()
    if (!next) return
    // Not request work, though a request queued it: no statement timeout, no cancel when that client goes.
    const done = outsideRequest(() => next.task(next.controller.signal).catch((err: unknown) => this.failed(next, err)))
    this.current = { key: next.key, controller: next.controller, done }
    await done
    this.current = null
    if (!this.closed) void this.pump()
  }

  private failed(job: Queued, err: unknown): void {
    this.deps.log.error({ err, job: job.key }, 'job failed')
    const cancelled = job.controller.signal.aborted
    const p = failJobEventually(this.deps.knex, job.kind, job.id, cancelled ? 'cancelled' : errorText(err), {
      status: cancelled ? 'cancelled' : 'failed',
    }).then((ok) => {
      if (!ok) this.deps.log.warn({ job: job.key }, 'could not record the failure of a job; it is failed at the next start')
    })
    this.failing.add(p)
    void p.finally(() => this.failing.delete(p))
  }

  /** Waits for the running job (after aborting it, if asked) and drops the queue. */
  async close(abortRunning = true): Promise<Array<{ kind: JobKindKey; id: number }>> {
    this.closed = true
    const dropped = this.queue.splice(0).map((j) => ({ kind: j.kind, id: j.id }))
    if (this.current) {
      if (abortRunning) this.current.controller.abort()
      await this.current.done
    }
    await Promise.allSettled([...this.failing])
    return dropped
  }
}
