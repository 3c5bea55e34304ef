// The worker thread that owns PGlite (see engine.ts): opens the database, runs each message group
// it is given and streams the reply back. Terminated, not asked, when a statement must be stopped.
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite } from '@electric-sql/pglite'
import { postgis } from '@electric-sql/pglite-postgis'
import { copyInFile, type EngineReply, type EngineRequest } from './engine.js'

const port = parentPort!
const post = (m: EngineReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer)

// shared_buffers 16 MB instead of PostgreSQL's 128 MB: the buffers live in PGlite's WebAssembly memory,
// which never shrinks, and its pages are read through the same process's file cache anyway. Measured
// (bench/README.md, embedded database memory): the child's resident memory at idle 959 → 830 MiB.
const db = await PGlite.create({
  dataDir: (workerData as { dataDir: string }).dataDir,
  extensions: { postgis },
  startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'],
})
await db.exec('CREATE EXTENSION IF NOT EXISTS postgis')
post({ type: 'ready' })

port.on('message', (m: EngineRequest) => {
  void (async () => {
    try {
      if (m.type === 'exec') {
        await db.runExclusive(async () => {
          // the data of the wire server's COPY FROM STDIN, as the in-memory file its statement reads;
          // canOwn: the file is this buffer, not a copy of it
          if (m.copyData) db.Module.FS.writeFile(copyInFile, m.copyData, { canOwn: true } as { flags?: string })
          try {
            await db.execProtocolRawStream(m.bytes, {
              onRawData: (chunk: Uint8Array) => {
                const copy = chunk.slice() // a view into PGlite's memory: copy before handing it over
                post({ type: 'data', chunk: copy }, [copy.buffer as ArrayBuffer])
              },
            })
          } finally {
            if (m.copyData) db.Module.FS.unlink(copyInFile)
          }
        })
      } else if (m.type === 'rollback') {
        // Not inside runExclusive: exec takes PGlite's query lock itself, and the lock is not
        // re-entrant; inside it, this waited for itself for ever and no client was served again.
        if (db.isInTransaction()) await db.exec('ROLLBACK')
      } else if (m.type === 'close') {
        await db.close()
        post({ type: 'closed' })
        return
      }
      post({ type: 'done', inTransaction: db.isInTransaction() })
    } catch (err) {
      post({ type: 'failed', message: err instanceof Error ? err.message : String(err) })
    }
  })()
})
