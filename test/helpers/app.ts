// Builds the real application against the run's real database (see setup/global.ts).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Knex } from 'knex'
import { inject } from 'vitest'
import app, { serverOptions } from '../../src/app.js'
import type { Config } from '../../src/config.js'
import type { ProtectionOptions } from '../../src/plugins/protection.js'
import { insertAccount } from '../../src/auth/accounts.js'
import { createKey } from '../../src/auth/keys.js'
import { hashPassword } from '../../src/auth/passwords.js'
import { attachDatabase, type Database } from '../../src/db/connection.js'
import { migrateLatest } from '../../src/db/migrate.js'
import type { Role } from '../../src/domain/region.js'
import { layerKinds } from '../../src/catalogue/layer-kinds.js'

export const testDatabase = () => inject('database')

export function openTestDatabase(): Database {
  const { url, backend } = testDatabase()
  return attachDatabase(url, backend, 4)
}

export interface TestApp {
  app: FastifyInstance
  db: Database
  knex: Knex
  close(): Promise<void>
}

export async function buildTestApp(
  configure?: (app: FastifyInstance) => void,
  opts: { uploadLimitBytes?: number; layerVersionsKept?: number; protection?: Partial<ProtectionOptions>; config?: Partial<Config> } = {},
): Promise<TestApp & { dataDir: string }> {
  const db = openTestDatabase()
  await migrateLatest(db.knex)
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-app-'))
  const instance = Fastify(
    serverOptions({ logLevel: 'silent', bodyLimitBytes: 1024 * 1024, timeouts: opts.config?.timeouts, trustProxy: opts.config?.trustProxy }, false),
  )
  await instance.register(app, {
    database: db,
    config: { ...opts.config, dataDir, uploadLimitBytes: opts.uploadLimitBytes ?? 64 * 1024 * 1024, layerVersionsKept: opts.layerVersionsKept ?? 0 },
    // The event-loop-delay guard answers 503 when the machine is busy (a loaded CI runner, two suites
    // at once): not what a functional test is about. The in-flight bound stays on; a test of the
    // guard itself passes its own delay.
    protection: { maxEventLoopDelayMs: 0, ...opts.protection },
  })
  configure?.(instance)
  await instance.ready()
  return {
    app: instance,
    db,
    knex: db.knex,
    dataDir,
    close: async () => {
      await instance.close()
      await db.close()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Empties every table of the service (keeps the schema and PostGIS's own tables). */
export async function resetData(knex: Knex): Promise<void> {
  // Each layer version has a table of its own (<layer table>_d<dataset id>): they go with the versions.
  const { rows: versions } = await knex.raw(
    `SELECT c.relname AS name FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace AND c.relname ~ ?`,
    [`^(${layerKinds.map((k) => k.table).join('|')})_d[0-9]+$`],
  )
  for (const v of versions as Array<{ name: string }>) await knex.raw(`DROP TABLE IF EXISTS "${v.name}"`)
  const { rows } = await knex.raw(
    `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
       AND tablename NOT IN ('spatial_ref_sys', 'knex_migrations', 'knex_migrations_lock')`,
  )
  const tables = rows.map((r: { tablename: string }) => `"${r.tablename}"`)
  if (tables.length) await knex.raw(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`)
}

export async function keyFor(knex: Knex, role: Role, region: string | null = null, name = `${role} ${region ?? ''}`): Promise<string> {
  const { token } = await createKey(knex, { name, role, region, createdBy: 'test' })
  return token
}

/** One key of each office the review walks through, for a county of Liaocheng (3715) and a neighbour of each. */
export async function reviewKeys(knex: Knex, county: string): Promise<Record<string, string>> {
  return {
    county: await keyFor(knex, 'county', county),
    otherCounty: await keyFor(knex, 'county', '371521'),
    city: await keyFor(knex, 'city', '3715'),
    otherCity: await keyFor(knex, 'city', '3701'),
    province: await keyFor(knex, 'province'),
    admin: await keyFor(knex, 'admin'),
  }
}

export const withKey = (token: string) => ({ 'x-api-key': token })

/** A named account of an office, with a password it need not change (made as an admin would, then changed). */
export async function accountFor(
  knex: Knex,
  role: Role,
  region: string | null = null,
  username = `${role}${region ?? ''}-${Math.random().toString(36).slice(2, 8)}`,
  displayName = `测试${role}${region ?? ''}`,
): Promise<{ username: string; password: string; displayName: string }> {
  const password = `Pw-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`
  await insertAccount(knex, { username, displayName, role, region, passwordHash: await hashPassword(password), mustChangePassword: false, createdBy: 'test' })
  return { username, password, displayName }
}

/** Signs in through the API and answers the Cookie header of the session. */
export async function sessionCookieFor(app: FastifyInstance, account: { username: string; password: string }): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: account.username, password: account.password } })
  if (res.statusCode !== 204) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`)
  return String(res.headers['set-cookie']).split(';')[0]!
}

/**
 * The city's field check (外业核查, 165号 四（一）) that its `check` records (src/domain/field-check.ts): a fixed visit
 * in the past, so that it is never "after today".
 */
export const cityFieldCheck = {
  date: '2026-03-16',
  by: '王敏、刘强（聊城市自然资源和规划局）',
  findings: '现场踏勘，红线范围、现状建筑与上报一致',
  result: 'consistent',
} as const

/** The body of POST /projects/{id}/transitions as each office sends it: the city's check carries its field check. */
export const transitionBody = (action: string, reason?: string): Record<string, unknown> => ({
  action,
  ...(reason !== undefined ? { reason } : {}),
  ...(action === 'check' ? { fieldCheck: cityFieldCheck } : {}),
})
