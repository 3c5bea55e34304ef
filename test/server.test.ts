// The service as `npm start` runs it: a real process, its database (embedded when DATABASE_URL is
// unset), the first admin key, /health, and a clean stop that takes the embedded child with it.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectRoot } from '../src/config.js'
import { openTestDatabase, resetData, testDatabase } from './helpers/app.js'

interface Running {
  proc: ChildProcess
  baseUrl: string
  output: () => string
  exited: Promise<number | null>
}

const { url, backend } = testDatabase()
let dataDir: string

function startService(dir = dataDir): Promise<Running> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }
  if (backend === 'server') env.DATABASE_URL = url
  else delete env.DATABASE_URL
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout!.on('data', (d) => (out += d))
  proc.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  started = { proc, output: () => out, exited }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${out}`)), 150_000)
    const poll = setInterval(() => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) {
        clearInterval(poll)
        clearTimeout(timer)
        resolve({ proc, baseUrl: m[1]!, output: () => out, exited })
      }
    }, 100)
    void exited.then((code) => {
      clearInterval(poll)
      clearTimeout(timer)
      reject(new Error(`service exited with ${code}:\n${out}`))
    })
  })
}

/** The last process startService spawned, reachable before it is listening. */
let started: Omit<Running, 'baseUrl'> | null = null

const until = async (what: string, ok: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() > end) throw new Error(`timed out waiting: ${what}`)
}

const tokenPattern = /lr_[A-Za-z0-9]{8}_[A-Za-z0-9]{32}/g

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-service-'))
  if (backend === 'server') {
    const db = openTestDatabase()
    await resetData(db.knex) // no key at all: the first start must create the admin key
    await db.close()
  }
})
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }))

describe(`npm start (${backend} database)`, () => {
  it('serves /health, creates the first admin key once, and stops cleanly', async () => {
    const first = await startService()
    const health = await (await fetch(`${first.baseUrl}/health`)).json()
    expect(health).toMatchObject({ status: 'ok', backend, database: { reachable: true }, migrations: { current: true } })

    // Standard output is a pipe here, as in a log file: the key is not printed, the file is named.
    expect(first.output().match(tokenPattern)).toBeNull()
    const keyFile = path.join(dataDir, 'admin.key')
    expect(first.output()).toContain(keyFile)
    const printed = [fs.readFileSync(keyFile, 'utf8').trim()]
    expect(printed[0]).toMatch(tokenPattern)
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600)
    const me = await fetch(`${first.baseUrl}/api/v1/keys/me`, { headers: { 'x-api-key': printed[0]! } })
    expect(await me.json()).toMatchObject({ role: 'admin', region: null })
    await fetch(`${first.baseUrl}/api/v1/keys/me`, { headers: { authorization: `Bearer ${printed[0]}` } })
    expect(first.output().match(tokenPattern)).toBeNull() // request logs redact the key

    const lock = backend === 'embedded' ? JSON.parse(fs.readFileSync(path.join(dataDir, 'embedded-db.lock'), 'utf8')) : null
    first.proc.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    if (lock) {
      expect(() => process.kill(lock.childPid, 0)).toThrow() // the embedded child stopped with the service
      expect(fs.existsSync(path.join(dataDir, 'embedded-db.lock'))).toBe(false)
    }

    const second = await startService()
    expect(second.output().match(tokenPattern)).toBeNull() // keys exist: no new admin key
    second.proc.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  })

  it.runIf(backend === 'embedded')('stops with an error when the embedded database dies', async () => {
    const running = await startService()
    const lock = JSON.parse(fs.readFileSync(path.join(dataDir, 'embedded-db.lock'), 'utf8'))
    process.kill(lock.childPid, 'SIGKILL')
    expect(await running.exited).toBe(1)
    expect(running.output()).toMatch(/embedded database process \d+ exited unexpectedly/)
  })

  it.runIf(backend === 'embedded')('leaves nothing behind when killed during its first start, and starts cleanly after', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-killed-'))
    try {
      const first = startService(dir).catch(() => null)
      const staging = () => fs.readdirSync(dir).filter((f) => f.startsWith('db.init-'))
      await until('the first start to create its staging database', () => staging().length > 0, 60_000)
      started!.proc.kill('SIGKILL')
      await first
      // the orphaned child notices its parent is gone, removes its staging directory and exits
      await until('the staging directory to go', () => staging().length === 0, 30_000)
      expect(fs.existsSync(path.join(dir, 'db'))).toBe(false)
      const again = await startService(dir)
      expect(((await (await fetch(`${again.baseUrl}/health`)).json()) as { status: string }).status).toBe('ok')
      again.proc.kill('SIGTERM')
      expect(await again.exited).toBe(0)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
