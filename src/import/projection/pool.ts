// Projecting a batch's shapes on a worker thread (./worker.ts), so that the main thread's reading
// and converting of the next batch runs beside it: the import's critical path is the main thread
// once rows go by COPY (bench/README.md, issue 26). One worker for the process, started at the first
// batch and kept (unref'd: it never keeps the process alive). Should it fail to start or die, the
// batch is projected on the main thread, as correct and only slower.
import { workerBoot } from '../../worker-boot.js'
import { Worker } from 'node:worker_threads'
import { projectShapes, type ProjectRequest, type Projected } from './shapes.js'

const boot = workerBoot(import.meta.url, 'worker')

type Pending = Map<number, { resolve: (p: Projected) => void; reject: (e: Error) => void }>

class ProjectionWorker {
  private nextId = 1
  private readonly pending: Pending = new Map()
  readonly ready: Promise<void>
  private dead: Error | null = null

  constructor() {
    const worker = new Worker(boot, { eval: true })
    this.worker = worker
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (m: { ready?: true; id?: number; projected?: Projected }) => {
        if (m.ready) return resolve()
        const p = this.pending.get(m.id!)
        this.pending.delete(m.id!)
        p?.resolve(m.projected!)
      })
      const fail = (err: Error) => {
        this.dead ??= err
        reject(err)
        for (const p of this.pending.values()) p.reject(err)
        this.pending.clear()
      }
      worker.on('error', fail)
      worker.on('exit', (code) => fail(new Error(`the projection worker exited (code ${code})`)))
    })
    this.ready.catch(() => {})
    // after the listeners: adding a 'message' listener refs the worker's port again
    worker.unref()
  }

  private readonly worker: Worker

  get alive(): boolean {
    return this.dead === null
  }

  project(request: ProjectRequest): Promise<Projected> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      const { wkb, at, length, prove } = request
      this.worker.postMessage({ id, request }, [wkb.buffer as ArrayBuffer, at.buffer as ArrayBuffer, length.buffer as ArrayBuffer, prove.buffer as ArrayBuffer])
    })
  }
}

let shared: ProjectionWorker | null = null

/**
 * Projects the shapes of `make()`'s request on the worker, or here if the worker is not available.
 * The request's buffers are handed over to the worker: `make` gives fresh copies each call.
 */
export async function projectOffThread(make: () => ProjectRequest): Promise<Projected> {
  shared ??= new ProjectionWorker()
  if (shared.alive) {
    try {
      await shared.ready
      return await shared.project(make())
    } catch {
      // the worker failed: it is not asked again, and what it was given went with it
    }
  }
  return projectShapes(make())
}
