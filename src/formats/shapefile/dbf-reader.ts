// dBASE (.dbf) attribute reader for shapefiles: the header and raw records, read in large chunks.
// Text is decoded by the caller (see text-decoding.ts), which knows the encoding.
import { ChunkedFile, fileSource, type ByteSource } from '../chunked-file.js'
import { BilingualError } from '../../errors/bilingual.js'

export interface DbfField {
  /** raw name bytes (ASCII in most deliveries; GBK in some) */
  nameBytes: Buffer
  type: string
  offset: number // within the record, after the deletion flag
  length: number
  decimals: number
}

export interface DbfHeader {
  version: number
  recordCount: number
  headerLength: number
  recordLength: number
  /** language driver id (byte 29): 0x4D = GBK/CP936, 0x57 = "ANSI" (system code page, says nothing) */
  languageDriver: number
  fields: DbfField[]
}

/** The .dbf itself is broken: the whole file is refused. */
export class DbfFormatError extends BilingualError {}

const reexport = '请在 ArcGIS 或 QGIS 中重新导出该图层后上传'
const tooShort = () => new DbfFormatError('the .dbf file is shorter than its 32-byte header', `.dbf 文件不足 32 字节的文件头，文件不完整。${reexport}`)

export function parseDbfHeader(head: Buffer): DbfHeader {
  if (head.length < 32) throw tooShort()
  const recordCount = head.readUInt32LE(4)
  const headerLength = head.readUInt16LE(8)
  const recordLength = head.readUInt16LE(10)
  const fields: DbfField[] = []
  let offset = 1 // after the deletion flag
  for (let p = 32; p + 32 <= headerLength && p < head.length && head[p] !== 0x0d; p += 32) {
    const raw = head.subarray(p, p + 11)
    const end = raw.indexOf(0)
    const field: DbfField = {
      nameBytes: Buffer.from(end === -1 ? raw : raw.subarray(0, end)),
      type: String.fromCharCode(head[p + 11]!),
      offset,
      length: head[p + 16]!,
      decimals: head[p + 17]!,
    }
    fields.push(field)
    offset += field.length
  }
  if (fields.length === 0) throw new DbfFormatError('the .dbf file declares no fields', `.dbf 属性表没有任何字段。${reexport}`)
  if (offset !== recordLength) {
    throw new DbfFormatError(
      `the .dbf header is inconsistent: fields add up to ${offset} bytes but records are ${recordLength} bytes`,
      `.dbf 文件头不一致（字段合计 ${offset} 字节，记录长 ${recordLength} 字节），文件已损坏。${reexport}`,
    )
  }
  return { version: head[0]!, recordCount, headerLength, recordLength, languageDriver: head[29]!, fields }
}

export class DbfReader {
  private read = 0

  private constructor(
    private readonly file: ChunkedFile,
    readonly header: DbfHeader,
  ) {}

  static async open(from: string | ByteSource): Promise<DbfReader> {
    const file = new ChunkedFile(typeof from === 'string' ? await fileSource(from) : from)
    if ((await file.ensure(32)) < 32) throw tooShort()
    const headerLength = file.peek(32).readUInt16LE(8)
    const available = await file.ensure(headerLength)
    const header = parseDbfHeader(Buffer.from(file.take(available)))
    return new DbfReader(file, header)
  }

  get recordsRead(): number {
    return this.read
  }

  /**
   * Up to `max` records as one buffer of whole records (each `recordLength` bytes, starting with the
   * deletion flag). The buffer is a view: decode it before the next call.
   */
  async nextRecords(max: number): Promise<{ bytes: Buffer; count: number }> {
    const left = this.header.recordCount - this.read
    const want = Math.min(max, left)
    if (want <= 0) return { bytes: Buffer.alloc(0), count: 0 }
    const need = want * this.header.recordLength
    const got = await this.file.ensure(need)
    const count = Math.floor(got / this.header.recordLength)
    if (count === 0) {
      throw new DbfFormatError(
        `the .dbf file ends after record ${this.read} of ${this.header.recordCount}`,
        `.dbf 属性表只有 ${this.read} 条记录，文件头却写明 ${this.header.recordCount} 条，文件不完整。${reexport}`,
      )
    }
    this.read += count
    return { bytes: this.file.take(count * this.header.recordLength), count }
  }

  close(): Promise<void> {
    return this.file.close()
  }
}
