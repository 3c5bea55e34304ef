// Thresholds, code sets and exclusions of the analysis, in one place (DOMAIN.md, 165号).
// Areas are compared in m² at full precision; mu only for display.
import type { BuildingTypeRule } from './building-types.js'
import { MU_M2 } from './units.js'

export interface AnalysisConfig {
  survey2ConstructionCodes: readonly string[]
  buildingTypeRules: readonly BuildingTypeRule[]
  minAreaM2: number
  smallProjectMaxM2: number
  stockShareMin: number
  footprintRatioMin: number
  conflictToleranceM2: number
  builtBefore2010MinShare: number
  survey2BaselineDate: string
  onPlotsMinShare: number
  nearThresholdM2: number
}

export const analysisDefaults: AnalysisConfig = {
  /** 二调建设用地: 20 城镇村及工矿用地, 10 交通运输用地 (not 104 农村道路), 113 水库水面, 118 水工建筑用地 */
  survey2ConstructionCodes: ['201', '202', '203', '204', '205', '101', '102', '105', '106', '107', '113', '118'],
  /**
   * 上盖建筑物 (165号 二) by meaning: rules in order, the first keyword found in the normalised type
   * decides (src/domain/building-types.ts). Exclusions first, so 临时厂房 is temporary, not a 厂房.
   */
  buildingTypeRules: [
    { category: '可移动的临时建筑物', class: 'excluded', keywords: ['可移动', '活动板房', '活动房', '移动板房', '板房', '集装箱房', '移动房'] },
    { category: '堆场', class: 'excluded', keywords: ['堆场', '料场', '堆放场', '露天堆放'] },
    { category: '硬化路面', class: 'excluded', keywords: ['硬化', '路面', '道路', '广场', '停车场'] },
    { category: '绿地', class: 'excluded', keywords: ['绿地', '绿化', '草坪', '花坛'] },
    { category: '户外体育设施', class: 'excluded', keywords: ['户外体育', '室外体育', '露天体育', '运动场', '球场', '田径场', '跑道'] },
    // A plain 临时建筑 (without 可移动) is a choice: by default it is excluded with the movable ones,
    // since what county deliveries type 临时建筑 are in practice 临建 sheds and boards (docs/decisions.md).
    { category: '临时建筑（未注明可移动，按配置不计入）', class: 'excluded', keywords: ['临时', '临建', '简易房', '简易棚'] },
    {
      category: '建筑物、构筑物及其附属设施',
      class: 'counted',
      keywords: ['建筑', '构筑', '房', '楼', '厂', '车间', '仓', '库', '住宅', '办公', '宿舍', '棚', '亭', '塔', '罐', '馆', '站', '门卫'],
    },
  ],
  /** 单个项目面积不足15亩的不计入 */
  minAreaM2: 15 * MU_M2,
  /** 介于15-30亩 (both ends included by default) */
  smallProjectMaxM2: 30 * MU_M2,
  /** 再开发面积不足证明材料中面积50% */
  stockShareMin: 0.5,
  /** 基底面积占比30%（含）以上 */
  footprintRatioMin: 0.3,
  /** overlap with 批而未供 / 闲置土地 / outside the plan above this fails; above 0 and up to it needs review */
  conflictToleranceM2: 1,
  /**
   * 项目用地在2009年底之前已经建设: a project whose second-survey construction land is under this
   * share of its area has only a sliver of it (drawn across a patch edge), and does not pass.
   */
  builtBefore2010MinShare: 0.01,
  /** the second survey's base date: patches changed (BGRQ) after it come from a later annual update */
  survey2BaselineDate: '2009-12-31',
  /**
   * 只有纳入省系统数据库的地块方可再开发 (聊城 一): the share of the project's area that must lie on the
   * county's low-efficiency plots (低效用地图斑); red lines drawn by planners stray a little off.
   */
  onPlotsMinShare: 0.95,
  /** a verdict that changes within this many m² of any measured area is near its threshold */
  nearThresholdM2: 0.01,
}
