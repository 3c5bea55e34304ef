// Child process that owns the embedded PGlite database (in a worker thread, engine.ts) and serves it
// over the Postgres wire protocol on a Unix socket, so the service talks to it with the same `pg`
// client as to a server.
// Started and stopped by launcher.ts; exits when its parent goes away.
import fs from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { postgis } from '@electric-sql/pglite-postgis'
import path from 'node:path'
import { DiskReserve } from './disk-reserve.js'
import { Engine } from './engine.js'
import { WireServer } from './wire-server.js'

export type ChildMessage = { type: 'ready'; created: boolean; startMs: number } | { type: 'error'; message: string }

const dbDir = process.env.LR_EMBEDDED_DB_DIR
const socketPath = process.env.LR_EMBEDDED_SOCKET
if (!dbDir || !socketPath || !process.send) {
  console.error('embedded database child must be started by the launcher')
  process.exit(2)
}
const send = (m: ChildMessage) => process.send?.(m)
// Survey data with coordinates, keys and audit: every file and directory the database creates is
// its owner's only (0600/0700), as PostgreSQL insists for its own data directory.
process.umask(0o077)

// Until the database is open, a parent that goes away (killed during a first start) means this
// child exits at once, removing its staging directory: otherwise it would finish the first start
// on its own, unseen, and hold the database against the next service started on the same data.
let staging: string | null = null
let stop: ((code: number) => Promise<void>) | null = null
process.on('disconnect', () => {
  if (stop) return void stop(0)
  if (staging) fs.rmSync(staging, { recursive: true, force: true })
  process.exit(0)
})

/**
 * The first start builds a new cluster beside the final path, in the child's own thread, and renames
 * it into place only when the extension is installed, so an interrupted first start never leaves a
 * half-made database behind. The engine then opens it.
 */
async function createIfMissing(dir: string): Promise<boolean> {
  if (fs.existsSync(dir)) return false
  staging = `${dir}.init-${process.pid}`
  fs.rmSync(staging, { recursive: true, force: true })
  const fresh = await PGlite.create({ dataDir: staging, extensions: { postgis } })
  await fresh.exec('CREATE EXTENSION IF NOT EXISTS postgis')
  await fresh.close()
  fs.renameSync(staging, dir)
  staging = null
  return true
}

async function main(dir: string, socket: string) {
  const t0 = Date.now()
  const created = await createIfMissing(dir)
  // A worker that dies on its own takes the database with it: exit, and the service reports the crash.
  const engine = await Engine.open(dir, (reason) => {
    console.error(reason)
    process.exit(1)
  })
  // Inside the database's directory, which PostgreSQL leaves alone: room for a restart on a full disk.
  const reserve = new DiskReserve(path.join(dir, 'lr-disk-reserve'))
  reserve.keep()
  const server = new WireServer(engine, (ended) => {
    if (ended.code === '53100') reserve.release()
  })
  await server.listenSocket(socket)
  let stopping = false
  const close = async (code: number) => {
    if (stopping) return
    stopping = true
    try {
      reserve.stop()
      await server.close()
      fs.rmSync(socket, { force: true })
      await engine.close()
    } finally {
      process.exit(code)
    }
  }
  stop = close
  // the parent went away while the database was opening
  if (!process.connected) return void close(0)
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'shutdown') void close(0)
  })
  process.on('SIGTERM', () => void close(0))
  process.on('SIGINT', () => {
    /* the parent decides when we stop */
  })
  send({ type: 'ready', created, startMs: Date.now() - t0 })
}

main(dbDir, socketPath).catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) })
  process.exit(1)
})
