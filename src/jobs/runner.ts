// Long work runs here, one job at a time in this process, so a county's million-patch import does
// not compete with another for memory. Each job can be cancelled through its AbortSignal, and
// anyone may wait for a job's end (a cancel, the CLI, a test) on the job itself, not by polling.
import { serviceStop, type FinalStatus } from './kinds.js'
import { outsideRequest } from '../db/request-work.js'

/** Runs a job to its recorded end and says which; rejects only if not even that could be written. */
export type JobTask = (signal: AbortSignal) => Promise<FinalStatus>

interface Entry {
  key: string
  task: JobTask
  controller: AbortController
  ended: Promise<FinalStatus | null>
  resolve: (status: FinalStatus | null) => void
}

export class JobRunner {
  private readonly queue: Entry[] = []
  private readonly known = new Map<string, Entry>()
  private current: Entry | null = null
  private closed = false

  get closing(): boolean {
    return this.closed
  }

  enqueue(key: string, task: JobTask): void {
    if (this.closed) throw new Error('the job runner is closed')
    if (this.known.has(key)) throw new Error(`job ${key} is queued already`)
    let resolve!: Entry['resolve']
    const ended = new Promise<FinalStatus | null>((r) => (resolve = r))
    const entry: Entry = { key, task, controller: new AbortController(), ended, resolve }
    this.queue.push(entry)
    this.known.set(key, entry)
    void this.pump()
  }

  /** Cancels a queued or running job: 'dequeued', 'aborted', or null when this process does not run it. */
  cancel(key: string): 'dequeued' | 'aborted' | null {
    const i = this.queue.findIndex((j) => j.key === key)
    if (i !== -1) {
      const [entry] = this.queue.splice(i, 1)
      this.forget(entry!, null)
      return 'dequeued'
    }
    if (this.current?.key === key) {
      this.current.controller.abort()
      return 'aborted'
    }
    return null
  }

  /** The job's end as recorded (null: dropped from the queue unrun); resolves at once for a job this process does not hold. */
  ended(key: string): Promise<FinalStatus | null> {
    return this.known.get(key)?.ended ?? Promise.resolve(null)
  }

  holds(key: string): boolean {
    return this.known.has(key)
  }

  /** The keys of the jobs queued or running here. */
  heldKeys(): string[] {
    return [...this.known.keys()]
  }

  isRunning(key: string): boolean {
    return this.current?.key === key
  }

  /** The key of the job running now, if any (what a slow shutdown waits for). */
  runningKey(): string | null {
    return this.current?.key ?? null
  }

  private forget(entry: Entry, status: FinalStatus | null): void {
    this.known.delete(entry.key)
    entry.resolve(status)
  }

  private async pump(): Promise<void> {
    if (this.current || this.closed) return
    const next = this.queue.shift()
    if (!next) return
    this.current = next
    // A task records its own end; one that could not even do that leaves the row to the next start.
    // Not request work, though a request queued it: no statement timeout, no cancel when that client goes.
    const status = await outsideRequest(() => next.task(next.controller.signal)).catch(() => null)
    this.current = null
    this.forget(next, status)
    void this.pump()
  }

  /** Stops taking jobs, aborts the running one (if asked) and waits for it; returns the keys of the queued ones, dropped unrun. */
  async close(abortRunning = true): Promise<string[]> {
    this.closed = true
    const dropped = this.queue.splice(0)
    for (const d of dropped) this.forget(d, null)
    if (this.current) {
      if (abortRunning) this.current.controller.abort(serviceStop)
      await this.current.ended
    }
    return dropped.map((d) => d.key)
  }
}
