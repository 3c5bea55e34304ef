// The .shp reader's WKB, checked against WKB built here from the coordinates that were written.
import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ByteSource } from '../../src/formats/chunked-file.js'
import { ShapefileWriter, type Parts } from '../../src/formats/shapefile/writer.js'
import { ShpReader, type ShpRecord } from '../../src/formats/shapefile/shp-reader.js'
import { WkbBatch } from '../../src/formats/wkb-batch.js'
import { tempDir } from '../helpers/shapefiles.js'

/** WKB (little-endian) of a multipolygon (polygons of rings) or multilinestring (parts). */
function wkbOf(type: 'polygons' | 'lines', items: number[][][][] | number[][][]): Buffer {
  const out: number[] = []
  const byte = (b: number) => out.push(b)
  const u32 = (n: number) => out.push(...Buffer.from(new Uint32Array([n]).buffer))
  const f64 = (n: number) => out.push(...Buffer.from(new Float64Array([n]).buffer))
  const points = (pts: number[][]) => {
    u32(pts.length)
    for (const [x, y] of pts) {
      f64(x!)
      f64(y!)
    }
  }
  byte(1)
  u32(type === 'polygons' ? 6 : 5)
  u32(items.length)
  for (const item of items) {
    byte(1)
    if (type === 'polygons') {
      u32(3)
      u32(item.length)
      for (const ring of item as number[][][]) points(ring)
    } else {
      u32(2)
      points(item as number[][])
    }
  }
  return Buffer.from(out)
}

async function writeShp(shapeType: 3 | 5, shapes: Parts[]): Promise<string> {
  const base = path.join(await tempDir(), 'shapes')
  const w = await ShapefileWriter.create({ basePath: base, shapeType, fields: [{ name: 'ID', type: 'N', length: 4 }], encoding: 'UTF-8', cpg: null, prj: null })
  for (let i = 0; i < shapes.length; i++) await w.write(shapes[i]!, { ID: i })
  await w.close()
  return `${base}.shp`
}

/** A file source that hands out at most `step` bytes per read, so records straddle reads. */
async function trickle(file: string, step: number): Promise<ByteSource> {
  const data = await fs.readFile(file)
  let at = 0
  return {
    async read(buf, offset, length) {
      const n = Math.min(length, step, data.length - at)
      data.copy(buf, offset, at, at + n)
      at += n
      return n
    },
    close: async () => {},
  }
}

async function readAll(from: string | ByteSource, family: 'polygon' | 'line'): Promise<Array<{ record: ShpRecord; wkb: Buffer | null }>> {
  const reader = await ShpReader.open(from, { family, maxVertices: 1000 })
  const batch = new WkbBatch(16) // small, so it grows while reading
  const records: ShpRecord[] = []
  for (let r = await reader.next(batch); r; r = await reader.next(batch)) records.push(r)
  await reader.close()
  const blob = batch.take()
  return records.map((record) => ({ record, wkb: record.kind === 'shape' ? blob.subarray(record.wkbAt, record.wkbAt + record.wkbLength) : null }))
}

// Clockwise shells and counter-clockwise holes, as the format has them.
const square = (x: number, y: number, s: number) => [
  [x, y],
  [x, y + s],
  [x + s, y + s],
  [x + s, y],
  [x, y],
]
const hole = (x: number, y: number, s: number) => [
  [x, y],
  [x + s, y],
  [x + s, y + s],
  [x, y + s],
  [x, y],
]

describe('ShpReader', () => {
  it('writes the WKB of single-ring, holed and multi-part polygons into the batch', async () => {
    const shell = square(500000, 4000000, 100)
    const inner = hole(500010, 4000010, 20)
    const other = square(500200, 4000000, 50)
    const file = await writeShp(5, [[shell], null, [shell, inner], [other, shell]])
    for (const from of [file, await trickle(file, 37)]) {
      const got = await readAll(from, 'polygon')
      expect(got.map((g) => g.record.kind)).toEqual(['shape', 'null', 'shape', 'shape'])
      expect(got.map((g) => g.record.recordNumber)).toEqual([1, 2, 3, 4])
      expect(got[0]!.wkb!.equals(wkbOf('polygons', [[shell]]))).toBe(true)
      expect(got[2]!.wkb!.equals(wkbOf('polygons', [[shell, inner]]))).toBe(true)
      // Polygons come largest first (rings are sorted by area when organised).
      expect(got[3]!.wkb!.equals(wkbOf('polygons', [[shell], [other]]))).toBe(true)
      expect(got.map((g) => (g.record.kind === 'shape' ? g.record.vertices : null))).toEqual([5, null, 10, 10])
    }
  })

  it('writes the WKB of lines', async () => {
    const a = [
      [1, 2],
      [3, 4],
      [5, 7],
    ]
    const b = [
      [10, 10],
      [11, 12],
    ]
    const got = await readAll(await writeShp(3, [[a], [a, b]]), 'line')
    expect(got[0]!.wkb!.equals(wkbOf('lines', [a]))).toBe(true)
    expect(got[1]!.wkb!.equals(wkbOf('lines', [a, b]))).toBe(true)
  })

  it('rejects bad single rings with the same messages as other rings', async () => {
    const open = [
      [0, 0],
      [0, 1],
      [1, 1],
      [1, 0],
      [0, 0.5],
    ]
    const short = [
      [0, 0],
      [0, 1],
      [0, 0],
    ]
    const got = await readAll(await writeShp(5, [[open], [short], [square(0, 0, 1), open]]), 'polygon')
    expect(got.map((g) => (g.record.kind === 'rejected' ? g.record.message : g.record.kind))).toEqual([
      'ring 1 is not closed (its first and last points differ)',
      'ring 1 has 3 points; a ring needs at least 4',
      'ring 2 is not closed (its first and last points differ)',
    ])
  })
})
