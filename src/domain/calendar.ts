// Working days and calendar months for due dates. Dates are civil dates ('YYYY-MM-DD') in China
// Standard Time; no time zone arithmetic is involved.

/** A year's official arrangement (国务院办公厅 holiday notice): days off on weekdays, and weekend days worked (调休). */
export interface YearCalendar {
  year: number
  holidays: Array<{ date: string; name: string }>
  workdays: Array<{ date: string; name: string }>
}

export interface WorkingDayRules {
  holidays: ReadonlySet<string>
  workdays: ReadonlySet<string>
  /** years whose arrangement is loaded; other years count weekends only */
  years: ReadonlySet<number>
}

const parse = (d: string) => {
  const [y, m, day] = d.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, day))
}
const format = (d: Date) => d.toISOString().slice(0, 10)

export const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && format(parse(s)) === s

export function isWorkingDay(date: string, rules: WorkingDayRules): boolean {
  if (rules.workdays.has(date)) return true
  if (rules.holidays.has(date)) return false
  const dow = parse(date).getUTCDay()
  return dow !== 0 && dow !== 6
}

/**
 * The n-th working day after `date` (the day itself does not count): a review due "within 10
 * working days" of a Friday submission is due on the second Friday after it, holidays skipped.
 * Also says which years it crossed without a loaded arrangement.
 */
export function addWorkingDays(date: string, n: number, rules: WorkingDayRules): { date: string; yearsWithoutCalendar: number[] } {
  const d = parse(date)
  const missing = new Set<number>()
  let left = n
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1)
    const s = format(d)
    if (!rules.years.has(d.getUTCFullYear())) missing.add(d.getUTCFullYear())
    if (isWorkingDay(s, rules)) left--
  }
  return { date: format(d), yearsWithoutCalendar: [...missing].sort() }
}

/**
 * `date` itself when it is a working day, else the first working day after it: a deadline that falls
 * on a weekend or holiday moves to the next working day (as 民法典 第二百零三条 moves the last day of a period).
 */
export function onOrNextWorkingDay(date: string, rules: WorkingDayRules): { date: string; yearsWithoutCalendar: number[] } {
  const d = parse(date)
  const missing = new Set<number>()
  for (;;) {
    const s = format(d)
    if (!rules.years.has(d.getUTCFullYear())) missing.add(d.getUTCFullYear())
    if (isWorkingDay(s, rules)) return { date: s, yearsWithoutCalendar: [...missing].sort() }
    d.setUTCDate(d.getUTCDate() + 1)
  }
}

/** Working days after `from` up to and including `to` (0 when `to` is not after `from`). */
export function workingDaysBetween(from: string, to: string, rules: WorkingDayRules): number {
  const d = parse(from)
  let n = 0
  for (;;) {
    d.setUTCDate(d.getUTCDate() + 1)
    const s = format(d)
    if (s > to) return n
    if (isWorkingDay(s, rules)) n++
  }
}

/** The same day `months` later; a day the month lacks becomes its last day (1-31 → 2-28/29). */
export function addMonths(date: string, months: number): string {
  const d = parse(date)
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1))
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(d.getUTCDate(), last))
  return format(target)
}

/** Checks a year's arrangement: dates in that year, no day both off and worked, workdays on weekends. */
export function calendarProblems(c: YearCalendar): string[] {
  const out: string[] = []
  const holidays = new Set(c.holidays.map((h) => h.date))
  for (const { date } of [...c.holidays, ...c.workdays]) {
    if (!isDate(date)) out.push(`'${date}' is not a date (YYYY-MM-DD)`)
    else if (Number(date.slice(0, 4)) !== c.year) out.push(`${date} is not in ${c.year}`)
  }
  for (const { date } of c.workdays) {
    if (holidays.has(date)) out.push(`${date} is listed both as a holiday and as a workday`)
    else if (isDate(date) && ![0, 6].includes(parse(date).getUTCDay())) out.push(`${date} is a weekday; only weekend days are listed as workdays (调休上班)`)
  }
  return out
}

/** Today's civil date in China Standard Time (UTC+8, no daylight saving). */
export const chinaToday = (now = new Date()) => new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10)

/** The civil date in China of an instant. */
export const chinaDate = (instant: Date) => chinaToday(instant)

/** An instant as people in China read it on paper and in spreadsheets: `YYYY-MM-DD HH:mm`, Beijing time (UTC+8). */
export const chinaMinute = (instant: Date | string) => new Date(new Date(instant).getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ')
