// A read-only scan of an SQLite database's tables, straight from the file's pages, for GeoPackage
// uploads (src/import/gpkg-source.ts): the rows of one table in rowid order, without SQLite or GDAL.
// Only what a table scan needs of the file format (https://www.sqlite.org/fileformat2.html, stable
// since 2004): the header, table b-tree pages, overflow chains and records. Anything else it meets
// (UTF-16 text, a page out of range, a loop in the tree) is an error or `null`, and the caller reads
// the file with GDAL instead. Pages are read in blocks of 1 MiB through a small cache: memory stays
// at a few blocks whatever the file's size.
import fs from 'node:fs'

/** A value of a record: SQLite's NULL, INTEGER or REAL, TEXT (UTF-8), BLOB. */
export type SqlValue = null | number | string | Buffer

export interface SqliteRow {
  rowid: number
  values: SqlValue[]
}

/** The file is not a readable SQLite database as this reader knows it (damaged, or a feature it does not read). */
export class SqliteFormatError extends Error {}

const magic = Buffer.from('SQLite format 3\0', 'latin1')
const blockSize = 1 << 20
const blocksKept = 8
/** a b-tree deeper than this has a loop or is not one (a table of 2⁶⁴ rows in 512-byte pages is ~20 deep) */
const maxDepth = 64

/** A varint at `o` of `b`: its value, and where the next thing starts (`varintEnd`). Up to 2⁵³ exactly. */
let varintEnd = 0
function varint(b: Buffer, o: number): number {
  let v = 0
  for (let i = 0; i < 8; i++) {
    const byte = b[o + i]!
    v = v * 128 + (byte & 0x7f)
    if (byte < 0x80) {
      varintEnd = o + i + 1
      return v
    }
  }
  varintEnd = o + 9
  return v * 256 + b[o + 8]!
}

/** The bytes a value of serial type `t` takes in a record. */
function serialBytes(t: number): number {
  if (t >= 12) return (t - (t & 1 ? 13 : 12)) / 2
  return t < 5 ? t : t === 5 ? 6 : t < 8 ? 8 : 0
}

export class SqliteFile {
  private readonly blocks = new Map<number, Buffer>()

  private constructor(
    private readonly fh: fs.promises.FileHandle,
    readonly size: number,
    readonly pageSize: number,
    /** bytes of a page used by b-trees (the page size less the reserved bytes at its end) */
    readonly usable: number,
    readonly pageCount: number,
  ) {}

  /** Opens the file; null when it is SQLite but not as this reader reads it (UTF-16 text). */
  static async open(file: string): Promise<SqliteFile | null> {
    const fh = await fs.promises.open(file, 'r')
    try {
      const h = Buffer.alloc(100)
      const { bytesRead } = await fh.read(h, 0, 100, 0)
      if (bytesRead < 100 || !h.subarray(0, 16).equals(magic)) throw new SqliteFormatError('no SQLite header')
      const raw = h.readUInt16BE(16)
      const pageSize = raw === 1 ? 65536 : raw
      if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new SqliteFormatError(`page size ${raw} in the header`)
      const usable = pageSize - h[20]!
      if (usable < 480) throw new SqliteFormatError(`${h[20]} reserved bytes a page`)
      // text encoding: 1 UTF-8 (0 in an empty database); UTF-16 is left to GDAL
      if (h.readUInt32BE(56) > 1) {
        await fh.close()
        return null
      }
      const size = (await fh.stat()).size
      return new SqliteFile(fh, size, pageSize, usable, Math.floor(size / pageSize))
    } catch (err) {
      await fh.close()
      throw err
    }
  }

  close(): Promise<void> {
    this.blocks.clear()
    return this.fh.close()
  }

  /** Page `n` (1-based) as a view into its block. */
  private async page(n: number): Promise<Buffer> {
    if (!Number.isInteger(n) || n < 1 || n > this.pageCount) throw new SqliteFormatError(`page ${n} is outside the file (${this.pageCount} pages)`)
    const offset = (n - 1) * this.pageSize
    const index = Math.floor(offset / blockSize)
    let block = this.blocks.get(index)
    if (block) {
      // most recently used last
      this.blocks.delete(index)
      this.blocks.set(index, block)
    } else {
      block = Buffer.allocUnsafe(Math.min(blockSize, this.size - index * blockSize))
      const { bytesRead } = await this.fh.read(block, 0, block.length, index * blockSize)
      if (bytesRead < block.length) throw new SqliteFormatError('the file ended while being read')
      this.blocks.set(index, block)
      if (this.blocks.size > blocksKept) this.blocks.delete(this.blocks.keys().next().value!)
    }
    const at = offset - index * blockSize
    return block.subarray(at, at + this.pageSize)
  }

  /**
   * The rows of the table whose b-tree starts at `root`, one leaf page at a time, in rowid order.
   * Each row's record is decoded into its values (columns the record lacks, added by ALTER TABLE
   * after it was written, are missing from the end of `values`). The column at `bytesAt` is given
   * as bytes also when stored as TEXT, as SQLite's sqlite3_column_blob gives it (GDAL reads a
   * GeoPackage's geometry so).
   */
  async *leaves(root: number, bytesAt = -1): AsyncGenerator<SqliteRow[]> {
    // pages still to visit, deepest last; a page met twice means a loop
    const stack: Array<{ page: number; depth: number }> = [{ page: root, depth: 0 }]
    let visited = 0
    while (stack.length) {
      const { page: n, depth } = stack.pop()!
      if (++visited > this.pageCount || depth > maxDepth) throw new SqliteFormatError(`the b-tree of page ${root} loops`)
      const p = await this.page(n)
      const h = n === 1 ? 100 : 0
      const type = p[h]
      const cells = p.readUInt16BE(h + 3)
      if (type === 5) {
        // interior table page: children left to right, the right-most last; pushed in reverse
        stack.push({ page: p.readUInt32BE(h + 8), depth: depth + 1 })
        for (let i = cells - 1; i >= 0; i--) stack.push({ page: p.readUInt32BE(p.readUInt16BE(h + 12 + 2 * i)), depth: depth + 1 })
        continue
      }
      if (type !== 13) throw new SqliteFormatError(`page ${n} is not a table page (type ${type})`)
      const rows: SqliteRow[] = new Array(cells)
      for (let i = 0; i < cells; i++) {
        const at = p.readUInt16BE(h + 8 + 2 * i)
        // no promise for the rows that lie whole on their page (nearly all)
        rows[i] = this.cell(p, at, n, bytesAt) ?? (await this.spilledCell(p, at, n, bytesAt))
      }
      yield rows
    }
  }

  /** A leaf cell whose payload lies whole on its page, decoded; null when it spills to overflow pages. */
  private cell(p: Buffer, at: number, n: number, bytesAt: number): SqliteRow | null {
    const size = varint(p, at)
    const rowid = varint(p, varintEnd)
    const start = varintEnd
    if (size > this.usable - 35) return null
    if (start + size > this.usable) throw new SqliteFormatError(`cell ${at} of page ${n} runs past the page`)
    return { rowid, values: decodeRecord(p, start, start + size, bytesAt) }
  }

  /** A leaf cell: payload size, rowid, the payload (with its overflow pages), decoded. */
  private async spilledCell(p: Buffer, at: number, n: number, bytesAt: number): Promise<SqliteRow> {
    const size = varint(p, at)
    const rowid = varint(p, varintEnd)
    const start = varintEnd
    const u = this.usable
    // how much of the payload lies on the page (fileformat2 §1.6, table b-tree leaf cells)
    const x = u - 35
    let local = size
    if (size > x) {
      const m = Math.floor(((u - 12) * 32) / 255) - 23
      const k = m + ((size - m) % (u - 4))
      local = k <= x ? k : m
    }
    if (start + local + (local < size ? 4 : 0) > u) throw new SqliteFormatError(`cell ${at} of page ${n} runs past the page`)
    if (local === size) return { rowid, values: decodeRecord(p, start, start + size, bytesAt) }
    const payload = Buffer.allocUnsafe(size)
    p.copy(payload, 0, start, start + local)
    let filled = local
    let next = p.readUInt32BE(start + local)
    let hops = 0
    while (filled < size) {
      if (next === 0 || ++hops > this.pageCount) throw new SqliteFormatError(`the overflow chain of a row on page ${n} is broken`)
      const o = await this.page(next)
      const take = Math.min(u - 4, size - filled)
      o.copy(payload, filled, 4, 4 + take)
      filled += take
      next = o.readUInt32BE(0)
    }
    return { rowid, values: decodeRecord(payload, 0, size, bytesAt) }
  }
}

/** A record (header of serial types, then the values) in `b` from `start` to `end`; the text at column `bytesAt` as bytes. */
export function decodeRecord(b: Buffer, start: number, end: number, bytesAt = -1): SqlValue[] {
  const headerSize = varint(b, start)
  const headerEnd = start + headerSize
  if (headerEnd > end) throw new SqliteFormatError('a record header runs past its record')
  let o = varintEnd
  let at = headerEnd
  const values: SqlValue[] = []
  while (o < headerEnd) {
    const t = varint(b, o)
    o = varintEnd
    const len = serialBytes(t)
    if (at + len > end) throw new SqliteFormatError('a record value runs past its record')
    let v: SqlValue
    switch (t) {
      case 0:
        v = null
        break
      case 1:
        v = b.readInt8(at)
        break
      case 2:
        v = b.readInt16BE(at)
        break
      case 3:
        v = b.readIntBE(at, 3)
        break
      case 4:
        v = b.readInt32BE(at)
        break
      case 5:
        v = b.readIntBE(at, 6)
        break
      case 6:
        v = Number(b.readBigInt64BE(at))
        break
      case 7:
        v = b.readDoubleBE(at)
        break
      case 8:
        v = 0
        break
      case 9:
        v = 1
        break
      default:
        if (t < 12) throw new SqliteFormatError(`serial type ${t} (reserved) in a record`)
        v = t & 1 && values.length !== bytesAt ? b.toString('utf8', at, at + len) : Buffer.from(b.subarray(at, at + len))
    }
    values.push(v)
    at += len
  }
  return values
}

/** sqlite_schema's rows: what the database holds, each with its b-tree's root page and its SQL. */
export interface SchemaEntry {
  type: string
  name: string
  tableName: string
  rootPage: number
  sql: string | null
}

export async function readSchema(db: SqliteFile): Promise<SchemaEntry[]> {
  const out: SchemaEntry[] = []
  for await (const rows of db.leaves(1))
    for (const { values: v } of rows)
      out.push({ type: String(v[0]), name: String(v[1]), tableName: String(v[2]), rootPage: Number(v[3] ?? 0), sql: typeof v[4] === 'string' ? v[4] : null })
  return out
}
