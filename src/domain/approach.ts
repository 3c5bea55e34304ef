// Which stock-area formula applies (165号 三): "盘活存量面积以项目区范围内第二次全国土地调查认定的建设用地
// 面积进行核定，通过“退二进三”完成再开发的存量土地面积按改变用途的建筑面积除以地块新的容积率进行核定，
// 通过提高容积率完成再开发的存量土地面积按增加的建筑面积除以地块新的容积率进行核定。"
// The approach is not a choice a user may skip: a project whose recorded uses say it left industry
// (退二进三) or whose plot ratio went up must use the matching formula.
import { approaches, type Approach } from './project.js'

/**
 * 用途类别 recorded before and after redevelopment. 退二进三 leaves the secondary industry (第二产业) for the
 * tertiary. 国家统计局《三次产业划分规定》: 第二产业 is 采矿业、制造业、电力热力燃气及水生产和供应业、建筑业;
 * 第三产业 includes "交通运输、仓储和邮政业". So 仓储 is tertiary: storage → commerce is not 退二进三, and
 * industry → storage is (issue 21; docs/decisions.md).
 */
export const useClasses = {
  industrial: '工业',
  storage: '仓储物流',
  commercial: '商业服务业',
  residential: '住宅',
  public: '公共管理与公共服务',
  other: '其他',
} as const
export type UseClass = keyof typeof useClasses

const secondary = (u: UseClass) => u === 'industrial'

export interface ApproachFacts {
  approach: Approach
  originalUse: UseClass | null
  newUse: UseClass | null
  plotRatioBefore: number | null
  newPlotRatio: number | null
}

export interface AppliedApproach {
  applied: Approach
  recorded: Approach
  /** true when the recorded uses or plot ratios decided, false when only the recorded approach did */
  derived: boolean
  reason: string
  reasonZh: string
}

/** The approach the recorded facts call for, and why. */
export function applicableApproach(p: ApproachFacts): AppliedApproach {
  const recorded = p.approach
  const base = { recorded, derived: true }
  const note = (applied: Approach) =>
    applied === recorded
      ? { en: '', zh: '' }
      : { en: ` (recorded as ${recorded}: the recorded facts decide)`, zh: `（录入的再开发方式为“${approaches[recorded]}”，按录入的用途和容积率认定）` }
  if (p.originalUse && p.newUse && secondary(p.originalUse) && !secondary(p.newUse)) {
    const n = note('retreat-secondary')
    return {
      ...base,
      applied: 'retreat-secondary',
      reason: `original use ${p.originalUse}, new use ${p.newUse}: 退二进三, stock = changed-use floor area ÷ new plot ratio${n.en}`,
      reasonZh: `原用途为${useClasses[p.originalUse]}、新用途为${useClasses[p.newUse]}，属“退二进三”，按改变用途的建筑面积除以地块新的容积率核定${n.zh}`,
    }
  }
  if (p.plotRatioBefore !== null && p.newPlotRatio !== null && p.newPlotRatio > p.plotRatioBefore) {
    const n = note('plot-ratio-increase')
    return {
      ...base,
      applied: 'plot-ratio-increase',
      reason: `plot ratio raised from ${p.plotRatioBefore} to ${p.newPlotRatio}: stock = added floor area ÷ new plot ratio${n.en}`,
      reasonZh: `容积率由${p.plotRatioBefore}提高到${p.newPlotRatio}，按增加的建筑面积除以地块新的容积率核定${n.zh}`,
    }
  }
  if ((p.originalUse && p.newUse) || (p.plotRatioBefore !== null && p.newPlotRatio !== null)) {
    const n = note('default')
    return {
      ...base,
      applied: 'default',
      reason: `the recorded uses and plot ratios show neither 退二进三 nor a higher plot ratio: stock = second-survey construction land${n.en}`,
      reasonZh: `录入的用途和容积率既非“退二进三”也未提高容积率，按项目区内二调建设用地面积核定${n.zh}`,
    }
  }
  return {
    applied: recorded,
    recorded,
    derived: false,
    reason: `original and new use, plot ratio before and after are not recorded: the recorded approach (${recorded}) applies`,
    reasonZh: `原用途、新用途及改造前后容积率未录入，按录入的再开发方式“${approaches[recorded]}”核定`,
  }
}
