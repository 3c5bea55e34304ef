// Contiguous scattered plots (插花地、边角地、夹心地 may join a project for 连片开发, 165号 二):
// which members of a bundle are flagged, and why. Plain rules over measured facts.
import { MU_M2, roundTo, toMu } from './units.js'
import { roundKeepingSide, thresholdMu } from './display.js'

export const bundleDefaults = {
  /** plots within this distance (m) join one bundle; 0 = they must touch (a shared corner counts) */
  gapMeters: 0,
  /** a bundle of at least 15 mu can enter the reward scope on its own */
  minBundleM2: 15 * MU_M2,
  /** 边角地: a member below 3 mu on the bundle's edge */
  cornerMaxM2: 3 * MU_M2,
  /** 夹心地: non-member land with at least this share of its boundary on members */
  enclaveMinShare: 0.75,
  /** boundary within this distance (m) of a member counts as shared: survey lines of two layers rarely coincide exactly */
  sharedToleranceM: 0.1,
  /**
   * Pieces narrower than this on average (2·area/perimeter, m), or smaller than minPieceM2, are
   * what is left where two layers' lines do not meet (a plot drawn a little across a patch), not
   * land anyone could develop: they are neither enclaves nor 边角地.
   */
  sliverWidthM: 2,
  minPieceM2: 100,
  /** land touching a bundle at a point, or along less than this (m), is not adjacent */
  minSharedM: 1,
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
  /** the member's plot code; absent for non-member land */
  plot?: string
  /** the third-survey patch a non-member piece belongs to */
  patch?: PatchRef
  member: boolean
  /** area of a non-member piece */
  m2?: number
  flag: 'scattered' | 'corner' | 'interspersed'
  /** the rule that flagged it, with the figures it measured (reason and reasonZh say the same in words) */
  rule: FlagRule
  measured: Measured
  reason: string
  reasonZh: string
  geometry?: unknown
}

/**
 * under-min-area: a member alone under the minimum bundle area; small-on-edge: under the 边角地 area and
 * on the bundle's outer edge (a member) or sharing boundary with it (non-member land); other-location /
 * other-owner: 坐落 / 权属 unlike the area-weighted majority of the bundle (插花地); enclosed-share:
 * non-member land with at least the 夹心地 share of its boundary on members; hole: a hole of the dissolved bundle.
 */
export type FlagRule = 'under-min-area' | 'small-on-edge' | 'other-location' | 'other-owner' | 'enclosed-share' | 'hole'

/** The figures a rule was judged on: areas in m² (ellipsoidal, full precision), shares 0..1, codes as delivered. */
export interface Measured {
  m2?: number
  thresholdM2?: number
  /** share of the piece's boundary lying on members */
  sharedShare?: number
  thresholdShare?: number
  /** a member touching its bundle's outer boundary */
  onEdge?: boolean
  /** the member's 坐落 / 权属 code, and the bundle's majority one */
  code?: string
  majorityCode?: string
}

export interface PatchRef {
  tbbh: string | null
  zldwdm: string | null
  dlbm: string | null
  dlmc: string | null
}

/** A piece of non-member land (part of a third-survey patch outside the members) sharing boundary with a bundle. */
export interface NeighbourFacts extends PatchRef {
  m2: number
  /** share of the piece's boundary lying on members, 0..1 */
  sharedShare: number
  survey2ConstructionM2: number | null
  geometry: unknown
}

export interface Enclave {
  kind: 'enclave'
  /** hole: a hole in the dissolved bundle; land: a non-member piece mostly bounded by members */
  source: 'hole' | 'land'
  m2: number
  survey2ConstructionM2: number | null
  patch?: PatchRef
  sharedBoundaryShare?: number
  rule: FlagRule
  measured: Measured
  reason: string
  reasonZh: string
  geometry: unknown
}

/** The value held by most of the area, or null when no member has one. */
function majority(members: MemberFacts[], key: 'zldwdm' | 'qsdwdm'): string | null {
  const weight = new Map<string, number>()
  for (const m of members) if (m[key]) weight.set(m[key]!, (weight.get(m[key]!) ?? 0) + m.m2)
  let best: string | null = null
  for (const [v, w] of weight) if (best === null || w > weight.get(best)! || (w === weight.get(best)! && v < best)) best = v
  return best
}

/**
 * An area judged against a threshold, in mu to 2 decimals on the area's side of it (display.ts):
 * 14.996 mu under 15 is "14.99", never "15.00".
 */
const muAgainst = (m2: number, thresholdM2: number) => roundKeepingSide(toMu(m2), 2, [toMu(thresholdM2)]).toFixed(2)
/** The same in Chinese reasons, to 4 decimals as the console shows 亩 (DOMAIN: mu to 4 for display). */
const muAgainstZh = (m2: number, thresholdM2: number) => roundKeepingSide(toMu(m2), 4, [toMu(thresholdM2)]).toFixed(4)

export function memberFlags(members: MemberFacts[], c: { minBundleM2: number; cornerMaxM2: number }): Flag[] {
  const flags: Flag[] = []
  const location = majority(members, 'zldwdm')
  const owner = majority(members, 'qsdwdm')
  for (const m of [...members].sort((a, b) => a.code.localeCompare(b.code))) {
    const plot = { plot: m.code, member: true }
    if (m.m2 < c.minBundleM2) {
      const [mu, muZh, min] = [muAgainst(m.m2, c.minBundleM2), muAgainstZh(m.m2, c.minBundleM2), thresholdMu(c.minBundleM2)]
      flags.push({
        ...plot,
        flag: 'scattered',
        rule: 'under-min-area',
        measured: { m2: m.m2, thresholdM2: c.minBundleM2 },
        reason: `${mu} mu on its own, under the ${min} mu a project needs (单独不足${min}亩)`,
        reasonZh: `单独 ${muZh} 亩，不足单独立项所需的 ${min} 亩（零散）`,
      })
    }
    if (members.length > 1 && m.onEdge && m.m2 < c.cornerMaxM2) {
      const [mu, muZh, max] = [muAgainst(m.m2, c.cornerMaxM2), muAgainstZh(m.m2, c.cornerMaxM2), thresholdMu(c.cornerMaxM2)]
      flags.push({
        ...plot,
        flag: 'corner',
        rule: 'small-on-edge',
        measured: { m2: m.m2, thresholdM2: c.cornerMaxM2, onEdge: true },
        reason: `${mu} mu on the bundle's edge (边角地, under ${max} mu)`,
        reasonZh: `位于组团外缘，面积 ${muZh} 亩，小于 ${max} 亩（边角地）`,
      })
    }
    if (members.length > 1 && location && m.zldwdm && m.zldwdm !== location) {
      flags.push({
        ...plot,
        flag: 'interspersed',
        rule: 'other-location',
        measured: { code: m.zldwdm, majorityCode: location },
        reason: `located in ${m.zldwdm}, while most of the bundle is in ${location} (插花地)`,
        reasonZh: `坐落单位 ${m.zldwdm}，而组团大部分面积坐落于 ${location}（插花地）`,
      })
    } else if (members.length > 1 && owner && m.qsdwdm && m.qsdwdm !== owner) {
      flags.push({
        ...plot,
        flag: 'interspersed',
        rule: 'other-owner',
        measured: { code: m.qsdwdm, majorityCode: owner },
        reason: `owned by ${m.qsdwdm}, while most of the bundle belongs to ${owner} (插花地)`,
        reasonZh: `权属单位 ${m.qsdwdm}，而组团大部分面积属于 ${owner}（插花地）`,
      })
    }
  }
  return flags
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`
/** a share against an inclusive (≥) threshold, to 1 decimal: a share under it never shows as it (74.99 % is "74.9 %") */
const pctAgainst = (share: number, threshold: number) =>
  `${(share >= threshold ? roundTo(share * 100, 1) : roundKeepingSide(share * 100, 1, [threshold * 100])).toFixed(1)} %`
const patchLabel = (p: PatchRef) => `三调图斑 ${p.zldwdm ?? '?'}/${p.tbbh ?? '?'} ${p.dlmc ?? p.dlbm ?? ''}`.trimEnd()

/**
 * Non-member land around a bundle: a piece mostly bounded by members is 夹心地 (an enclave), else
 * a small piece on the edge is 边角地. A piece is judged on its own share, so land wedged into a
 * notch counts even when the bundle has no hole.
 */
export function classifyNeighbours(pieces: NeighbourFacts[], c: { enclaveMinShare: number; cornerMaxM2: number }): { enclaves: Enclave[]; flags: Flag[] } {
  const enclaves: Enclave[] = []
  const flags: Flag[] = []
  for (const p of pieces) {
    const patch = { tbbh: p.tbbh, zldwdm: p.zldwdm, dlbm: p.dlbm, dlmc: p.dlmc }
    if (p.sharedShare >= c.enclaveMinShare) {
      const share = pctAgainst(p.sharedShare, c.enclaveMinShare)
      enclaves.push({
        kind: 'enclave',
        source: 'land',
        m2: p.m2,
        survey2ConstructionM2: p.survey2ConstructionM2,
        patch,
        sharedBoundaryShare: p.sharedShare,
        rule: 'enclosed-share',
        measured: { m2: p.m2, sharedShare: p.sharedShare, thresholdShare: c.enclaveMinShare },
        reason: `${patchLabel(p)}: ${share} of its boundary lies on bundle members (夹心地, ≥ ${pct(c.enclaveMinShare)})`,
        reasonZh: `${patchLabel(p)}：非成员用地 ${toMu(p.m2).toFixed(4)} 亩，边界的 ${share} 与组团成员相接，不低于 ${pct(c.enclaveMinShare)}（夹心地）`,
        geometry: p.geometry,
      })
    } else if (p.m2 < c.cornerMaxM2) {
      const [mu, muZh, max] = [muAgainst(p.m2, c.cornerMaxM2), muAgainstZh(p.m2, c.cornerMaxM2), thresholdMu(c.cornerMaxM2)]
      const share = pctAgainst(p.sharedShare, c.enclaveMinShare)
      flags.push({
        patch,
        member: false,
        m2: p.m2,
        flag: 'corner',
        rule: 'small-on-edge',
        measured: { m2: p.m2, thresholdM2: c.cornerMaxM2, sharedShare: p.sharedShare, thresholdShare: c.enclaveMinShare },
        reason: `${patchLabel(p)}: ${mu} mu of non-member land on the bundle's edge (边角地, under ${max} mu)`,
        reasonZh: `${patchLabel(p)}：组团外缘的非成员用地 ${muZh} 亩，小于 ${max} 亩；边界的 ${share} 与成员相接，不足夹心地的 ${pct(c.enclaveMinShare)}（边角地）`,
        geometry: p.geometry,
      })
    }
  }
  return { enclaves, flags }
}

/** A hole of the dissolved bundle: land every side of which is members (夹心地). */
export function holeEnclave(h: { m2: number; survey2ConstructionM2: number | null; geometry: unknown }): Enclave {
  return {
    kind: 'enclave',
    source: 'hole',
    ...h,
    rule: 'hole',
    measured: { m2: h.m2 },
    reason: 'a hole in the dissolved bundle, enclosed by members (夹心地)',
    reasonZh: `组团内部的空洞 ${toMu(h.m2).toFixed(4)} 亩，四周均为成员图斑（夹心地）`,
  }
}

/**
 * The scattered land 165号 二 lets join a contiguous project ("插花地、边角地、夹心地可一并纳入，连片开发"),
 * as a project made from a bundle records it: 夹心地 (the bundle's holes and the land it encloses),
 * 边角地 and 插花地 (members so flagged).
 */
export const scatteredLandKinds = ['enclave', 'corner', 'interspersed'] as const
export type ScatteredLandKind = (typeof scatteredLandKinds)[number]
export const scatteredLandKindZh: Record<ScatteredLandKind, string> = { enclave: '夹心地', corner: '边角地', interspersed: '插花地' }
