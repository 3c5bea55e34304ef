// The service as `npm start` runs it: a real process, its database (embedded when DATABASE_URL is
// unset), the first admin key, /health, and a clean stop that takes the embedded child with it.
// Each test waits on what it needs (the log line, the process's exit, a file), never for a fixed
// time, with generous limits: a real start on a busy machine can take minutes. Every process a test
// starts is killed after it, with its embedded child (the whole process group), so a failed or
// timed-out test leaves no process holding the data directory's lock; a timed-out test that goes on
// running in the background cannot start another one.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { projectRoot } from '../src/config.js'
import { openTestDatabase, resetData, testDatabase } from './helpers/app.js'
import { hasOgr2ogr, requireUnderCi, skipWithout } from './helpers/ci.js'
import { multipart } from './helpers/imports.js'

interface Running {
  proc: ChildProcess
  output: () => string
  exited: Promise<number | null>
  /** resolves with the service's address once it listens; rejects if it exits first */
  listening: Promise<string>
  dataDir: string
}

const { url, backend } = testDatabase()
const startLimitMs = 240_000
const slow = { timeout: 2 * startLimitMs + 60_000 }
let dataDir: string
/** Every process started here, for afterEach to stop whatever a test left running. */
const started: Running[] = []
/** Whether a test is running: a test that timed out keeps running after afterEach, and must start nothing then. */
let testRunning = false

function startService(dir = dataDir, extraEnv: NodeJS.ProcessEnv = {}): Running {
  if (!testRunning) throw new Error('the test has ended (timed out?): no service is started after it')
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    EMBEDDED_START_TIMEOUT_MS: String(startLimitMs),
    ...extraEnv,
  }
  if (backend === 'server') env.DATABASE_URL = url
  else delete env.DATABASE_URL
  // A process group of its own: the service, its embedded child and tsx's helper are stopped together.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const listening = new Promise<string>((resolve, reject) => {
    const seen = (d: Buffer) => {
      out += d
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) resolve(m[1]!)
    }
    proc.stdout!.on('data', seen)
    proc.stderr!.on('data', seen)
    void exited.then((code) => reject(new Error(`service exited with ${code} before listening:\n${out}`)))
  })
  listening.catch(() => {}) // a test that kills the process on purpose does not wait for it
  const running = { proc, output: () => out, exited, listening, dataDir: dir }
  started.push(running)
  return running
}

/** The embedded child named in the data directory's lock, if any. */
function lockedChild(dir: string): number | null {
  try {
    return Number(JSON.parse(fs.readFileSync(path.join(dir, 'embedded-db.lock'), 'utf8')).childPid) || null
  } catch {
    return null
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const until = (what: string, ok: () => boolean, ms = startLimitMs) =>
  vi.waitFor(
    () => {
      if (!ok()) throw new Error(`timed out waiting: ${what}`)
    },
    { timeout: ms, interval: 50 },
  )

/** SIGKILL to a service's process group (the service, its embedded child, tsx's helper); false when none is left. */
function killGroup(r: Running): boolean {
  try {
    process.kill(-r.proc.pid!, 'SIGKILL')
    return true
  } catch {
    return false
  }
}
// Should the test process end without afterEach (a hook past its own timeout), nothing stays behind either.
process.once('exit', () => started.forEach(killGroup))

const tokenPattern = /lr_[A-Za-z0-9]{8}_[A-Za-z0-9]{32}/g

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-service-'))
  if (backend === 'server') {
    const db = openTestDatabase()
    await resetData(db.knex) // no key at all: the first start must create the admin key
    await db.close()
  }
})

beforeEach(() => {
  testRunning = true
})
afterEach(async () => {
  testRunning = false
  for (const r of started.splice(0)) {
    const child = lockedChild(r.dataDir)
    killGroup(r)
    if (r.proc.exitCode === null && r.proc.signalCode === null) await r.exited
    // A killed service's child notices and exits; one that does not is killed too.
    if (child && alive(child)) {
      await until('the embedded child to exit', () => !alive(child), 30_000).catch(() => process.kill(child, 'SIGKILL'))
    }
  }
})
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }))

describe(`npm start (${backend} database)`, () => {
  it('serves /health, creates the first admin key once, and stops cleanly', slow, async () => {
    const first = startService()
    const baseUrl = await first.listening
    const health = await (await fetch(`${baseUrl}/health`)).json()
    expect(health).toMatchObject({ status: 'ok', backend, database: { reachable: true }, migrations: { current: true } })

    // Standard output is a pipe here, as in a log file: the key is not printed, the file is named.
    expect(first.output().match(tokenPattern)).toBeNull()
    const keyFile = path.join(dataDir, 'admin.key')
    expect(first.output()).toContain(keyFile)
    const printed = [fs.readFileSync(keyFile, 'utf8').trim()]
    expect(printed[0]).toMatch(tokenPattern)
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600)
    const me = await fetch(`${baseUrl}/api/v1/keys/me`, { headers: { 'x-api-key': printed[0]! } })
    expect(await me.json()).toMatchObject({ role: 'admin', region: null })
    await fetch(`${baseUrl}/api/v1/keys/me`, { headers: { authorization: `Bearer ${printed[0]}` } })
    expect(first.output().match(tokenPattern)).toBeNull() // request logs redact the key

    // The console's first account: `admin`, its password in a 0600 file, to be changed at first sign-in.
    const passwordFile = path.join(dataDir, 'admin.password')
    expect(first.output()).toContain(passwordFile)
    expect(fs.statSync(passwordFile).mode & 0o777).toBe(0o600)
    const password = fs.readFileSync(passwordFile, 'utf8').trim()
    expect(first.output()).not.toContain(password)
    const signIn = await fetch(`${baseUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    })
    expect(signIn.status).toBe(204)
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!
    expect(await (await fetch(`${baseUrl}/api/v1/keys/me`, { headers: { cookie } })).json()).toMatchObject({
      kind: 'account',
      username: 'admin',
      role: 'admin',
      mustChangePassword: true,
    })

    const child = backend === 'embedded' ? lockedChild(dataDir) : null
    first.proc.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    if (backend === 'embedded') {
      expect(child).not.toBeNull()
      expect(alive(child!)).toBe(false) // the embedded child stopped with the service
      expect(fs.existsSync(path.join(dataDir, 'embedded-db.lock'))).toBe(false)
    }

    const second = startService()
    await second.listening
    expect(second.output().match(tokenPattern)).toBeNull() // keys exist: no new admin key
    expect(second.output()).not.toContain('admin.password') // an account exists: no new one
    second.proc.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  })

  it('stops on SIGTERM with requests in flight: one answered after it closes its connection, an upload still coming is cut after the grace', slow, async () => {
    // Keep-alive far longer than the test may take: a connection left to it would hold the stop. The
    // grace leaves the answer time to come on a busy machine.
    const running = startService(dataDir, { STOP_GRACE_MS: '8000', KEEP_ALIVE_TIMEOUT_MS: '600000' })
    const { port } = new URL(await running.listening)
    /** A raw HTTP/1.1 request with its body held back; resolves with what came back once the server closed the socket. */
    const held = (length: number) => {
      const socket = net.connect(Number(port), '127.0.0.1')
      let received = ''
      socket.on('data', (d) => (received += d))
      const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)))
      socket.on('error', () => {})
      const head = `POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`
      socket.write(head)
      return { socket, closed }
    }
    // a request whose headers are still coming when the stop begins: it reaches routing after it
    const late = net.connect(Number(port), '127.0.0.1')
    let lateAnswer = ''
    late.on('data', (d) => (lateAnswer += d))
    const lateClosed = new Promise<string>((resolve) => late.on('close', () => resolve(lateAnswer)))
    late.on('error', () => {})
    late.write('GET /api/v1/projects HTTP/1.1\r\nHost: 127.0.0.1\r\n')
    const body = JSON.stringify({ username: 'nobody', password: 'not-the-password' })
    const answered = held(Buffer.byteLength(body))
    answered.socket.write(body.slice(0, 10))
    const upload = held(100_000)
    upload.socket.write('{"username"')
    const seen = (what: RegExp) => (running.output().match(what) ?? []).length
    await until('both requests to reach the service', () => seen(/"url":"\/api\/v1\/session"/g) === 2)
    running.proc.kill('SIGTERM')
    await until('the stop to begin', () => seen(/shutting down/g) > 0)
    late.write('Accept: application/json\r\n\r\n')
    // refused with our problem document (bilingual, Retry-After), not Fastify's own 503 JSON
    const refused = await lateClosed
    expect(refused).toMatch(/^HTTP\/1\.1 503 /)
    expect(refused.toLowerCase()).toContain('connection: close')
    expect(refused.toLowerCase()).toContain('content-type: application/problem+json')
    expect(refused.toLowerCase()).toMatch(/retry-after: 5\r\n/)
    expect(JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 503, code: 'LR_STOPPING', title: '服务正在停止，请稍后重试' })
    answered.socket.write(body.slice(10))
    const answer = await answered.closed
    expect(answer).toMatch(/^HTTP\/1\.1 401 /)
    expect(answer.toLowerCase()).toContain('connection: close')
    // the upload never completes: its connection goes at the grace, and the stop ends
    expect(await upload.closed).toBe('')
    expect(await running.exited).toBe(0)
    expect(running.output()).toMatch(/requests still in flight after the stop grace/)
  })

  // The job is held where the test stops the service (LR_FAULT_PAUSE_AT, src/jobs/fault-points.ts):
  // rows of its first batch stored, more to come.
  const pausedWhileLoading = { LR_FAULT_PAUSE_AT: 'import.loading-batch', LR_FAULT_PAUSE_MS: '3000' }
  const sample = (kind: string) => path.join(projectRoot, 'data', 'sample', `371502_${kind}.zip`)
  /**
   * Uploads `file` with `fields` to a service whose job pauses while loading, stops it there with
   * SIGTERM (it must exit 0), starts it again and answers the import as that start shows it.
   */
  async function stoppedWhileLoading(fields: Record<string, string>, file: string) {
    const first = startService(dataDir, pausedWhileLoading)
    const baseUrl = await first.listening
    const headers = { 'x-api-key': fs.readFileSync(path.join(dataDir, 'admin.key'), 'utf8').trim() }
    const body = multipart(fields, { path: file })
    const created = await fetch(`${baseUrl}/api/v1/imports`, { method: 'POST', headers: { ...headers, ...body.headers }, body: body.payload })
    expect(created.status, await created.clone().text()).toBe(202)
    const { id } = (await created.json()) as { id: number }
    await until('the import to store its first batch', () => first.output().includes('paused at import.loading-batch'))
    first.proc.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    const second = startService()
    const again = await second.listening
    const get = async (what: string) => (await (await fetch(`${again}${what}`, { headers })).json()) as unknown
    const ended = (await get(`/api/v1/imports/${id}`)) as Record<string, unknown>
    // the next start found nothing left to settle: the stop recorded the end itself
    expect(second.output()).not.toContain('jobs interrupted by the last stop were settled')
    const active = ((await get('/api/v1/layers?county=371502')) as Array<{ layer: string }>).map((l) => l.layer)
    second.proc.kill('SIGTERM')
    expect(await second.exited).toBe(0)
    return { ended, active }
  }

  it('aborts a running import on SIGTERM before it closes the database: the import fails saying why, no version lands', slow, async () => {
    const { ended, active } = await stoppedWhileLoading({ layer: 'survey3', county: '371502' }, sample('survey3'))
    expect(ended).toMatchObject({
      status: 'failed',
      datasetId: null,
      errors: [{ message: 'interrupted by a stop of the service; start it again', messageZh: '服务停止，任务中断：请重新提交' }],
    })
    expect(active).not.toContain('survey3')
  })

  it.skipIf(skipWithout(hasOgr2ogr))(
    'aborts a survey database job on SIGTERM: the layer loading fails saying why, the next is not reached, no version lands',
    slow,
    async () => {
      requireUnderCi(hasOgr2ogr, 'ogr2ogr (Debian gdal-bin) is needed to make the GeoPackage')
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-stop-gpkg-'))
      try {
        // a county's GeoPackage: DLTB (3 000 patches, two batches), then XZDW
        const gpkg = path.join(out, '371502.gpkg')
        for (const [kind, name] of [
          ['survey3', 'DLTB'],
          ['survey2-lines', 'XZDW'],
        ] as const) {
          const unzipped = path.join(out, name)
          execFileSync('unzip', ['-q', sample(kind), '-d', unzipped])
          const shp = fs.readdirSync(unzipped).find((f) => f.endsWith('.shp'))!
          execFileSync('ogr2ogr', ['-f', 'GPKG', ...(name === 'DLTB' ? [] : ['-update']), gpkg, path.join(unzipped, shp), '-nln', name], { stdio: 'ignore' })
        }
        const { ended, active } = await stoppedWhileLoading({ county: '371502', layers: JSON.stringify({ DLTB: 'survey3', XZDW: 'survey2-lines' }) }, gpkg)
        expect(ended).toMatchObject({
          status: 'failed',
          datasetId: null,
          errors: [
            {
              message:
                '2 of 2 layers not imported: DLTB (interrupted by a stop of the service; start it again); XZDW (not imported: the job stopped before this layer)',
              messageZh: '2 个图层中有 2 个未导入：DLTB（服务停止，任务中断：请重新提交）；XZDW（未导入：任务在导入此图层之前已中断）',
            },
            { file: '371502.gpkg:DLTB', message: 'interrupted by a stop of the service; start it again', messageZh: '服务停止，任务中断：请重新提交' },
          ],
          layers: [
            { sourceLayer: 'DLTB', layer: 'survey3', status: 'failed', messageZh: '服务停止，任务中断：请重新提交', datasetId: null },
            { sourceLayer: 'XZDW', layer: 'survey2-lines', status: 'cancelled', messageZh: '未导入：任务在导入此图层之前已中断', datasetId: null },
          ],
        })
        // no version of either layer in the county
        expect(active).not.toContain('survey3')
        expect(active).not.toContain('survey2-lines')
      } finally {
        fs.rmSync(out, { recursive: true, force: true })
      }
    },
  )

  it.runIf(backend === 'embedded')('stops with an error when the embedded database dies', slow, async () => {
    const running = startService()
    await running.listening
    process.kill(lockedChild(dataDir)!, 'SIGKILL')
    expect(await running.exited).toBe(1)
    expect(running.output()).toMatch(/embedded database process \d+ exited unexpectedly/)
  })

  it.runIf(backend === 'embedded')('leaves nothing behind when killed during its first start, and starts cleanly after', slow, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-killed-'))
    try {
      const first = startService(dir)
      const staging = () => fs.readdirSync(dir).filter((f) => f.startsWith('db.init-'))
      await until('the first start to create its staging database', () => staging().length > 0)
      first.proc.kill('SIGKILL')
      await first.exited
      // the orphaned child notices its parent is gone, removes its staging directory and exits
      await until('the staging directory to go', () => staging().length === 0, 60_000)
      expect(fs.existsSync(path.join(dir, 'db'))).toBe(false)
      const again = startService(dir)
      const baseUrl = await again.listening
      expect(((await (await fetch(`${baseUrl}/health`)).json()) as { status: string }).status).toBe('ok')
      again.proc.kill('SIGTERM')
      expect(await again.exited).toBe(0)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
