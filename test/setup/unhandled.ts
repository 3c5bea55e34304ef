// A rejected promise nobody handles is a bug (fault 1 of issue 13: one ended the service). Vitest
// reports them after the run; this makes the test during which one happened fail, by name.
import { afterEach } from 'vitest'

const seen: unknown[] = []
process.on('unhandledRejection', (reason) => {
  seen.push(reason)
})

afterEach(() => {
  if (!seen.length) return
  const reasons = seen.splice(0).map((r) => (r instanceof Error ? (r.stack ?? r.message) : String(r)))
  throw new Error(`unhandled promise rejection(s) during this test:\n${reasons.join('\n')}`)
})
