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

/** The milestone each mode reaches (165号 三（一）–（三）): supply for reserve and collective land, transfer registration for market transfers, permits for owners' own redevelopment. */
export const milestoneOfMode: Record<DevelopmentMode, MilestoneType> = {
  'government-reserve': 'land-supply',
  collective: 'land-supply',
  market: 'transfer-registration',
  'original-owner': 'planning-permits',
}

/** Why a milestone type does not fit a mode, or null when it does (or either is not set yet). */
export function milestoneMismatch(mode: DevelopmentMode | null, milestone: MilestoneType | null): string | null {
  if (!mode || !milestone || milestoneOfMode[mode] === milestone) return null
  return `a ${mode} project (${developmentModes[mode]}) completes with '${milestoneOfMode[mode]}' (${milestoneTypes[milestoneOfMode[mode]]}), not '${milestone}'`
}
