// Area units and display rounding, each defined once for JavaScript and for SQL, so a number
// computed in PostgreSQL (an OGC property) and the same number computed here (an API field, a
// CSV) agree to the last digit. Areas are compared in m² at full precision; 亩 and rounding are for
// display only (thresholds that must not be crossed by rounding: ./display.ts).

/** 1 亩 = 10000/15 m² (DOMAIN.md). */
export const MU_M2 = 10000 / 15

/** m² → 亩. */
export const toMu = (m2: number) => m2 / MU_M2

/** m² → 亩 in SQL, over a float8 expression from the caller's code: the same division by the same double as toMu. */
export const toMuSql = (m2Expr: string) => `((${m2Expr})::float8 / ${MU_M2}::float8)`

/**
 * Rounds to `decimals` as PostgreSQL's `round(x::numeric, decimals)::float8` does (roundSql): the
 * double taken at 15 significant digits (float8 → numeric), halves away from zero. So 1.005 → 1.01
 * and 2.675 → 2.68, as a person reading the number expects; `toFixed` works on the binary value
 * (1.00499999…) and gave 1.00, which is how the pull and the OGC table once disagreed at half-cents.
 */
export function roundTo(x: number, decimals: number): number {
  // (0 takes the fast path to 0; NaN and ±Infinity fail its test and go to roundByDecimal, which returns them)
  const scale = decimals >= 0 && decimals <= 22 && Number.isInteger(decimals) ? POWERS_OF_TEN[decimals]! : 0
  if (scale) {
    // Fast path (the pull rounds five numbers an item: the decimal strings were a third of its time).
    // y is within 5.2e-15·y of the exact 15-digit decimal shifted (its 0.5e-14 relative rounding plus
    // the product's half ulp), and Math.round changes only at halves: away from a half by more than
    // that, y rounds as the decimal does. whole / 10^d is the correctly rounded quotient of two exact
    // doubles, the same double as parsing `${whole}e-${d}`. Near a half, or past 2^52, the slow path.
    const y = Math.abs(x) * scale
    if (y < 4503599627370496 && Math.abs(y - Math.floor(y) - 0.5) > y * 1e-14) {
      const whole = Math.round(y)
      return whole === 0 ? 0 : Math.sign(x) * (whole / scale)
    }
  }
  return roundByDecimal(x, decimals)
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`))

/** roundTo by the 15-digit decimal string itself: the definition, for values near a half. */
export function roundByDecimal(x: number, decimals: number): number {
  if (!Number.isFinite(x) || x === 0) return x === 0 ? 0 : x
  const [digits, exponent] = Math.abs(x).toExponential(14).split('e') as [string, string]
  // the 15-digit decimal shifted by `decimals`: a half is then exactly representable, so Math.round decides it exactly
  const whole = Math.round(Number(`${digits}e${Number(exponent) + decimals}`))
  return whole === 0 ? 0 : Math.sign(x) * Number(`${whole}e-${decimals}`)
}

/** roundTo in SQL, over an expression from the caller's code. */
export const roundSql = (expr: string, decimals: number) => `round((${expr})::numeric, ${Math.trunc(decimals)})::float8`
