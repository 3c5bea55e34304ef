// The one client of the service's API: a person signs in with a named account and the service keeps
// the session (an HttpOnly cookie the page cannot read, sent by the browser with every request of this
// origin); no key or token is ever held by the page. problem+json errors as ApiError, uploads through
// XMLHttpRequest for byte progress.
import { s } from './strings.js'

const ENDED = 'lowland.sessionEnded'

/** Who is signed in: known after refresh() (GET /api/v1/keys/me with the cookie); null when nobody. */
let current
export const session = {
  get principal() {
    return current ?? null
  },
  /** Whether it is known yet who is signed in (the first page load asks the service). */
  get known() {
    return current !== undefined
  },
  async refresh() {
    try {
      current = await request('/api/v1/keys/me', { quiet: true })
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) current = null
      else throw err
    }
    return current
  },
  async signIn(username, password) {
    await request('/api/v1/session', { method: 'POST', body: { username, password }, quiet: true })
    return this.refresh()
  },
  async signOut() {
    await request('/api/v1/session', { method: 'DELETE', quiet: true }).catch(() => null)
    current = null
  },
  /**
   * The session ended under the page (signed out elsewhere, disabled, timed out): go back to sign-in,
   * which says why (takeEndedReason). Pages need not handle it one by one.
   */
  end(reason) {
    current = null
    sessionStorage.setItem(ENDED, reason)
    window.dispatchEvent(new HashChangeEvent('hashchange'))
  },
  takeEndedReason() {
    const reason = sessionStorage.getItem(ENDED)
    sessionStorage.removeItem(ENDED)
    return reason
  },
}

/** An RFC 7807 problem from the service (or a network failure), with its Chinese text first. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detailZh ?? problem?.detail ?? problem?.title ?? s.problems.generic(status))
    this.status = status
    this.problem = problem ?? {}
  }
  /**
   * Lines a user reads: the Chinese title, the Chinese detail, each error item in Chinese. The English
   * (detail, titleEn, message) stays in the document for programs and logs; the page shows it only
   * where the service gave no Chinese.
   */
  get lines() {
    const p = this.problem
    const head = [p.title, p.detailZh ?? p.detail].filter(Boolean)
    if (!head.length) head.push(this.message)
    const items = (p.errors ?? []).map((e) =>
      [e.file, e.record !== undefined ? `#${e.record}` : null, e.field ?? e.path, e.messageZh ?? e.message].filter(Boolean).join(' · '),
    )
    return [...head, ...items]
  }
}

async function problemOf(res) {
  const type = res.headers.get('content-type') ?? ''
  if (type.includes('json')) return res.json().catch(() => null)
  return { detail: await res.text().catch(() => '') }
}

/** fetch under any prefix (/api/v1, /ogc, /tiles); JSON in and out. */
export async function request(url, { method = 'GET', body, query, quiet = false } = {}) {
  const q = query ? `?${new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ''))}` : ''
  let res
  try {
    res = await fetch(url + q, {
      method,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      body: body !== undefined ? JSON.stringify(body) : undefined,
    })
  } catch {
    throw new ApiError(0, { detailZh: s.problems.network })
  }
  // 401 while signed in (not at sign-in itself): the session has ended.
  if (res.status === 401 && !quiet && session.principal) session.end(s.signIn.ended)
  if (!res.ok) throw new ApiError(res.status, await problemOf(res))
  if (res.status === 204) return null
  const type = res.headers.get('content-type') ?? ''
  return type.includes('json') ? res.json() : res.text()
}

export const api = (path, opts) => request(`/api/v1${path}`, opts)

/** The file name a Content-Disposition gives: the UTF-8 filename* (RFC 5987) before the plain filename. */
function fileNameOf(disposition) {
  const utf8 = /filename\*=UTF-8''([^;\s]+)/i.exec(disposition)?.[1]
  if (utf8) {
    try {
      return decodeURIComponent(utf8)
    } catch {
      /* a malformed name: the plain one below */
    }
  }
  return /filename="([^"]+)"/.exec(disposition)?.[1] ?? null
}

/** POST of a multipart form (FormData) under /api/v1: the JSON answer, or ApiError. */
export async function postForm(path, form) {
  let res
  try {
    res = await fetch(`/api/v1${path}`, { method: 'POST', body: form })
  } catch {
    throw new ApiError(0, { detailZh: s.problems.network })
  }
  if (res.status === 401 && session.principal) session.end(s.signIn.ended)
  if (!res.ok) throw new ApiError(res.status, await problemOf(res))
  return res.json()
}

/** Saves a keyed download (CSV, a supporting document) under its server-given name. */
export async function download(url, fallbackName) {
  const res = await fetch(url)
  if (!res.ok) throw new ApiError(res.status, await problemOf(res))
  const name = fileNameOf(res.headers.get('content-disposition') ?? '') ?? fallbackName
  const href = URL.createObjectURL(await res.blob())
  const a = Object.assign(document.createElement('a'), { href, download: name })
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
}

/**
 * POST /api/v1/imports with byte progress. Resolves with the 202 body; rejects with ApiError.
 * Returns { promise, abort }.
 */
export function uploadImport(form, onProgress) {
  const xhr = new XMLHttpRequest()
  const promise = new Promise((resolve, reject) => {
    xhr.open('POST', '/api/v1/imports')
    xhr.responseType = 'json'
    xhr.upload.addEventListener('progress', (e) => onProgress(e.loaded, e.lengthComputable ? e.total : null))
    // 200: a survey database sent without a layer kind, answered with its layers and the proposed mapping
    xhr.addEventListener('load', () => (xhr.status === 202 || xhr.status === 200 ? resolve(xhr.response) : reject(new ApiError(xhr.status, xhr.response))))
    xhr.addEventListener('error', () => reject(new ApiError(0, { detailZh: s.problems.network })))
    xhr.addEventListener('abort', () => reject(new ApiError(0, { detailZh: s.upload.status.cancelled })))
    xhr.send(form)
  })
  return { promise, abort: () => xhr.abort() }
}
