// The projection worker: a batch's shapes projected off the main thread, which meanwhile reads and
// converts the next batch (./pool.ts). Holds nothing between batches.
import { parentPort } from 'node:worker_threads'
import { projectShapes, type ProjectRequest } from './shapes.js'

parentPort!.on('message', (m: { id: number; request: ProjectRequest }) => {
  const p = projectShapes(m.request)
  parentPort!.postMessage({ id: m.id, projected: p }, [p.bytes.buffer as ArrayBuffer, p.at.buffer as ArrayBuffer, p.length.buffer as ArrayBuffer])
})
parentPort!.postMessage({ ready: true })
