// Starts the embedded database child, waits until it listens, reports a crash, stops it on close.
import { fork, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { projectRoot } from '../../config.js'
import type { ChildMessage } from './child.js'

export interface EmbeddedDatabase {
  url: string
  /** the Unix socket the child serves on */
  socketPath: string
  pid: number
  /** true when this start created the database (first start) */
  created: boolean
  startMs: number
  stop(): Promise<void>
  /** called once if the child exits while the service still needs it */
  onCrash(listener: (reason: string) => void): void
}

export class EmbeddedDatabaseError extends Error {}

// The child beside this module: child.ts run through tsx from the sources (npm start, tests), child.js
// compiled in the image, which has no tsx (docs/decisions.md, issue 20: deployment).
const launcherPath = fileURLToPath(import.meta.url)
const childPath = path.join(path.dirname(launcherPath), `child${path.extname(launcherPath)}`)
const childExecArgv = path.extname(launcherPath) === '.ts' ? ['--import', 'tsx'] : []

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A lock file beside the database: two PGlite processes on one data directory would corrupt it. */
function acquireLock(lockPath: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, JSON.stringify({ pid: process.pid, at: new Date().toISOString() }), { flag: 'wx' })
      return () => fs.rmSync(lockPath, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      let pids: number[] = []
      try {
        const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'))
        pids = [Number(lock.pid), Number(lock.childPid)].filter((p) => p > 0)
      } catch {
        /* unreadable lock: treat as stale */
      }
      // The child may outlive a killed owner for a moment while it closes the database.
      const holder = pids.find(isAlive)
      if (holder) {
        throw new EmbeddedDatabaseError(
          `the embedded database in ${path.dirname(lockPath)} is in use by process ${holder} (is the service running?); ` +
            'stop it first, use the HTTP API, or set DATABASE_URL',
        )
      }
      fs.rmSync(lockPath, { force: true })
    }
  }
  throw new EmbeddedDatabaseError(`could not lock ${lockPath}`)
}

/** node-pg finds a server's socket as <dir>/.s.PGSQL.<port>; the port only names the file. */
const socketPort = 5432

/**
 * The socket's directory: <dataDir>/run, unless that path is too long for a Unix socket (108 bytes
 * on Linux), then a private temporary directory. Either is 0700.
 */
function socketDirectory(dataDir: string): string {
  const preferred = path.join(dataDir, 'run')
  if (Buffer.byteLength(path.join(preferred, `.s.PGSQL.${socketPort}`)) < 100) {
    fs.mkdirSync(preferred, { recursive: true, mode: 0o700 })
    fs.chmodSync(preferred, 0o700)
    return preferred
  }
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lr-db-'))
}

/** Files of an existing installation made before they were created private. */
function makePrivate(dir: string): void {
  if (!fs.existsSync(dir)) return
  fs.chmodSync(dir, 0o700)
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) makePrivate(p)
    else if (e.isFile()) fs.chmodSync(p, 0o600)
  }
}

export async function startEmbedded(opts: { dataDir: string; timeoutMs: number }): Promise<EmbeddedDatabase> {
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 })
  fs.chmodSync(opts.dataDir, 0o700)
  makePrivate(path.join(opts.dataDir, 'db'))
  const socketDir = socketDirectory(opts.dataDir)
  const lockPath = path.join(opts.dataDir, 'embedded-db.lock')
  const release = acquireLock(lockPath)
  let child: ChildProcess
  try {
    child = fork(childPath, [], {
      cwd: projectRoot,
      execArgv: childExecArgv,
      env: { ...process.env, LR_EMBEDDED_DB_DIR: path.join(opts.dataDir, 'db'), LR_EMBEDDED_SOCKET: path.join(socketDir, `.s.PGSQL.${socketPort}`) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
  } catch (err) {
    release()
    throw err
  }

  const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new EmbeddedDatabaseError(`embedded database did not start within ${opts.timeoutMs} ms`))
    }, opts.timeoutMs)
    child.once('message', (m: ChildMessage) => {
      clearTimeout(timer)
      if (m.type === 'ready') resolve(m)
      else reject(new EmbeddedDatabaseError(`embedded database failed to start: ${m.message}`))
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new EmbeddedDatabaseError(`embedded database exited during start (code ${code}, signal ${signal})`))
    })
  }).catch((err: unknown) => {
    release()
    throw err
  })

  // Name the child in the lock too, so an operator (or a test) can see which process holds the files.
  fs.writeFileSync(lockPath, JSON.stringify({ pid: process.pid, childPid: child.pid, at: new Date().toISOString() }))

  let stopping = false
  const crashListeners: Array<(reason: string) => void> = []
  child.on('exit', (code, signal) => {
    release()
    if (stopping) return
    const reason = `embedded database process ${child.pid} exited unexpectedly (code ${code}, signal ${signal})`
    for (const l of crashListeners) l(reason)
  })

  return {
    // No TCP port: only processes of this user reach the socket (0600 in a 0700 directory).
    url: `postgres://postgres@/postgres?host=${encodeURIComponent(socketDir)}&port=${socketPort}&sslmode=disable`,
    socketPath: path.join(socketDir, `.s.PGSQL.${socketPort}`),
    pid: child.pid!,
    created: ready.created,
    startMs: ready.startMs,
    onCrash: (listener) => void crashListeners.push(listener),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        stopping = true
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
        child.once('exit', () => {
          clearTimeout(killer)
          resolve()
        })
        child.send({ type: 'shutdown' })
      }),
  }
}
