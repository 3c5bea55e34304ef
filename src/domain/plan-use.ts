// The planned use against the project's new use (符合国土空间规划, 165号 二), where the plan layer carries
// 用地用海 codes (《国土空间调查、规划、用途管制用地用海分类指南》, 自然资发〔2023〕234号). Compared on the
// guide's first-level classes; one table, configurable here; docs/decisions.md ("Issue 21: the planned use
// against the new use") says why each pair is what it is.
import { useClasses, type UseClass } from './approach.js'
import { m2Text, percentText } from './display.js'
import { roundTo } from './units.js'

/** 用地用海 first-level classes (一级类) of the guide. */
export const landUseClasses = {
  '01': '耕地',
  '02': '园地',
  '03': '林地',
  '04': '草地',
  '05': '湿地',
  '06': '农业设施建设用地',
  '07': '居住用地',
  '08': '公共管理与公共服务用地',
  '09': '商业服务业用地',
  '10': '工矿用地',
  '11': '仓储用地',
  '12': '交通运输用地',
  '13': '公用设施用地',
  '14': '绿地与开敞空间用地',
  '15': '特殊用地',
  '16': '留白用地',
  '17': '陆地水域',
  '18': '渔业用海',
  '19': '工矿通信用海',
  '20': '交通运输用海',
  '21': '游憩用海',
  '22': '特殊用海',
  '23': '其他土地',
  '24': '其他海域',
} as const
export type LandUseClass = keyof typeof landUseClasses

/**
 * How the land's planned use stands to the project's new use:
 * - conforms: the plan gives the land the new use's class;
 * - public-benefit: infrastructure or public services the plan puts on the land (公益性用地), which the
 *   project hands over or builds with it (聊城方案 三: "依照规划要求需要将一定比例的土地移交给政府用于城市基础
 *   设施、公共服务设施等公益性项目建设"): not a conflict, but the implementation scheme must name it;
 * - undecided: the plan has not decided the use (16 留白用地), or the new use (其他) says too little to compare;
 * - conflicts: the plan gives the land another use;
 * - unread: the code is not a 用地用海 code (a person reads it).
 */
export const planUseRelations = ['conforms', 'public-benefit', 'undecided', 'conflicts', 'unread'] as const
export type PlanUseRelation = (typeof planUseRelations)[number]
export const planUseRelationsZh: Record<PlanUseRelation, string> = {
  conforms: '与新用途相符',
  'public-benefit': '公益性用地（城市基础设施、公共服务设施）',
  undecided: '规划用途未定或无法比对',
  conflicts: '与新用途不符',
  unread: '代码无法识别',
}

export interface PlanUseTable {
  /** the first-level classes on which each new use is the planned use */
  conforming: Record<UseClass, readonly LandUseClass[]>
  /** classes that cannot be judged for a new use (checked after conforming) */
  undecided: Record<UseClass, readonly LandUseClass[]>
  /** 公益性用地 (聊城方案 三), for any new use they do not conform to or leave undecided */
  publicBenefit: readonly LandUseClass[]
}

export const planUseDefaults: PlanUseTable = {
  // Each use class of the project (src/domain/approach.ts) has one first-level class of its own; 其他 has none.
  conforming: {
    residential: ['07'],
    public: ['08'],
    commercial: ['09'],
    industrial: ['10'],
    storage: ['11'],
    other: [],
  },
  // 16 留白用地 waits for the plan's own decision (as 战略预留区, src/domain/plan-zones.ts). A project recorded
  // as 其他 (a park, a road, a utility, a special use) may be what the plan gives 12–15: a person compares.
  undecided: {
    residential: ['16'],
    public: ['16'],
    commercial: ['16'],
    industrial: ['16'],
    storage: ['16'],
    other: ['12', '13', '14', '15', '16'],
  },
  // 08 公共管理与公共服务 (公共服务设施), 12 交通运输, 13 公用设施, 14 绿地与开敞空间 (城市基础设施)
  publicBenefit: ['08', '12', '13', '14'],
}

const isClass = (x: string): x is LandUseClass => x in landUseClasses

/**
 * The first-level classes a planned code names: '0701' → ['07'], '090101' → ['09']. A zone whose code
 * mixes uses (written '0701/0901', '07+09', '0701、0901') names each; the guide has no mixed class such as
 * 商住. [] when the code is not a 用地用海 code (2, 4 or 6 digits, first two 01–24): a code of another
 * classification (GB 50137's R2, TD/T 1024's 211) is not guessed.
 */
export function landUseClassesOf(code: string): LandUseClass[] {
  const parts = code
    .trim()
    .split(/[/+、,，;；|\s]+/)
    .filter(Boolean)
  const out: LandUseClass[] = []
  for (const part of parts) {
    if (!/^\d{2}(\d{2}){0,2}$/.test(part)) return []
    const head = part.slice(0, 2)
    if (!isClass(head)) return []
    if (!out.includes(head)) out.push(head)
  }
  return out.sort()
}

/** Relations from best to worst: a mixed zone takes its best part (each of its uses is planned there). */
const rank: readonly PlanUseRelation[] = ['conforms', 'public-benefit', 'undecided', 'conflicts']

/** How land planned as `cls` stands to the new use. */
export function planUseRelation(newUse: UseClass, cls: LandUseClass, table: PlanUseTable = planUseDefaults): PlanUseRelation {
  if (table.conforming[newUse].includes(cls)) return 'conforms'
  if (table.undecided[newUse].includes(cls)) return 'undecided'
  if (table.publicBenefit.includes(cls)) return 'public-benefit'
  return 'conflicts'
}

/** A planned code found inside the project and the area of its zones there. */
export interface PlannedUseArea {
  code: string
  m2: number
}

export interface PlanUseGroup {
  /** first-level classes ([] when the code is unreadable) */
  classes: LandUseClass[]
  nameZh: string
  /** the codes as delivered that fall in this group */
  codes: string[]
  m2: number
  /** null when the project has no new use to compare with */
  relation: PlanUseRelation | null
}

export interface PlanUseComparison {
  groups: PlanUseGroup[]
  /** area per relation (zeros when there is no new use, except unread) */
  m2: Record<PlanUseRelation, number>
}

/** The planned codes inside a project, grouped by first-level classes and compared with the new use. */
export function comparePlannedUse(areas: readonly PlannedUseArea[], newUse: UseClass | null, table: PlanUseTable = planUseDefaults): PlanUseComparison {
  const groups = new Map<string, PlanUseGroup>()
  for (const a of areas) {
    const classes = landUseClassesOf(a.code)
    const key = classes.join('/')
    let g = groups.get(key)
    if (!g) {
      const relation = !classes.length ? 'unread' : newUse === null ? null : rank.find((r) => classes.some((c) => planUseRelation(newUse, c, table) === r))!
      g = { classes, nameZh: classes.length ? classes.map((c) => landUseClasses[c]).join('/') : '非用地用海分类代码', codes: [], m2: 0, relation }
      groups.set(key, g)
    }
    g.codes.push(a.code)
    g.m2 += a.m2
  }
  const m2 = Object.fromEntries(planUseRelations.map((r) => [r, 0])) as Record<PlanUseRelation, number>
  for (const g of groups.values()) {
    g.codes.sort()
    if (g.relation) m2[g.relation] += g.m2
  }
  return { groups: [...groups.values()].sort((a, b) => b.m2 - a.m2 || a.nameZh.localeCompare(b.nameZh)), m2 }
}

export interface PlanUseVerdict {
  /** true when not applicable (no codes inside, no new use): the check never decides on what it cannot compare */
  passed: boolean
  /** share of the project whose planned use conflicts with the new use; null when not applicable */
  value: number | null
  needsReview: boolean
  comparison: PlanUseComparison | null
  text: () => [string, string]
}

const pct = (x: number) => `${roundTo(x * 100, 2)} %`
const listed = (gs: readonly PlanUseGroup[], sep: string) => gs.map((g) => `${g.nameZh}（${g.codes.join('、')}）${m2Text(g.m2)}`).join(sep)

/**
 * The check `plan-use`: land planned for another use above `conflictShareMax` of the project fails; less,
 * public-benefit land, undecided land and unreadable codes pass but a person looks. Not applicable (passes,
 * value null) without a plan layer, without 用地用海 codes inside, or without a recorded new use.
 */
export function judgePlannedUse(o: {
  areaM2: number
  plannedUse: { areas: readonly PlannedUseArea[] } | null | undefined
  newUse: UseClass | null
  conflictShareMax: number
  table?: PlanUseTable
}): PlanUseVerdict {
  const notApplicable = (en: string, zh: string, comparison: PlanUseComparison | null = null): PlanUseVerdict => ({
    passed: true,
    value: null,
    needsReview: false,
    comparison,
    text: () => [en, zh],
  })
  if (!o.plannedUse) return notApplicable('no spatial plan layer is loaded: the planned use is not compared', '本县未加载国土空间规划分区，不比对规划用途')
  if (!o.plannedUse.areas.length)
    return notApplicable('the plan layer gives no 用地用海 code inside the project: not applicable', '规划分区图层在项目范围内无用地用海分类代码，不适用')
  const table = o.table ?? planUseDefaults
  const comparison = comparePlannedUse(o.plannedUse.areas, o.newUse, table)
  const { groups, m2 } = comparison
  if (o.newUse === null)
    return notApplicable(
      `the new use is not recorded: the planned uses inside (${listed(groups, ', ')}) are not compared`,
      `未录入新用途，未与项目范围内的规划用途（${listed(groups, '；')}）比对，不适用`,
      comparison,
    )
  const newUse = o.newUse
  const max = o.conflictShareMax
  const share = o.areaM2 > 0 ? m2.conflicts / o.areaM2 : 0
  const failed = share > max
  const own = table.conforming[newUse].map((c) => landUseClasses[c]).join('、')
  const text = (): [string, string] => {
    const en = [`new use ${newUse}; planned inside: ${groups.map((g) => `${g.nameZh} (${g.codes.join(', ')}) ${m2Text(g.m2)} ${g.relation}`).join(', ')}`]
    const zh = [
      `新用途为“${useClasses[newUse]}”；项目范围内规划用途：${groups.map((g) => `${g.nameZh}（${g.codes.join('、')}）${m2Text(g.m2)}，${planUseRelationsZh[g.relation!]}`).join('；')}`,
    ]
    if (m2.conflicts > 0) {
      const shown = percentText(share, max)
      const area = m2Text(m2.conflicts, [o.areaM2 * max])
      en.push(`land planned for another use ${area} is ${shown} of the project (${failed ? 'more than' : 'within'} ${pct(max)})`)
      zh.push(
        failed
          ? `与新用途不符的用地共${area}，占项目面积${shown}，超过${pct(max)}`
          : `与新用途不符的用地共${area}，占项目面积${shown}，未超过${pct(max)}（可能为规划图斑与项目红线的边界差异），需人工复核`,
      )
    }
    if (m2['public-benefit'] > 0) {
      en.push(`public-benefit land ${m2Text(m2['public-benefit'])}: the implementation scheme must name its hand-over (聊城方案 三)`)
      zh.push(`规划为公益性用地${m2Text(m2['public-benefit'])}，应在项目实施方案中明确需移交公益性用地的类型和比例（聊城方案 三），需人工复核`)
    }
    if (m2.undecided > 0) {
      en.push(`land whose planned use is undecided or cannot be compared with 其他: ${m2Text(m2.undecided)}`)
      zh.push(`规划用途未定或无法与新用途“${useClasses[newUse]}”比对的用地${m2Text(m2.undecided)}，需人工复核`)
    }
    if (m2.unread > 0) {
      en.push(`codes that are not 用地用海 codes: ${m2Text(m2.unread)}`)
      zh.push(`代码不是用地用海分类代码的用地${m2Text(m2.unread)}，需人工复核`)
    }
    if (own && m2.conforms <= 0) {
      en.push(`no land inside is planned as ${own}`)
      zh.push(`项目范围内无规划为${own}的用地`)
    }
    if (en.length === 1) {
      en.push('all conforms to the new use')
      zh.push('均与新用途相符')
    }
    return [en.join('; '), zh.join('；')]
  }
  const review = !failed && (m2.conflicts > 0 || m2['public-benefit'] > 0 || m2.undecided > 0 || m2.unread > 0)
  return { passed: !failed, value: share, needsReview: review, comparison, text }
}
