// PGlite in a worker thread of the embedded database's child process. PGlite is single-threaded
// WebAssembly: while a statement runs, its thread does nothing else, so PostgreSQL's
// statement_timeout and cancel requests (signals, timers) never fire there (measured with 0.5.8:
// `SET statement_timeout = '1s'` then `SELECT pg_sleep(3)` runs 3 s). Running it in a worker keeps
// the wire server's thread free, and the one way to stop a statement is to terminate the worker
// and open the database again (about 4 s with PostGIS on a quiet machine, measured): PostgreSQL's crash recovery then
// undoes what the statement had written, as after a kill -9.
import { workerBoot } from '../../worker-boot.js'
import { Worker } from 'node:worker_threads'

export type EngineRequest = { type: 'exec'; bytes: Uint8Array; copyData?: Uint8Array } | { type: 'rollback' } | { type: 'close' }

/**
 * Where a COPY's data is while its statement runs: a file of PGlite's in-memory /tmp (Emscripten's
 * MEMFS, outside the data directory), one at a time as the engine runs one statement at a time.
 * Measured against PGlite's own `/dev/blob` device (43 MB of binary COPY, 3 runs): 600–700 ms
 * against 890–1 500 ms; the device copies byte by byte in JavaScript, the file by `set`.
 */
export const copyInFile = '/tmp/lr-copy-in'
export type EngineReply =
  { type: 'ready' } | { type: 'data'; chunk: Uint8Array } | { type: 'done'; inTransaction: boolean } | { type: 'failed'; message: string } | { type: 'closed' }

export class EngineInterrupted extends Error {}

/** The engine could not be opened again after a restart (a full disk: its crash recovery needs room); retried. */
export class EngineDown extends Error {
  /** PostgreSQL's cannot_connect_now: the database is starting up */
  readonly code = '57P03'
}

/** Between attempts to open the engine again after a restart failed: doubled each time up to the most (each costs a PostGIS load). */
const reopenDelayMs = { first: 2000, most: 30_000 }

const boot = workerBoot(import.meta.url, 'engine-worker')

interface Pending {
  onData: (chunk: Uint8Array) => void
  resolve: (inTransaction: boolean) => void
  reject: (err: Error) => void
}

export class Engine {
  private worker!: Worker
  private pending: Pending | null = null
  private stopping = false
  /** why the engine is not open after a restart, while it is retried */
  private down: Error | null = null
  private reopenTimer: NodeJS.Timeout | null = null
  private reopenDelayMs = reopenDelayMs.first
  /** opens, interrupts included; for the log and the benchmark */
  restarts = 0

  private constructor(
    private readonly dataDir: string,
    /** the worker died on its own: the database is lost to this process */
    private readonly onFatal: (reason: string) => void,
  ) {}

  static async open(dataDir: string, onFatal: (reason: string) => void): Promise<Engine> {
    const engine = new Engine(dataDir, onFatal)
    await engine.start()
    return engine
  }

  /** `reopening`: a restart, whose failure is retried rather than fatal (the disk may be full for a while). */
  private start(reopening = false): Promise<void> {
    const worker = new Worker(boot, { eval: true, workerData: { dataDir: this.dataDir } })
    this.worker = worker
    return new Promise((resolve, reject) => {
      let opened = false
      const failedStart = (err: Error) => reject(err)
      worker.once('error', failedStart)
      worker.on('message', (m: EngineReply) => {
        if (m.type === 'ready') {
          opened = true
          worker.off('error', failedStart)
          worker.on('error', (err) => this.fatal(`embedded database worker failed: ${err.message}`))
          return resolve()
        }
        this.receive(m)
      })
      worker.once('exit', (code) => {
        if (worker !== this.worker || this.stopping) return // an interrupted worker, or a close
        if (!opened) reject(new Error(`embedded database worker exited with code ${code} while opening`))
        if (!opened && reopening) return // retried by reopen
        this.fatal(`embedded database worker exited with code ${code}`)
      })
    })
  }

  private receive(m: EngineReply): void {
    const p = this.pending
    if (!p) return
    if (m.type === 'data') return p.onData(m.chunk)
    this.pending = null
    if (m.type === 'done') p.resolve(m.inTransaction)
    else if (m.type === 'failed') p.reject(new Error(m.message))
  }

  private fatal(reason: string): void {
    if (this.stopping) return
    this.pending?.reject(new Error(reason))
    this.pending = null
    this.onFatal(reason)
  }

  private request(m: EngineRequest, onData: (chunk: Uint8Array) => void = () => {}, transfer: ArrayBuffer[] = []): Promise<boolean> {
    if (this.down) return Promise.reject(new EngineDown(`the embedded database is not open (${this.down.message}); retrying`))
    if (this.pending) return Promise.reject(new Error('the embedded database is busy'))
    return new Promise((resolve, reject) => {
      this.pending = { onData, resolve, reject }
      this.worker.postMessage(m, transfer)
    })
  }

  /**
   * Runs one message group; resolves with whether a transaction is open after it. `copyData`: the
   * file `copyInFile` meanwhile, handed over to the engine's thread: it must own its whole buffer,
   * which is transferred, not copied.
   */
  exec(bytes: Uint8Array, onData: (chunk: Uint8Array) => void, copyData?: Uint8Array): Promise<boolean> {
    return this.request({ type: 'exec', bytes, copyData }, onData, copyData ? [copyData.buffer as ArrayBuffer] : [])
  }

  rollback(): Promise<boolean> {
    return this.request({ type: 'rollback' })
  }

  /** Stops the running statement the only way PGlite allows: a new worker on the same files. */
  async interrupt(): Promise<void> {
    const p = this.pending
    this.pending = null
    const old = this.worker
    this.stopping = true
    await old.terminate()
    this.stopping = false
    p?.reject(new EngineInterrupted('statement interrupted'))
    this.restarts++
    await this.reopen()
  }

  /**
   * Opens the database again; when that fails (crash recovery finds no room on a full disk), every
   * request is answered with EngineDown until a later attempt succeeds, rather than the child
   * exiting and the service with it.
   */
  private async reopen(): Promise<void> {
    try {
      await this.start(true)
      this.down = null
      this.reopenDelayMs = reopenDelayMs.first
    } catch (err) {
      if (this.stopping) return
      this.down = err as Error
      console.error(`embedded database could not be opened again (${this.down.message}); retrying in ${this.reopenDelayMs} ms`)
      await this.worker.terminate().catch(() => {})
      this.reopenTimer = setTimeout(() => void this.reopen(), this.reopenDelayMs)
      this.reopenDelayMs = Math.min(2 * this.reopenDelayMs, reopenDelayMs.most)
    }
  }

  async close(): Promise<void> {
    this.stopping = true
    if (this.reopenTimer) clearTimeout(this.reopenTimer)
    if (this.down) return // its worker is gone already
    const closed = new Promise<void>((resolve) => {
      this.worker.on('message', (m: EngineReply) => m.type === 'closed' && resolve())
      this.worker.once('exit', () => resolve())
    })
    this.worker.postMessage({ type: 'close' } satisfies EngineRequest)
    await closed
    await this.worker.terminate()
  }
}
