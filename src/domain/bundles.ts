// Contiguous scattered plots (插花地、边角地、夹心地 may join a project for 连片开发, 165号 二):
// which members of a bundle are flagged, and why. Plain rules over measured facts.
import { MU_M2 } from './analysis-config.js'

export const bundleDefaults = {
  /** plots within this distance (m) join one bundle; 0 = they must touch (a shared corner counts) */
  gapMeters: 0,
  /** a bundle of at least 15 mu can enter the reward scope on its own */
  minBundleM2: 15 * MU_M2,
  /** 边角地: a member below 3 mu on the bundle's edge */
  cornerMaxM2: 3 * MU_M2,
}

export interface MemberFacts {
  id: number
  code: string
  m2: number
  /** 坐落单位代码 */
  zldwdm: string | null
  /** 权属单位代码 */
  qsdwdm: string | null
  /** touches the outer boundary of its bundle */
  onEdge: boolean
}

export interface Flag {
  plot: string
  flag: 'scattered' | 'corner' | 'interspersed'
  reason: string
}

/** The value held by most of the area, or null when no member has one. */
function majority(members: MemberFacts[], key: 'zldwdm' | 'qsdwdm'): string | null {
  const weight = new Map<string, number>()
  for (const m of members) if (m[key]) weight.set(m[key]!, (weight.get(m[key]!) ?? 0) + m.m2)
  let best: string | null = null
  for (const [v, w] of weight) if (best === null || w > weight.get(best)! || (w === weight.get(best)! && v < best)) best = v
  return best
}

export function memberFlags(members: MemberFacts[], c: { minBundleM2: number; cornerMaxM2: number }): Flag[] {
  const flags: Flag[] = []
  const mu = (m2: number) => (m2 / MU_M2).toFixed(2)
  const location = majority(members, 'zldwdm')
  const owner = majority(members, 'qsdwdm')
  for (const m of [...members].sort((a, b) => a.code.localeCompare(b.code))) {
    if (m.m2 < c.minBundleM2) flags.push({ plot: m.code, flag: 'scattered', reason: `${mu(m.m2)} mu on its own, under the 15 mu a project needs` })
    if (members.length > 1 && m.onEdge && m.m2 < c.cornerMaxM2) flags.push({ plot: m.code, flag: 'corner', reason: `${mu(m.m2)} mu on the bundle's edge (边角地, under 3 mu)` })
    if (members.length > 1 && location && m.zldwdm && m.zldwdm !== location) {
      flags.push({ plot: m.code, flag: 'interspersed', reason: `located in ${m.zldwdm}, while most of the bundle is in ${location} (插花地)` })
    } else if (members.length > 1 && owner && m.qsdwdm && m.qsdwdm !== owner) {
      flags.push({ plot: m.code, flag: 'interspersed', reason: `owned by ${m.qsdwdm}, while most of the bundle belongs to ${owner} (插花地)` })
    }
  }
  return flags
}
