// The province pull's cursor: the position (change stamp, id) reached in each county seen so far,
// bound to the filters it was made for. Change stamps are ordered within a county only (the
// projects_touch trigger serialises one county's writers: migrations/20261201020000_pull_per_county.ts),
// so one position for the whole table could skip a row another county commits late.
//
// Wire form, kept compact because it travels in a URL: a version byte, 12 bytes of the filters'
// hash, the number of counties, then per county in code order the code (delta from the previous
// one), the stamp in microseconds since 1970 (zig-zag delta from the previous county's) and the id,
// each as an unsigned LEB128 varint; raw deflate; base64url. All 136 counties take 1 530 characters
// (stamps spread over two hours, ids below 60 000), 1 920 (a year, ids below 10⁶), 2 320 at worst
// (seventy years, ids near 2³¹), well inside the 8 KiB a proxy allows a request line by default:
// test/province/cursor.test.ts measures it.
import { createHash } from 'node:crypto'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { countyCodes } from '../domain/regions.js'
import { problem } from '../errors/index.js'
import { countiesOfFilter, type PullFilter } from './filter.js'

/** Where a reader stands in one county: the last row it was given. */
export interface Position {
  /** the change stamp as the pull query prints it: `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds) */
  updatedKey: string
  id: number
}
/** county code → position; a county not in it starts from its beginning. */
export type Positions = Map<string, Position>

const VERSION = 1
const FILTER_KEY_BYTES = 12
/** Longer than any cursor of 136 counties; the route refuses longer ones before decoding. */
export const CURSOR_MAX_CHARS = 4096
const MAX_INFLATED_BYTES = 4096
// Stamps outside these years are not ones the trigger wrote (they come from clock_timestamp()).
const MIN_STAMP_US = BigInt(Date.UTC(2000, 0, 1)) * 1000n
const MAX_STAMP_US = BigInt(Date.UTC(2100, 0, 1)) * 1000n

const invalid = () => problem('LR_BAD_REQUEST', 'cursor is not one this API issued; start again without a cursor', { detailZh: '游标无效，请去掉游标重新查询' })

function filterKey(f: PullFilter): Buffer {
  const values = [f.year ?? null, f.county ?? null, f.city ?? null, f.status ?? null, f.updatedSince ?? null]
  return createHash('sha256').update(JSON.stringify(values)).digest().subarray(0, FILTER_KEY_BYTES)
}

/** Microseconds since 1970 of a stamp printed by the pull query. */
export function stampMicros(key: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})(\d{3})Z$/.exec(key)
  if (!m) throw new Error(`unexpected change stamp ${key}`)
  return BigInt(Date.parse(`${m[1]}Z`)) * 1000n + BigInt(m[2]!)
}
/** The stamp printed as the pull query prints it (what the SQL binds as timestamptz). */
export function stampKey(us: bigint): string {
  const ms = us / 1000n
  return `${new Date(Number(ms)).toISOString().slice(0, -1)}${String(us - ms * 1000n).padStart(3, '0')}Z`
}

function writeVarint(out: number[], value: bigint): void {
  let v = value
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
}
const zigzag = (v: bigint) => (v >= 0n ? v * 2n : -v * 2n - 1n)
const unzigzag = (v: bigint) => (v % 2n === 0n ? v / 2n : -(v + 1n) / 2n)

export function encodeCursor(filter: PullFilter, positions: Positions): string {
  const out = [VERSION, ...filterKey(filter)]
  const counties = [...positions.keys()].sort()
  writeVarint(out, BigInt(counties.length))
  let previousCode = 0n
  let previousStamp = 0n
  for (const county of counties) {
    const { updatedKey, id } = positions.get(county)!
    const stamp = stampMicros(updatedKey)
    writeVarint(out, BigInt(county) - previousCode)
    writeVarint(out, zigzag(stamp - previousStamp))
    writeVarint(out, BigInt(id))
    previousCode = BigInt(county)
    previousStamp = stamp
  }
  return deflateRawSync(Buffer.from(out), { level: 9 }).toString('base64url')
}

/** Reads varints off a buffer, refusing overlong ones and reads past the end. */
class Reader {
  private at = 0
  constructor(private readonly bytes: Buffer) {}
  byte(): number {
    if (this.at >= this.bytes.length) throw invalid()
    return this.bytes[this.at++]!
  }
  take(n: number): Buffer {
    if (this.at + n > this.bytes.length) throw invalid()
    this.at += n
    return this.bytes.subarray(this.at - n, this.at)
  }
  varint(): bigint {
    let value = 0n
    for (let shift = 0n; shift < 63n; shift += 7n) {
      const b = this.byte()
      value |= BigInt(b & 0x7f) << shift
      if (!(b & 0x80)) return value
    }
    throw invalid()
  }
  get done() {
    return this.at === this.bytes.length
  }
}

/**
 * The positions of a cursor this API issued for these filters. Everything is checked before any
 * value reaches SQL: known county codes in increasing order, stamps within 2000–2100, positive ids
 * within JavaScript's exact integers, nothing left over.
 */
export function decodeCursor(cursor: string, filter: PullFilter): Positions {
  if (cursor.length > CURSOR_MAX_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid()
  let bytes: Buffer
  try {
    bytes = inflateRawSync(Buffer.from(cursor, 'base64url'), { maxOutputLength: MAX_INFLATED_BYTES })
  } catch {
    throw invalid()
  }
  const r = new Reader(bytes)
  if (r.byte() !== VERSION) throw invalid()
  if (!r.take(FILTER_KEY_BYTES).equals(filterKey(filter)))
    throw problem('LR_BAD_REQUEST', 'cursor was issued for other filters; start again without a cursor', {
      detailZh: '游标与查询条件不一致，请去掉游标重新查询',
    })
  const inFilter = new Set(countiesOfFilter(filter))
  const count = r.varint()
  if (count > BigInt(countyCodes.length)) throw invalid()
  const positions: Positions = new Map()
  let code = 0n
  let stamp = 0n
  for (let i = 0n; i < count; i++) {
    const codeStep = r.varint()
    code += codeStep
    stamp += unzigzag(r.varint())
    const id = r.varint()
    const county = String(code)
    if ((i > 0n && codeStep === 0n) || !inFilter.has(county)) throw invalid()
    if (stamp < MIN_STAMP_US || stamp >= MAX_STAMP_US || id < 1n || id > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid()
    positions.set(county, { updatedKey: stampKey(stamp), id: Number(id) })
  }
  if (!r.done) throw invalid()
  return positions
}
