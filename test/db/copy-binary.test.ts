// Binary COPY rows written by src/db/copy-binary.ts, read back by PostgreSQL itself: every column type
// the import sends, values at their edges, and a writer that starts tiny so that it grows inside
// every kind of field. On both backends: the embedded wire server runs COPY FROM STDIN from a file in PGlite's memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CopyBinaryWriter, type CopyType } from '../../src/db/copy-binary.js'
import { copyIn } from '../../src/db/copy-in.js'
import { EwkbWriter } from '../../src/formats/ewkb-transform.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'

let t: TestApp

beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(async () => {
  await t.knex.raw('DROP TABLE IF EXISTS copy_binary_test')
  await t.close()
})

const columns: Array<[string, string, CopyType]> = [
  ['i2', 'smallint', 'smallint'],
  ['i4', 'integer', 'integer'],
  ['i8', 'bigint', 'bigint'],
  ['f8', 'double precision', 'double precision'],
  ['t', 'text', 'text'],
  ['v', 'varchar(40)', 'character varying'],
  ['c', 'char(6)', 'character'],
  ['j', 'jsonb', 'jsonb'],
  ['d', 'date', 'date'],
  ['b', 'boolean', 'boolean'],
]

const rows: unknown[][] = [
  [-32768, -2147483648, -(2 ** 53 - 1), -0.1, '工业用地', 'ZLDW 宗地 MC', '371502', '{"SJNF":2023,"备注":"中文"}', '0050-06-15', true],
  [32767, 2147483647, 2 ** 53 - 1, 1e-310, '𠀀兼容字·沙镇镇 😀', '', '3715', '{}', '1999-12-31', false],
  [0, 0, 4294967296 + 5, Math.PI * 1e300, 'a\tb\\c"d\n', 'x'.repeat(40), '370000', '[1,null,"\\u0041"]', '2000-01-01', true],
  [null, null, null, null, null, null, null, null, '2024-02-29', null],
  [1, -1, -4294967297, -0, ' ', '  ', '      ', 'null', '9999-12-31', false],
]

describe('binary COPY rows', () => {
  it('reads back every value as written, the writer growing inside each kind of field', async () => {
    await t.knex.raw('DROP TABLE IF EXISTS copy_binary_test')
    await t.knex.raw(`CREATE TABLE copy_binary_test (n int, ${columns.map(([c, type]) => `${c} ${type}`).join(', ')}, g geometry(MultiPolygon, 4490))`)
    // one square in lon/lat, as EWKB by the same writer the import uses (no projection: already 4490)
    const wkb = Buffer.alloc(9 + 9 + 4 + 5 * 16)
    wkb[0] = 1
    wkb.writeUInt32LE(6, 1)
    wkb.writeUInt32LE(1, 5)
    wkb[9] = 1
    wkb.writeUInt32LE(3, 10)
    wkb.writeUInt32LE(1, 14)
    wkb.writeUInt32LE(5, 18)
    const square = [116, 36, 116, 36.001, 116.001, 36.001, 116.001, 36, 116, 36]
    square.forEach((v, k) => wkb.writeDoubleLE(v, 22 + 8 * k))
    const ewkb = Buffer.alloc(wkb.length + 4)
    const n = new EwkbWriter(null).write(wkb, 0, wkb.length, 4490, ewkb, 0)
    expect(n).toBe(wkb.length + 4)

    const build = (initialSize: number) => {
      const w = new CopyBinaryWriter(initialSize)
      rows.forEach((row, k) => {
        w.row(columns.length + 2)
        w.value('integer', k + 1)
        row.forEach((v, c) => w.value(columns[c]![2], v))
        if (k === 3) w.null()
        else w.bytesField(ewkb, 0, n)
      })
      return Buffer.from(w.finish())
    }
    const data = build(1 << 16)
    // The same bytes whatever the size it starts at: from 1 to 400 bytes, a growth falls inside
    // each kind of field (a write into the buffer a growth replaced would be lost).
    for (let size = 1; size <= 400; size++) expect(build(size).equals(data), `starting at ${size} bytes`).toBe(true)
    expect(await copyIn(t.knex, `COPY copy_binary_test (n, ${columns.map(([c]) => c).join(', ')}, g) FROM STDIN (FORMAT binary)`, data)).toBe(rows.length)

    const { rows: back } = await t.knex.raw(
      `SELECT n, ${columns.map(([c, type]) => (type === 'date' ? `to_char(${c}, 'YYYY-MM-DD') AS ${c}` : type === 'jsonb' ? `${c}::text AS ${c}` : c)).join(', ')},
              ST_AsText(g) AS g, ST_SRID(g) AS srid FROM copy_binary_test ORDER BY n`,
    )
    const expected = rows.map((row, k) => {
      const e: Record<string, unknown> = { n: k + 1 }
      columns.forEach(([c, type], i) => {
        const v = row[i]
        // what PostgreSQL does to such a value on its way in (char pads; jsonb normalises)
        e[c] =
          v === null
            ? null
            : type === 'char(6)'
              ? String(v).padEnd(6)
              : type === 'jsonb'
                ? JSON.stringify(JSON.parse(v as string))
                    .replace(/,/g, ', ')
                    .replace(/:/g, ': ')
                : v
      })
      e.g = k === 3 ? null : 'MULTIPOLYGON(((116 36,116 36.001,116.001 36.001,116.001 36,116 36)))'
      e.srid = k === 3 ? null : 4490
      return e
    })
    expect(back).toEqual(expected)
  })

  it('fails the whole COPY for one bad value, storing nothing', async () => {
    await t.knex.raw('TRUNCATE copy_binary_test')
    const w = new CopyBinaryWriter()
    for (const county of ['371502', '3715021']) {
      w.row(2)
      w.value('integer', 1)
      w.value('character', county) // char(6): 7 characters are refused, as by INSERT
    }
    await expect(copyIn(t.knex, 'COPY copy_binary_test (n, c) FROM STDIN (FORMAT binary)', w.finish())).rejects.toMatchObject({ code: '22001' })
    expect(Number((await t.knex('copy_binary_test').count<Array<{ count: string }>>())[0]!.count)).toBe(0)
    // the connection it ran on is fine afterwards
    expect((await t.knex.raw('SELECT 1 AS one')).rows[0].one).toBe(1)
  })
})
