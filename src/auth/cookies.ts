// The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it),
// Path=/, Secure when the console is reached over HTTPS (directly, or through a proxy whose
// X-Forwarded-Proto is trusted, or a PUBLIC_URL that says https). No Max-Age: it ends with the browser,
// and the server ends it sooner (idle and absolute timeouts).
import type { FastifyRequest } from 'fastify'

export const sessionCookieName = 'lr_session'

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim() || null
  }
  return null
}

const secure = (request: FastifyRequest, publicUrl: string | undefined) => request.protocol === 'https' || !!publicUrl?.startsWith('https:')

export function sessionCookie(request: FastifyRequest, token: string, publicUrl: string | undefined): string {
  return `${sessionCookieName}=${token}; Path=/; HttpOnly; SameSite=Strict${secure(request, publicUrl) ? '; Secure' : ''}`
}

export function clearedSessionCookie(request: FastifyRequest, publicUrl: string | undefined): string {
  return `${sessionCookieName}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure(request, publicUrl) ? '; Secure' : ''}`
}

/**
 * Whether a request comes from a page of this service: its Origin (or, where a browser sends none,
 * its Referer) names the public URL's origin, or the scheme and host the request arrived at.
 */
export function sameOrigin(request: FastifyRequest, publicUrl: string | undefined): boolean {
  const from = originOf(request.headers.origin ?? request.headers.referer)
  if (!from) return false
  const allowed = new Set<string | undefined>([originOf(`${request.protocol}://${request.host}`)])
  if (publicUrl) allowed.add(originOf(publicUrl))
  return allowed.has(from)
}

/** The origin of a URL as the URL standard writes it (default port left out), or undefined ('null' too). */
function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined
  try {
    const origin = new URL(url).origin
    return origin === 'null' ? undefined : origin
  } catch {
    return undefined
  }
}
