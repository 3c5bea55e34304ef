// m² → 亩 and display rounding are defined once for JavaScript and SQL: the same numbers, to the last
// digit, from PostgreSQL (OGC properties) and from the service (API fields, CSV), on both backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/connection.js'
import { roundSql, roundTo, toMu, toMuSql } from '../../src/domain/units.js'
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

describe('toMu and toMuSql', () => {
  it('give the same 亩 for the same m²', async () => {
    const m2 = [10000, 9999.995, 20000.004, 1, 666.6666666666666, ...spread.map(Math.abs)]
    const { rows } = await db.knex.raw(`SELECT ${toMuSql('x')} AS mu FROM unnest(?::float8[]) WITH ORDINALITY AS u(x, n) ORDER BY n`, [m2])
    expect(rows.map((r: { mu: number }) => r.mu)).toEqual(m2.map(toMu))
    expect(toMu(10000)).toBe(15)
  })
})
