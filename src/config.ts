// Configuration is read from the environment once, validated, and passed down.
// Nothing else in the code reads process.env.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Type, { type Static } from 'typebox'
import Value from 'typebox/value'
import type { GdalReaderMode } from './import/gdal/native.js'
import type { GpkgReaderMode } from './import/gpkg-source.js'

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
  DISK_FREE_MARGIN_BYTES: Type.Integer({
    default: 64 * 1024 * 1024,
    minimum: 0,
    description:
      'free space the data directory keeps after an upload and (embedded) its estimated database growth; an upload that would leave less is refused with 507',
  }),
  IMPORT_DISK_FACTOR: Type.Number({
    default: 4,
    minimum: 0,
    description:
      'embedded database only: an import is expected to grow the database by this many times the size of its upload (rows about twice a zipped file, indexes and WAL about as much again)',
  }),
  EMBEDDED_START_TIMEOUT_MS: Type.Integer({ default: 120_000, minimum: 1000 }),
  LAYER_VERSIONS_KEPT: Type.Integer({
    default: 0,
    minimum: 0,
    description: 'versions of each layer and county kept after an import (older inactive ones are dropped, except those analyses used); 0 = all',
  }),
  MAX_IN_FLIGHT: Type.Integer({ default: 256, minimum: 1, description: 'requests served at once; beyond, 503 with Retry-After' }),
  MAX_FAILED_KEYS_PER_MINUTE: Type.Integer({ default: 20, minimum: 1, description: 'failed API-key attempts per client address and minute before 429' }),
  SESSION_IDLE_MINUTES: Type.Integer({ default: 60, minimum: 1, description: 'a console session unused this long ends (named accounts)' }),
  SESSION_ABSOLUTE_HOURS: Type.Integer({ default: 12, minimum: 1, description: 'a console session ends this long after sign-in, used or not' }),
  BOOTSTRAP_ADMIN_KEY: Type.Boolean({
    default: true,
    description: 'create an admin key on an empty database, and the admin account of the console when there is no account',
  }),
  // Timeouts: a statement of request work, and the HTTP server's own (Node's http.Server settings).
  STATEMENT_TIMEOUT_MS: Type.Integer({
    default: 30_000,
    minimum: 0,
    description: 'longest database statement while serving a request (jobs have none); past it the request answers 503; 0 = none',
  }),
  HEALTH_TIMEOUT_MS: Type.Integer({
    default: 2000,
    minimum: 100,
    description: 'longest wait of /health for the database; past it, a database still at work on a statement answers busy (embedded: one connection)',
  }),
  REQUEST_TIMEOUT_MS: Type.Integer({
    default: 3_600_000,
    minimum: 0,
    description: 'longest time to receive a whole request, upload included (a 2 GiB upload at 10 Mbit/s takes 29 min); 0 = none',
  }),
  HEADERS_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 1000, description: 'longest time to receive the request headers' }),
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({
    default: 72_000,
    minimum: 0,
    description: 'idle keep-alive connections close after this; above the 60 s idle timeout of common proxies and load balancers',
  }),
  STOP_GRACE_MS: Type.Integer({
    default: 20_000,
    minimum: 0,
    description:
      'on SIGTERM, how long requests in flight (an upload) may take to finish before their connections are closed; below the orchestrator’s stop timeout (compose: 30 s)',
  }),
  CONNECTION_TIMEOUT_MS: Type.Integer({
    default: 0,
    minimum: 0,
    description: 'a socket with no traffic for this long is closed; 0 = none (an export may build for minutes before its first byte)',
  }),
  // Behind a reverse proxy.
  PUBLIC_URL: Type.Optional(
    Type.String({ minLength: 1, description: 'the address clients use (https://gis.example.cn/lowland); absolute links are built from it' }),
  ),
  TRUST_PROXY: Type.String({
    default: 'false',
    description: 'proxies whose X-Forwarded-For/-Proto are believed: false, true, or addresses/CIDRs (127.0.0.1,10.0.0.0/8, loopback)',
  }),
  SSO_HEADER: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9-]+$',
      description:
        'single sign-on: the header a trusted gateway (统一身份认证) puts the signed-in user name in, e.g. X-Remote-User; unset = off. Needs SSO_PROXIES',
    }),
  ),
  SSO_PROXIES: Type.String({
    default: '',
    description: 'single sign-on: the gateway addresses/CIDRs (or loopback) whose SSO_HEADER is believed; from any other address the header is refused',
  }),
  CORS_ORIGINS: Type.String({ default: '', description: 'web origins allowed to read /ogc and /tiles (comma-separated, or *); none by default' }),
  // Limits of what one request may ask for.
  OGC_LIMIT_DEFAULT: Type.Integer({ default: 100, minimum: 1, description: 'features in an OGC items page when the client gives no limit' }),
  OGC_LIMIT_MAX: Type.Integer({ default: 10_000, minimum: 1, maximum: 1_000_000, description: 'largest OGC items page (limit)' }),
  TILE_MAX_FEATURES: Type.Integer({ default: 5000, minimum: 1, description: 'features in one vector tile at most (the largest are kept)' }),
  TILE_MAX_ANALYSIS_PIECES: Type.Integer({
    default: 2000,
    minimum: 1,
    description: 'features in one analysis-pieces tile at most (computed per request)',
  }),
  TILE_CACHE_MEMORY_BYTES: Type.Integer({
    default: 64 * 1024 * 1024,
    minimum: 0,
    description: 'bytes of vector tiles kept in memory, the most recently used (0: none); a tile is kept under its data versions, so never stale',
  }),
  TILE_CACHE_DISK_BYTES: Type.Integer({
    default: 512 * 1024 * 1024,
    minimum: 0,
    description: 'bytes of vector tiles kept under DATA_DIR/tile-cache across restarts, the oldest dropped first (0: none)',
  }),
  GPKG_MAX_FEATURES: Type.Integer({
    default: 200_000,
    minimum: 1,
    description: 'features in one GeoPackage download (f=gpkg) at most: it is built in memory (sql.js), a county layer fits',
  }),
  JOBS_PER_KEY: Type.Integer({
    default: 4,
    minimum: 0,
    description: 'imports (and analysis or bundle runs) one key or account may have queued or running at once; beyond, 429; 0 = no limit',
  }),
  JOB_HEARTBEAT_SECONDS: Type.Integer({
    default: 10,
    minimum: 1,
    maximum: 3600,
    description:
      'seconds between the heartbeats a process writes on the jobs it holds; a start settles another process’s jobs only once their heartbeat is 3 beats and 15 s old, or their process is gone from this host',
  }),
  GDAL_READER: Type.Enum(['auto', 'wasm', 'native'], {
    default: 'auto',
    description:
      "which GDAL reads survey databases (.gdb, .gpkg): the machine's ogr2ogr/ogrinfo (native, GDAL ≥ 3.6 with OpenFileGDB and GPKG), gdal3.js (wasm), or the machine's when found (auto)",
  }),
  GPKG_READER: Type.Enum(['direct', 'gdal'], {
    default: 'direct',
    description:
      "who reads a GeoPackage layer's rows: the service from the file itself (direct; GDAL still lists the layers, and reads any layer of a shape the service does not read: curves, Z/M, DateTime fields), or GDAL as GDAL_READER says (gdal)",
  }),
  IMPORT_MAX_VERTICES: Type.Integer({ default: 1_000_000, minimum: 4, description: 'vertices of one imported feature at most' }),
  GEOJSON_MAX_BYTES: Type.Integer({ default: 256 * 1024 * 1024, minimum: 1024, description: 'largest GeoJSON file an import reads' }),
  GEOJSON_MAX_DEPTH: Type.Integer({ default: 32, minimum: 4, maximum: 256, description: 'deepest nesting of JSON in a GeoJSON import' }),
  // Supporting documents of a project (证明材料): kept in the database, so bounded per file and per project.
  ATTACHMENT_MAX_BYTES: Type.Integer({
    default: 20 * 1024 * 1024,
    minimum: 1024,
    maximum: 512 * 1024 * 1024,
    description: 'largest supporting document (PDF, PNG, JPEG scan) attached to a project',
  }),
  ATTACHMENT_MAX_PER_PROJECT: Type.Integer({ default: 50, minimum: 1, maximum: 10_000, description: 'supporting documents one project may hold' }),
  // An optional basemap under the data in the console's maps.
  TIANDITU_TOKEN: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "this deployment's 天地图 key (tk): the console's maps offer 天地图 vector and imagery basemaps with it; unset = none (the console needs no internet). " +
        'Browsers send it with every tile request: use a browser key (浏览器端) limited to the console’s domain',
    }),
  ),
  TIANDITU_URL: Type.String({
    default: 'https://t{0-7}.tianditu.gov.cn',
    description: '天地图 servers (WMTS); {0-7} spreads tile requests over t0 … t7; a mirror or a stand-in may be named instead',
  }),
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
  diskSpace: DiskSpaceConfig
  embeddedStartTimeoutMs: number
  bootstrapAdminKey: boolean
  layerVersionsKept: number
  /** which GDAL reads survey databases (src/import/gdal/native.ts) */
  gdalReader: GdalReaderMode
  /** who reads a GeoPackage's rows (src/import/gpkg-source.ts) */
  gpkgReader: GpkgReaderMode
  jobsPerKey: number
  /** seconds between two heartbeats of the jobs a process holds (src/jobs/owner.ts) */
  jobHeartbeatSeconds: number
  maxInFlight: number
  maxFailedKeysPerMinute: number
  sessions: { idleMinutes: number; absoluteHours: number }
  timeouts: ServerTimeouts
  /** absolute base of links (no trailing slash); unset: the address the request arrived at */
  publicUrl: string | undefined
  /** Fastify's trustProxy: false, true, or the proxies' addresses */
  trustProxy: boolean | string[]
  corsOrigins: string[]
  tileCache: { memoryBytes: number; diskBytes: number }
  /** single sign-on through a trusted gateway's header (off when undefined) */
  sso: SsoConfig | undefined
  limits: Limits
  basemap: BasemapConfig
}

/** Room an upload must find in the data directory (src/import/disk-space.ts). */
export interface DiskSpaceConfig {
  /** left free after the upload and the database's growth */
  marginBytes: number
  /** the embedded database's estimated growth per byte of upload (not applied with DATABASE_URL) */
  databaseFactor: number
}

/** 天地图 for the console's maps: off without a token. */
/** A gateway that signs people in (统一身份认证) and passes the user name in a header (src/auth/sso.ts). */
export interface SsoConfig {
  /** the header's name, lower case */
  header: string
  /** addresses/CIDRs (or loopback) the header is believed from */
  proxies: string[]
}

export interface BasemapConfig {
  tiandituToken: string | undefined
  /** server address, with {0-7} for the subdomains */
  tiandituUrl: string
}

export interface ServerTimeouts {
  statementMs: number
  /** /health's wait for the database before it answers from what it knows (src/health/check.ts) */
  healthMs: number
  requestMs: number
  headersMs: number
  keepAliveMs: number
  connectionMs: number
  /** on a stop, the wait for requests in flight before their connections are closed */
  stopGraceMs: number
}

/** What one request or import may ask for, passed down to the features (nothing reads these from elsewhere). */
export interface Limits {
  items: { default: number; maximum: number }
  tiles: { maxFeatures: number; maxAnalysisPieces: number }
  /** whole-collection downloads built in memory */
  exports: { gpkgMaxFeatures: number }
  import: { maxVertices: number; geojsonMaxBytes: number; geojsonMaxDepth: number }
  /** supporting documents (证明材料) of a project */
  attachments: AttachmentLimits
}

export interface AttachmentLimits {
  maxBytes: number
  maxPerProject: number
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
  const problems = crossChecks(v)
  if (problems.length) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
  return {
    databaseUrl: v.DATABASE_URL,
    dataDir: path.resolve(v.DATA_DIR),
    host: v.HOST,
    port: v.PORT,
    logLevel: v.LOG_LEVEL,
    dbPoolMax: v.DB_POOL_MAX,
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    uploadLimitBytes: v.UPLOAD_LIMIT_BYTES,
    diskSpace: { marginBytes: v.DISK_FREE_MARGIN_BYTES, databaseFactor: v.IMPORT_DISK_FACTOR },
    embeddedStartTimeoutMs: v.EMBEDDED_START_TIMEOUT_MS,
    bootstrapAdminKey: v.BOOTSTRAP_ADMIN_KEY,
    layerVersionsKept: v.LAYER_VERSIONS_KEPT,
    gdalReader: v.GDAL_READER as GdalReaderMode,
    gpkgReader: v.GPKG_READER as GpkgReaderMode,
    jobsPerKey: v.JOBS_PER_KEY,
    jobHeartbeatSeconds: v.JOB_HEARTBEAT_SECONDS,
    maxInFlight: v.MAX_IN_FLIGHT,
    maxFailedKeysPerMinute: v.MAX_FAILED_KEYS_PER_MINUTE,
    sessions: { idleMinutes: v.SESSION_IDLE_MINUTES, absoluteHours: v.SESSION_ABSOLUTE_HOURS },
    timeouts: {
      statementMs: v.STATEMENT_TIMEOUT_MS,
      healthMs: v.HEALTH_TIMEOUT_MS,
      requestMs: v.REQUEST_TIMEOUT_MS,
      headersMs: v.HEADERS_TIMEOUT_MS,
      keepAliveMs: v.KEEP_ALIVE_TIMEOUT_MS,
      connectionMs: v.CONNECTION_TIMEOUT_MS,
      stopGraceMs: v.STOP_GRACE_MS,
    },
    publicUrl: v.PUBLIC_URL?.replace(/\/+$/, ''),
    trustProxy: trustProxyOf(v.TRUST_PROXY),
    corsOrigins: listOf(v.CORS_ORIGINS),
    tileCache: { memoryBytes: v.TILE_CACHE_MEMORY_BYTES, diskBytes: v.TILE_CACHE_DISK_BYTES },
    sso: v.SSO_HEADER ? { header: v.SSO_HEADER.toLowerCase(), proxies: listOf(v.SSO_PROXIES) } : undefined,
    limits: {
      items: { default: v.OGC_LIMIT_DEFAULT, maximum: v.OGC_LIMIT_MAX },
      tiles: { maxFeatures: v.TILE_MAX_FEATURES, maxAnalysisPieces: v.TILE_MAX_ANALYSIS_PIECES },
      exports: { gpkgMaxFeatures: v.GPKG_MAX_FEATURES },
      import: { maxVertices: v.IMPORT_MAX_VERTICES, geojsonMaxBytes: v.GEOJSON_MAX_BYTES, geojsonMaxDepth: v.GEOJSON_MAX_DEPTH },
      attachments: { maxBytes: v.ATTACHMENT_MAX_BYTES, maxPerProject: v.ATTACHMENT_MAX_PER_PROJECT },
    },
    basemap: { tiandituToken: v.TIANDITU_TOKEN, tiandituUrl: v.TIANDITU_URL.replace(/\/+$/, '') },
  }
}

/** Every value as the defaults give it: for tests and the parts of the app given no configuration. */
export const defaultConfig = (): Config => loadConfig({})

const listOf = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

const trustProxyOf = (text: string): boolean | string[] => (text === 'true' ? true : text === 'false' ? false : listOf(text))

// Names proxy-addr (Fastify's trustProxy) knows besides addresses and CIDR ranges.
const proxyNames = new Set(['loopback', 'linklocal', 'uniquelocal'])
const ipOrCidr = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)(\/\d{1,3})?$/i

/** What one variable's schema cannot say: formats, and values that must agree with each other. */
function crossChecks(v: Env): string[] {
  const problems: string[] = []
  if (v.PUBLIC_URL !== undefined) {
    let url: URL | null = null
    try {
      url = new URL(v.PUBLIC_URL)
    } catch {
      /* reported below */
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
      problems.push(`PUBLIC_URL: must be an absolute http(s) URL without query, fragment or credentials, got '${v.PUBLIC_URL}'`)
    }
  }
  if (!['true', 'false'].includes(v.TRUST_PROXY)) {
    const bad = listOf(v.TRUST_PROXY).filter((p) => !proxyNames.has(p) && !ipOrCidr.test(p))
    if (bad.length || !listOf(v.TRUST_PROXY).length) problems.push(`TRUST_PROXY: not true, false, or addresses/CIDRs: '${v.TRUST_PROXY}'`)
  }
  if (v.SSO_HEADER !== undefined) {
    if (['authorization', 'x-api-key', 'cookie', 'host', 'origin'].includes(v.SSO_HEADER.toLowerCase()))
      problems.push(`SSO_HEADER: '${v.SSO_HEADER}' carries keys, cookies or addresses already; name the gateway's own header (X-Remote-User)`)
    const proxies = listOf(v.SSO_PROXIES)
    const bad = proxies.filter((p) => p !== 'loopback' && !ipOrCidr.test(p))
    if (!proxies.length || bad.length) problems.push(`SSO_PROXIES: SSO_HEADER needs the gateway's addresses/CIDRs (or loopback), got '${v.SSO_PROXIES}'`)
  } else if (v.SSO_PROXIES) problems.push('SSO_PROXIES is set without SSO_HEADER')
  if (!/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(v.TIANDITU_URL)) {
    problems.push(`TIANDITU_URL: must be an http(s) address without query, e.g. https://t{0-7}.tianditu.gov.cn, got '${v.TIANDITU_URL}'`)
  }
  const badOrigins = listOf(v.CORS_ORIGINS).filter((o) => o !== '*' && !/^https?:\/\/[^/?#\s]+$/.test(o))
  if (badOrigins.length) problems.push(`CORS_ORIGINS: each must be an origin such as https://map.example.cn (no path) or *, got ${badOrigins.join(', ')}`)
  if (v.OGC_LIMIT_DEFAULT > v.OGC_LIMIT_MAX) problems.push(`OGC_LIMIT_DEFAULT (${v.OGC_LIMIT_DEFAULT}) exceeds OGC_LIMIT_MAX (${v.OGC_LIMIT_MAX})`)
  // Node refuses a headers timeout longer than the request timeout.
  if (v.REQUEST_TIMEOUT_MS && v.HEADERS_TIMEOUT_MS > v.REQUEST_TIMEOUT_MS) {
    problems.push(`HEADERS_TIMEOUT_MS (${v.HEADERS_TIMEOUT_MS}) exceeds REQUEST_TIMEOUT_MS (${v.REQUEST_TIMEOUT_MS})`)
  }
  return problems
}

/** Environment variables and their meaning, for the README and `cli config`. */
export const configDocs = Object.entries(EnvSchema.properties).map(([name, schema]) => ({
  name,
  default: (schema as { default?: unknown }).default,
  description: (schema as { description?: string }).description,
}))
