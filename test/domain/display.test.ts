// Display rounding never lands on or across the threshold the exact value is judged against.
import { describe, expect, it } from 'vitest'
import { displayArea, percentText, roundKeepingSide } from '../../src/domain/display.js'

describe('roundKeepingSide', () => {
  it('rounds as usual away from thresholds', () => {
    expect(roundKeepingSide(1234.565, 2, [10000])).toBe(1234.57)
    expect(roundKeepingSide(1234.564, 2)).toBe(1234.56)
  })
  it('keeps the side of the threshold: below stays below, above stays above, equal stays equal', () => {
    expect(roundKeepingSide(9999.996, 2, [10000])).toBe(9999.99)
    expect(roundKeepingSide(20000.004, 2, [20000])).toBe(20000.01)
    expect(roundKeepingSide(10000, 2, [10000])).toBe(10000)
  })
  it('9 999.996 m² is not 15.0000 亩', () => {
    expect(displayArea(9999.996, [10000])).toEqual({ m2: 9999.99, mu: 14.9999 })
    expect(displayArea(9999.996)).toEqual({ m2: 10000, mu: 15 })
    expect(displayArea(10000, [10000])).toEqual({ m2: 10000, mu: 15 })
  })
  it('shares as percent keep the side of their threshold', () => {
    expect(percentText(0.299996, 0.3)).toBe('29.99 %')
    expect(percentText(0.299996)).toBe('30.00 %')
    expect(percentText(0.3, 0.3)).toBe('30.00 %')
  })
})
