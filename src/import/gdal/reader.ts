// The service's side of the GDAL worker (./worker.ts): one worker per use, ended by close() or a
// cancel (terminate: GDAL's calls cannot be interrupted from outside, the thread can).
import { workerBoot } from '../../worker-boot.js'
import { Worker } from 'node:worker_threads'
import type { GdalReply, GdalRequest } from './protocol.js'

const boot = workerBoot(import.meta.url, 'worker')

export class GdalCancelled extends Error {}

type Request = GdalRequest extends infer R ? (R extends { dir: string } ? Omit<R, 'dir'> : never) : never

export class GdalReader {
  private pending: { resolve: (r: GdalReply) => void; reject: (e: Error) => void } | null = null
  private ended: Error | null = null

  private constructor(
    private readonly worker: Worker,
    /** the directory the paths given to GDAL are relative to (mounted as /work) */
    private readonly dir: string,
  ) {
    worker.on('message', (m: GdalReply) => {
      const p = this.pending
      this.pending = null
      p?.resolve(m)
    })
    const fail = (err: Error) => {
      this.ended ??= err
      const p = this.pending
      this.pending = null
      p?.reject(this.ended)
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`the GDAL worker exited (code ${code})`)))
  }

  static async start(dir: string, signal?: AbortSignal): Promise<GdalReader> {
    const worker = new Worker(boot, { eval: true })
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m: GdalReply) => (m.type === 'ready' ? resolve() : reject(new Error('GDAL worker did not start'))))
      worker.once('error', reject)
    })
    const reader = new GdalReader(worker, dir)
    if (signal) {
      if (signal.aborted) await reader.cancel()
      signal.addEventListener('abort', () => void reader.cancel(), { once: true })
    }
    return reader
  }

  private call(req: Request): Promise<GdalReply> {
    if (this.ended) return Promise.reject(this.ended)
    if (this.pending) return Promise.reject(new Error('one GDAL call at a time'))
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject }
      this.worker.postMessage({ ...req, dir: this.dir } as GdalRequest)
    })
  }

  /** ogrinfo -json -so -al of the dataset at `gdalPath` (under /work). */
  async info(gdalPath: string, zipEncoding?: string): Promise<unknown> {
    const r = await this.call({ op: 'info', path: gdalPath, zipEncoding })
    if (r.type === 'failed') throw new Error(r.message)
    return JSON.parse((r as { json: string }).json) as unknown
  }

  /** Writes one layer as GeoJSON (source CRS, one feature per line) to `out` in the directory; GDAL's last warning, if any. */
  async translate(gdalPath: string, layer: string, out: string, zipEncoding?: string): Promise<string> {
    const r = await this.call({ op: 'translate', path: gdalPath, layer, out, zipEncoding })
    if (r.type === 'failed') throw new Error(r.message)
    return (r as { warning: string }).warning
  }

  async cancel(): Promise<void> {
    this.ended ??= new GdalCancelled('cancelled')
    await this.worker.terminate()
  }

  async close(): Promise<void> {
    this.ended ??= new Error('closed')
    await this.worker.terminate()
  }
}
