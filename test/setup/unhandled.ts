// A rejected promise nobody handles is a bug (fault 1 of issue 13: one ended the service). Vitest
// reports them after the run; this makes the test during which one happened fail, by name.
import { afterEach } from 'vitest'

// The files share one module graph and one process (isolate: false), and this file runs before each
// of them: the listener and what it saw are kept on the process, registered once.
const key = Symbol.for('lowland.test.unhandledRejections')
const holder = globalThis as { [key]?: unknown[] }
const seen = holder[key] ?? listen()

function listen(): unknown[] {
  const list: unknown[] = (holder[key] = [])
  process.on('unhandledRejection', (reason) => {
    list.push(reason)
  })
  return list
}

afterEach(() => {
  if (!seen.length) return
  const reasons = seen.splice(0).map((r) => (r instanceof Error ? (r.stack ?? r.message) : String(r)))
  throw new Error(`unhandled promise rejection(s) during this test:\n${reasons.join('\n')}`)
})
