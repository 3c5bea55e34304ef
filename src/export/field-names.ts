// dBASE field names for exported shapefiles: at most 10 bytes in the file's encoding (a Chinese
// character is 2 bytes in GBK, 3 in UTF-8), never a character cut in half, and unique.
import iconv from 'iconv-lite'
import type { ExportEncoding } from '../ogc/params.js'

export const byteLength = (s: string, encoding: ExportEncoding) => (encoding === 'UTF-8' ? Buffer.byteLength(s, 'utf8') : iconv.encode(s, encoding).length)

/**
 * Characters of `s` the encoding cannot hold (written as '?'): in GBK, those of CJK extension B and
 * beyond (rare characters of place and person names, 𡒄) and emoji; GB18030 and UTF-8 hold all.
 */
export function unencodable(s: string, encoding: ExportEncoding): string[] {
  if (encoding !== 'GBK') return []
  const out: string[] = []
  for (const ch of s) if (ch.charCodeAt(0) > 0x7f && iconv.encode(ch, 'GBK').equals(Buffer.from('?'))) out.push(ch)
  return out
}

/** The longest prefix of `s` (whole characters) that fits in `max` bytes. */
export function fitBytes(s: string, encoding: ExportEncoding, max: number): string {
  let out = ''
  let used = 0
  for (const ch of s) {
    const n = byteLength(ch, encoding)
    if (used + n > max) break
    out += ch
    used += n
  }
  return out
}

/** Field names from wanted names, in order: cut to 10 bytes, duplicates numbered (名称, 名称1, …). */
export function dbfFieldNames(wanted: string[], encoding: ExportEncoding): string[] {
  const taken = new Set<string>()
  return wanted.map((w) => {
    let name = fitBytes(w, encoding, 10)
    for (let i = 1; taken.has(name.toUpperCase()); i++) {
      const suffix = String(i)
      name = fitBytes(w, encoding, 10 - suffix.length) + suffix
    }
    taken.add(name.toUpperCase())
    return name
  })
}
