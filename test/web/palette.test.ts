// The console's map colours stay apart for colour-blind reviewers: every pair of classes a legend
// distinguishes differs by at least ΔE*ab 10 in CIELAB under normal vision and under simulated
// protanopia, deuteranopia and tritanopia (Machado, Oliveira & Fernandes 2009, severity 1.0,
// applied in linear sRGB). Computed here, independently of the page.
import path from 'node:path'
import { describe, expect, it } from 'vitest'

type Matrix = [number[], number[], number[]]
const simulations: Record<string, Matrix | null> = {
  normal: null,
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
}

const toLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
function lab(hex: string, m: Matrix | null): [number, number, number] {
  let rgb = [1, 3, 5].map((i) => toLinear(parseInt(hex.slice(i, i + 2), 16) / 255))
  if (m) rgb = m.map((row) => Math.min(1, Math.max(0, row[0]! * rgb[0]! + row[1]! * rgb[1]! + row[2]! * rgb[2]!)))
  const [r, g, b] = rgb as [number, number, number]
  // sRGB (D65) → XYZ → CIELAB
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116)
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))]
}
const deltaE = (a: [number, number, number], b: [number, number, number]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])

function closestPair(colours: Record<string, string>) {
  let worst = { deltaE: Infinity, pair: '', vision: '' }
  const names = Object.keys(colours)
  for (const [vision, m] of Object.entries(simulations)) {
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        const d = deltaE(lab(colours[names[i]!]!, m), lab(colours[names[j]!]!, m))
        if (d < worst.deltaE) worst = { deltaE: d, pair: `${names[i]} / ${names[j]}`, vision }
      }
    }
  }
  return worst
}

// A plain browser module, imported as the page imports it.
const styles = await import(path.resolve('web/map/styles.js'))

describe('map palette', () => {
  it('keeps the land-use classes apart', () => {
    const worst = closestPair(styles.landUseColours)
    expect(worst.deltaE, `${worst.pair} under ${worst.vision}`).toBeGreaterThanOrEqual(10)
  })
  it('keeps the analysis pieces apart (fills and outlines as drawn)', () => {
    const colours = Object.fromEntries(
      Object.entries(styles.pieceStyles as Record<string, { fill?: string; line?: string }>).map(([k, v]) => [k, v.fill ?? v.line!]),
    )
    const worst = closestPair(colours)
    expect(worst.deltaE, `${worst.pair} under ${worst.vision}`).toBeGreaterThanOrEqual(10)
  })
  it('is computed right: black and white are ΔE 100 apart, a grey stays grey under every simulation', () => {
    expect(deltaE(lab('#000000', null), lab('#FFFFFF', null))).toBeCloseTo(100, 3)
    for (const m of Object.values(simulations)) expect(deltaE(lab('#777777', null), lab('#777777', m))).toBeLessThan(1.5)
  })
})
