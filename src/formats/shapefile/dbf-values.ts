// Decodes the fields of raw dBASE records into JavaScript values. Hot path of every import:
// fields are read by offset within the record buffer, without slicing.
import type { Decoded, Encoding } from '../text-decoding.js'
import { decodeGbk } from '../gbk-table.js'
import { makeDecoder } from '../text-decoding.js'
import { RepeatedText } from './repeated-text.js'
import type { DbfHeader } from './dbf-reader.js'

export type DbfValue = string | number | boolean | null

export interface FieldIssue {
  field: string
  message: string
  messageZh: string
  fatal: boolean
}

export interface RecordDecoder {
  names: string[]
  /** Values in field order; issues (undecodable text is fatal) are pushed to `issues`. */
  decode(records: Buffer, start: number, values: DbfValue[], issues: FieldIssue[]): boolean
}

/** End of the value at [start, end): trailing blanks and NULs pad dBASE values; they are not data. */
function trimmedEnd(b: Buffer, start: number, end: number): number {
  while (end > start && (b[end - 1] === 0x20 || b[end - 1] === 0x00)) end--
  return end
}

const pow10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15]

/**
 * The value of a plain decimal in b[start, end) (leading blanks, optional '-', at most 15 digits
 * with an optional '.'), read without a string; undefined for anything else, left to Number().
 * Exactly Number(text): digits and power of ten are both exact doubles, and IEEE division rounds
 * their quotient correctly.
 */
export function plainDecimal(b: Buffer, start: number, end: number): number | undefined {
  let i = start
  while (i < end && b[i] === 0x20) i++
  const negative = i < end && b[i] === 0x2d
  if (negative) i++
  let m = 0
  let digits = 0
  let decimals = -1 // digits after the point; -1 = no point yet
  for (; i < end; i++) {
    const c = b[i]!
    if (c >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30)
      digits++
      if (decimals >= 0) decimals++
    } else if (c === 0x2e && decimals < 0) decimals = 0
    else return undefined
  }
  if (digits === 0 || digits > 15) return undefined
  const n = decimals > 0 ? m / pow10[decimals]! : m
  return negative ? -n : n
}

function isAscii(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i]! > 0x7f) return false
  return true
}

export function makeRecordDecoder(header: DbfHeader, encoding: Encoding): { decoder: RecordDecoder; nameErrors: string[] } {
  const text = makeDecoder(encoding)
  const nameErrors: string[] = []
  const names = header.fields.map((f, i) => {
    const d = text(f.nameBytes, false)
    if ('error' in d) {
      nameErrors.push(`field ${i + 1} name: ${d.error}`)
      return `FIELD_${i + 1}`
    }
    return d.text
  })
  // Valid GBK is decoded by table, in place; the rest (and other encodings) by the strict decoder.
  const quick = encoding === 'GBK' ? decodeGbk : null
  const readers = header.fields.map((f, i) => fieldReader(f.type, f.offset, f.length, names[i]!, text, quick))
  return {
    nameErrors,
    decoder: {
      names,
      decode(records, start, values, issues) {
        for (let i = 0; i < readers.length; i++) values[i] = readers[i]!(records, start, issues)
        return records[start] === 0x2a // deletion flag
      },
    },
  }
}

type FieldReader = (b: Buffer, record: number, issues: FieldIssue[]) => DbfValue

function fieldReader(
  type: string,
  offset: number,
  length: number,
  name: string,
  text: (b: Buffer, full: boolean) => Decoded,
  quick: ((b: Buffer, start: number, end: number) => string | null) | null,
): FieldReader {
  const ascii = (b: Buffer, record: number) => {
    const s = record + offset
    return b.toString('latin1', s, trimmedEnd(b, s, s + length)).trim()
  }
  switch (type) {
    case 'C': {
      // ASCII, and GBK the table decodes, need no message: those strings are made once per value
      const plain = (b: Buffer, s: number, e: number) => (isAscii(b, s, e) ? b.toString('latin1', s, e) : (quick?.(b, s, e) ?? null))
      const repeated = new RepeatedText()
      return (b, record, issues) => {
        const s = record + offset
        const e = trimmedEnd(b, s, s + length)
        if (e === s) return null
        const fast = repeated.text(b, s, e, plain)
        if (fast !== null) return fast
        const d = text(b.subarray(s, e), e - s === length)
        if ('error' in d) {
          issues.push({ field: name, message: d.error, messageZh: d.errorZh, fatal: true })
          return null
        }
        if (d.truncated)
          issues.push({
            field: name,
            message: 'text cut off mid-character by the field width; the partial character was dropped',
            messageZh: '文字超出字段宽度，末尾半个汉字已去掉：如需完整内容，请在 GIS 软件中加宽该字段后重新导出',
            fatal: false,
          })
        return d.text
      }
    }
    case 'N':
    case 'F':
      return (b, record, issues) => {
        const start = record + offset
        const plain = plainDecimal(b, start, trimmedEnd(b, start, start + length))
        if (plain !== undefined) return plain
        const s = ascii(b, record)
        if (s === '' || s.charCodeAt(0) === 0x2a) return null // blank or ***** (overflow)
        const n = Number(s)
        if (Number.isFinite(n)) return n
        issues.push({ field: name, message: `'${s}' is not a number; stored as null`, messageZh: `“${s}”不是数值，已按空值导入`, fatal: false })
        return null
      }
    case 'I':
      return (b, record) => b.readInt32LE(record + offset)
    case 'O':
      return (b, record) => b.readDoubleLE(record + offset)
    case 'L':
      return (b, record) => {
        const c = b[record + offset]
        return c === 0x54 || c === 0x74 || c === 0x59 || c === 0x79 ? true : c === 0x46 || c === 0x66 || c === 0x4e || c === 0x6e ? false : null
      }
    case 'D':
      return (b, record, issues) => {
        const s = ascii(b, record)
        if (s === '' || /^0+$/.test(s)) return null
        const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s)
        if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12 && Number(m[3]) >= 1 && Number(m[3]) <= 31) return `${m[1]}-${m[2]}-${m[3]}`
        issues.push({
          field: name,
          message: `'${s}' is not a date (YYYYMMDD); stored as null`,
          messageZh: `“${s}”不是日期（应为 YYYYMMDD，如 20240131），已按空值导入`,
          fatal: false,
        })
        return null
      }
    default:
      return () => null // memo and binary fields hold nothing a shapefile can carry
  }
}
