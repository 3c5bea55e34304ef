// Headers that keep the console and /docs from being framed, sniffed or scripted from elsewhere:
// - Content-Security-Policy: scripts only from the service itself (no inline script, no eval);
//   MapLibre's worker (a module script of the service, or a blob: URL) and its tile and glyph fetches
//   from the service; images also as data:/blob:; the optional 天地图 basemap's servers when configured;
//   inline styles stay allowed (MapLibre and the pages set element styles); no plugins, no framing.
// - X-Frame-Options: DENY for browsers without frame-ancestors; X-Content-Type-Options: nosniff.
// - Referrer-Policy: no-referrer, because OGC clients and tile URLs carry ?key= and a referrer would
//   hand it to any site a page links to.
// /docs (Swagger UI) gets its own policy with the hashes of its inline parts (@fastify/swagger-ui's
// staticCSP), tightened here the same way; its styles inline (Swagger UI adds <style> elements).
import fp from 'fastify-plugin'

/** The CSP source of the 天地图 servers: `https://t{0-7}.tianditu.gov.cn` → `https://*.tianditu.gov.cn`. */
export function basemapSource(url: string | undefined): string | null {
  if (!url) return null
  const m = /^(https?:\/\/)([^/]+)/.exec(url)
  if (!m) return null
  const labels = m[2]!.split('.')
  if (labels[0]!.includes('{')) labels[0] = '*'
  return `${m[1]}${labels.join('.')}`
}

export function consolePolicy(basemap: string | null): string {
  const extra = basemap ? ` ${basemap}` : ''
  return [
    "default-src 'self'",
    "script-src 'self'",
    "worker-src 'self' blob:",
    "child-src 'self' blob:",
    `connect-src 'self'${extra}`,
    `img-src 'self' data: blob:${extra}`,
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** Swagger UI's own policy, without `upgrade-insecure-requests` (a LAN service over plain HTTP) and not framable. */
export const docsPolicy = (header: string) =>
  header
    .replace(/\s*upgrade-insecure-requests;?/, '')
    .replace(/frame-ancestors [^;]*/, "frame-ancestors 'none'")
    .replace(/validator\.swagger\.io/, '')
    .replace(/style-src 'self' https:[^;]*/, "style-src 'self' 'unsafe-inline'")
    .replace(/font-src 'self' https: data:/, "font-src 'self' data:")

export default fp(
  async (app, opts: { tiandituUrl?: string | undefined; tiandituToken?: string | undefined }) => {
    const policy = consolePolicy(opts.tiandituToken ? basemapSource(opts.tiandituUrl) : null)
    app.addHook('onSend', async (request, reply, payload) => {
      reply.header('x-content-type-options', 'nosniff')
      reply.header('x-frame-options', 'DENY')
      reply.header('referrer-policy', 'no-referrer')
      if (!reply.hasHeader('content-security-policy') && !request.url.startsWith('/docs')) reply.header('content-security-policy', policy)
      return payload
    })
  },
  { name: 'security-headers' },
)
