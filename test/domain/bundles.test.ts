// Bundle flag rules on facts given by hand: each threshold on both sides.
import { describe, expect, it } from 'vitest'
import { MU_M2 } from '../../src/domain/units.js'
import { bundleDefaults, classifyNeighbours, memberFlags, type MemberFacts, type NeighbourFacts } from '../../src/domain/bundles.js'

const c = { minBundleM2: bundleDefaults.minBundleM2, cornerMaxM2: bundleDefaults.cornerMaxM2, enclaveMinShare: bundleDefaults.enclaveMinShare }
const member = (code: string, mu: number, more: Partial<MemberFacts> = {}): MemberFacts => ({
  id: 0,
  code,
  m2: mu * MU_M2,
  zldwdm: 'A',
  qsdwdm: 'Q',
  onEdge: true,
  ...more,
})
const piece = (m2: number, sharedShare: number): NeighbourFacts => ({
  tbbh: '1',
  zldwdm: 'A',
  dlbm: '0601',
  dlmc: '工业用地',
  m2,
  sharedShare,
  survey2ConstructionM2: null,
  geometry: null,
})

describe('memberFlags', () => {
  it('flags a plot under 15 mu as scattered, and not one of exactly 15 mu', () => {
    expect(memberFlags([member('a', 14.99)], c).map((f) => f.flag)).toEqual(['scattered'])
    expect(memberFlags([member('a', 15)], c)).toEqual([])
  })

  it('flags a member under 3 mu on the edge as 边角地, not one inside or of 3 mu', () => {
    const big = member('big', 40)
    expect(
      memberFlags([big, member('e', 2.99)], c)
        .filter((f) => f.flag === 'corner')
        .map((f) => f.plot),
    ).toEqual(['e'])
    expect(memberFlags([big, member('e', 2.99, { onEdge: false })], c).filter((f) => f.flag === 'corner')).toEqual([])
    expect(memberFlags([big, member('e', 3)], c).filter((f) => f.flag === 'corner')).toEqual([])
  })

  it('words its reasons with the configured thresholds, and never rounds a failing area up to its threshold', () => {
    const c20 = { ...c, minBundleM2: 20 * MU_M2, cornerMaxM2: 2.5 * MU_M2 }
    const [scattered] = memberFlags([member('a', 16)], c20)
    expect(scattered!.reason).toMatch(/under the 20 mu a project needs \(单独不足20亩\)/)
    expect(scattered!.reason).not.toMatch(/15/)
    expect(memberFlags([member('a', 14.9999)], c)[0]!.reason).toMatch(/^14\.99 mu on its own, under the 15 mu/)
    const corner = memberFlags([member('big', 40), member('e', 2.4)], c20).find((f) => f.flag === 'corner')!
    expect(corner.reason).toMatch(/under 2\.5 mu/)
    expect(classifyNeighbours([piece(2.4 * MU_M2, 0.3)], c20).flags[0]!.reason).toMatch(/2\.40 mu .*under 2\.5 mu/)
  })

  it('flags 插花地 against the area-weighted majority 坐落, then 权属', () => {
    const flags = memberFlags([member('a', 20), member('b', 10, { zldwdm: 'B' }), member('c', 10, { qsdwdm: 'R' })], c)
    expect(flags.filter((f) => f.flag === 'interspersed').map((f) => [f.plot, f.reason.includes('located') ? 'zl' : 'qs'])).toEqual([
      ['b', 'zl'],
      ['c', 'qs'],
    ])
  })
})

describe('classifyNeighbours', () => {
  it('makes land with ≥ 75 % of its boundary on members an enclave, at 75 % exactly too', () => {
    expect(classifyNeighbours([piece(10_000, 0.75)], c).enclaves).toHaveLength(1)
    expect(classifyNeighbours([piece(10_000, 0.7499)], c).enclaves).toHaveLength(0)
  })

  it('flags a small, less enclosed piece as non-member 边角地 below 3 mu only', () => {
    const small = classifyNeighbours([piece(3 * MU_M2 - 0.01, 0.3)], c)
    expect(small.flags).toEqual([expect.objectContaining({ flag: 'corner', member: false })])
    expect(classifyNeighbours([piece(3 * MU_M2, 0.3)], c).flags).toEqual([])
  })

  it('says in Chinese the rule and the figures, a share under the 夹心地 threshold never shown as it', () => {
    const under = classifyNeighbours([piece(1000, 0.74996)], c).flags[0]!
    expect(under).toMatchObject({ rule: 'small-on-edge', measured: { m2: 1000, sharedShare: 0.74996, thresholdShare: 0.75 } })
    expect(under.reasonZh).toBe('三调图斑 A/1 工业用地：组团外缘的非成员用地 1.5000 亩，小于 3 亩；边界的 74.9 % 与成员相接，不足夹心地的 75.0 %（边角地）')
    const [enclave] = classifyNeighbours([piece(10_000, 0.75)], c).enclaves
    expect(enclave!.reasonZh).toBe('三调图斑 A/1 工业用地：非成员用地 15.0000 亩，边界的 75.0 % 与组团成员相接，不低于 75.0 %（夹心地）')
    const c20 = { ...c, minBundleM2: 20 * MU_M2 }
    expect(memberFlags([member('a', 19.99999)], c20)[0]!.reasonZh).toBe('单独 19.9999 亩，不足单独立项所需的 20 亩（零散）')
  })

  it('reports a small enclosed piece once, as an enclave', () => {
    const r = classifyNeighbours([piece(100, 0.9)], c)
    expect([r.enclaves.length, r.flags.length]).toEqual([1, 0])
  })
})
