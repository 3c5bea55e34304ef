// Project attributes the reward notice's rules need (鲁自然资字〔2021〕165号), with their Chinese names.

/** 开发模式 (development mode) */
export const developmentModes = {
  'government-reserve': '政府收储改造',
  'original-owner': '原土地使用权人改造',
  collective: '原农村集体经济组织改造',
  market: '市场主体改造',
} as const
export type DevelopmentMode = keyof typeof developmentModes

/** 再开发方式: the stock-area formula follows it (165号 三). */
export const approaches = {
  default: '按二调建设用地面积核定',
  'retreat-secondary': '退二进三',
  'plot-ratio-increase': '提高容积率',
} as const
export type Approach = keyof typeof approaches

/** 奖励标准 milestone by mode (165号 三（一）–（三）); its year is the reward year. */
export const milestoneTypes = {
  'land-supply': '完成土地供应',
  'transfer-registration': '完成不动产转移登记及规划许可',
  'planning-permits': '完成建设用地和建设工程规划许可',
} as const
export type MilestoneType = keyof typeof milestoneTypes

export const projectStatuses = ['draft', 'submitted', 'city-checked', 'province-approved', 'returned'] as const
export type ProjectStatus = (typeof projectStatuses)[number]
export const projectStatusZh: Record<ProjectStatus, string> = {
  draft: '草稿',
  submitted: '县级已提交',
  'city-checked': '市级已审核',
  'province-approved': '省级审核通过',
  returned: '已退回',
}

/**
 * 165号 三 sorts projects by the transaction that completes them — a supply (（一）以实施土地供应……为准), a transfer
 * of the land-use right (（二）完成使用权转让手续……及规划许可), or redevelopment without a new supply
 * (（三）完成建设用地规划许可、建设工程规划许可) — not by who redevelops. The Liaocheng plan (三) says which
 * transactions each development mode may go through; only a combination no mode's text allows is refused.
 */
export const milestonesOfMode: Record<DevelopmentMode, readonly MilestoneType[]> = {
  // （一）政府……依法收回或收购……依法办理供地手续: the government takes the land back and supplies it
  'government-reserve': ['land-supply'],
  // （二）通过自主、联营、入股、转让等多种方式改造开发……需办理供地手续的，可采取协议出让方式办理
  'original-owner': ['planning-permits', 'transfer-registration', 'land-supply'],
  // （三）可依法征收后进行改造开发 (supply), 允许集体经济组织自行 (no re-supply) 或引入社会投资主体 (入市 or a transfer of
  // the use right, 土地管理法 第六十三条) 参与再开发
  collective: ['land-supply', 'planning-permits', 'transfer-registration'],
  // （四）市场主体收购相邻地块 (transfer); a change to 经营性用地 with 补缴土地价款 re-supplies the land (supply)
  market: ['transfer-registration', 'land-supply'],
}

/** Why a combination is impossible, for the refusal (Chinese and English). */
const impossible: Partial<Record<DevelopmentMode, Partial<Record<MilestoneType, { en: string; zh: string }>>>> = {
  'government-reserve': {
    'transfer-registration': {
      en: 'government-reserve land is taken back by the government and supplied (聊城方案 三（一）: 依法收回或收购……依法办理供地手续); it is not transferred between land users, so it completes with land-supply',
      zh: '政府收储改造的土地由政府收回后依法供地（聊城方案 三（一）），不涉及使用权转让，完成节点应为完成土地供应',
    },
    'planning-permits': {
      en: 'government-reserve land is always supplied again after it is taken back (聊城方案 三（一）: 依法办理供地手续), so it completes with land-supply, not with planning permits without a new supply (165号 三（三）)',
      zh: '政府收储改造的土地收回后须重新供地（聊城方案 三（一）），不属于不涉及重新供地的项目（165号 三（三）），完成节点应为完成土地供应',
    },
  },
  market: {
    'planning-permits': {
      en: 'a market entity redevelops land it acquires (聊城方案 三（四）: 收购相邻地块), so the project completes with the transfer registration and its planning permits (165号 三（二）) or with a supply; 165号 三（三） is for the original land-right holder’s own redevelopment',
      zh: '市场主体改造须收购地块（聊城方案 三（四）），以完成不动产转移登记及规划许可（165号 三（二））或土地供应为准；165号 三（三）适用于原土地权利人自主开发',
    },
  },
}

/** Why a milestone type cannot complete a project of this mode, or null when it can (or either is not set yet). */
export function milestoneMismatch(mode: DevelopmentMode | null, milestone: MilestoneType | null): { en: string; zh: string } | null {
  if (!mode || !milestone || milestonesOfMode[mode].includes(milestone)) return null
  const why = impossible[mode]?.[milestone]
  const allowed = milestonesOfMode[mode].map((m) => `'${m}' (${milestoneTypes[m]})`).join(', ')
  return {
    en: `a ${mode} project (${developmentModes[mode]}) cannot complete with '${milestone}': ${why?.en ?? 'no text allows it'}; allowed: ${allowed}`,
    zh: `${developmentModes[mode]}项目不能以“${milestoneTypes[milestone]}”为完成节点：${why?.zh ?? '无依据'}；可选：${milestonesOfMode[mode].map((m) => milestoneTypes[m]).join('、')}`,
  }
}
