// The image as the Dockerfile builds it, without a Docker engine (image-layout.ts): the files its COPY
// lines take through .dockerignore, its npm steps (the image gets production dependencies only), then
// its CMD started with the image's environment, as an unprivileged user owning only DATA_DIR. Against
// this run's database: DATABASE_URL (the server, as docker-compose.yml runs it) or, unset, the
// embedded database in the image's DATA_DIR volume. Both are real deployments.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectRoot } from '../../src/config.js'
import { openTestDatabase, resetData, testDatabase } from '../helpers/app.js'
import { multipart } from '../helpers/imports.js'
import { buildImageLayout, onHost, type ImageLayout } from './image-layout.js'

const { url, backend } = testDatabase()
const packageJson = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8'))
let out: string
let layout: ImageLayout

/** The node that runs the tests stands for the image's (CI runs this file on Node 20 and 22). */
const inImage = (args: string[]) => (args[0] === 'node' ? [process.execPath, ...args.slice(1)] : args)

/** An unprivileged user, as `USER node` is, when the tests run as root (CI); the same user otherwise. */
const unprivileged = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

/** The image's ENV, its paths rooted in the layout, with this run's port and database. */
function containerEnv(port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` }
  for (const [k, v] of Object.entries(layout.env)) env[k] = v.startsWith('/') ? onHost(layout, v) : v
  env.PORT = String(port)
  if (backend === 'server') env.DATABASE_URL = url // as docker-compose.yml passes it
  return env
}

beforeAll(async () => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-image-'))
  layout = await buildImageLayout({ context: projectRoot, out })
  if (unprivileged && layout.user) {
    for (const [dir, owner] of Object.entries(layout.owners)) {
      if (owner.split(':')[0] === layout.user) fs.chownSync(onHost(layout, dir), unprivileged.uid, unprivileged.gid)
    }
  }
  if (backend === 'server') {
    const db = openTestDatabase()
    await resetData(db.knex) // no key: the image's first start creates the admin key in its volume
    await db.close()
  }
}, 600_000)
afterAll(() => out && fs.rmSync(out, { recursive: true, force: true }))

describe('the image, laid out from the Dockerfile', () => {
  it('holds the compiled service, what it reads at run time, and production dependencies only', () => {
    const app = onHost(layout, layout.workdir)
    const needed = ['package.json', 'src/server.js', 'src/db/embedded/child.js', 'migrations/index.js', 'data/regions/shandong.json', 'web/index.html']
    for (const f of needed) {
      expect(fs.existsSync(path.join(app, f)), f).toBe(true)
    }
    expect(fs.readdirSync(path.join(app, 'data/calendar'))).toEqual(fs.readdirSync(path.join(projectRoot, 'data/calendar')))
    const own = fs.readdirSync(app, { recursive: true, encoding: 'utf8' }).filter((f) => !f.startsWith('node_modules'))
    expect(own.filter((f) => f.endsWith('.ts'))).toEqual([]) // no TypeScript: nothing needs tsx
    const top = ['data', 'migrations', 'node_modules', 'package-lock.json', 'package.json', 'src', 'web']
    expect(fs.readdirSync(app).sort()).toEqual(top)
    const installed = (name: string) => fs.existsSync(path.join(app, 'node_modules', name, 'package.json'))
    expect(Object.keys(packageJson.dependencies).filter((d) => !installed(d))).toEqual([])
    expect(Object.keys(packageJson.devDependencies).filter(installed)).toEqual([])
    expect(fs.existsSync(onHost(layout, layout.env.DATA_DIR!))).toBe(true)
  })
})

describe(`the image's CMD (${backend} database)`, () => {
  let proc: ChildProcess
  let output = ''
  let exited: Promise<number | null>
  let base: string
  let port: number

  const healthcheck = () => {
    const [command, ...args] = inImage(layout.healthcheck!.exec)
    const cwd = onHost(layout, layout.workdir)
    return spawnSync(command!, args, { cwd, env: containerEnv(port), timeout: 30_000, ...unprivileged }).status
  }

  beforeAll(async () => {
    port = await freePort()
    base = `http://127.0.0.1:${port}`
    const [command, ...args] = inImage(layout.cmd)
    const cwd = onHost(layout, layout.workdir)
    proc = spawn(command!, args, { cwd, env: containerEnv(port), stdio: ['ignore', 'pipe', 'pipe'], ...unprivileged })
    proc.stdout!.on('data', (d) => (output += d))
    proc.stderr!.on('data', (d) => (output += d))
    exited = new Promise((resolve) => proc.on('exit', resolve))
    // A CMD that cannot be run at all (not executable for the image's user) fails the start, named.
    const spawnFailed = new Promise<Error>((resolve) => proc.on('error', resolve))
    await new Promise<void>((resolve, reject) => {
      void spawnFailed.then((err) => reject(new Error(`the image's CMD could not be run: ${err.message}`)))
      const timer = setTimeout(() => reject(new Error(`the image's CMD did not start:\n${output}`)), 170_000)
      const poll = setInterval(() => {
        if (!output.includes('Server listening at')) return
        clearInterval(poll)
        clearTimeout(timer)
        resolve()
      }, 100)
      void exited.then((code) => {
        clearInterval(poll)
        clearTimeout(timer)
        reject(new Error(`the image's CMD exited with ${code}:\n${output}`))
      })
    })
  })
  afterAll(async () => {
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM')
      await exited
    }
  })

  it('answers /health on the image port, and loads the holiday calendars from data/calendar', async () => {
    const health = await (await fetch(`${base}/health`)).json()
    expect(health).toMatchObject({ status: 'ok', backend, database: { reachable: true }, migrations: { current: true } })
    const years = fs
      .readdirSync(path.join(projectRoot, 'data/calendar'))
      .sort()
      .map((f) => Number(f.replace(/\.json$/, '')))
    expect(JSON.parse(output.split('\n').find((l) => l.includes('holiday calendars loaded'))!).years).toEqual(years)
    expect(healthcheck()).toBe(0)
  })

  it('serves the web console and MapLibre from the production dependencies', async () => {
    const page = await fetch(`${base}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<script type="module" src="/app.js">')
    // read whole, as a browser does: a body left unread keeps its connection busy to the end of the file
    for (const file of ['/app.js', '/vendor/maplibre-gl/maplibre-gl.mjs']) {
      const res = await fetch(`${base}${file}`)
      expect(res.status, file).toBe(200)
      expect((await res.arrayBuffer()).byteLength, file).toBeGreaterThan(0)
    }
  })

  it('imports a layer with the admin key its first start wrote to DATA_DIR, and serves it over OGC', async () => {
    const keyFile = path.join(onHost(layout, layout.env.DATA_DIR!), 'admin.key')
    const key = fs.readFileSync(keyFile, 'utf8').trim()
    if (unprivileged) expect(fs.statSync(keyFile).uid).toBe(unprivileged.uid)
    const file = path.join(projectRoot, 'data/sample/371502_survey2-lines.zip')
    const body = multipart({ layer: 'survey2-lines', county: '371502' }, { path: file })
    const headers = { 'x-api-key': key }
    const created = await fetch(`${base}/api/v1/imports`, { method: 'POST', headers: { ...body.headers, ...headers }, body: body.payload })
    expect(created.status).toBe(202)
    const { id } = (await created.json()) as { id: number }
    let job: { status: string; counts: { stored: number } } = { status: 'queued', counts: { stored: 0 } }
    for (let i = 0; i < 600 && ['queued', 'running'].includes(job.status); i++) {
      await new Promise((r) => setTimeout(r, 100))
      job = await (await fetch(`${base}/api/v1/imports/${id}`, { headers })).json()
    }
    expect(job).toMatchObject({ status: 'succeeded' })
    expect(job.counts.stored).toBeGreaterThan(0)
    const items = await (await fetch(`${base}/ogc/collections/survey2-lines/items?limit=1`, { headers })).json()
    expect(items.numberMatched).toBe(job.counts.stored)
  })

  it('stops on SIGTERM with exit code 0, after which the HEALTHCHECK fails', async () => {
    proc.kill('SIGTERM')
    // a stop that hangs shows what the service said meanwhile ('still shutting down': its job, its connections)
    let timer: NodeJS.Timeout | undefined
    const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r('still running 50 s after SIGTERM'), 50_000)))])
    clearTimeout(timer)
    expect(code, output.slice(-4000)).toBe(0)
    expect(healthcheck()).not.toBe(0)
  })
})
