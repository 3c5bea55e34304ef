// Command line: `npm run cli -- <command>`. Uses the same configuration and database as the service.
import { parseArgs } from 'node:util'
import { cliActor, issueKey, listAllKeys, revokeKeyByPrefix } from '../auth/service.js'
import { changeAccount, createAccount, listAllAccounts } from '../auth/users.js'
import { configDocs, loadConfig } from '../config.js'
import { openDatabase, type Database } from '../db/connection.js'
import { buildJobs } from '../plugins/job-kinds.js'
import type { Jobs } from '../jobs/jobs.js'
import { migrateDown, migrateLatest, migrationStatus } from '../db/migrate.js'
import { roles, type Role } from '../domain/region.js'
import { analyzeCommand } from './analyze.js'
import { CliUsageError, importCommand } from './import.js'
import { cliLog, userMessage } from './log.js'

const usage = `usage: npm run cli -- <command>

  migrate [latest|down|down-all|status]   apply, roll back or list database migrations
  key create --role <county|city|province|admin> [--region <code>] --name <text>
  key revoke <prefix>                     revoke a key at once (e.g. lr_Ab3dEf9h)
  key list                                list keys (prefixes only; secrets are never stored)
  user create --username <name> --name <显示名> --role <county|city|province|admin> [--region <code>]
                                          create a person's account; prints a password to change at first sign-in
  user disable <username>                 disable an account; its sessions end at once
  user enable <username>
  user reset-password <username>          a new password, printed once, to change at next sign-in
  user list                               list accounts
  import --layer <layer> --county <code> [--srid N] [--encoding GBK] [--mode replace|append]
         [--field-map JSON] [--towgs84 dx,dy,dz,rx,ry,rz,ds] [--on-invalid fail|skip] <file.zip|file.geojson>
                                          import a layer with a progress bar
  import --layers '{"DLTB":"survey3","XZQ":"admin-divisions"}' --county <code> [options] <file.gpkg|gdb.zip>
                                          a survey database's mapped layers in one job, each a version
  analyze --county <code>                 analyse every project of a county, with a progress bar
  config                                  list the environment variables the service reads

Without DATABASE_URL the commands open the embedded database under DATA_DIR; stop the
running service first (it holds that database), or use the HTTP API.`

class UsageError extends Error {}

async function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(loadConfig())
  try {
    return await work(db)
  } finally {
    await db.close()
  }
}

async function migrate(action = 'latest') {
  await withDatabase(async ({ knex }) => {
    if (action === 'latest') {
      const applied = await migrateLatest(knex)
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date')
    } else if (action === 'down' || action === 'down-all') {
      const reverted = await migrateDown(knex, action === 'down-all')
      console.log(reverted.length ? `rolled back: ${reverted.join(', ')}` : 'nothing to roll back')
    } else if (action === 'status') {
      const s = await migrationStatus(knex)
      console.log(`applied: ${s.applied.join(', ') || '(none)'}\npending: ${s.pending.join(', ') || '(none)'}`)
    } else throw new UsageError(`unknown migrate action '${action}'`)
  })
}

async function key(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { role: { type: 'string' }, region: { type: 'string' }, name: { type: 'string' } },
  })
  const [action, prefix] = positionals
  await withDatabase(async ({ knex }) => {
    await migrateLatest(knex)
    if (action === 'create') {
      if (!values.role || !roles.includes(values.role as Role)) throw new UsageError(`--role must be one of ${roles.join(', ')}`)
      if (!values.name) throw new UsageError('--name is required (who or what the key is for)')
      const { token, key } = await issueKey(knex, cliActor(), { name: values.name, role: values.role as Role, region: values.region })
      console.log(`created ${key.role} key ${key.prefix}${key.region ? ` for region ${key.region}` : ''}; the secret is shown only now:\n\n  ${token}\n`)
    } else if (action === 'revoke') {
      if (!prefix) throw new UsageError('key revoke needs the key prefix')
      const key = await revokeKeyByPrefix(knex, cliActor(), prefix)
      console.log(`revoked ${key.prefix} (${key.name}) at ${new Date(key.revokedAt!).toISOString()}`)
    } else if (action === 'list') {
      for (const k of await listAllKeys(knex)) {
        const state = k.revokedAt ? `revoked ${new Date(k.revokedAt).toISOString()}` : 'active'
        console.log(`${k.prefix}\t${k.role}\t${k.region ?? '-'}\t${state}\t${k.name}`)
      }
    } else throw new UsageError(`unknown key action '${action ?? ''}'`)
  })
}

async function user(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { username: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, region: { type: 'string' } },
  })
  const [action, username] = positionals
  await withDatabase(async ({ knex }) => {
    await migrateLatest(knex)
    if (action === 'create') {
      if (!values.username) throw new UsageError('--username is required')
      if (!values.name) throw new UsageError("--name is required (the officer's name)")
      if (!values.role || !roles.includes(values.role as Role)) throw new UsageError(`--role must be one of ${roles.join(', ')}`)
      const { account, password } = await createAccount(knex, cliActor(), {
        username: values.username,
        displayName: values.name,
        role: values.role as Role,
        region: values.region,
      })
      console.log(
        `created ${account.role} account ${account.username} (${account.displayName})${account.region ? ` for region ${account.region}` : ''}; its password, to be changed at first sign-in, is shown only now:\n\n  ${password}\n`,
      )
    } else if (action === 'disable' || action === 'enable') {
      if (!username) throw new UsageError(`user ${action} needs the user name`)
      const { account } = await changeAccount(knex, cliActor(), username, { enabled: action === 'enable' })
      console.log(`${account.username}: ${account.disabledAt ? 'disabled; its sessions have ended' : 'enabled'}`)
    } else if (action === 'reset-password') {
      if (!username) throw new UsageError('user reset-password needs the user name')
      const { account, password } = await changeAccount(knex, cliActor(), username, { resetPassword: true })
      console.log(`new password for ${account.username}, to be changed at next sign-in (its sessions have ended):\n\n  ${password}\n`)
    } else if (action === 'list') {
      for (const a of await listAllAccounts(knex)) {
        const state = a.disabledAt ? 'disabled' : 'enabled'
        console.log(`${a.username}\t${a.role}\t${a.region ?? '-'}\t${state}\t${a.displayName}`)
      }
    } else throw new UsageError(`unknown user action '${action ?? ''}'`)
  })
}

/**
 * Imports and analysis runs from the CLI are the service's jobs (same rows, kinds and hooks), run by
 * a job owner of the CLI's own. It does not recover interrupted jobs: with a server database the
 * service may be running them.
 */
async function withJobs<T>(work: (jobs: Jobs, db: Database) => Promise<T>): Promise<T> {
  const config = loadConfig()
  return withDatabase(async (db) => {
    await migrateLatest(db.knex)
    const jobs = buildJobs({
      knex: db.knex,
      log: cliLog,
      dataDir: config.dataDir,
      keepVersions: config.layerVersionsKept,
      heartbeatSeconds: config.jobHeartbeatSeconds,
      // the service's limits and readers (GDAL_READER, GPKG_READER), as its jobs have them (src/app.ts)
      limits: { ...config.limits.import, gdalReader: config.gdalReader, gpkgReader: config.gpkgReader },
    })
    try {
      return await work(jobs, db)
    } finally {
      await jobs.close()
    }
  })
}

function config() {
  for (const c of configDocs) console.log(`${c.name}${c.default !== undefined ? ` (default ${c.default})` : ''}${c.description ? `: ${c.description}` : ''}`)
}

async function main(argv: string[]) {
  const [command, ...rest] = argv
  switch (command) {
    case 'migrate':
      return migrate(rest[0])
    case 'key':
      return key(rest)
    case 'user':
      return user(rest)
    case 'config':
      return config()
    case 'analyze': {
      const { values } = parseArgs({ args: rest, options: { county: { type: 'string' } } })
      if (!values.county) throw new UsageError('analyze needs --county <6-digit code>')
      process.exitCode = await withJobs((jobs) => analyzeCommand(jobs, values.county!))
      return
    }
    case 'import': {
      process.exitCode = await withJobs((jobs, { knex }) => importCommand(jobs, knex, rest))
      return
    }
    default:
      throw new UsageError(command ? `unknown command '${command}'` : 'no command given')
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const usageError = err instanceof UsageError || err instanceof CliUsageError
  if (usageError) console.error(`${(err as Error).message}\n\n${usage}`)
  // A failed query (the database away while the command reads its job) is told without its SQL.
  else console.error(`error: ${userMessage(err)}`)
  process.exit(usageError ? 64 : 1)
})
