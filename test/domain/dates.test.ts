// BGRQ as deliveries write it, read alike in JavaScript and in SQL on both backends (issue 21: `2009/1/5`
// once read as `200915`).
import type { Knex } from 'knex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { changeDate, changeDateSql } from '../../src/domain/dates.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'

// text → YYYYMMDD, worked by hand
const cases: Array<[string | null, string | null]> = [
  ['20091231', '20091231'],
  ['2009-12-31', '20091231'],
  ['2009/1/5', '20090105'],
  ['2009/12/5', '20091205'],
  ['2009.1.5', '20090105'],
  ['2009年1月5日', '20090105'],
  ['2009年12月31日', '20091231'],
  ['2012-03-15 00:00:00', '20120315'],
  ['2012-03-15T08:00:00+08:00', '20120315'],
  [' 2010-01-01', '20100101'],
  ['2008-02-29', '20080229'],
  ['2009-02-29', null],
  ['2009-02-30', null],
  ['2009-13-01', null],
  ['2009-00-10', null],
  ['2009-04-31', null],
  ['2000-02-29', '20000229'],
  ['1900-02-29', null],
  ['未变更', null],
  ['', null],
  [null, null],
]

describe('change dates (BGRQ)', () => {
  it('reads every form deliveries use, and refuses days that do not exist', () => {
    for (const [text, want] of cases) expect(changeDate(text), String(text)).toBe(want)
  })

  describe('in SQL', () => {
    let t: TestApp
    beforeAll(async () => {
      t = await buildTestApp()
    })
    afterAll(() => t.close())

    it('gives the same as in JavaScript', async () => {
      const { rows } = await t.knex.raw(`SELECT ${changeDateSql('x.text')} AS date FROM unnest(?::text[]) WITH ORDINALITY AS x(text, n) ORDER BY x.n`, [
        cases.map(([text]) => text) as unknown as Knex.RawBinding,
      ])
      expect(rows.map((r: { date: string | null }) => r.date)).toEqual(cases.map(([, want]) => want))
    })
  })
})
