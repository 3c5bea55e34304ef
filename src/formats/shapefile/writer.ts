// Writes shapefiles (.shp .shx .dbf, optional .prj .cpg) as ArcGIS does: streamed, any encoding.
// It writes exactly the coordinates it is given (unclosed rings, NaN…), so tests can make bad files.
import fs from 'node:fs/promises'
import iconv from 'iconv-lite'
import { BufferedOutput } from '../buffered-output.js'
import type { Encoding } from '../text-decoding.js'
import type { DbfValue } from './dbf-values.js'

export interface WriterField {
  name: string
  type: 'C' | 'N' | 'F' | 'D' | 'L'
  length: number
  decimals?: number
}

/** Polygon: rings; line: parts; each a list of [x, y]. null = a null shape. */
export type Parts = number[][][] | null

export interface ShapefileWriterOptions {
  /** path without extension */
  basePath: string
  shapeType: 3 | 5 // PolyLine | Polygon
  fields: WriterField[]
  encoding: Encoding
  /** dBASE language driver byte; ArcGIS writes 0x4D for GBK */
  languageDriver?: number
  /** text of the .cpg file; null writes none */
  cpg?: string | null
  /** text of the .prj file; null writes none */
  prj?: string | null
}

const encode = (s: string, enc: Encoding) => (enc === 'UTF-8' ? Buffer.from(s, 'utf8') : iconv.encode(s, enc))

export class ShapefileWriter {
  private count = 0
  private bbox = [Infinity, Infinity, -Infinity, -Infinity]
  private readonly recordLength: number

  private constructor(
    private readonly opts: ShapefileWriterOptions,
    private readonly shp: BufferedOutput,
    private readonly shx: BufferedOutput,
    private readonly dbf: BufferedOutput,
  ) {
    this.recordLength = 1 + opts.fields.reduce((s, f) => s + f.length, 0)
  }

  static async create(opts: ShapefileWriterOptions): Promise<ShapefileWriter> {
    const [shp, shx, dbf] = await Promise.all(['shp', 'shx', 'dbf'].map((ext) => BufferedOutput.create(`${opts.basePath}.${ext}`)))
    const w = new ShapefileWriter(opts, shp!, shx!, dbf!)
    await shp!.write(Buffer.alloc(100))
    await shx!.write(Buffer.alloc(100))
    await dbf!.write(w.dbfHeader())
    if (opts.prj != null) await fs.writeFile(`${opts.basePath}.prj`, opts.prj)
    if (opts.cpg != null) await fs.writeFile(`${opts.basePath}.cpg`, opts.cpg)
    return w
  }

  private dbfHeader(): Buffer {
    const { fields } = this.opts
    const h = Buffer.alloc(32 + 32 * fields.length + 1)
    h[0] = 0x03
    const now = new Date()
    h[1] = now.getFullYear() - 1900
    h[2] = now.getMonth() + 1
    h[3] = now.getDate()
    h.writeUInt16LE(h.length, 8)
    h.writeUInt16LE(this.recordLength, 10)
    h[29] = this.opts.languageDriver ?? 0
    fields.forEach((f, i) => {
      const p = 32 + 32 * i
      encode(f.name, this.opts.encoding).subarray(0, 10).copy(h, p)
      h[p + 11] = f.type.charCodeAt(0)
      h[p + 16] = f.length
      h[p + 17] = f.decimals ?? 0
    })
    h[h.length - 1] = 0x0d
    return h
  }

  async write(parts: Parts, values: Record<string, DbfValue>): Promise<void> {
    this.count++
    const content = parts ? this.shapeContent(parts) : Buffer.from([0, 0, 0, 0])
    const head = Buffer.alloc(8)
    head.writeInt32BE(this.count, 0)
    head.writeInt32BE(content.length / 2, 4)
    const index = Buffer.alloc(8)
    index.writeInt32BE(this.shp.length / 2, 0)
    index.writeInt32BE(content.length / 2, 4)
    await this.shp.write(head)
    await this.shp.write(content)
    await this.shx.write(index)
    await this.dbf.write(this.dbfRecord(values))
  }

  private shapeContent(parts: number[][][]): Buffer {
    const points = parts.reduce((s, p) => s + p.length, 0)
    const b = Buffer.alloc(44 + 4 * parts.length + 16 * points)
    b.writeInt32LE(this.opts.shapeType, 0)
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity]
    let o = 44 + 4 * parts.length
    let start = 0
    parts.forEach((part, i) => {
      b.writeInt32LE(start, 44 + 4 * i)
      start += part.length
      for (const [x, y] of part) {
        b.writeDoubleLE(x!, o)
        b.writeDoubleLE(y!, o + 8)
        o += 16
        if (x! < minX) minX = x!
        if (y! < minY) minY = y!
        if (x! > maxX) maxX = x!
        if (y! > maxY) maxY = y!
      }
    })
    ;[minX, minY, maxX, maxY].forEach((v, i) => b.writeDoubleLE(v, 4 + 8 * i))
    b.writeInt32LE(parts.length, 36)
    b.writeInt32LE(points, 40)
    this.bbox = [Math.min(this.bbox[0]!, minX), Math.min(this.bbox[1]!, minY), Math.max(this.bbox[2]!, maxX), Math.max(this.bbox[3]!, maxY)]
    return b
  }

  private dbfRecord(values: Record<string, DbfValue>): Buffer {
    const r = Buffer.alloc(this.recordLength, 0x20)
    let o = 1
    for (const f of this.opts.fields) {
      const v = values[f.name]
      let bytes: Buffer | null = null
      if (v === null || v === undefined) bytes = null
      else if (f.type === 'C')
        bytes = encode(String(v), this.opts.encoding).subarray(0, f.length) // cut by bytes, as ArcGIS does
      else if (f.type === 'N' || f.type === 'F')
        bytes = Buffer.from((typeof v === 'number' ? v.toFixed(f.decimals ?? 0) : String(v)).padStart(f.length).slice(-f.length), 'latin1')
      else if (f.type === 'D') bytes = Buffer.from(String(v).replace(/-/g, ''), 'latin1')
      else if (f.type === 'L') bytes = Buffer.from(v ? 'T' : 'F', 'latin1')
      bytes?.copy(r, o)
      o += f.length
    }
    return r
  }

  async close(): Promise<void> {
    const header = (fileLength: number) => {
      const h = Buffer.alloc(100)
      h.writeInt32BE(9994, 0)
      h.writeInt32BE(fileLength / 2, 24)
      h.writeInt32LE(1000, 28)
      h.writeInt32LE(this.opts.shapeType, 32)
      const bbox = this.count && Number.isFinite(this.bbox[0]!) ? this.bbox : [0, 0, 0, 0]
      bbox.forEach((v, i) => h.writeDoubleLE(v, 36 + 8 * i))
      return h
    }
    await this.shp.patch(0, header(this.shp.length))
    await this.shx.patch(0, header(this.shx.length))
    const count = Buffer.alloc(4)
    count.writeUInt32LE(this.count, 0)
    await this.dbf.patch(4, count)
    await this.dbf.write(Buffer.from([0x1a]))
    await Promise.all([this.shp.close(), this.shx.close(), this.dbf.close()])
  }
}
