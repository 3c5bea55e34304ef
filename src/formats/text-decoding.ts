// Text of shapefile attributes: encoding names, detection and a fast, strict field decoder.
// Invalid text is an error naming where it is, except a multi-byte character cut off by the
// field width (254 bytes at most), which is dropped and reported: ArcGIS truncates that way.
import { isUtf8 } from 'node:buffer'
import iconv from 'iconv-lite'

export type Encoding = 'UTF-8' | 'GBK' | 'GB18030' | 'Big5' | 'ISO-8859-1'

const aliases: Record<string, Encoding> = {
  'utf-8': 'UTF-8',
  utf8: 'UTF-8',
  '65001': 'UTF-8',
  gbk: 'GBK',
  cp936: 'GBK',
  '936': 'GBK',
  'ansi 936': 'GBK',
  ms936: 'GBK',
  gb2312: 'GBK',
  'euc-cn': 'GBK',
  gb18030: 'GB18030',
  '54936': 'GB18030',
  big5: 'Big5',
  cp950: 'Big5',
  '950': 'Big5',
  'iso-8859-1': 'ISO-8859-1',
  latin1: 'ISO-8859-1',
  '28591': 'ISO-8859-1',
}

/** The encoding a name (parameter or .cpg content) stands for, or null when unknown. */
export function encodingFromName(name: string): Encoding | null {
  return aliases[name.trim().toLowerCase().replace(/_/g, '-')] ?? aliases[name.trim().toLowerCase()] ?? null
}

export const supportedEncodingNames = ['UTF-8', 'GBK (CP936, GB2312)', 'GB18030', 'Big5', 'ISO-8859-1']

/** dBASE language driver ids that name an encoding; 0x57 ("ANSI") says nothing and is ignored. */
export function encodingFromLanguageDriver(ldid: number): Encoding | null {
  if (ldid === 0x4d || ldid === 0x7a) return 'GBK' // 0x4D ArcGIS "936", 0x7A PRC GBK
  if (ldid === 0x78) return 'Big5'
  return null
}

const isAscii = (b: Buffer): boolean => {
  for (let i = 0; i < b.length; i++) if (b[i]! > 0x7f) return false
  return true
}

/** Whether the bytes are valid UTF-8, allowing a character cut off at the end. */
function looksUtf8(b: Buffer): boolean {
  if (isUtf8(b)) return true
  for (let cut = 1; cut <= 3 && cut < b.length; cut++) if (isUtf8(b.subarray(0, b.length - cut))) return true
  return false
}

/** Detection when nothing names the encoding: valid UTF-8 → UTF-8, otherwise GBK. */
export function detectEncoding(nonAsciiSamples: Iterable<Buffer>): Encoding {
  for (const s of nonAsciiSamples) if (!looksUtf8(s)) return 'GBK'
  return 'UTF-8'
}

export type Decoded = { text: string; truncated: boolean } | { error: string; errorZh: string }

export function makeDecoder(encoding: Encoding): (bytes: Buffer, fullWidth: boolean) => Decoded {
  const strict = (b: Buffer): string | null => {
    if (encoding === 'UTF-8') return isUtf8(b) ? b.toString('utf8') : null
    const s = iconv.decode(b, encoding)
    return s.includes('\ufffd') ? null : s
  }
  return (bytes, fullWidth) => {
    if (isAscii(bytes)) return { text: bytes.toString('latin1'), truncated: false }
    const text = strict(bytes)
    if (text !== null) return { text, truncated: false }
    // Only a value that fills its field can have been cut off by the field width.
    if (fullWidth) {
      for (let cut = 1; cut <= 3 && cut < bytes.length; cut++) {
        const shorter = strict(bytes.subarray(0, bytes.length - cut))
        if (shorter !== null) return { text: shorter, truncated: true }
      }
    }
    const hex = bytes.subarray(0, 24).toString('hex').replace(/(..)/g, '$1 ').trim()
    const shown = `${hex}${bytes.length > 24 ? ' …' : ''}`
    return {
      error: `bytes are not valid ${encoding} text (${shown})`,
      errorZh: `文字按 ${encoding} 编码无法识别（字节 ${shown}）：请在“编码”中选择正确的编码（如 GBK 或 UTF-8），或在压缩包中加入写明编码的 .cpg 文件`,
    }
  }
}
