// Reads a shapefile's .shp and .dbf in step, checking that their records correspond.
import { BilingualError, type Said } from '../errors/bilingual.js'
import { DbfReader } from '../formats/shapefile/dbf-reader.js'
import { makeRecordDecoder, type RecordDecoder } from '../formats/shapefile/dbf-values.js'
import type { ByteSource } from '../formats/chunked-file.js'
import { ShpReader, familyOf, shapeTypes, shxRecordCount, type GeometryFamily } from '../formats/shapefile/shp-reader.js'
import type { Encoding } from '../formats/text-decoding.js'
import type { ShapefileArchive } from './archive.js'
import { WkbBatch } from '../formats/wkb-batch.js'
import type { FeatureSource, SourceBatch, SourceFeature } from './source.js'

export class SourceError extends BilingualError {}

const reexport = '请在 ArcGIS 或 QGIS 中重新导出该图层（.shp、.shx、.dbf 一同导出）后上传'

export async function openShapefile(
  m: ShapefileArchive,
  opts: { family: GeometryFamily; encoding: Encoding; maxVertices: number },
): Promise<{ source: FeatureSource; warnings: Said[] }> {
  const warnings: Said[] = []
  if (!m.has('shp')) throw new SourceError(`${m.name} is missing`, `缺少“${m.name}”。${reexport}`)
  const shp = await ShpReader.open(await m.open('shp'), { family: opts.family, maxVertices: opts.maxVertices })
  const dbf = await DbfReader.open(await m.open('dbf'))
  try {
    const fileFamily = familyOf(shp.header.shapeType)
    if (shp.header.shapeType !== 0 && fileFamily !== opts.family) {
      throw new SourceError(
        `${m.name} holds ${shapeTypes[shp.header.shapeType] ?? shp.header.shapeType} shapes, but this layer needs ${opts.family === 'polygon' ? 'polygons' : 'lines'}`,
        `文件中是${shapeTypeZh(fileFamily)}要素（${shapeTypes[shp.header.shapeType] ?? shp.header.shapeType}），而该图层须为${opts.family === 'polygon' ? '面' : '线'}要素：请确认上传的文件和所选图层类型是否对应`,
      )
    }
    if (m.has('shx')) {
      const shx = await m.open('shx')
      try {
        const head = Buffer.alloc(100)
        await shx.read(head, 0, 100)
        const shxCount = shxRecordCount(head)
        if (shxCount !== dbf.header.recordCount) {
          throw new SourceError(
            `record counts differ: ${m.name} has ${shxCount} shapes (by its .shx) but the .dbf has ${dbf.header.recordCount} attribute records`,
            `记录数不一致：.shx 索引有 ${shxCount} 个图形，而 .dbf 属性表有 ${dbf.header.recordCount} 条记录。${reexport}`,
          )
        }
        const bad = await shxRecordPastEnd(shx, shxCount, shp.header.fileLength)
        if (bad !== null) {
          throw new SourceError(
            `${m.name}: the .shx index puts record ${bad} past the end of the .shp (${shp.header.fileLength} bytes); the index does not belong to this .shp or is damaged`,
            `第 ${bad} 条记录：.shx 索引指向 .shp 文件末尾（${shp.header.fileLength} 字节）之后，索引与 .shp 不匹配或已损坏。${reexport}`,
          )
        }
      } finally {
        await shx.close()
      }
    } else
      warnings.push({
        message: 'the zip has no .shx index; record counts are checked while reading',
        messageZh: '压缩包中没有 .shx 索引文件，读取时逐条核对记录数；建议导出时一并打包 .shx',
      })
    const { decoder, nameErrors } = makeRecordDecoder(dbf.header, opts.encoding)
    if (nameErrors.length)
      throw new SourceError(
        `.dbf field names are not valid ${opts.encoding}: ${nameErrors.join('; ')}`,
        `.dbf 中有 ${nameErrors.length} 个字段名按 ${opts.encoding} 编码无法识别：请在“编码”中选择正确的编码（如 GBK 或 UTF-8），或在压缩包中加入写明编码的 .cpg 文件`,
      )
    const { minX, minY, maxX, maxY } = shp.header.bbox
    const bbox = [minX, minY, maxX, maxY].every(Number.isFinite) ? shp.header.bbox : null
    return { source: new ShapefileSource(m.name, shp, dbf, decoder, bbox), warnings }
  } catch (err) {
    await shp.close()
    await dbf.close()
    throw err
  }
}

class ShapefileSource implements FeatureSource {
  readonly fieldNames: string[]
  readonly total: number
  private readonly wkb = new WkbBatch()

  constructor(
    readonly fileName: string,
    private readonly shp: ShpReader,
    private readonly dbf: DbfReader,
    private readonly decoder: RecordDecoder,
    readonly bbox: FeatureSource['bbox'],
  ) {
    this.fieldNames = decoder.names
    this.total = dbf.header.recordCount
  }

  deferRingProof(): void {
    this.shp.deferRingProof = true
  }

  async next(max: number): Promise<SourceBatch> {
    const { bytes, count } = await this.dbf.nextRecords(max)
    const out: SourceFeature[] = []
    const len = this.dbf.header.recordLength
    for (let i = 0; i < count; i++) {
      // Most records are already in memory: no promise for them.
      let shape = this.shp.nextBuffered(this.wkb)
      if (shape === undefined) shape = await this.shp.next(this.wkb)
      if (!shape) {
        throw new SourceError(
          `record counts differ: ${this.fileName} ends after ${this.shp.recordsRead} shapes but the .dbf has ${this.dbf.header.recordCount} attribute records`,
          `记录数不一致：.shp 只有 ${this.shp.recordsRead} 个图形，而 .dbf 属性表有 ${this.dbf.header.recordCount} 条记录。${reexport}`,
        )
      }
      const issues: SourceFeature['issues'] = []
      const values: SourceFeature['values'] = new Array(this.fieldNames.length)
      const deleted = this.decoder.decode(bytes, i * len, values, issues)
      out.push({ record: shape.recordNumber, shape, values, issues, deleted })
    }
    if (count === 0 && (await this.shp.next(this.wkb))) {
      throw new SourceError(
        `record counts differ: ${this.fileName} has more shapes than the ${this.dbf.header.recordCount} attribute records of the .dbf`,
        `记录数不一致：.shp 的图形多于 .dbf 属性表的 ${this.dbf.header.recordCount} 条记录。${reexport}`,
      )
    }
    return { features: out, wkb: this.wkb.take() }
  }

  async close(): Promise<void> {
    await Promise.all([this.shp.close(), this.dbf.close()])
  }
}

function shapeTypeZh(family: GeometryFamily | null): string {
  return family === 'polygon' ? '面' : family === 'line' ? '线' : '点或其他类型'
}

/**
 * The first record (1-based) whose .shx entry (offset and content length, in 16-bit words) ends past
 * the .shp's length, or null. Read in 64 KiB chunks: 8 bytes per record.
 */
async function shxRecordPastEnd(shx: ByteSource, count: number, shpLength: number): Promise<number | null> {
  const chunk = Buffer.alloc(8 * 8192)
  let record = 0
  while (record < count) {
    const want = Math.min(chunk.length, (count - record) * 8)
    let got = 0
    while (got < want) {
      const n = await shx.read(chunk, got, want - got)
      if (n === 0) return record + Math.floor(got / 8) + 1 // the index ends early: its next record is missing
      got += n
    }
    for (let i = 0; i + 8 <= got; i += 8) {
      record++
      const offset = chunk.readInt32BE(i) * 2
      const length = chunk.readInt32BE(i + 4) * 2
      if (offset < 100 || offset + 8 + length > shpLength) return record
    }
  }
  return null
}
