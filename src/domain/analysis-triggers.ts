// What starts an analysis of a project, recorded with each stored result (analysis_results.trigger)
// and shown in the project's analysis history in Chinese.
export const analysisTriggers = {
  read: { zh: '查看时自动计算（无现行结果）' },
  recompute: { zh: '手动重新计算' },
  run: { zh: '全县批量分析' },
  review: { zh: '审核时计算（提交或审批）' },
} as const

export type AnalysisTrigger = keyof typeof analysisTriggers

/** The trigger of a stored result and who asked (a key prefix; null when not known). */
export interface TriggeredBy {
  trigger: AnalysisTrigger
  by: string | null
}
