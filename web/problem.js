// An API problem (or any error) as the alert box every page shows: the problem's Chinese lines.
import { ApiError } from './api.js'
import { clear, h } from './dom.js'
import { s } from './strings.js'

/** A problem document (or any error) as the lines the service wrote, Chinese first. */
export function problemBox(err) {
  const lines = err instanceof ApiError ? err.lines : [String(err?.message ?? err)]
  return h(
    'div.error-box',
    { role: 'alert' },
    lines.map((l) => h('p', {}, l)),
  )
}

/**
 * Loads a part of a page and puts it in `box` once it has come. Meanwhile `status` says it is loading;
 * on failure `status` shows the problem and `box` keeps what it showed: a refresh, a recompute or a
 * filter tried while the service is stopped says 无法连接服务 and never blanks the page.
 * Resolves true when the box was replaced.
 */
export async function replaceWhenLoaded(box, status, load) {
  clear(status).append(h('p.hint', {}, s.common.loading))
  try {
    const content = [await load()].flat(Infinity).filter((x) => x !== null && x !== undefined && x !== false)
    clear(box).append(...content)
    clear(status)
    return true
  } catch (err) {
    clear(status).append(problemBox(err))
    return false
  }
}
