// 上盖建筑物 (165号 二): "在地面以上建设的各种建筑物、构筑物及其附属设施，但不包括堆场、硬化路面、
// 绿地、户外体育设施、可移动的临时建筑物等". Building-type fields are spelt many ways
// (可移动的临时建筑物, 可移动临时建筑, 活动板房 …), so types are classified by meaning: a type is
// normalised (blanks, punctuation, 的, a trailing 物 dropped) and matched against rules. The rules are
// data (analysis-config) so a county can add its own spellings.
//
// By meaning, not by a word inside a name (issue 21): a Chinese compound names its thing by its last
// word (its head), so 道路管理站 is a 站 and 室内球场 a hall, while 厂区道路 is a road. An exclusion
// therefore matches the head (`at: 'end'`) or the whole type (`at: 'whole'`: 广场 alone, 市民广场 …
// are paved squares; 商业广场 and 万达广场 are buildings), and only the unambiguous markers (可移动,
// 活动板房, 地下 …) match anywhere. Underground structures are not 地面以上 and are excluded.

export type BuildingClass = 'counted' | 'excluded' | 'unknown'

export interface BuildingTypeRule {
  /** the category of the notice this rule stands for (shown to the user) */
  category: string
  class: Exclude<BuildingClass, 'unknown'>
  /** words of the normalised type that select this rule */
  keywords: readonly string[]
  /** where a keyword must stand: anywhere in the type (default), at its end (the head word), or be the whole type */
  at?: 'anywhere' | 'end' | 'whole'
}

// The rules' keywords are few and fixed by the configuration; every type of every analysis is
// matched against all of them, so each is normalised once (a sixth of a project analysis's rules CPU).
const normalisedKeywords = new Map<string, string>()
const normalisedKeyword = (keyword: string) => {
  let k = normalisedKeywords.get(keyword)
  if (k === undefined) {
    if (normalisedKeywords.size >= 10_000) normalisedKeywords.clear()
    normalisedKeywords.set(keyword, (k = normaliseBuildingType(keyword)))
  }
  return k
}

const matches = (norm: string, keyword: string, at: BuildingTypeRule['at']) => {
  const k = normalisedKeyword(keyword)
  return at === 'whole' ? norm === k : at === 'end' ? norm.endsWith(k) : norm.includes(k)
}

export interface BuildingTypeClassification {
  type: string | null
  class: BuildingClass
  /** the notice's category (e.g. 可移动的临时建筑物), or why it is unknown */
  category: string
}

/** 可移动的临时建筑物 → 可移动临时建筑; full-width forms and blanks removed. */
export function normaliseBuildingType(type: string): string {
  return type
    .normalize('NFKC')
    .replace(/[\s\p{P}\p{S}]/gu, '')
    .replace(/的/g, '')
    .replace(/物$/u, '')
}

/**
 * The first rule (in order) with a keyword in its place decides (analysis-config orders them: markers
 * such as 可移动 and 地下 first, then the building heads, then the excluded heads, then building words
 * anywhere), so 临时厂房 is temporary, not a 厂房, and 绿化管理用房 is a 房, not a 绿化. A type that
 * no rule matches is `unknown` and is counted: the layer is a building layer and the notice counts
 * every above-ground building it does not exclude; the result lists it so a technician can check.
 * No type at all is `unknown` too.
 */
export function classifyBuildingType(type: string | null, rules: readonly BuildingTypeRule[]): BuildingTypeClassification {
  const norm = type === null ? '' : normaliseBuildingType(type)
  if (norm === '') return { type, class: 'unknown', category: '未填写建筑类型 (no type recorded)' }
  for (const rule of rules) {
    if (rule.keywords.some((k) => matches(norm, k, rule.at))) return { type, class: rule.class, category: rule.category }
  }
  return { type, class: 'unknown', category: '未识别的建筑类型，按上盖建筑物计入 (unrecognised type, counted)' }
}

/** The types of a list that are not counted in the footprint. */
export const excludedTypes = (types: Array<string | null>, rules: readonly BuildingTypeRule[]): string[] =>
  types.filter((t): t is string => t !== null && classifyBuildingType(t, rules).class === 'excluded')
