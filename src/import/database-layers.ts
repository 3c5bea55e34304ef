// What a survey database holds and which layer kind each of its layers is: from the layer names of
// the 三调 and 二调 database specifications (DLTB, XZDW, XZQ …), the layers' aliases (地类图斑 …),
// and the fields present. Pure: the listing comes from GDAL (./database-source.ts).
import { layerKind, layerKinds, type LayerKind } from '../catalogue/layer-kinds.js'

export interface DatabaseField {
  name: string
  alias: string | null
  type: string
  /** GDAL's subtype (Boolean, Int16, Float32, JSON …) */
  subType?: string
}

export interface DatabaseLayer {
  name: string
  alias: string | null
  geometryType: string | null
  featureCount: number
  crs: { epsg: number | null; name: string | null; wkt: string | null }
  extent: [number, number, number, number] | null
  fields: DatabaseField[]
  /** the geometry and FID columns, as GDAL names them in its output */
  geometryName?: string
  fidName?: string
}

export interface LayerProposal {
  layer: string
  /** the proposed layer kind, or null: not one the service loads */
  kind: string | null
  /** why, in both languages */
  reason: string
  reasonZh: string
  /** our field → source field, where the source names a field only by its alias (地类编码 for a field F3) */
  fieldMap: Record<string, string>
}

/** Layer names of the specifications and the kind each is; DLTB is decided by its fields. */
const specNames: Record<string, { kind: string; zh: string }> = {
  XZDW: { kind: 'survey2-lines', zh: '线状地物' },
  XZQ: { kind: 'admin-divisions', zh: '行政区' },
  // layers of the service's own deliveries (project, plot, building layers) under the names counties use
  JZW: { kind: 'buildings', zh: '建筑物' },
  FW: { kind: 'buildings', zh: '房屋' },
  PEWG: { kind: 'approved-unsupplied', zh: '批而未供' },
  PEWGTD: { kind: 'approved-unsupplied', zh: '批而未供土地' },
  XZTD: { kind: 'idle-land', zh: '闲置土地' },
  XMHX: { kind: 'projects', zh: '项目红线' },
  DXYD: { kind: 'plots', zh: '低效用地' },
  DXYDTB: { kind: 'plots', zh: '低效用地图斑' },
}

/** Aliases (Chinese layer names) people and ArcGIS give the same layers. */
const aliasKinds: Array<[RegExp, string]> = [
  [/线状地物/, 'survey2-lines'],
  [/^行政区$|行政区划/, 'admin-divisions'],
  [/建筑物|房屋/, 'buildings'],
  [/批而未供/, 'approved-unsupplied'],
  [/闲置土地/, 'idle-land'],
  [/项目红线|项目范围/, 'projects'],
  [/低效用地/, 'plots'],
  [/规划分区|用途分区/, 'plan-zones'],
]

/** Fields only the second survey's DLTB has (线状地物面积, 零星地物面积, 田坎系数) against the third's (扣除地类, 城镇村属性码). */
const survey2Only = ['XZDWMJ', 'LXDWMJ', 'TKXS', 'TKMJ']
const survey3Only = ['KCDLBM', 'CZCSXM', 'KCXS', 'GDLX']

const family = (geometryType: string | null): 'polygon' | 'line' | 'other' | null =>
  geometryType === null || /^none$/i.test(geometryType) || /unknown/i.test(geometryType)
    ? null
    : /polygon|surface/i.test(geometryType)
      ? 'polygon'
      : /line|curve/i.test(geometryType)
        ? 'line'
        : 'other'

/** Columns the source names only by alias: our field → the source field whose alias is the column's title or one of its names. */
export function fieldMapByAlias(kind: LayerKind, fields: DatabaseField[]): Record<string, string> {
  const names = new Set(fields.map((f) => f.name.toUpperCase()))
  const out: Record<string, string> = {}
  for (const c of kind.columns) {
    if (c.aliases.some((a) => names.has(a.toUpperCase()))) continue
    const wanted = new Set([c.titleZh, ...c.aliases].map((a) => a.toUpperCase()))
    const hit = fields.find((f) => f.alias && wanted.has(f.alias.toUpperCase()))
    if (hit) out[c.field] = hit.name
  }
  return out
}

function dltbKind(l: DatabaseLayer): { kind: string; reason: string; reasonZh: string } {
  const names = new Set(l.fields.map((f) => f.name.toUpperCase()))
  const two = survey2Only.filter((f) => names.has(f))
  const three = survey3Only.filter((f) => names.has(f))
  if (two.length > three.length)
    return { kind: 'survey2', reason: `DLTB with second-survey fields (${two.join(', ')})`, reasonZh: `地类图斑，含二调字段（${two.join('、')}）` }
  if (three.length)
    return { kind: 'survey3', reason: `DLTB with third-survey fields (${three.join(', ')})`, reasonZh: `地类图斑，含三调字段（${three.join('、')}）` }
  return {
    kind: 'survey3',
    reason: 'DLTB without fields telling the surveys apart: taken as the third survey',
    reasonZh: '地类图斑，字段无法区分二调或三调，按三调处理',
  }
}

/** The proposed kind of one layer. */
export function proposeLayer(l: DatabaseLayer): LayerProposal {
  const fam = family(l.geometryType)
  const base = (kind: string | null, reason: string, reasonZh: string): LayerProposal => {
    const k = kind ? layerKind(kind) : undefined
    // a proposal must fit the geometry: a DLTB of points is not a survey layer
    if (k && fam && fam !== k.family)
      return {
        layer: l.name,
        kind: null,
        reason: `${reason}, but its geometry is ${l.geometryType}`,
        reasonZh: `${reasonZh}，但几何类型为 ${l.geometryType}`,
        fieldMap: {},
      }
    return { layer: l.name, kind: k ? k.key : null, reason, reasonZh, fieldMap: k ? fieldMapByAlias(k, l.fields) : {} }
  }
  if (fam === null) return base(null, 'a table without geometry', '无几何的属性表')
  // the specifications' names; a year suffix (DLTB2009, DLTB_2019) is common in annual updates
  const stem = l.name.toUpperCase().replace(/[_-]?\d{4}$/, '')
  if (stem === 'DLTB' || (l.alias && /地类图斑/.test(l.alias))) {
    const d = dltbKind(l)
    return base(d.kind, d.reason, d.reasonZh)
  }
  const spec = specNames[stem]
  if (spec) return base(spec.kind, `${l.name}: ${spec.kind} by the specification's layer name`, `${l.name}（${spec.zh}），按数据库标准图层名`)
  const byAlias = l.alias ? aliasKinds.find(([re]) => re.test(l.alias!)) : undefined
  if (byAlias) return base(byAlias[1], `layer alias ${l.alias}`, `按图层别名“${l.alias}”`)
  // Otherwise the kind whose named fields the layer has most of (at least 2, required ones present).
  const names = new Set(l.fields.flatMap((f) => [f.name.toUpperCase(), ...(f.alias ? [f.alias.toUpperCase()] : [])]))
  let best: { kind: LayerKind; hits: number } | null = null
  for (const k of layerKinds) {
    if (fam && fam !== k.family) continue
    const has = (c: LayerKind['columns'][number]) => [c.titleZh, ...c.aliases].some((a) => names.has(a.toUpperCase()))
    if (k.columns.some((c) => c.required && !has(c))) continue
    const hits = k.columns.filter(has).length
    if (hits >= 2 && (!best || hits > best.hits)) best = { kind: k, hits }
  }
  if (best) return base(best.kind.key, `${best.hits} of the layer's fields are ${best.kind.key} fields`, `有 ${best.hits} 个字段与“${best.kind.titleZh}”相符`)
  return base(null, 'not a layer the service loads', '不是本服务导入的图层')
}

export const proposeMapping = (layers: DatabaseLayer[]): LayerProposal[] => layers.map(proposeLayer)

/**
 * The layer to import as `kind` when only the kind is given: the one the proposal maps to it, or the
 * one the specification names for it; null with the candidates when none or several.
 */
export function layerForKind(layers: DatabaseLayer[], kind: string): { layer: DatabaseLayer; proposal: LayerProposal } | { candidates: string[] } {
  const proposals = proposeMapping(layers)
  const hits = proposals.filter((p) => p.kind === kind)
  if (hits.length === 1) return { layer: layers.find((l) => l.name === hits[0]!.layer)!, proposal: hits[0]! }
  if (hits.length === 0) {
    // the specification's name for the kind (DLTB for either survey), whatever its fields suggest
    const specName = kind === 'survey3' || kind === 'survey2' ? 'DLTB' : Object.entries(specNames).find(([, v]) => v.kind === kind)?.[0]
    const named = layers.filter((l) => specName && l.name.toUpperCase().replace(/[_-]?\d{4}$/, '') === specName)
    if (named.length === 1) {
      const k = layerKind(kind)!
      const proposal = {
        layer: named[0]!.name,
        kind,
        reason: `${named[0]!.name} by name`,
        reasonZh: `按图层名 ${named[0]!.name}`,
        fieldMap: fieldMapByAlias(k, named[0]!.fields),
      }
      return { layer: named[0]!, proposal }
    }
  }
  return { candidates: hits.map((h) => h.layer) }
}
