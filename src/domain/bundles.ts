// Contiguous scattered plots (插花地、边角地、夹心地 may join a project for 连片开发, 165号 二):
// which members of a bundle are flagged, and why. Plain rules over measured facts.
import { MU_M2, toMu } from './units.js'
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
  reason: string
  geometry?: unknown
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
  reason: string
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

export function memberFlags(members: MemberFacts[], c: { minBundleM2: number; cornerMaxM2: number }): Flag[] {
  const flags: Flag[] = []
  const location = majority(members, 'zldwdm')
  const owner = majority(members, 'qsdwdm')
  for (const m of [...members].sort((a, b) => a.code.localeCompare(b.code))) {
    if (m.m2 < c.minBundleM2)
      flags.push({
        plot: m.code,
        member: true,
        flag: 'scattered',
        reason: `${muAgainst(m.m2, c.minBundleM2)} mu on its own, under the ${thresholdMu(c.minBundleM2)} mu a project needs (单独不足${thresholdMu(c.minBundleM2)}亩)`,
      })
    if (members.length > 1 && m.onEdge && m.m2 < c.cornerMaxM2)
      flags.push({
        plot: m.code,
        member: true,
        flag: 'corner',
        reason: `${muAgainst(m.m2, c.cornerMaxM2)} mu on the bundle's edge (边角地, under ${thresholdMu(c.cornerMaxM2)} mu)`,
      })
    if (members.length > 1 && location && m.zldwdm && m.zldwdm !== location) {
      flags.push({ plot: m.code, member: true, flag: 'interspersed', reason: `located in ${m.zldwdm}, while most of the bundle is in ${location} (插花地)` })
    } else if (members.length > 1 && owner && m.qsdwdm && m.qsdwdm !== owner) {
      flags.push({ plot: m.code, member: true, flag: 'interspersed', reason: `owned by ${m.qsdwdm}, while most of the bundle belongs to ${owner} (插花地)` })
    }
  }
  return flags
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`
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
      enclaves.push({
        kind: 'enclave',
        source: 'land',
        m2: p.m2,
        survey2ConstructionM2: p.survey2ConstructionM2,
        patch,
        sharedBoundaryShare: p.sharedShare,
        reason: `${patchLabel(p)}: ${pct(p.sharedShare)} of its boundary lies on bundle members (夹心地, ≥ ${pct(c.enclaveMinShare)})`,
        geometry: p.geometry,
      })
    } else if (p.m2 < c.cornerMaxM2) {
      flags.push({
        patch,
        member: false,
        m2: p.m2,
        flag: 'corner',
        reason: `${patchLabel(p)}: ${muAgainst(p.m2, c.cornerMaxM2)} mu of non-member land on the bundle's edge (边角地, under ${thresholdMu(c.cornerMaxM2)} mu)`,
        geometry: p.geometry,
      })
    }
  }
  return { enclaves, flags }
}

/**
 * The scattered land 165号 二 lets join a contiguous project ("插花地、边角地、夹心地可一并纳入，连片开发"),
 * as a project made from a bundle records it: 夹心地 (the bundle's holes and the land it encloses),
 * 边角地 and 插花地 (members so flagged).
 */
export const scatteredLandKinds = ['enclave', 'corner', 'interspersed'] as const
export type ScatteredLandKind = (typeof scatteredLandKinds)[number]
export const scatteredLandKindZh: Record<ScatteredLandKind, string> = { enclave: '夹心地', corner: '边角地', interspersed: '插花地' }
