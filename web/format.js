// Numbers and dates as Chinese users read them: m² with 2 decimals, 亩 with 4, thousands separators,
// times in Beijing time (Asia/Shanghai).
import { settings } from './settings.js'
import { s } from './strings.js'

const fixed = (digits) => new Intl.NumberFormat('zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: true })
const m2Format = fixed(2)
const muFormat = fixed(4)
const kmFormat = fixed(3)
const pctFormat = new Intl.NumberFormat('zh-CN', { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 })
const intFormat = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 0 })
const dateTimeFormat = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
})

const missing = (v) => v === null || v === undefined || Number.isNaN(v)
export const m2 = (v) => (missing(v) ? s.common.dash : m2Format.format(v))
export const mu = (v) => (missing(v) ? s.common.dash : muFormat.format(v))
/** 亩 of an area given only in m², with the API's factor (GET /settings units.m2PerMu; app.js loads it before any page). */
export const muOfM2 = (v) => (missing(v) || !settings() ? s.common.dash : muFormat.format(v / settings().units.m2PerMu))
/** lengths: metres with 2 decimals, kilometres with 3 (the measuring tool) */
export const metres = (v) => (missing(v) ? s.common.dash : m2Format.format(v))
export const kilometres = (v) => (missing(v) ? s.common.dash : kmFormat.format(v / 1000))
export const percent = (v) => (missing(v) ? s.common.dash : pctFormat.format(v))
export const int = (v) => (missing(v) ? s.common.dash : intFormat.format(v))
export const dateTime = (iso) => (iso ? dateTimeFormat.format(new Date(iso)).replace(/\//g, '-') : s.common.dash)
/** The day (YYYY-MM-DD) of a time, in Beijing time. */
export const date = (iso) => (iso ? dateTime(iso).slice(0, 10) : s.common.dash)
/** A date the API gives as YYYYMMDD (a BGRQ read), as YYYY-MM-DD. */
export const yyyymmdd = (d) => (/^\d{8}$/.test(d ?? '') ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : (d ?? s.common.dash))
export const bytes = (n) => (n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`)
export const yesNo = (v) => (v === true ? s.common.yes : v === false ? s.common.no : s.common.unknown)
/** The source's coordinate system by its Chinese name (the API's English name only for one imported before issue 22). */
export const crsName = (crs) => (crs ? (crs.nameZh ?? crs.name) : s.common.dash)
/** Who did something: the key's name (later an account's), its prefix only when no name is known. */
export const who = (name, prefix, none = s.common.dash) => name ?? prefix ?? none
