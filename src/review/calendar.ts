// The holiday calendar in the database: one official arrangement per year, replaced whole.
import fs from 'node:fs/promises'
import path from 'node:path'
import type { Knex } from 'knex'
import { projectRoot } from '../config.js'
import { calendarProblems, type WorkingDayRules, type YearCalendar } from '../domain/calendar.js'
import { problem } from '../errors/index.js'

export const shippedCalendarDir = path.join(projectRoot, 'data', 'calendar')

/** Replaces a year's arrangement; refuses one that does not check out. */
export async function storeYear(knex: Knex, cal: YearCalendar, source: string): Promise<void> {
  const problems = calendarProblems(cal)
  if (problems.length) {
    throw problem('LR_UNPROCESSABLE', `the ${cal.year} calendar has ${problems.length} problem(s): ${problems.join('; ')}`, {
      detailZh: `${cal.year} 年节假日安排有误`,
    })
  }
  await knex.transaction(async (trx) => {
    await trx('calendar_days').where({ year: cal.year }).delete()
    const rows = [...cal.holidays.map((d) => ({ ...d, kind: 'holiday' })), ...cal.workdays.map((d) => ({ ...d, kind: 'workday' }))]
    if (rows.length) await trx('calendar_days').insert(rows.map((r) => ({ day: r.date, year: cal.year, kind: r.kind, name: r.name })))
    await trx('calendar_years').insert({ year: cal.year, source, loaded_at: trx.fn.now() }).onConflict('year').merge()
  })
}

/**
 * Loads the arrangements shipped in data/calendar for years the database does not hold yet. A missing
 * directory is a broken deployment (the first image had none): review deadlines would silently count
 * holidays as working days, so the service refuses to start instead.
 */
export async function loadShippedCalendars(knex: Knex, dir = shippedCalendarDir): Promise<number[]> {
  const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`the holiday calendars are missing (${err.code ?? err.message}: ${dir}); the deployment must ship data/calendar`)
  })
  const files = names.filter((f) => /^\d{4}\.json$/.test(f))
  if (!files.length) throw new Error(`no holiday calendar (YYYY.json) in ${dir}; the deployment must ship data/calendar`)
  const have = new Set((await knex('calendar_years').select('year')).map((r) => r.year as number))
  const loaded: number[] = []
  for (const f of files.sort()) {
    const cal = JSON.parse(await fs.readFile(path.join(dir, f), 'utf8')) as YearCalendar & { source?: string }
    if (have.has(cal.year)) continue
    await storeYear(knex, cal, cal.source ?? `data/calendar/${f}`)
    loaded.push(cal.year)
  }
  return loaded
}

export async function workingDayRules(knex: Knex): Promise<WorkingDayRules> {
  const [days, years] = await Promise.all([
    knex('calendar_days').select({ day: knex.raw("to_char(day, 'YYYY-MM-DD')"), kind: 'kind' }),
    knex('calendar_years').select('year'),
  ])
  return {
    holidays: new Set(days.filter((d) => d.kind === 'holiday').map((d) => d.day as string)),
    workdays: new Set(days.filter((d) => d.kind === 'workday').map((d) => d.day as string)),
    years: new Set(years.map((y) => y.year as number)),
  }
}

export async function getYear(knex: Knex, year: number) {
  const meta = await knex('calendar_years').first('source', 'loaded_at').where({ year })
  if (!meta) throw problem('LR_NOT_FOUND', `no holiday calendar loaded for ${year}`, { detailZh: `尚未载入 ${year} 年节假日安排` })
  const days = await knex('calendar_days')
    .select({ date: knex.raw("to_char(day, 'YYYY-MM-DD')"), kind: 'kind', name: 'name' })
    .where({ year })
    .orderBy('day')
  return {
    year,
    source: meta.source as string,
    loadedAt: (meta.loaded_at as Date).toISOString(),
    holidays: days.filter((d) => d.kind === 'holiday').map(({ date, name }) => ({ date, name })),
    workdays: days.filter((d) => d.kind === 'workday').map(({ date, name }) => ({ date, name })),
  }
}
