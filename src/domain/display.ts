// Rounding for display (m² to 2 decimals, 亩 to 4, shares as percent to 2), in one place. A rounded
// number never lands on or across a threshold that the exact value is on the other side of:
// 9 999.996 m² fails the 15-mu rule and is shown 9 999.99 m², 14.9999 亩, not 10 000.00 / 15.0000.
import { roundTo, toMu } from './units.js'

/** Rounds to `decimals`, but stays on the exact value's side (<, =, >) of every threshold. */
export function roundKeepingSide(value: number, decimals: number, thresholds: readonly number[] = []): number {
  const f = 10 ** decimals
  let shown = roundTo(value, decimals)
  for (const t of thresholds) {
    const side = Math.sign(value - t)
    if (Math.sign(shown - t) === side) continue
    // Move to the nearest representable number on the value's side of t.
    shown = side < 0 ? Math.floor(value * f) / f : side > 0 ? Math.ceil(value * f) / f : t
    if (Math.sign(shown - t) !== side) shown = t + (side * 1) / f
  }
  return shown
}

/** m² (2 decimals) and 亩 (4 decimals) of an area, both kept on the side of each threshold. */
export function displayArea(m2: number, thresholdsM2: readonly number[] = []): { m2: number; mu: number } {
  return { m2: roundKeepingSide(m2, 2, thresholdsM2), mu: roundKeepingSide(toMu(m2), 4, thresholdsM2.map(toMu)) }
}

/** A share as percent text with 2 decimals, kept on the side of its threshold ("29.99 %", never "30.00 %" for 0.299996). */
export function percentText(share: number, threshold?: number): string {
  return `${roundKeepingSide(share * 100, 2, threshold === undefined ? [] : [threshold * 100]).toFixed(2)} %`
}

/** 1234567.5 → "1,234,567.50" (toLocaleString builds a formatter per call: 30× slower, and the rules format thousands of numbers per batch). */
export function groupedFixed(x: number, decimals: number): string {
  const [whole, fraction] = x.toFixed(decimals).split('.')
  return `${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction === undefined ? '' : `.${fraction}`}`
}

/** m² with 2 decimals and thousands separators, as text for messages. */
export function m2Text(m2: number, thresholdsM2: readonly number[] = []): string {
  return `${groupedFixed(roundKeepingSide(m2, 2, thresholdsM2), 2)} m²`
}

/** 亩 with 4 decimals, as text. */
export function muText(m2: number, thresholdsM2: readonly number[] = []): string {
  return `${roundKeepingSide(toMu(m2), 4, thresholdsM2.map(toMu)).toFixed(4)} 亩`
}

/** A configured threshold in mu as people write it (15, 20, 2.5 …), for messages. */
export const thresholdMu = (m2: number) => String(roundTo(toMu(m2), 4))
