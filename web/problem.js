// An API problem (or any error) as the alert box every page shows: the problem's Chinese lines.
import { ApiError } from './api.js'
import { h } from './dom.js'

/** A problem document (or any error) as the lines the service wrote, Chinese first. */
export function problemBox(err) {
  const lines = err instanceof ApiError ? err.lines : [String(err?.message ?? err)]
  return h(
    'div.error-box',
    { role: 'alert' },
    lines.map((l) => h('p', {}, l)),
  )
}
