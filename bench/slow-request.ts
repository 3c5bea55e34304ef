// How long /health waits behind one slow request on the embedded database (one connection, one
// PGlite session), without a statement timeout and with one. The slow request is request work
// through the real app, database and wire server: a route added here runs `SELECT pg_sleep(s)`,
// which holds PGlite as any long statement does. Rounds alternate nothing: each setting is its own
// app on the same database, measured in turn.
//
//   npm run bench:slow [-- --timeout-ms 5000 --sleep-s 30 --rounds 3]
//   BENCH_DATABASE_URL=postgres://… npm run bench:slow   (the same against a server database)
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import Fastify from 'fastify'
import app, { serverOptions } from '../src/app.js'
import { defaultConfig, type Config } from '../src/config.js'
import { openDatabase, type Database } from '../src/db/connection.js'
import { migrateLatest } from '../src/db/migrate.js'
import { median } from './db.js'

const { values: args } = parseArgs({
  options: { 'timeout-ms': { type: 'string', default: '5000' }, 'sleep-s': { type: 'string', default: '30' }, rounds: { type: 'string', default: '3' } },
})
const timeoutMs = Number(args['timeout-ms'])
const sleepS = Number(args['sleep-s'])
const rounds = Number(args.rounds)
const databaseUrl = process.env.BENCH_DATABASE_URL

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ')

async function measure(database: Database, dataDir: string, statementMs: number) {
  const config: Config = { ...defaultConfig(), dataDir, timeouts: { ...defaultConfig().timeouts, statementMs } }
  const server = Fastify(serverOptions({ ...config, logLevel: 'silent' }, false))
  await server.register(app, { database, config })
  // After the app, as the tests add routes: its hooks and error handler apply to this one too.
  server.get<{ Querystring: { s: string } }>('/bench/slow', async (request) => {
    await server.db.knex.raw(`SELECT pg_sleep(${Number(request.query.s)})`)
    return { ok: true }
  })
  const base = await server.listen({ host: '127.0.0.1', port: 0 })
  const results: Array<{ healthMs: number; busy: boolean; slowMs: number; slowStatus: number }> = []
  try {
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now()
      const slow = fetch(`${base}/bench/slow?s=${sleepS}`).then((r) => ({ status: r.status, ms: performance.now() - t0 }))
      await new Promise((r) => setTimeout(r, 300)) // the slow statement is running
      const t1 = performance.now()
      const health = await fetch(`${base}/health`)
      const healthMs = performance.now() - t1
      if (health.status !== 200) throw new Error(`/health answered ${health.status}`)
      const busy = ((await health.json()) as { database: { busy?: boolean } }).database.busy === true
      const s = await slow
      results.push({ healthMs, busy, slowMs: s.ms, slowStatus: s.status })
      console.log(
        `  statement timeout ${statementMs} ms, round ${i + 1}: /health ${healthMs.toFixed(0)} ms${busy ? ' (busy)' : ''}; slow request ${s.status} after ${s.ms.toFixed(0)} ms`,
      )
    }
  } finally {
    await server.close()
  }
  return results
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-bench-slow-'))
try {
  const t0 = performance.now()
  const database = await openDatabase({ ...defaultConfig(), databaseUrl, dataDir })
  await migrateLatest(database.knex)
  console.log(`${database.backend} database ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${load()}`)
  console.log(`slow request: SELECT pg_sleep(${sleepS}) as request work; ${rounds} rounds per setting`)
  const before = await measure(database, dataDir, 0)
  const after = await measure(database, dataDir, timeoutMs)
  await database.close()
  const row = (label: string, r: typeof before) =>
    `| ${label} | ${median(r.map((x) => x.healthMs)).toFixed(0)} ms (${r.map((x) => x.healthMs.toFixed(0)).join(', ')}) | ${r.map((x) => x.slowStatus).join(', ')} after ${median(r.map((x) => x.slowMs)).toFixed(0)} ms |`
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${database.backend} database, load average ${load()}`)
  console.log('| statement timeout | /health wait, median (rounds) | slow request answered |\n|---|---:|---|')
  console.log(row('none', before))
  console.log(row(`${timeoutMs} ms`, after))
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true })
}
