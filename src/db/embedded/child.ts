// Child process that owns the embedded PGlite database and serves it over the Postgres wire
// protocol on a loopback port, so the service talks to it with the same `pg` client as to a server.
// Started and stopped by launcher.ts; exits when its parent goes away.
import fs from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { postgis } from '@electric-sql/pglite-postgis'
import { WireServer } from './wire-server.js'

export type ChildMessage =
  | { type: 'ready'; port: number; created: boolean; startMs: number }
  | { type: 'error'; message: string }

const dbDir = process.env.LR_EMBEDDED_DB_DIR
if (!dbDir || !process.send) {
  console.error('embedded database child must be started by the launcher')
  process.exit(2)
}
const send = (m: ChildMessage) => process.send?.(m)

async function openDatabase(dir: string): Promise<{ db: PGlite; created: boolean }> {
  let created = false
  if (!fs.existsSync(dir)) {
    // Build a new cluster beside the final path and rename it into place only when the extension
    // is installed, so an interrupted first start never leaves a half-made database behind.
    const staging = `${dir}.init-${process.pid}`
    fs.rmSync(staging, { recursive: true, force: true })
    const fresh = await PGlite.create({ dataDir: staging, extensions: { postgis } })
    await fresh.exec('CREATE EXTENSION IF NOT EXISTS postgis')
    await fresh.close()
    fs.renameSync(staging, dir)
    created = true
  }
  const db = await PGlite.create({ dataDir: dir, extensions: { postgis } })
  await db.exec('CREATE EXTENSION IF NOT EXISTS postgis')
  return { db, created }
}

async function main(dir: string) {
  const t0 = Date.now()
  const { db, created } = await openDatabase(dir)
  const server = new WireServer(db)
  const port = await server.listen('127.0.0.1', 0)
  let stopping = false
  const stop = async (code: number) => {
    if (stopping) return
    stopping = true
    try {
      await server.close()
      await db.close()
    } finally {
      process.exit(code)
    }
  }
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'shutdown') void stop(0)
  })
  process.on('disconnect', () => void stop(0))
  process.on('SIGTERM', () => void stop(0))
  process.on('SIGINT', () => {
    /* the parent decides when we stop */
  })
  send({ type: 'ready', port, created, startMs: Date.now() - t0 })
}

main(dbDir).catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) })
  process.exit(1)
})
