// The pull cursor's wire form: positions survive the round trip exactly, 136 counties fit in a URL,
// and nothing but a cursor this API made for these filters is accepted.
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { countyCodes } from '../../src/domain/regions.js'
import { CURSOR_MAX_CHARS, decodeCursor, encodeCursor, stampKey, stampMicros, type Positions } from '../../src/province/cursor.js'

/** Uniform values from a seeded generator (mulberry32): incompressible like real positions, the same on every run. */
function uniform(seed: number) {
  let a = seed
  return (range: number) => {
    a = (a + 0x6d2b79f5) | 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4294967296) * range)
  }
}

/** Every county at a position: stamps spread over spanSeconds, ids up to maxId. */
function province(spanSeconds: number, maxId: number): Positions {
  const next = uniform(spanSeconds)
  const base = BigInt(Date.UTC(2026, 10, 30)) * 1000n
  return new Map(
    countyCodes.map((county) => {
      const us = base + BigInt(next(spanSeconds)) * 1_000_000n + BigInt(next(1_000_000))
      return [county, { updatedKey: stampKey(us), id: 1 + next(maxId) }]
    }),
  )
}

describe('pull cursor', () => {
  it('carries each county’s position exactly (microseconds, ids)', () => {
    const positions: Positions = new Map([
      ['371502', { updatedKey: '2026-11-30T10:00:00.123456Z', id: 7 }],
      ['370102', { updatedKey: '2001-01-01T00:00:00.000001Z', id: 2_147_483_647 }],
      ['371521', { updatedKey: '2099-12-31T23:59:59.999999Z', id: Number.MAX_SAFE_INTEGER }],
    ])
    const back = decodeCursor(encodeCursor({}, positions), {})
    expect(Object.fromEntries(back)).toEqual(Object.fromEntries(positions))
    expect(stampKey(stampMicros('2026-11-30T10:00:00.000999Z'))).toBe('2026-11-30T10:00:00.000999Z')
  })

  it('fits the whole province in a URL', () => {
    expect(countyCodes).toHaveLength(136)
    const sizes = {
      // stamps of a province loaded in two hours (bench:province), ids below 60 000
      bench: encodeCursor({}, province(2 * 3600, 60_000)).length,
      year: encodeCursor({}, province(365 * 86400, 1_000_000)).length,
      // stamps seventy years apart and ids near 2^31: the longest a cursor of int ids gets
      worst: encodeCursor({}, province(70 * 365 * 86400, 2 ** 31 - 1)).length,
    }
    expect(sizes.bench).toBeLessThan(1600)
    expect(sizes.year).toBeLessThan(2000)
    expect(sizes.worst).toBeLessThan(2400)
    expect(sizes.worst).toBeLessThan(CURSOR_MAX_CHARS / 1.5)
    const positions = province(70 * 365 * 86400, 2 ** 31 - 1)
    expect(decodeCursor(encodeCursor({}, positions), {})).toEqual(positions)
  })

  describe('refuses what it did not issue', () => {
    const good = encodeCursor({ city: '3715' }, new Map([['371502', { updatedKey: '2026-11-30T10:00:00.123456Z', id: 7 }]]))
    const head = inflateRawSync(Buffer.from(good, 'base64url')).subarray(0, 13) // version and filters
    const forge = (...bytes: number[]) => deflateRawSync(Buffer.concat([head, Buffer.from(bytes)])).toString('base64url')
    // a position as the encoder writes it: count 1, code 371502, stamp (zig-zag), id 7
    const varint = (v: bigint) => {
      const out: number[] = []
      for (; v >= 0x80n; v >>= 7n) out.push(Number(v & 0x7fn) | 0x80)
      return [...out, Number(v)]
    }
    const stamp = (key: string) => varint(stampMicros(key) * 2n)
    const okStamp = stamp('2026-11-30T10:00:00.123456Z')
    const cases: Array<[string, string]> = [
      ['not base64url', 'abc$def'],
      ['not deflated', Buffer.from('hello').toString('base64url')],
      ['truncated', good.slice(0, -3)],
      ['the previous JSON cursor', Buffer.from(JSON.stringify({ u: '2026-11-30T10:00:00.000000Z', i: 1, f: 'x' })).toString('base64url')],
      ['another version', deflateRawSync(Buffer.concat([Buffer.from([2]), head.subarray(1), Buffer.from([0])])).toString('base64url')],
      ['the sample is right', forge(1, ...varint(371502n), ...okStamp, 7)],
      ['an unknown county', forge(1, ...varint(999999n), ...okStamp, 7)],
      ['a county of another city', forge(1, ...varint(370102n), ...okStamp, 7)],
      ['a county twice', forge(2, ...varint(371502n), ...okStamp, 7, 0, 0, 8)],
      ['a stamp before 2000', forge(1, ...varint(371502n), ...stamp('1999-12-31T23:59:59.999999Z'), 7)],
      ['a negative stamp', forge(1, ...varint(371502n), 1, 7)],
      ['id 0', forge(1, ...varint(371502n), ...okStamp, 0)],
      ['an id past 2^53', forge(1, ...varint(371502n), ...okStamp, ...varint(2n ** 53n))],
      ['an endless varint', forge(1, ...varint(371502n), ...okStamp, ...new Array(12).fill(0xff), 1)],
      ['more counties than said', forge(1, ...varint(371502n), ...okStamp, 7, 0, 0, 8)],
      ['fewer counties than said', forge(2, ...varint(371502n), ...okStamp, 7)],
      ['more counties than the province has', forge(200, ...varint(371502n), ...okStamp, 7)],
      ['a deflate bomb', deflateRawSync(Buffer.concat([head, Buffer.alloc(1_000_000)])).toString('base64url')],
    ]
    it.each(cases)('%s', (what, cursor) => {
      if (what === 'the sample is right') {
        expect(Object.fromEntries(decodeCursor(cursor, { city: '3715' }))).toEqual({ '371502': { updatedKey: '2026-11-30T10:00:00.123456Z', id: 7 } })
        return
      }
      expect(() => decodeCursor(cursor, { city: '3715' })).toThrow(/cursor is not one this API issued/)
    })
    it('other filters', () => {
      expect(() => decodeCursor(good, { city: '3716' })).toThrow(/issued for other filters/)
      expect(() => decodeCursor(good, { city: '3715', year: 2025 })).toThrow(/issued for other filters/)
    })
  })
})
