// m² → 亩 and display rounding are defined once for JavaScript and SQL: the same numbers, to the last
// digit, from PostgreSQL (OGC properties) and from the service (API fields, CSV), on both backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/connection.js'
import { roundByDecimal, roundSql, roundTo, toMu, toMuSql } from '../../src/domain/units.js'
import { openTestDatabase } from '../helpers/app.js'

let db: Database
beforeAll(() => {
  db = openTestDatabase()
})
afterAll(() => db.close())

/** Halves at the rounded digit in decimal, where binary doubles sit just below or above them. */
const halves = [1.005, 2.675, 1.125, 0.125, 0.285, 1.115, 1234.565, 9999.995, 10000.005, 14.99995, 8.345, 1.0005, 0.00005, 123456789.125, 2.5, 0.5]
/** Deterministic spread of magnitudes an area, a ratio or a mu takes. */
const spread = Array.from({ length: 400 }, (_, i) => Math.sin(i * 7.31) * 10 ** ((i % 9) - 2) * (1 + i / 97))

async function sqlRounded(values: number[], decimals: number): Promise<number[]> {
  const { rows } = await db.knex.raw(`SELECT ${roundSql('x', decimals)} AS r FROM unnest(?::float8[]) WITH ORDINALITY AS u(x, n) ORDER BY n`, [values])
  return rows.map((r: { r: number }) => r.r)
}

describe('roundTo and roundSql', () => {
  const values = [...halves, ...halves.map((x) => -x), ...spread, 0, 1e-9, -1e-9]
  for (const decimals of [2, 4, 6])
    it(`agree at ${decimals} decimals on halves and a spread of magnitudes`, async () => {
      expect(values.map((x) => roundTo(x, decimals))).toEqual(await sqlRounded(values, decimals))
    })

  it('round halves away from zero as written, where toFixed works on the binary value', () => {
    expect(roundTo(1.005, 2)).toBe(1.01)
    expect((1.005).toFixed(2)).toBe('1.00') // what the pull once reported for a value OGC showed as 1.01
    expect(roundTo(2.675, 2)).toBe(2.68)
    expect(roundTo(-1.005, 2)).toBe(-1.01)
    expect(roundTo(1234.564, 2)).toBe(1234.56)
    expect(Object.is(roundTo(-0.001, 2), 0)).toBe(true)
  })
})

describe('roundTo against its definition (roundByDecimal, the 15-digit decimal)', () => {
  /** xorshift: the same values on every run */
  let seed = 0x2545f491
  const random = () => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 2 ** 32
  }
  /** Doubles a few ulps around decimal halves k.5·10^-d, where the fast path must hand over. */
  function nearHalves(decimals: number, n: number): number[] {
    const out: number[] = []
    for (let i = 0; i < n; i++) {
      const magnitude = 10 ** Math.floor(random() * 12 - 3)
      const k = Math.floor(random() * magnitude * 10 ** decimals)
      const half = Number(`${k}5e-${decimals + 1}`)
      let x = half
      for (let step = Math.floor(random() * 9) - 4; step !== 0; step += step > 0 ? -1 : 1) x = nextAfter(x, step > 0)
      out.push(random() < 0.5 ? -x : x)
    }
    return out
  }
  function nextAfter(x: number, up: boolean): number {
    const b = new Float64Array([x])
    const i = new BigInt64Array(b.buffer)
    i[0]! += x >= 0 === up ? 1n : -1n
    return b[0]!
  }

  for (const decimals of [0, 2, 4, 6])
    it(`is the same double at ${decimals} decimals, near halves and anywhere`, () => {
      const values = [
        ...nearHalves(decimals, 100_000),
        ...Array.from({ length: 100_000 }, () => (random() - 0.5) * 10 ** Math.floor(random() * 20 - 6)),
        ...[2 ** 52, 2 ** 53, 1e300, -1e-300, Number.MAX_VALUE, Number.MIN_VALUE, 4503599627370495.5 / 10 ** decimals, 0, -0, NaN, Infinity, -Infinity],
      ]
      const differ = values.filter((x) => !Object.is(roundTo(x, decimals), roundByDecimal(x, decimals)))
      expect(differ).toEqual([])
    })
})

describe('toMu and toMuSql', () => {
  it('give the same 亩 for the same m²', async () => {
    const m2 = [10000, 9999.995, 20000.004, 1, 666.6666666666666, ...spread.map(Math.abs)]
    const { rows } = await db.knex.raw(`SELECT ${toMuSql('x')} AS mu FROM unnest(?::float8[]) WITH ORDINALITY AS u(x, n) ORDER BY n`, [m2])
    expect(rows.map((r: { mu: number }) => r.mu)).toEqual(m2.map(toMu))
    expect(toMu(10000)).toBe(15)
  })
})
