// Identical reads that arrive together share one reading ("single flight", as nginx's
// proxy_cache_lock or Go's singleflight), with one rule those do not keep: a request is only ever
// answered by a reading that started after it arrived. So whatever was committed before a request
// came (a project its user just saved) is in its answer, as if it had read alone.
//
// While a reading of a key runs, requests for the same key wait for the next one, which starts when
// the running one settles and answers every request that waited for it. A burst of n identical
// requests thus costs two or three readings instead of n, and none waits longer than the reading in
// progress plus its own.
import type pg from 'pg'
import { asRequestWork, currentRequestWork, type RequestWork } from './request-work.js'

interface Reading<T> {
  /** false while it waits for the reading before it: requests that come meanwhile join it */
  started: boolean
  result: Promise<T>
}

export type SharedRead<T> = (key: string, read: () => Promise<T>) => Promise<T>

export function sharedReads<T>(): SharedRead<T> {
  const latest = new Map<string, Reading<T>>()
  return (key, read) => {
    const before = latest.get(key)
    if (before && !before.started) return before.result
    // The reading is no single request's work: one client going away must not cancel it for the
    // others (the request plugin cancels its request's statements on abort), but it runs under the
    // same statement timeout as the request that started it.
    const work: RequestWork = { statementTimeoutMs: currentRequestWork()?.statementTimeoutMs ?? 0, running: new Set<pg.Client>(), readOnly: true }
    const reading: Reading<T> = { started: false, result: undefined as unknown as Promise<T> }
    const begin = () => {
      reading.started = true
      return asRequestWork(work, read)
    }
    reading.result = before ? before.result.then(begin, begin) : begin()
    latest.set(key, reading)
    const forget = () => {
      if (latest.get(key) === reading) latest.delete(key)
    }
    reading.result.then(forget, forget)
    return reading.result
  }
}
