// sharedReads: identical reads asked together share one reading, but a request is only answered by a
// reading that started after it arrived (so it sees every write committed before it came).
import { describe, expect, it } from 'vitest'
import { asRequestWork, currentRequestWork, type RequestWork } from '../../src/db/request-work.js'
import { sharedReads } from '../../src/db/shared-read.js'

/** A reading that returns what `source.value` held when it started, once `release` is called. */
function gate(source: { value: number }) {
  const started: Array<{ saw: number; release: () => void; fail: (e: Error) => void }> = []
  const read = () =>
    new Promise<number>((resolve, reject) => {
      const saw = source.value
      started.push({ saw, release: () => resolve(saw), fail: reject })
    })
  return { started, read }
}
const tick = () => new Promise((r) => setImmediate(r))

describe('sharedReads', () => {
  it('answers requests that come during a reading with the next one, started after it, shared by them all', async () => {
    const share = sharedReads<number>()
    const source = { value: 1 }
    const { started, read } = gate(source)
    const first = share('k', read)
    expect(started).toHaveLength(1)
    // a write commits while the first reading runs; requests that come after it must see it
    source.value = 2
    const second = share('k', read)
    const third = share('k', read)
    await tick()
    expect(started).toHaveLength(1) // the next reading waits for the one running
    started[0]!.release()
    expect(await first).toBe(1)
    await tick()
    expect(started).toHaveLength(2)
    started[1]!.release()
    expect(await second).toBe(2)
    expect(await third).toBe(2)
    expect(started).toHaveLength(2) // three requests, two readings
  })

  it('starts a new reading for a request that comes once the next one has started', async () => {
    const share = sharedReads<number>()
    const source = { value: 1 }
    const { started, read } = gate(source)
    void share('k', read)
    const second = share('k', read)
    started[0]!.release()
    await tick()
    expect(started).toHaveLength(2)
    source.value = 3
    const third = share('k', read) // the second reading is running: this one waits for a third
    started[1]!.release()
    expect(await second).toBe(1)
    await tick()
    expect(started).toHaveLength(3)
    started[2]!.release()
    expect(await third).toBe(3)
  })

  it('does not share between keys, and reads alone when nothing else is asked', async () => {
    const share = sharedReads<number>()
    const { started, read } = gate({ value: 5 })
    const a = share('a', read)
    const b = share('b', read)
    expect(started).toHaveLength(2)
    started.forEach((s) => s.release())
    expect([await a, await b]).toEqual([5, 5])
    const c = share('a', read)
    expect(started).toHaveLength(3)
    started[2]!.release()
    expect(await c).toBe(5)
  })

  it('fails every request of a failed reading, and the next request reads again', async () => {
    const share = sharedReads<number>()
    const { started, read } = gate({ value: 7 })
    const first = share('k', read)
    const second = share('k', read)
    const third = share('k', read)
    started[0]!.fail(new Error('connection lost'))
    await expect(first).rejects.toThrow('connection lost')
    await tick()
    started[1]!.fail(new Error('timeout'))
    await expect(second).rejects.toThrow('timeout')
    await expect(third).rejects.toThrow('timeout')
    const fourth = share('k', read)
    expect(started).toHaveLength(3)
    started[2]!.release()
    expect(await fourth).toBe(7)
  })

  it('reads as work of its own: under the request’s statement timeout, not cancelled with the request', async () => {
    const share = sharedReads<RequestWork | undefined>()
    const request: RequestWork = { statementTimeoutMs: 1234, running: new Set(), readOnly: true }
    const seen = await asRequestWork(request, () => share('k', async () => currentRequestWork()))
    expect(seen).toBeDefined()
    expect(seen).not.toBe(request)
    expect(seen!.statementTimeoutMs).toBe(1234)
    expect(seen!.readOnly).toBe(true)
  })
})
