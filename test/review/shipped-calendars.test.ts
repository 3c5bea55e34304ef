// The holiday calendars shipped in data/calendar are loaded at start; a deployment without them
// (the first Docker image) must not start and count holidays as working days.
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadShippedCalendars, shippedCalendarDir } from '../../src/review/calendar.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { tempDir } from '../helpers/shapefiles.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())

describe('shipped holiday calendars', () => {
  it('are loaded for the years the database lacks, once', async () => {
    await t.knex('calendar_days').whereIn('year', [2025, 2026]).delete()
    await t.knex('calendar_years').whereIn('year', [2025, 2026]).delete()
    expect(await loadShippedCalendars(t.knex)).toEqual([2025, 2026])
    // 2026-10-01 国庆节 is a holiday in the shipped arrangement
    expect(await t.knex('calendar_days').where({ day: '2026-10-01', kind: 'holiday' }).first()).toBeDefined()
    expect(await loadShippedCalendars(t.knex)).toEqual([])
  })

  it('refuse to start from a deployment without data/calendar, naming it', async () => {
    const missing = path.join(await tempDir(), 'calendar')
    await expect(loadShippedCalendars(t.knex, missing)).rejects.toThrow(/holiday calendars are missing \(ENOENT: .*calendar\)/)
    await expect(loadShippedCalendars(t.knex, await tempDir())).rejects.toThrow(/no holiday calendar/)
    expect(shippedCalendarDir.endsWith(path.join('data', 'calendar'))).toBe(true)
  })
})
