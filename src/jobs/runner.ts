// Long work runs here, one job at a time in this process, so a county's million-patch import
// does not compete with another for memory. Each job can be cancelled through its AbortSignal.

export type JobTask = (signal: AbortSignal) => Promise<void>

export class JobRunner {
  private readonly queue: Array<{ key: string; task: JobTask; controller: AbortController }> = []
  private current: { key: string; controller: AbortController; done: Promise<void> } | null = null
  private closed = false

  constructor(private readonly onError: (key: string, err: unknown) => void) {}

  enqueue(key: string, task: JobTask): void {
    if (this.closed) throw new Error('the job runner is closed')
    this.queue.push({ key, task, controller: new AbortController() })
    void this.pump()
  }

  /** Cancels a queued or running job: 'dequeued', 'aborted', or null when unknown. */
  cancel(key: string): 'dequeued' | 'aborted' | null {
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
    const done = next.task(next.controller.signal).catch((err: unknown) => this.onError(next.key, err))
    this.current = { key: next.key, controller: next.controller, done }
    await done
    this.current = null
    if (!this.closed) void this.pump()
  }

  /** Waits for the running job (after aborting it, if asked) and drops the queue. */
  async close(abortRunning = true): Promise<string[]> {
    this.closed = true
    const dropped = this.queue.splice(0).map((j) => j.key)
    if (this.current) {
      if (abortRunning) this.current.controller.abort()
      await this.current.done
    }
    return dropped
  }
}
