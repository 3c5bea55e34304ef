// Rows in PostgreSQL's binary COPY format (COPY … FROM STDIN (FORMAT binary)), written into one
// growing buffer: per row a field count, per field its length (-1: NULL) and its bytes in the type's
// binary "recv" form. No parsing of text on the server, nothing per value in Node but the bytes.
import { GrowingBuffer } from '../formats/growing-buffer.js'

/** The column types a binary COPY here can fill (format_type names, typmods stripped). */
export type CopyType =
  'smallint' | 'integer' | 'bigint' | 'double precision' | 'text' | 'character varying' | 'character' | 'jsonb' | 'date' | 'boolean' | 'geometry'

export const copyTypes: ReadonlySet<string> = new Set<CopyType>([
  'smallint',
  'integer',
  'bigint',
  'double precision',
  'text',
  'character varying',
  'character',
  'jsonb',
  'date',
  'boolean',
  'geometry',
])

const signature = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')
/** days from 1970-01-01 to PostgreSQL's date epoch 2000-01-01 */
const pgEpochDays = 10957

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): no Date, no 1900 offset for years < 100. */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/**
 * Up to this length a text is written by a loop while it is ASCII (codes, numbers, most values of
 * a survey's attributes): half the cost of Buffer#write's call into C++ for such short strings
 * (25 against 50 ms per million, bench:import's main thread).
 */
const shortText = 32

/** `v` as UTF-8 at `at`: ASCII by the loop, anything else by Buffer#write from the start. */
function utf8Short(buf: Buffer, v: string, at: number): number {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i)
    if (c > 0x7f) return buf.write(v, at, 'utf8')
    buf[at + i] = c
  }
  return v.length
}

export class CopyBinaryWriter extends GrowingBuffer {
  constructor(initialSize = 1 << 20) {
    super(Math.max(initialSize, 19))
    signature.copy(this.buf, 0)
    this.buf.writeInt32BE(0, 11) // flags: no OIDs
    this.buf.writeInt32BE(0, 15) // header extension length
    this.used = 19
  }

  row(fields: number): void {
    const at = this.reserve(2) // first: reserving may replace this.buf
    this.buf.writeInt16BE(fields, at)
  }

  null(): void {
    const at = this.reserve(4)
    this.buf.writeInt32BE(-1, at)
  }

  int2(v: number): void {
    const at = this.reserve(6)
    this.buf.writeInt32BE(2, at)
    this.buf.writeInt16BE(v, at + 4)
  }

  int4(v: number): void {
    const at = this.reserve(8)
    this.buf.writeInt32BE(4, at)
    this.buf.writeInt32BE(v, at + 4)
  }

  int8(v: number): void {
    const at = this.reserve(12)
    this.buf.writeInt32BE(8, at)
    // a safe integer (the import's conversion checks it) as two 32-bit halves: no BigInt
    const high = Math.floor(v / 4294967296)
    this.buf.writeInt32BE(high, at + 4)
    this.buf.writeUInt32BE(v - high * 4294967296, at + 8)
  }

  float8(v: number): void {
    const at = this.reserve(12)
    this.buf.writeInt32BE(8, at)
    this.buf.writeDoubleBE(v, at + 4)
  }

  bool(v: boolean): void {
    const at = this.reserve(5)
    this.buf.writeInt32BE(1, at)
    this.buf[at + 4] = v ? 1 : 0
  }

  /** A date given as YYYY-MM-DD (what the import's conversion writes). */
  date(v: string): void {
    const days = daysFromCivil(Number(v.slice(0, -6)), Number(v.slice(-5, -3)), Number(v.slice(-2))) - pgEpochDays
    this.int4(days)
  }

  /** text, varchar: the UTF-8 bytes; jsonb: its format version (1) first. */
  text(v: string, jsonb = false): void {
    const head = jsonb ? 5 : 4
    const at = this.reserve(head + v.length * 3)
    const n = v.length <= shortText ? utf8Short(this.buf, v, at + head) : this.buf.write(v, at + head, 'utf8')
    this.buf.writeInt32BE(n + head - 4, at)
    if (jsonb) this.buf[at + 4] = 1
    this.unreserve(v.length * 3 - n)
  }

  /** bytes as they are (a geometry's EWKB: geometry_recv takes it) */
  bytesField(src: Buffer, at: number, length: number): void {
    const o = this.reserve(4 + length)
    this.buf.writeInt32BE(length, o)
    src.copy(this.buf, o + 4, at, at + length)
  }

  /** A value of `type` (one of copyTypes) as the import converted it: string, number or boolean. */
  value(type: CopyType, v: unknown): void {
    if (v === null || v === undefined) return this.null()
    switch (type) {
      case 'text':
      case 'character varying':
      case 'character': // bpchar's recv pads and checks the length as its text input does
        return this.text(String(v))
      case 'double precision':
        return this.float8(v as number)
      case 'integer':
        return this.int4(v as number)
      case 'bigint':
        return this.int8(v as number)
      case 'smallint':
        return this.int2(v as number)
      case 'boolean':
        return this.bool(v as boolean)
      case 'date':
        return this.date(v as string)
      case 'jsonb':
        return this.text(v as string, true)
      case 'geometry':
        throw new Error('a geometry is written by its EWKB, not as a value')
    }
  }

  /** The rows written and the trailer: the whole COPY data. */
  finish(): Buffer {
    const at = this.reserve(2)
    this.buf.writeInt16BE(-1, at)
    return this.buf.subarray(0, this.used)
  }
}
