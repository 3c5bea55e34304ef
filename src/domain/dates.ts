// Change dates (BGRQ) as deliveries write them, read the same way in JavaScript and in SQL (as
// ./units.ts does for areas), so a date compared in a statement and shown in a result agree.
// Seen in second-survey deliveries: dBASE dates (read as 2009-12-31), `20091231`, `2009-12-31`,
// `2009/1/5`, `2009.1.5`, `2009年1月5日`, and timestamps `2009-12-31 00:00:00`. Keeping only the digits
// read `2009/1/5` as `200915` (issue 21): the year, month and day are taken as numbers instead.

/**
 * Year, month, day: four digits, then one or two each, with or without separators. `{0,1}`, not `?`:
 * the pattern goes into SQL text where knex reads `?` as a binding.
 */
const pattern = '^\\s*(\\d{4})\\D{0,1}(\\d{1,2})\\D{0,1}(\\d{1,2})(\\D|$)'

/** A change date as YYYYMMDD, or null when the text is not a date of that shape (or names no real day). */
export function changeDate(text: string | null | undefined): string | null {
  const m = text == null ? null : new RegExp(pattern).exec(text)
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  const daysIn = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
  if (y < 1 || daysIn === undefined || d < 1 || d > daysIn) return null
  return `${m[1]}${m[2]!.padStart(2, '0')}${m[3]!.padStart(2, '0')}`
}

/**
 * changeDate in SQL, over a text expression from the caller's code: YYYYMMDD or NULL. A day that does
 * not exist (2009-02-30) is NULL as in JavaScript. CASE arms are evaluated in order, so make_date never
 * sees a month or day out of range.
 */
export const changeDateSql = (textExpr: string) =>
  `(SELECT CASE WHEN m IS NULL OR m[1]::int < 1 OR m[2]::int NOT BETWEEN 1 AND 12 OR m[3]::int NOT BETWEEN 1 AND 31 THEN NULL
                WHEN extract(month FROM make_date(m[1]::int, m[2]::int, 1) + (m[3]::int - 1)) <> m[2]::int THEN NULL
                ELSE m[1] || lpad(m[2], 2, '0') || lpad(m[3], 2, '0') END
      FROM (SELECT regexp_match(${textExpr}, '${pattern}') AS m) r)`
