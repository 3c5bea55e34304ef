// The `datetime` parameter of /items (OGC API – Features Part 1, /req/core/fc-time-definition and
// fc-time-response): an instant or an interval, closed or open (`../x`, `x/..`, or an empty end),
// matched against the collection's one temporal property (Collection.temporal). A date property is
// a calendar day: it matches when that day meets the interval (a date-time bound counts by its
// date as written). Features without a date match any datetime, as fc-time-response C says, and a
// collection without a temporal property ignores the parameter (after checking its syntax).
import { problem } from '../errors/index.js'
import type { Collection } from './collections.js'
import type { Sql } from './cql2/sql.js'

/** A date-time without an offset is read in China Standard Time. */
export const defaultOffset = '+08:00'

/** One end of an interval: a calendar date, or an instant (ISO text with its offset). */
export type Bound = { kind: 'date'; date: string } | { kind: 'instant'; date: string; iso: string }

export interface DatetimeValue {
  start: Bound | null
  end: Bound | null
}

const bad = (text: string, why: string, whyZh: string) =>
  problem(
    'LR_BAD_REQUEST',
    `datetime '${text.slice(0, 80)}' ${why}; give a date or an RFC 3339 date-time (2018-03-15, 2018-03-15T10:00:00Z), or an interval start/end with '..' for an open end (2015-01-01/..)`,
    {
      detailZh: `datetime 参数有误：${whyZh}；应为日期或时间（如 2018-03-15、2018-03-15T10:00:00Z），或以“/”分隔的时间段，开放的一端写“..”（如 2015-01-01/..）`,
    },
  )

function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d))
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d
}

/** A date or date-time (RFC 3339; also a space for T, no offset, and `+` read back from a space), or null. */
export function parseBound(text: string): Bound | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?([Zz]|[+ -]\d{2}:?\d{2})?)?$/.exec(text)
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (y < 1 || !validDate(y, mo, d)) return null
  const date = `${m[1]}-${m[2]}-${m[3]}`
  if (m[4] === undefined) return { kind: 'date', date }
  const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)]
  if (h > 23 || mi > 59 || s > 60) return null
  // `+08:00` arrives as ` 08:00` when the client did not encode the plus sign.
  const offset = m[8] === undefined ? defaultOffset : /^[Zz]$/.test(m[8]) ? 'Z' : m[8].replace(/^ /, '+').replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')
  const [oh, om] = offset === 'Z' ? [0, 0] : [Number(offset.slice(1, 3)), Number(offset.slice(4, 6))]
  if (oh > 23 || om > 59) return null
  return { kind: 'instant', date, iso: `${date}T${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}${offset}` }
}

/** First and last millisecond a bound covers (a date: its whole day in China Standard Time). */
const first = (b: Bound) => Date.parse(b.kind === 'date' ? `${b.date}T00:00:00${defaultOffset}` : b.iso)
const last = (b: Bound) => (b.kind === 'date' ? first(b) + 86_400_000 - 1 : Date.parse(b.iso))

/** The parameter's value, or a 400 problem. */
export function parseDatetime(text: string): DatetimeValue {
  const v = text.trim()
  const parts = v.split('/')
  if (parts.length > 2) throw bad(text, 'has more than one /', '最多只能有一个“/”')
  const read = (s: string, open: boolean): Bound | null => {
    const t = s.trim()
    if (open && (t === '..' || t === '')) return null
    const b = parseBound(t)
    if (!b) throw bad(text, `has '${t.slice(0, 40)}', which is not a date or date-time`, `“${t.slice(0, 40)}”不是合法的日期或时间`)
    return b
  }
  if (parts.length === 1) {
    const b = read(parts[0]!, false)
    return { start: b, end: b }
  }
  const start = read(parts[0]!, true)
  const end = read(parts[1]!, true)
  if (start && end && first(start) > last(end)) throw bad(text, 'starts after it ends', '起始时间晚于结束时间')
  return { start, end }
}

/**
 * The condition a datetime puts on a collection: on its temporal property, features without a
 * value included; null for a collection without one (and for `../..`).
 */
export function datetimeCondition(c: Collection, value: DatetimeValue): Sql | null {
  const t = c.temporal
  if (!t || (!value.start && !value.end)) return null
  const parts: Sql[] = []
  if (t.type === 'date') {
    // A day meets [s, e] when it is not before s's date and not after e's.
    if (value.start) parts.push({ sql: `${t.sql} >= ?::date`, bindings: [value.start.date] })
    if (value.end) parts.push({ sql: `${t.sql} <= ?::date`, bindings: [value.end.date] })
  } else {
    const at = (b: Bound) => (b.kind === 'date' ? `${b.date}T00:00:00${defaultOffset}` : b.iso)
    if (value.start) parts.push({ sql: `${t.sql} >= ?::timestamptz`, bindings: [at(value.start)] })
    if (value.end)
      parts.push(
        value.end.kind === 'date'
          ? { sql: `${t.sql} < ?::timestamptz + interval '1 day'`, bindings: [at(value.end)] }
          : { sql: `${t.sql} <= ?::timestamptz`, bindings: [at(value.end)] },
      )
  }
  return { sql: `(${t.sql} IS NULL OR (${parts.map((p) => p.sql).join(' AND ')}))`, bindings: parts.flatMap((p) => p.bindings) }
}
