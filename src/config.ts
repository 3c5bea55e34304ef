// Configuration is read from the environment once, validated, and passed down.
// Nothing else in the code reads process.env.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Type, { type Static } from 'typebox'
import Value from 'typebox/value'

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const EnvSchema = Type.Object({
  DATABASE_URL: Type.Optional(Type.String({ minLength: 1, description: 'PostgreSQL+PostGIS URL; unset = embedded PGlite' })),
  DATA_DIR: Type.String({ default: path.join(projectRoot, 'data'), description: 'embedded database, admin key, temp files' }),
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  DB_POOL_MAX: Type.Integer({ default: 10, minimum: 1, maximum: 100 }),
  BODY_LIMIT_BYTES: Type.Integer({ default: 10 * 1024 * 1024, minimum: 1024 }),
  UPLOAD_LIMIT_BYTES: Type.Integer({ default: 2 * 1024 * 1024 * 1024, minimum: 1024 }),
  EMBEDDED_START_TIMEOUT_MS: Type.Integer({ default: 120_000, minimum: 1000 }),
  LAYER_VERSIONS_KEPT: Type.Integer({
    default: 0,
    minimum: 0,
    description: 'versions of each layer and county kept after an import (older inactive ones are dropped, except those analyses used); 0 = all',
  }),
  MAX_IN_FLIGHT: Type.Integer({ default: 256, minimum: 1, description: 'requests served at once; beyond, 503 with Retry-After' }),
  MAX_FAILED_KEYS_PER_MINUTE: Type.Integer({ default: 20, minimum: 1, description: 'failed API-key attempts per client address and minute before 429' }),
  BOOTSTRAP_ADMIN_KEY: Type.Boolean({ default: true, description: 'create an admin key on an empty database' }),
})

export type Env = Static<typeof EnvSchema>

export interface Config {
  databaseUrl: string | undefined
  dataDir: string
  host: string
  port: number
  logLevel: string
  dbPoolMax: number
  bodyLimitBytes: number
  uploadLimitBytes: number
  embeddedStartTimeoutMs: number
  bootstrapAdminKey: boolean
  layerVersionsKept: number
  maxInFlight: number
  maxFailedKeysPerMinute: number
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  const value = Value.Convert(EnvSchema, Value.Default(EnvSchema, raw))
  if (!Value.Check(EnvSchema, value)) {
    const problems = [...Value.Errors(EnvSchema, value)].map((e) => `${e.instancePath.slice(1) || 'environment'}: ${e.message}`)
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
  }
  const v = value as Env
  return {
    databaseUrl: v.DATABASE_URL,
    dataDir: path.resolve(v.DATA_DIR),
    host: v.HOST,
    port: v.PORT,
    logLevel: v.LOG_LEVEL,
    dbPoolMax: v.DB_POOL_MAX,
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    uploadLimitBytes: v.UPLOAD_LIMIT_BYTES,
    embeddedStartTimeoutMs: v.EMBEDDED_START_TIMEOUT_MS,
    bootstrapAdminKey: v.BOOTSTRAP_ADMIN_KEY,
    layerVersionsKept: v.LAYER_VERSIONS_KEPT,
    maxInFlight: v.MAX_IN_FLIGHT,
    maxFailedKeysPerMinute: v.MAX_FAILED_KEYS_PER_MINUTE,
  }
}

/** Environment variables and their meaning, for the README and `cli config`. */
export const configDocs = Object.entries(EnvSchema.properties).map(([name, schema]) => ({
  name,
  default: (schema as { default?: unknown }).default,
  description: (schema as { description?: string }).description,
}))
