// Thresholds, code sets and exclusions of the analysis, in one place (DOMAIN.md, 165号).
// Areas are compared in m² at full precision; mu only for display.
import type { BuildingTypeRule } from './building-types.js'
import { changeDate } from './dates.js'
import { MU_M2 } from './units.js'

/** Which reading of 二调建设用地 inside the project the stock takes (docs/decisions.md, issue 21). */
export const stockFigures = ['gross', 'net'] as const
export type StockFigure = (typeof stockFigures)[number]

export interface AnalysisConfig {
  survey2ConstructionCodes: readonly string[]
  buildingTypeRules: readonly BuildingTypeRule[]
  minAreaM2: number
  smallProjectMaxM2: number
  stockShareMin: number
  footprintRatioMin: number
  conflictToleranceM2: number
  builtBefore2010MinShare: number
  builtBefore2010MinConstructionShare: number
  survey2BaselineDate: string
  /** leave second-survey patches changed (BGRQ) after survey2BaselineDate out of the stock land (not built by the end of 2009) */
  excludeChangedAfterBaseline: boolean
  /** the stock is the gross cut of 二调建设用地 inside the project, or the survey's net figure (TBDLMJ, 线状地物 by KCBL) */
  stockFigure: StockFigure
  onPlotsMinShare: number
  nearThresholdM2: number
  /** cap a formula's stock (退二进三, 提高容积率) at the second-survey construction land inside (not in 165号 三: off) */
  capFormulaAtConstruction: boolean
  /** largest relative gap between the claimed added floor area and (new − old plot ratio) × area before review */
  floorAreaGapMax: number
  /** share of the project planned (用地用海) for another use than its new use above which check plan-use fails */
  planUseConflictShareMax: number
}

export const analysisDefaults: AnalysisConfig = {
  /** 二调建设用地: 20 城镇村及工矿用地, 10 交通运输用地 (not 104 农村道路), 113 水库水面, 118 水工建筑用地 */
  survey2ConstructionCodes: ['201', '202', '203', '204', '205', '101', '102', '105', '106', '107', '113', '118'],
  /**
   * 上盖建筑物 (165号 二) by meaning: rules in order, the first keyword found in its place decides
   * (src/domain/building-types.ts; docs/decisions.md, issue 21). Markers that settle the meaning
   * wherever they stand come first (可移动, 地下, 室内, 临时), then the head words of buildings, then
   * the head words of what the notice excludes, then building words anywhere.
   */
  buildingTypeRules: [
    {
      category: '可移动的临时建筑物',
      class: 'excluded',
      keywords: ['可移动', '活动板房', '活动房', '移动板房', '彩钢板房', '简易板房', '集装箱房', '移动房'],
    },
    // 地下水 is groundwater (地下水泵房 is a pump house above ground), not an underground structure.
    { category: '建筑物、构筑物及其附属设施', class: 'counted', keywords: ['地下水'] },
    // 165号 二 "在地面以上建设的": underground structures are not above ground, whatever they hold.
    { category: '地下建筑物、构筑物（不在地面以上）', class: 'excluded', keywords: ['地下', '人防', '半地下'] },
    // 室内球场, 室内游泳池: a building that holds a sports ground is a building, not an outdoor facility.
    { category: '建筑物、构筑物及其附属设施', class: 'counted', keywords: ['室内'] },
    // A plain 临时建筑 (without 可移动) is a choice: by default it is excluded with the movable ones,
    // since what county deliveries type 临时建筑 are in practice 临建 sheds and boards (docs/decisions.md).
    { category: '临时建筑（未注明可移动，按配置不计入）', class: 'excluded', keywords: ['临时', '临建', '简易房', '简易棚'] },
    {
      category: '建筑物、构筑物及其附属设施',
      class: 'counted',
      at: 'end',
      keywords: [
        ...['建筑', '构筑', '楼', '房', '室', '馆', '厅', '站', '库', '仓', '间', '厂', '车间', '中心', '大厦', '商场', '超市', '市场'],
        ...['宿舍', '公寓', '住宅', '别墅', '堂', '舍', '棚', '亭', '塔', '罐', '廊', '门卫', '看台', '烟囱', '筒仓', '水箱', '锅炉'],
      ],
    },
    { category: '堆场', class: 'excluded', at: 'end', keywords: ['堆场', '料场', '堆放场', '堆放区', '露天堆放', '货场', '煤场'] },
    {
      category: '硬化路面',
      class: 'excluded',
      at: 'end',
      keywords: ['路面', '地面', '道路', '停车场', '硬化', '硬化地', '铺装', '铺装地', '场地硬化', '晒场', '通道'],
    },
    // 广场 alone, or with a word of open space, is a paved square; 商业广场、万达广场 are buildings (below).
    {
      category: '硬化路面',
      class: 'excluded',
      at: 'whole',
      keywords: ['广场', '市民广场', '休闲广场', '文化广场', '入口广场', '景观广场', '硬化广场', '铺装广场', '集散广场', '站前广场', '城市广场', '露天广场'],
    },
    { category: '绿地', class: 'excluded', at: 'end', keywords: ['绿地', '绿化', '绿化带', '草坪', '草地', '花坛', '花园', '苗圃'] },
    {
      category: '户外体育设施',
      class: 'excluded',
      at: 'end',
      keywords: ['户外体育设施', '室外体育设施', '体育设施', '运动场', '球场', '田径场', '跑道', '健身场地', '健身广场', '游泳池'],
    },
    { category: '户外体育设施', class: 'excluded', keywords: ['户外体育', '室外体育', '露天体育', '露天运动', '室外运动'] },
    {
      category: '建筑物、构筑物及其附属设施',
      class: 'counted',
      keywords: [
        '建筑',
        '构筑',
        '房',
        '楼',
        '厂',
        '车间',
        '仓',
        '库',
        '住宅',
        '办公',
        '宿舍',
        '棚',
        '亭',
        '塔',
        '罐',
        '馆',
        '站',
        '门卫',
        '广场',
        '大厦',
        '商场',
        '池',
      ],
    },
  ],
  /**
   * 165号 三 gives the formulas as the way to 核定 the stock of such projects, with no cap: capping at the
   * construction land is a county's choice. A formula above it needs review instead (docs/decisions.md, issue 21).
   */
  capFormulaAtConstruction: false,
  /** 165号 五 (错报、虚报): a claimed added floor area more than 5 % off the plot ratios' own figure needs review */
  floorAreaGapMax: 0.05,
  /**
   * 项目用地符合国土空间规划 (165号 二) on the plan's 用地用海 codes: land planned for another use than the
   * project's new use above 5 % of the project fails, up to 5 % (inclusive) needs review. The plan's land-use
   * plots are drawn at plan scale and red lines stray over their edges, as off the database plots
   * (onPlotsMinShare); docs/decisions.md, issue 21.
   */
  planUseConflictShareMax: 0.05,
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
   * 项目用地在2009年底之前已经建设 (165号 二): the share of the project that must be land built by the end
   * of 2009 (second-survey construction land) or 插花地、边角地、夹心地 taken in from its bundle ("可一并纳入").
   * Half, as 165号 三 takes a 15–30 亩 project whose 再开发面积 is at least half of its area to be mainly
   * redevelopment (docs/decisions.md, issue 21). Inclusive.
   */
  builtBefore2010MinShare: 0.5,
  /**
   * Scattered land joins built land, it does not replace it: the second-survey construction land alone
   * must be at least this share (a sliver where a red line crosses a patch edge shows nothing built). Inclusive.
   */
  builtBefore2010MinConstructionShare: 0.01,
  /** the second survey's base date: patches changed (BGRQ) after it come from a later annual update */
  survey2BaselineDate: '2009-12-31',
  /**
   * 165号 二 "项目用地在2009年底之前已经建设"; 三 "以项目区范围内第二次全国土地调查认定的建设用地面积进行核定": a patch
   * a later annual update changed after the baseline is not land the second survey found built by then.
   * A patch whose BGRQ is empty or unreadable stays in (and is counted in the result).
   */
  excludeChangedAfterBaseline: true,
  /** the gross cut: what the survey's map shows inside the red line, re-measurable in a desktop GIS (issue 21) */
  stockFigure: 'gross',
  /**
   * 只有纳入省系统数据库的地块方可再开发 (聊城 一): the share of the project's area that must lie on the
   * county's low-efficiency plots (低效用地图斑); red lines drawn by planners stray a little off.
   */
  onPlotsMinShare: 0.95,
  /** a verdict that changes within this many m² of any measured area is near its threshold */
  nearThresholdM2: 0.01,
}

/**
 * The second-survey land the analysis reads, from the configuration: the construction codes, the
 * baseline as YYYYMMDD, and whether patches changed after it are left out (src/db/analysis-cut.ts).
 */
export interface Survey2Land {
  codes: readonly string[]
  /** survey2BaselineDate as YYYYMMDD, the form BGRQ is compared in */
  baseline: string
  excludeChangedAfter: boolean
}

export function survey2LandOf(c: Pick<AnalysisConfig, 'survey2ConstructionCodes' | 'survey2BaselineDate' | 'excludeChangedAfterBaseline'>): Survey2Land {
  const baseline = changeDate(c.survey2BaselineDate)
  if (!baseline) throw new Error(`analysis config: survey2BaselineDate ${JSON.stringify(c.survey2BaselineDate)} is not a date`)
  return { codes: c.survey2ConstructionCodes, baseline, excludeChangedAfter: c.excludeChangedAfterBaseline }
}
