// One database per test run: the server named by DATABASE_URL, or else a fresh embedded PGlite
// child under a temporary directory, started here exactly as the service starts it.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { startEmbedded, type EmbeddedDatabase } from '../../src/db/embedded/launcher.js'

declare module 'vitest' {
  export interface ProvidedContext {
    database: { url: string; backend: 'server' | 'embedded' }
  }
}

let embedded: EmbeddedDatabase | undefined
let dataDir: string | undefined

export async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL
  if (url) {
    // The tests empty every table: refuse a database that does not look like a scratch one.
    const name = new URL(url).pathname.slice(1)
    if (!/test|ci|scratch/i.test(name) && process.env.ALLOW_TEST_DATABASE_RESET !== '1') {
      throw new Error(
        `refusing to run the tests against database '${name}': they empty every table. Use a database whose name contains test, ci or scratch, or set ALLOW_TEST_DATABASE_RESET=1`,
      )
    }
    project.provide('database', { url, backend: 'server' })
    console.log('tests run against the PostgreSQL server in DATABASE_URL')
    return
  }
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-test-'))
  embedded = await startEmbedded({ dataDir, timeoutMs: 180_000 })
  project.provide('database', { url: embedded.url, backend: 'embedded' })
  console.log(`tests run against the embedded database (PGlite) in ${dataDir}, started in ${embedded.startMs} ms`)
}

export async function teardown() {
  await embedded?.stop()
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
}
