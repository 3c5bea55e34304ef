// Filing (备案) of a project's documents: each is filed within one month of its approval or signing
// (聊城市实施方案 四（三）; 165号 四).
import { addMonths, onOrNextWorkingDay, type WorkingDayRules } from './calendar.js'

export const filingKinds = {
  plan: '专项规划',
  scheme: '实施方案',
  'land-approval': '用地批文',
  'supply-result': '土地供应结果',
  'supervision-agreement': '监管协议',
  progress: '实施情况',
} as const
export type FilingKind = keyof typeof filingKinds

export const filingDeadlineMonths = 1

export type FilingStatus = 'pending' | 'filed' | 'overdue' | 'filed-late'
export const filingStatusZh: Record<FilingStatus, string> = { pending: '待备案', filed: '已备案', overdue: '逾期未备案', 'filed-late': '逾期备案' }

/** One calendar month after the document date, before any weekend or holiday shift (stored as `due_on`). */
export const filingNominalDueOn = (documentDate: string) => addMonths(documentDate, filingDeadlineMonths)

/**
 * Due one calendar month after the document date (一个月内); a due date on a weekend or holiday moves
 * to the next working day, by the same calendar as reviews. Filing on the due date is in time.
 */
export function filingDueOn(documentDate: string, rules: WorkingDayRules): { dueOn: string; nominalDueOn: string; yearsWithoutCalendar: number[] } {
  const nominalDueOn = filingNominalDueOn(documentDate)
  const due = onOrNextWorkingDay(nominalDueOn, rules)
  return { dueOn: due.date, nominalDueOn, yearsWithoutCalendar: due.yearsWithoutCalendar }
}

export function filingStatus(f: { dueOn: string; filedOn: string | null }, asOf: string): FilingStatus {
  if (f.filedOn) return f.filedOn > f.dueOn ? 'filed-late' : 'filed'
  return asOf > f.dueOn ? 'overdue' : 'pending'
}
