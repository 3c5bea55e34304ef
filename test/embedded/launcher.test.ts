// The embedded database child: one owner per data directory, stopped with its owner, crashes reported.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbedded, type EmbeddedDatabase } from '../../src/db/embedded/launcher.js'

let dataDir: string
let db: EmbeddedDatabase
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-embedded-'))
  db = await startEmbedded({ dataDir, timeoutMs: 180_000 })
})
afterAll(async () => {
  await db.stop()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('embedded database', () => {
  it('creates the database with PostGIS on first start and serves it over the wire protocol', async () => {
    expect(db.created).toBe(true)
    const client = new pg.Client(db.url)
    await client.connect()
    const { rows } = await client.query(`SELECT ST_Area(ST_GeomFromText('POLYGON((0 0,3 0,3 2,0 2,0 0))')) AS a, postgis_lib_version() AS v`)
    await client.end()
    expect(rows[0].a).toBe(6)
    expect(rows[0].v).toMatch(/^3\./)
    expect(fs.readdirSync(dataDir).sort()).toEqual(['db', 'embedded-db.lock'])
  })

  it('refuses a second owner of the same data directory with a clear message', async () => {
    await expect(startEmbedded({ dataDir, timeoutMs: 60_000 })).rejects.toThrow(/in use by process \d+/)
  })

  it('reports the child’s crash, and a restart reuses the data directory', async () => {
    const crashed = new Promise<string>((resolve) => db.onCrash(resolve))
    process.kill(db.pid, 'SIGKILL')
    expect(await crashed).toMatch(/exited unexpectedly.*SIGKILL/)
    expect(fs.existsSync(path.join(dataDir, 'embedded-db.lock'))).toBe(false)

    db = await startEmbedded({ dataDir, timeoutMs: 180_000 })
    expect(db.created).toBe(false)
  })

  it('stops the child when asked, without reporting a crash', async () => {
    let crash: string | null = null
    db.onCrash((r) => (crash = r))
    const pid = db.pid
    await db.stop()
    expect(alive(pid)).toBe(false)
    expect(crash).toBeNull()
  })
})
