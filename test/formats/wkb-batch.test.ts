import { describe, expect, it } from 'vitest'
import { WkbBatch } from '../../src/formats/wkb-batch.js'

describe('WkbBatch', () => {
  it('keeps what was written when it grows, and hands out exactly the bytes written', () => {
    const batch = new WkbBatch(8)
    const a = batch.append(Buffer.from([1, 2, 3, 4, 5]))
    const at = batch.reserve(6) // past the initial 8 bytes: the buffer grows
    batch.bytes.set([6, 7, 8, 9, 10, 11], at)
    const c = batch.append(Buffer.alloc(40, 0xee)) // grows again, beyond double
    expect([a, at, c]).toEqual([0, 5, 11])
    expect(batch.length).toBe(51)
    const taken = batch.take()
    expect([...taken.subarray(0, 11)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    expect(taken.subarray(11).equals(Buffer.alloc(40, 0xee))).toBe(true)
    expect(taken.length).toBe(51)
  })

  it('starts the next batch in a fresh buffer, leaving a taken one intact', () => {
    const batch = new WkbBatch(16)
    batch.append(Buffer.from('first batch'))
    const first = batch.take()
    expect(batch.length).toBe(0)
    expect(batch.append(Buffer.from('second batch'))).toBe(0)
    expect(first.toString()).toBe('first batch')
    expect(batch.take().toString()).toBe('second batch')
    expect(batch.take().length).toBe(0)
  })
})
