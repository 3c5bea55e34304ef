// A stop of the service and a user's cancel both abort the running job; the signal's reason tells
// them apart, so that a job a stop interrupted says so instead of "cancelled" (nobody cancelled it).
import { describe, expect, it } from 'vitest'
import { abortedSaid, cancelled } from '../../src/import/report.js'
import { stoppedByService, stoppedSaid } from '../../src/jobs/kinds.js'
import { JobRunner } from '../../src/jobs/runner.js'

/** A runner with one task that waits for its abort and hands back its signal. */
function runningTask() {
  const runner = new JobRunner()
  let seen!: (signal: AbortSignal) => void
  const signal = new Promise<AbortSignal>((resolve) => (seen = resolve))
  runner.enqueue('import:1', (s) => new Promise((resolve) => s.addEventListener('abort', () => (seen(s), resolve('cancelled')))))
  return { runner, signal }
}

describe('the reason a job was aborted', () => {
  it('is a stop of the service when the runner closes', async () => {
    const { runner, signal } = runningTask()
    await runner.close(true)
    const s = await signal
    expect(stoppedByService(s)).toBe(true)
    expect(abortedSaid(s)).toEqual(stoppedSaid)
  })

  it('is a cancel when the job alone is cancelled', async () => {
    const { runner, signal } = runningTask()
    expect(runner.cancel('import:1')).toBe('aborted')
    const s = await signal
    expect(stoppedByService(s)).toBe(false)
    expect(abortedSaid(s)).toEqual(cancelled)
    await runner.close(true)
  })

  it('is neither for a signal not aborted', () => {
    expect(stoppedByService(new AbortController().signal)).toBe(false)
    expect(stoppedByService(undefined)).toBe(false)
  })
})
