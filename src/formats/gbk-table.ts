// GBK text decoded by table lookup, for the common case of valid text: iconv-lite allocates a decoder,
// a buffer and a view for every value, a fifth of an import's reading time. The table is built from
// iconv-lite itself, so whatever it decodes here, iconv-lite decodes the same; anything not in it
// (invalid or cut-off characters) returns null and goes the iconv-lite way, errors and all.
import iconv from 'iconv-lite'

interface Tables {
  /** byte → UTF-16 unit of a byte that is a character alone, 0 if it is not */
  single: Uint16Array
  /** (lead << 8 | trail) → UTF-16 unit, 0 if the pair is not one character */
  pair: Uint16Array
}

let tables: Tables | null = null

function build(): Tables {
  const single = new Uint16Array(256)
  const pair = new Uint16Array(65536)
  const one = (s: string) => (s.length === 1 && s !== '\ufffd' && !(s >= '\ud800' && s <= '\udfff') ? s.charCodeAt(0) : 0)
  for (let b = 0; b < 256; b++) single[b] = one(iconv.decode(Buffer.from([b]), 'GBK'))
  const two = Buffer.alloc(2)
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    if (single[lead]) continue // a character alone is never the start of a pair
    two[0] = lead
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      two[1] = trail
      pair[(lead << 8) | trail] = one(iconv.decode(two, 'GBK'))
    }
  }
  return { single, pair }
}

let scratch = Buffer.allocUnsafe(512)

/** The GBK text of b[start, end), or null when it is not plain valid GBK by the table. */
export function decodeGbk(b: Buffer, start: number, end: number): string | null {
  const t = (tables ??= build())
  if (scratch.length < 2 * (end - start)) scratch = Buffer.allocUnsafe(2 * (end - start))
  const out = scratch
  let n = 0
  for (let i = start; i < end; i++) {
    const c = b[i]!
    let u = t.single[c]!
    if (u === 0 && c !== 0) {
      if (i + 1 >= end) return null
      u = t.pair[(c << 8) | b[++i]!]!
      if (u === 0) return null
    }
    out[n++] = u & 0xff
    out[n++] = u >> 8
  }
  return out.toString('utf16le', 0, n)
}
