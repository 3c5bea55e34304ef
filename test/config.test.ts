// The configuration is validated once at start: each variable by its schema, and what one schema
// cannot say (formats, values that must agree) by the cross-checks; a bad value stops the start.
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'

describe('configuration', () => {
  it('gives the documented defaults: no CORS, no proxy, no public URL, the limits as before', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({ corsOrigins: [], trustProxy: false, publicUrl: undefined })
    expect(c.timeouts).toEqual({
      statementMs: 30_000,
      healthMs: 2000,
      requestMs: 3_600_000,
      headersMs: 30_000,
      keepAliveMs: 72_000,
      connectionMs: 0,
      stopGraceMs: 20_000,
    })
    expect(c.limits).toEqual({
      items: { default: 100, maximum: 10_000 },
      tiles: { maxFeatures: 5000, maxAnalysisPieces: 2000 },
      exports: { gpkgMaxFeatures: 200_000 },
      import: { maxVertices: 1_000_000, geojsonMaxBytes: 256 * 1024 * 1024, geojsonMaxDepth: 32 },
      attachments: { maxBytes: 20 * 1024 * 1024, maxPerProject: 50 },
    })
    expect(loadConfig({ ATTACHMENT_MAX_BYTES: '5242880', ATTACHMENT_MAX_PER_PROJECT: '10' }).limits.attachments).toEqual({
      maxBytes: 5_242_880,
      maxPerProject: 10,
    })
  })

  it('reads lists and the public URL', () => {
    const c = loadConfig({
      PUBLIC_URL: 'https://gis.example.cn/lowland/',
      TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,loopback',
      CORS_ORIGINS: 'https://a.example, http://b.example:8080',
    })
    expect(c.publicUrl).toBe('https://gis.example.cn/lowland')
    expect(c.trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', 'loopback'])
    expect(c.corsOrigins).toEqual(['https://a.example', 'http://b.example:8080'])
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true)
  })

  it('has no basemap unless a 天地图 key is given; the servers may be a mirror', () => {
    expect(loadConfig({}).basemap).toEqual({ tiandituToken: undefined, tiandituUrl: 'https://t{0-7}.tianditu.gov.cn' })
    expect(loadConfig({ TIANDITU_TOKEN: 'abc', TIANDITU_URL: 'http://tiles.intranet:8080/tdt/' }).basemap).toEqual({
      tiandituToken: 'abc',
      tiandituUrl: 'http://tiles.intranet:8080/tdt',
    })
  })

  it.each([
    [{ PUBLIC_URL: 'gis.example.cn' }, /PUBLIC_URL/],
    [{ PUBLIC_URL: 'https://gis.example.cn/?key=1' }, /PUBLIC_URL/],
    [{ PUBLIC_URL: 'ftp://gis.example.cn' }, /PUBLIC_URL/],
    [{ TRUST_PROXY: 'my-proxy' }, /TRUST_PROXY/],
    [{ CORS_ORIGINS: 'https://map.example.cn/path' }, /CORS_ORIGINS/],
    [{ OGC_LIMIT_DEFAULT: '500', OGC_LIMIT_MAX: '100' }, /OGC_LIMIT_DEFAULT \(500\) exceeds OGC_LIMIT_MAX \(100\)/],
    [{ HEADERS_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '10000' }, /HEADERS_TIMEOUT_MS/],
    [{ STATEMENT_TIMEOUT_MS: '-1' }, /STATEMENT_TIMEOUT_MS/],
    [{ TILE_MAX_FEATURES: 'many' }, /TILE_MAX_FEATURES/],
    [{ TIANDITU_URL: 't0.tianditu.gov.cn' }, /TIANDITU_URL/],
    [{ TIANDITU_URL: 'https://t0.tianditu.gov.cn/?tk=1' }, /TIANDITU_URL/],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(message)
  })
})
