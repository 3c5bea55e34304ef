// The city's field check (外业核查), recorded with its review step. 165号 四（一）: "各市自然资源主管部门通过系统对再开发
// 项目进行审核，组织对项目进行外业核查工作". The sentence gives the city two tasks for the projects it reviews, with no
// exception and no sampling, so the city's pass (`check`) records the field check it organised: when, who went, what
// they found and, optionally, whether the land matches what the county entered. A return by the city may carry one
// (a field check is often why a project goes back) but need not: a paper fault needs no visit.
import type { ProjectStatus } from './project.js'
import type { Role } from './region.js'
import type { ReviewAction } from './workflow.js'

export const fieldCheckResults = { consistent: '一致', inconsistent: '不一致' } as const
export type FieldCheckResult = keyof typeof fieldCheckResults

export interface FieldCheck {
  /** the day of the visit (YYYY-MM-DD, China Standard Time) */
  date: string
  /** who went, as the city writes them (names, office) */
  by: string
  findings: string
  /** 核查结果: the land matches what the county entered, or not; optional */
  result?: FieldCheckResult | null
}

/** Where reasonable readers differ (some take 组织外业核查 as sampling), the requirement can be switched off here. */
export const fieldCheckDefaults = {
  /** the city's pass needs a field check (165号 四（一）) */
  requiredForCheck: true,
  byMax: 200,
  findingsMax: 2000,
}

export type FieldCheckUse = 'required' | 'optional' | 'none'

/** Whether a review step takes a field check: the city's pass (required by default) and the city's return (optional). */
export function fieldCheckUse(status: ProjectStatus, action: ReviewAction, role: Role, required = fieldCheckDefaults.requiredForCheck): FieldCheckUse {
  if (role !== 'city' || status !== 'submitted') return 'none'
  if (action === 'check') return required ? 'required' : 'optional'
  return action === 'return' ? 'optional' : 'none'
}

/** What is wrong with a field check sent with a review step, in English and Chinese; none when it is fine. */
export function fieldCheckProblems(
  use: FieldCheckUse,
  check: FieldCheck | null | undefined,
  today: string,
  limits = fieldCheckDefaults,
): Array<{ path: string; message: string; messageZh: string }> {
  if (!check) {
    return use === 'required'
      ? [
          {
            path: '/fieldCheck',
            message: 'the city’s check records its field check (165号 四（一）: 组织对项目进行外业核查工作): fieldCheck {date, by, findings} is required',
            messageZh: '市级审核通过须录入外业核查情况（165号 四（一）：组织对项目进行外业核查工作）：核查日期、核查人员、核查情况',
          },
        ]
      : []
  }
  if (use === 'none')
    return [
      {
        path: '/fieldCheck',
        message: 'a field check is recorded by the city with its check or return of a submitted project',
        messageZh: '外业核查情况由市级在审核（通过或退回）县级提交的项目时录入',
      },
    ]
  const problems: Array<{ path: string; message: string; messageZh: string }> = []
  if (check.date > today)
    problems.push({
      path: '/fieldCheck/date',
      message: `the field check date ${check.date} is after today (${today})`,
      messageZh: `外业核查日期${check.date}晚于今天`,
    })
  const by = check.by.trim()
  if (!by) problems.push({ path: '/fieldCheck/by', message: 'fieldCheck.by (who went) is empty', messageZh: '未填写外业核查人员' })
  else if (by.length > limits.byMax)
    problems.push({
      path: '/fieldCheck/by',
      message: `fieldCheck.by is longer than ${limits.byMax} characters`,
      messageZh: `外业核查人员超过${limits.byMax}个字符`,
    })
  const findings = check.findings.trim()
  if (!findings) problems.push({ path: '/fieldCheck/findings', message: 'fieldCheck.findings is empty', messageZh: '未填写外业核查情况' })
  else if (findings.length > limits.findingsMax)
    problems.push({
      path: '/fieldCheck/findings',
      message: `fieldCheck.findings is longer than ${limits.findingsMax} characters`,
      messageZh: `外业核查情况超过${limits.findingsMax}个字符`,
    })
  return problems
}
