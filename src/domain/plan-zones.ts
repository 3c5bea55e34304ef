// Whether a planning zone permits the redevelopment (符合国土空间规划, 165号 二), when the plan layer has
// no usable `permitted` attribute: read from the zone's name, or from its code in a known code system.
// One table, configurable here; docs/decisions.md says why each entry is what it is.

export interface PlanCodeSystem {
  id: string
  titleZh: string
  /** source field names (upper case) whose codes belong to this system */
  fields: string[]
  /** code prefix → permitted; the longest matching prefix decides (040101 → 0401) */
  prefixes: Record<string, boolean>
}

export interface PlanZoneTable {
  /** zone names (as delivered, blanks removed) → permitted */
  names: Record<string, boolean>
  codeSystems: PlanCodeSystem[]
}

const names = (permitted: boolean, list: string[]) => Object.fromEntries(list.map((n) => [n, permitted]))

export const planZoneDefaults: PlanZoneTable = {
  names: {
    // 国土空间规划分区 (市级国土空间总体规划编制指南（试行）): inside the 城镇开发边界's 集中建设区, and village construction land
    ...names(true, [
      '城镇开发边界',
      '城镇发展区',
      '城镇集中建设区',
      '居住生活区',
      '综合服务区',
      '商业商务区',
      '工业发展区',
      '物流仓储区',
      '绿地休闲区',
      '交通枢纽区',
    ]),
    // Not automatically permitted (issue 21; docs/decisions.md): 战略预留区 and 留白 wait for the plan's own
    // decision on their use; 村庄建设区 lies outside the 城镇开发边界, so it is not 城镇 land (城中村 inside the
    // boundary are in the 集中建设区's zones). A county whose plan has decided sets SFYX on the zone.
    ...names(false, ['战略预留区', '村庄建设区']),
    ...names(false, [
      '生态保护区',
      '生态保护红线',
      '生态控制区',
      '农田保护区',
      '永久基本农田',
      '永久基本农田保护区',
      '城镇弹性发展区',
      '特别用途区',
      '乡村发展区',
      '一般农业区',
      '林业发展区',
      '牧业发展区',
      '海洋发展区',
      '矿产能源发展区',
    ]),
    // 土地利用总体规划 (2006–2020) zones, still delivered by counties whose new plan is not yet in the database
    ...names(true, ['允许建设区', '允许建设用地区', '城镇建设用地区', '村镇建设用地区', '城镇村建设用地区', '独立工矿区', '独立工矿用地区']),
    ...names(false, [
      '有条件建设区',
      '有条件建设用地区',
      '限制建设区',
      '限制建设用地区',
      '禁止建设区',
      '禁止建设用地区',
      '基本农田保护区',
      '一般农地区',
      '林业用地区',
      '牧业用地区',
      '风景旅游用地区',
      '生态环境安全控制区',
      '自然与文化遗产保护区',
    ]),
  },
  codeSystems: [
    {
      id: 'planning-zone',
      titleZh: '国土空间规划分区',
      fields: ['GHFQDM', 'FQDM', '分区代码'],
      // 01 生态保护区 02 生态控制区 03 农田保护区 04 城镇发展区 (0401 城镇集中建设区, 0402 城镇弹性发展区, 0403 特别用途区)
      // 05 乡村发展区 (0501 村庄建设区, 0502 一般农业区, 0503 林业发展区, 0504 牧业发展区) 06 海洋发展区 07 矿产能源发展区
      prefixes: {
        '01': false,
        '02': false,
        '03': false,
        '04': true,
        '0401': true,
        '0402': false,
        '0403': false,
        '05': false,
        '0501': false,
        '06': false,
        '07': false,
      },
    },
    {
      id: 'land-use',
      titleZh: '国土空间规划用地用海分类',
      fields: ['YDYHFLDM', 'GHYTDM'],
      // 01 耕地 … 06 农业设施建设用地: no; 07 居住 … 15 特殊用地 (construction land): yes; 16 留白用地 (its use not yet
      // decided, as 战略预留区): no; 17 陆地水域 … 24 其他海域: no
      prefixes: Object.fromEntries(Array.from({ length: 24 }, (_, i) => [String(i + 1).padStart(2, '0'), i + 1 >= 7 && i + 1 <= 15])),
    },
  ],
}

export type PermittedDerivation = { permitted: boolean; by: 'name' | 'code'; matched: string; systemZh?: string }

const normalise = (s: string) => s.replace(/\s+/g, '')

/** The permission a zone's name or code gives, or null when neither is in the table. The name wins: it cannot be read in the wrong code system. */
export function derivePermitted(
  zone: { name: string | null; code: string | null; codeField: string | null },
  table: PlanZoneTable = planZoneDefaults,
): PermittedDerivation | null {
  for (const text of [zone.name, zone.code]) {
    if (!text) continue
    const key = normalise(text)
    if (key in table.names) return { permitted: table.names[key]!, by: 'name', matched: key }
  }
  if (!zone.code || !zone.codeField) return null
  const system = table.codeSystems.find((s) => s.fields.includes(zone.codeField!.toUpperCase()))
  if (!system) return null
  const code = normalise(zone.code).toUpperCase()
  let best: string | null = null
  for (const prefix of Object.keys(system.prefixes)) if (code.startsWith(prefix) && (best === null || prefix.length > best.length)) best = prefix
  return best === null ? null : { permitted: system.prefixes[best]!, by: 'code', matched: best, systemZh: system.titleZh }
}

/** Source fields whose codes the table can read, for messages. */
export const codeFieldsKnown = (table: PlanZoneTable = planZoneDefaults) => table.codeSystems.flatMap((s) => s.fields)
