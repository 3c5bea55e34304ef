// Decodes the fields of raw dBASE records into JavaScript values.
import type { Decoded, Encoding } from '../text-decoding.js'
import { makeDecoder } from '../text-decoding.js'
import type { DbfField, DbfHeader } from './dbf-reader.js'

export type DbfValue = string | number | boolean | null

export interface FieldIssue {
  field: string
  message: string
  fatal: boolean
}

/** Trailing blanks and NULs pad dBASE values; they are not data. */
function trimRight(b: Buffer): Buffer {
  let end = b.length
  while (end > 0 && (b[end - 1] === 0x20 || b[end - 1] === 0x00)) end--
  return b.subarray(0, end)
}

function trimBoth(b: Buffer): string {
  return trimRight(b).toString('latin1').trim()
}

export interface RecordDecoder {
  names: string[]
  /** Values in field order; issues (undecodable text is fatal) go to `issues`. */
  decode(record: Buffer, issues: FieldIssue[]): { deleted: boolean; values: DbfValue[] }
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
  const readers = header.fields.map((f, i) => fieldReader(f, names[i]!, text))
  return {
    nameErrors,
    decoder: {
      names,
      decode(record, issues) {
        const values: DbfValue[] = new Array(readers.length)
        for (let i = 0; i < readers.length; i++) values[i] = readers[i]!(record, issues)
        return { deleted: record[0] === 0x2a, values }
      },
    },
  }
}

type FieldReader = (record: Buffer, issues: FieldIssue[]) => DbfValue

function fieldReader(f: DbfField, name: string, text: (b: Buffer, full: boolean) => Decoded): FieldReader {
  const slice = (r: Buffer) => r.subarray(f.offset, f.offset + f.length)
  switch (f.type) {
    case 'C':
      return (r, issues) => {
        const raw = trimRight(slice(r))
        if (raw.length === 0) return null
        const d = text(raw, raw.length === f.length)
        if ('error' in d) {
          issues.push({ field: name, message: d.error, fatal: true })
          return null
        }
        if (d.truncated) issues.push({ field: name, message: 'text cut off mid-character by the field width; the partial character was dropped', fatal: false })
        return d.text
      }
    case 'N':
    case 'F':
      return (r, issues) => {
        const s = trimBoth(slice(r))
        if (s === '' || /^\*+$/.test(s)) return null
        const n = Number(s)
        if (Number.isFinite(n)) return n
        issues.push({ field: name, message: `'${s}' is not a number; stored as null`, fatal: false })
        return null
      }
    case 'I':
      return (r) => slice(r).readInt32LE(0)
    case 'O':
      return (r) => slice(r).readDoubleLE(0)
    case 'L':
      return (r) => {
        const c = String.fromCharCode(slice(r)[0] ?? 0x3f).toUpperCase()
        return c === 'T' || c === 'Y' ? true : c === 'F' || c === 'N' ? false : null
      }
    case 'D':
      return (r, issues) => {
        const s = trimBoth(slice(r))
        if (s === '' || /^0+$/.test(s)) return null
        const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s)
        if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12 && Number(m[3]) >= 1 && Number(m[3]) <= 31) return `${m[1]}-${m[2]}-${m[3]}`
        issues.push({ field: name, message: `'${s}' is not a date (YYYYMMDD); stored as null`, fatal: false })
        return null
      }
    default:
      return () => null // memo and binary fields hold nothing a shapefile can carry
  }
}
