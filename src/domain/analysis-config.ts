// Thresholds, code sets and exclusions of the analysis, in one place (DOMAIN.md, 165号).
// Areas are compared in m² at full precision; mu only for display.

export const MU_M2 = 10000 / 15

export const analysisDefaults = {
  /** 二调建设用地: 20 城镇村及工矿用地, 10 交通运输用地 (not 104 农村道路), 113 水库水面, 118 水工建筑用地 */
  survey2ConstructionCodes: ['201', '202', '203', '204', '205', '101', '102', '105', '106', '107', '113', '118'],
  /** 上盖建筑物 not counted (165号 二): 堆场, 硬化路面, 绿地, 户外体育设施, 可移动的临时建筑 */
  footprintExcludedTypes: ['堆场', '硬化路面', '绿地', '户外体育设施', '临时建筑', '可移动的临时建筑'],
  /** 单个项目面积不足15亩的不计入 */
  minAreaM2: 15 * MU_M2,
  /** 介于15-30亩 (both ends included by default) */
  smallProjectMaxM2: 30 * MU_M2,
  /** 再开发面积不足证明材料中面积50% */
  stockShareMin: 0.5,
  /** 基底面积占比30%（含）以上 */
  footprintRatioMin: 0.3,
  /** overlap with 批而未供 / 闲置土地 / outside the plan above this counts (digitising slivers below do not) */
  conflictToleranceM2: 1,
} as const

export type AnalysisConfig = typeof analysisDefaults

export const toMu = (m2: number) => m2 / MU_M2
