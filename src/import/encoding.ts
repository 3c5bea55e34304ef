// The text encoding of a .dbf: the user's parameter, then the .cpg file, then the dBASE language
// driver byte, then detection (valid UTF-8 → UTF-8, otherwise GBK).
import { BilingualError } from '../errors/bilingual.js'
import type { ByteSource } from '../formats/chunked-file.js'
import { DbfReader } from '../formats/shapefile/dbf-reader.js'
import { detectEncoding, encodingFromLanguageDriver, encodingFromName, supportedEncodingNames, type Encoding } from '../formats/text-decoding.js'

export interface ResolvedEncoding {
  name: Encoding
  how: 'param' | 'cpg' | 'ldid' | 'detected'
  detail?: string
}

export class EncodingError extends BilingualError {}

/** Non-ASCII text values of the first records, enough to tell UTF-8 from GBK. */
async function nonAsciiSamples(openDbf: () => Promise<ByteSource>, maxSamples = 200, maxRecords = 200_000): Promise<Buffer[]> {
  const dbf = await DbfReader.open(await openDbf())
  const samples: Buffer[] = []
  try {
    const textFields = dbf.header.fields.filter((f) => f.type === 'C')
    const names = dbf.header.fields.map((f) => f.nameBytes).filter((b) => b.some((c) => c > 0x7f))
    samples.push(...names)
    while (samples.length < maxSamples && dbf.recordsRead < maxRecords) {
      const { bytes, count } = await dbf.nextRecords(5000)
      if (count === 0) break
      for (let r = 0; r < count && samples.length < maxSamples; r++) {
        for (const f of textFields) {
          const start = r * dbf.header.recordLength + f.offset
          const v = bytes.subarray(start, start + f.length)
          if (v.some((c) => c > 0x7f)) samples.push(Buffer.from(v.subarray(0, lastNonBlank(v))))
        }
      }
    }
  } finally {
    await dbf.close()
  }
  return samples
}

function lastNonBlank(b: Buffer): number {
  let end = b.length
  while (end > 0 && (b[end - 1] === 0x20 || b[end - 1] === 0)) end--
  return end
}

export async function resolveEncoding(opts: {
  param?: string
  cpgText?: string | null
  openDbf: () => Promise<ByteSource>
  languageDriver: number
}): Promise<ResolvedEncoding> {
  if (opts.param) {
    const e = encodingFromName(opts.param)
    if (!e)
      throw new EncodingError(
        `unknown encoding '${opts.param}'; supported: ${supportedEncodingNames.join(', ')}`,
        `不支持所选编码“${opts.param}”：请在“属性编码”中选择 ${supportedEncodingNames.join('、')} 之一`,
      )
    return { name: e, how: 'param' }
  }
  const cpg = opts.cpgText?.trim()
  if (cpg) {
    const e = encodingFromName(cpg)
    if (!e)
      throw new EncodingError(
        `the .cpg file names an unknown encoding '${cpg}'; pass encoding (supported: ${supportedEncodingNames.join(', ')})`,
        `.cpg 文件写明的编码“${cpg}”无法识别：请在“属性编码”中选择 ${supportedEncodingNames.join('、')} 之一（中文数据通常为 GBK）`,
      )
    return { name: e, how: 'cpg', detail: cpg }
  }
  const byDriver = encodingFromLanguageDriver(opts.languageDriver)
  if (byDriver) return { name: byDriver, how: 'ldid', detail: `0x${opts.languageDriver.toString(16).toUpperCase()}` }
  const samples = await nonAsciiSamples(opts.openDbf)
  const name = detectEncoding(samples)
  return { name, how: 'detected', detail: samples.length ? `${samples.length} non-ASCII values sampled` : 'all sampled text is ASCII' }
}
