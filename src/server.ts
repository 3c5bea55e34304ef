// Launches the service: configuration, database (server or embedded), migrations, first admin key,
// HTTP. Stops the embedded database with the service, and stops the service if that database dies.
import Fastify from 'fastify'
import app, { serverOptions } from './app.js'
import { adminAccountNotice, adminKeyNotice, bootstrapAdminAccount, bootstrapAdminKey } from './auth/bootstrap.js'
import { loadConfig } from './config.js'
import { openDatabase } from './db/connection.js'
import { migrateLatest } from './db/migrate.js'
import { problem } from './errors/index.js'
import { loadShippedCalendars } from './review/calendar.js'

const config = loadConfig()
// A request that reaches routing once a stop has begun gets our problem document (below), not
// Fastify's own 503 JSON.
const server = Fastify({ ...serverOptions(config), return503OnClosing: false })
const log = server.log

log.info({ backend: config.databaseUrl ? 'server' : 'embedded', dataDir: config.dataDir }, 'opening database')
const database = await openDatabase(config, { warn: (m) => log.warn(m), error: (m) => log.error(m) })
let closing = false
database.onCrash((reason) => {
  if (closing) return
  log.fatal(reason)
  closing = true
  void server.close().finally(() => process.exit(1))
})

const applied = await migrateLatest(database.knex)
if (applied.length) log.info({ applied }, 'migrations applied')
const calendars = await loadShippedCalendars(database.knex)
if (calendars.length) log.info({ years: calendars }, 'holiday calendars loaded from data/calendar')

if (config.bootstrapAdminKey) {
  const admin = await bootstrapAdminKey(database.knex, config.dataDir)
  if (admin) {
    // Shown once on an interactive console, never through the structured log nor into a log file.
    process.stdout.write(adminKeyNotice(admin, process.stdout.isTTY === true))
  }
  const account = await bootstrapAdminAccount(database.knex, config.dataDir)
  if (account) process.stdout.write(adminAccountNotice(account, process.stdout.isTTY === true))
}

// The database closes last: Fastify runs onClose hooks in the reverse order of their adding, so this
// one, added before the app's, runs after them (the jobs': the running job is aborted and its partial
// rows removed through the database). Added after the app, it closed the database first.
let stopStage: 'http' | 'app' | 'database' = 'http'
server.addHook('onClose', async () => {
  stopStage = 'database'
  await database.close()
})
// A request whose connection was busy when the stop began (its headers still coming, say) is routed
// after it: it is refused, bilingual and with Retry-After, before any work of the app's.
server.addHook('onRequest', async () => {
  if (closing) throw problem('LR_STOPPING', 'the service is stopping; retry in a moment', { detailZh: '服务正在停止，请稍后重试' })
})
// Once a stop has begun, every answer closes its connection: Node's close() waits for each connection,
// and one whose request was in flight would go back to keep-alive and hold the stop for
// KEEP_ALIVE_TIMEOUT_MS.
server.addHook('onSend', (_request, reply, payload, done) => {
  if (closing) reply.header('connection', 'close')
  done(null, payload)
})
await server.register(app, {
  database,
  config,
  protection: { maxInFlight: config.maxInFlight, maxFailedKeys: config.maxFailedKeysPerMinute, failedKeyWindowMs: 60_000 },
})
// the first onClose hook to run after Fastify's own, which closes the HTTP server
server.addHook('onClose', async () => {
  stopStage = 'app'
})
// Once per start, before the first request: what the last stop interrupted is failed, or run again
// when it is a recorded follow-up (docs/decisions.md, "Issue 20: one job owner").
const recovered = await server.jobs.recover()
if (Object.values({ ...recovered.failed, ...recovered.resumed }).some(Boolean)) log.warn(recovered, 'jobs interrupted by the last stop were settled')

const shutdown = (signal: string) => {
  if (closing) return
  closing = true
  log.info({ signal }, 'shutting down')
  // A stop that takes long says what it waits for (a running job, connections still held), every 10 s.
  const http = server.server
  const pool = (database.knex.client as { pool?: { numUsed(): number; numPendingAcquires(): number; numPendingCreates(): number } }).pool
  const slow = setInterval(() => {
    http.getConnections((err, httpConnections) =>
      log.warn(
        {
          stage: stopStage,
          job: server.jobs.running(),
          httpConnections: err ? null : httpConnections,
          connectionsUsed: pool?.numUsed(),
          connectionsWaited: pool?.numPendingAcquires(),
          connectionsOpening: pool?.numPendingCreates(),
        },
        'still shutting down',
      ),
    )
  }, 10_000)
  slow.unref()
  // Connections idle are closed as they become so (an answer begun before the stop, a stream, has no
  // Connection: close); after the grace, those still busy too (an upload: its import is not created).
  setInterval(() => http.closeIdleConnections(), 250).unref()
  setTimeout(() => {
    http.getConnections((_err, open) => {
      if (open)
        log.warn({ httpConnections: open, graceMs: config.timeouts.stopGraceMs }, 'requests still in flight after the stop grace: their connections are closed')
      http.closeAllConnections()
    })
  }, config.timeouts.stopGraceMs).unref()
  server.close().then(
    () => process.exit(0),
    (err) => {
      log.error({ err }, 'error while shutting down')
      process.exit(1)
    },
  )
}
process.on('SIGINT', () => shutdown('SIGINT'))
process.on('SIGTERM', () => shutdown('SIGTERM'))

try {
  const address = await server.listen({ host: config.host, port: config.port })
  // For the person who ran `npm start`: where the console and the API documentation are.
  process.stdout.write(`\n  Web console (工作台): ${address}/\n  API documentation:  ${address}/docs\n\n`)
} catch (err) {
  log.error({ err }, 'could not listen')
  await database.close()
  process.exit(1)
}
