// Working days and months, by hand-counted dates of the real 2026 arrangement.
import { describe, expect, it } from 'vitest'
import { addMonths, addWorkingDays, calendarProblems, chinaToday, isWorkingDay, onOrNextWorkingDay, workingDaysBetween } from '../../src/domain/calendar.js'
import { filingDueOn, filingStatus } from '../../src/domain/filings.js'

// 2026: 国庆 10-01…10-07 off; 09-20 (Sun) and 10-10 (Sat) worked.
const rules = {
  holidays: new Set(['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07']),
  workdays: new Set(['2026-09-20', '2026-10-10']),
  years: new Set([2026]),
}

describe('working days', () => {
  it('skips a weekend: Friday 2026-11-06 + 10 working days is Friday 2026-11-20', () => {
    expect(addWorkingDays('2026-11-06', 10, rules)).toEqual({ date: '2026-11-20', yearsWithoutCalendar: [] })
  })

  it('skips a holiday and counts a make-up Saturday', () => {
    // 09-28 Mon: working days 09-29, 09-30, then 10-08 (Thu), 10-09 (Fri), 10-10 (Sat, 调休), 10-12 … 10-16
    expect(addWorkingDays('2026-09-28', 10, rules).date).toBe('2026-10-16')
    expect(isWorkingDay('2026-10-10', rules)).toBe(true)
    expect(isWorkingDay('2026-10-05', rules)).toBe(false)
    expect(isWorkingDay('2026-10-11', rules)).toBe(false)
  })

  it('counts the working days waited, the start day excluded, holidays skipped and make-up days counted', () => {
    expect(workingDaysBetween('2026-11-06', '2026-11-06', rules)).toBe(0)
    expect(workingDaysBetween('2026-11-06', '2026-11-08', rules)).toBe(0) // the weekend
    expect(workingDaysBetween('2026-11-06', '2026-11-20', rules)).toBe(10)
    // 09-28 → 09-29, 09-30, 10-08, 10-09, 10-10 (Sat, worked): 5 by 10-10, as addWorkingDays counts
    expect(workingDaysBetween('2026-09-28', '2026-10-10', rules)).toBe(5)
    expect(workingDaysBetween('2026-09-28', addWorkingDays('2026-09-28', 10, rules).date, rules)).toBe(10)
  })

  it('says when a due date crosses a year without a loaded calendar', () => {
    // Mon 12-28: 12-29, 12-30, 12-31, 01-01 (a working day as far as anyone knows without 2027), 01-04 … 01-08, 01-11
    expect(addWorkingDays('2026-12-28', 10, rules)).toEqual({ date: '2027-01-11', yearsWithoutCalendar: [2027] })
  })

  it('rejects a calendar listing a weekday as a make-up workday, or a day both ways', () => {
    expect(
      calendarProblems({
        year: 2026,
        holidays: [{ date: '2026-10-01', name: 'x' }],
        workdays: [
          { date: '2026-10-01', name: 'x' },
          { date: '2026-10-09', name: 'y' },
        ],
      }),
    ).toHaveLength(2)
    expect(calendarProblems({ year: 2026, holidays: [{ date: '2025-10-01', name: 'x' }], workdays: [] })).toEqual(['2025-10-01 is not in 2026'])
  })

  it('takes today in China Standard Time', () => {
    expect(chinaToday(new Date('2026-11-23T16:30:00Z'))).toBe('2026-11-24')
    expect(chinaToday(new Date('2026-11-23T15:59:59Z'))).toBe('2026-11-23')
  })
})

describe('filing deadlines', () => {
  it('is one calendar month later, clamped to the month’s last day', () => {
    expect(addMonths('2026-03-15', 1)).toBe('2026-04-15')
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28')
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29')
    expect(addMonths('2026-12-20', 1)).toBe('2027-01-20')
    expect(filingDueOn('2026-05-31', rules).dueOn).toBe('2026-06-30') // a Tuesday
  })

  it('moves a due date on a weekend or holiday to the next working day (dates from a printed 2026 calendar)', () => {
    // 2026-11-28 is a Saturday → Monday 11-30; 2026-11-27 a Friday stays
    expect(filingDueOn('2026-10-28', rules)).toEqual({ dueOn: '2026-11-30', nominalDueOn: '2026-11-28', yearsWithoutCalendar: [] })
    expect(filingDueOn('2026-10-27', rules).dueOn).toBe('2026-11-27')
    // 10-03 (Sat, 国庆) → 10-04 … 10-07 off too → Thursday 10-08; 10-10 is a Saturday worked (调休): stays
    expect(filingDueOn('2026-09-03', rules).dueOn).toBe('2026-10-08')
    expect(filingDueOn('2026-09-10', rules).dueOn).toBe('2026-10-10')
    // 09-20 is a Sunday worked (调休) and stays; 09-19, a plain Saturday, moves to that Sunday
    expect(filingDueOn('2026-08-20', rules).dueOn).toBe('2026-09-20')
    expect(filingDueOn('2026-08-19', rules).dueOn).toBe('2026-09-20')
    // a year without an arrangement counts weekends only, and says so: 2027-01-02 is a Saturday
    expect(filingDueOn('2026-12-02', rules)).toEqual({ dueOn: '2027-01-04', nominalDueOn: '2027-01-02', yearsWithoutCalendar: [2027] })
    expect(onOrNextWorkingDay('2026-10-09', rules).date).toBe('2026-10-09')
  })

  it('is in time on the due date, overdue the day after', () => {
    expect(filingStatus({ dueOn: '2026-06-30', filedOn: null }, '2026-06-30')).toBe('pending')
    expect(filingStatus({ dueOn: '2026-06-30', filedOn: null }, '2026-07-01')).toBe('overdue')
    expect(filingStatus({ dueOn: '2026-06-30', filedOn: '2026-06-30' }, '2026-08-01')).toBe('filed')
    expect(filingStatus({ dueOn: '2026-06-30', filedOn: '2026-07-01' }, '2026-08-01')).toBe('filed-late')
  })
})
