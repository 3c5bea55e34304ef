// The SQLite table scan (src/formats/sqlite/file.ts) against SQLite itself: databases written by
// sql.js (SQLite compiled to WebAssembly) with small and large pages, deep b-trees, rows that spill
// to overflow pages, columns added after the rows were written; every row compared with what
// SQLite's own SELECT returns. Damaged files fail with SqliteFormatError, not a hang or a crash.
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import initSqlJs, { type Database } from 'sql.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tableColumns } from '../../src/formats/sqlite/create-table.js'
import { readSchema, SqliteFile, SqliteFormatError, type SqliteRow } from '../../src/formats/sqlite/file.js'

let dir: string
let SQL: Awaited<ReturnType<typeof initSqlJs>>

beforeAll(async () => {
  SQL = await initSqlJs()
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lr-sqlite-'))
})
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

/** A database made by SQLite with `pageSize`, written to a file. */
async function written(name: string, pageSize: number, fill: (db: Database) => void): Promise<string> {
  const db = new SQL.Database()
  db.run(`PRAGMA page_size = ${pageSize}`)
  fill(db)
  db.run('VACUUM')
  const file = path.join(dir, name)
  await fs.writeFile(file, db.export())
  db.close()
  return file
}

/** Blobs by their digest and length: comparing large Buffers element by element is slow in expect(). */
const comparable = (rows: SqliteRow[]) =>
  rows.map((r) => ({ ...r, values: r.values.map((v) => (Buffer.isBuffer(v) ? `blob ${v.length} ${createHash('sha1').update(v).digest('hex')}` : v)) }))

/** SQLite's own reading of a table: rowid and the columns in order (blobs as Buffers). */
function selected(file: Buffer, table: string): SqliteRow[] {
  const db = new SQL.Database(file)
  const res = db.exec(`SELECT rowid, * FROM "${table}" ORDER BY rowid`)[0]
  db.close()
  return (res?.values ?? []).map(([rowid, ...values]) => ({
    rowid: Number(rowid),
    values: values.map((v) => (v instanceof Uint8Array ? Buffer.from(v) : (v as number | string | null))),
  }))
}

async function scanned(file: string, table: string): Promise<SqliteRow[]> {
  const db = (await SqliteFile.open(file))!
  try {
    const entry = (await readSchema(db)).find((e) => e.name === table)!
    const cols = tableColumns(entry.sql!)!
    const out: SqliteRow[] = []
    for await (const rows of db.leaves(entry.rootPage))
      for (const r of rows)
        // as SELECT * gives them: the rowid alias from the rowid, a column missing from an older record as NULL
        out.push({ rowid: r.rowid, values: cols.map((c, i) => (c.rowid ? r.rowid : (r.values[i] ?? null))) })
    return out
  } finally {
    await db.close()
  }
}

/** A deterministic mix of every storage class: integers of each width, reals, Chinese text, blobs of any length, NULL. */
function fillMixed(db: Database, rows: number, blobMax: number) {
  db.run(
    'CREATE TABLE "图斑 t" ("fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "geom" BLOB, "DLMC" TEXT(60), "TBMJ" REAL, "BSM" INTEGER, [n] MEDIUMINT, `x` TEXT)',
  )
  const ins = db.prepare('INSERT INTO "图斑 t" (fid, geom, DLMC, TBMJ, BSM, n, x) VALUES (?, ?, ?, ?, ?, ?, ?)')
  let seed = 7
  const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647
  const ints = [0, 1, -1, 127, -128, 32767, -32768, 8388607, -8388608, 2 ** 31 - 1, -(2 ** 31), 2 ** 47 - 1, -(2 ** 47), 2 ** 53 - 1, -(2 ** 53) + 1]
  for (let i = 1; i <= rows; i++) {
    const blob = Buffer.alloc(Math.floor(rnd() * rnd() * blobMax), `${i}·`)
    ins.run([
      i * 3,
      i % 17 === 0 ? null : blob,
      i % 13 === 0 ? null : `${['水田', '旱地', '城市', '村庄', '公路用地'][i % 5]}·${'重'.repeat(i % 40)} ${i}`,
      i % 11 === 0 ? null : rnd() * 1e6,
      ints[i % ints.length]!,
      i % 2 ? i : -i,
      i % 7 === 0 ? '' : String(i),
    ])
  }
  ins.free()
}

describe('SQLite table scan', () => {
  it.each([512, 1024, 4096, 65536])('reads every row as SQLite does (page size %i: deep trees, overflow chains)', async (pageSize) => {
    const n = pageSize > 4096 ? 400 : 3000
    const file = await written(`mixed-${pageSize}.sqlite`, pageSize, (db) => fillMixed(db, n, 3 * pageSize))
    const rows = await scanned(file, '图斑 t')
    expect(rows).toHaveLength(n)
    expect(comparable(rows)).toEqual(comparable(selected(await fs.readFile(file), '图斑 t')))
    // the mix reached what it is for: rows over a page long (overflow), and a tree of more than one level
    expect(rows.some((r) => Buffer.isBuffer(r.values[1]) && r.values[1].length > pageSize)).toBe(true)
    const bytes = await fs.readFile(file)
    const db = (await SqliteFile.open(file))!
    const root = (await readSchema(db)).find((e) => e.name === '图斑 t')!.rootPage
    await db.close()
    expect(bytes[(root - 1) * pageSize], 'an interior page at the root').toBe(5)
  })

  it('reads records written before a column was added (shorter than the table)', async () => {
    const file = await written('altered.sqlite', 1024, (db) => {
      fillMixed(db, 200, 100)
      db.run('ALTER TABLE "图斑 t" ADD COLUMN "新字段" TEXT')
      db.run('UPDATE "图斑 t" SET "新字段" = \'后加\' WHERE fid % 2 = 0')
    })
    const rows = await scanned(file, '图斑 t')
    expect(comparable(rows)).toEqual(comparable(selected(await fs.readFile(file), '图斑 t')))
    expect(rows.filter((r) => r.values[7] === '后加')).toHaveLength(100)
    expect(rows.filter((r) => r.values[7] === null)).toHaveLength(100)
  })

  it('finds the tables in sqlite_schema, and leaves UTF-16 databases to the caller', async () => {
    const file = await written('schema.sqlite', 4096, (db) => {
      db.run('CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT)')
      db.run('CREATE INDEX a_v ON a (v)')
    })
    const db = (await SqliteFile.open(file))!
    expect((await readSchema(db)).map((e) => [e.type, e.name])).toEqual([
      ['table', 'a'],
      ['index', 'a_v'],
    ])
    await db.close()
    const utf16 = new SQL.Database()
    utf16.run("PRAGMA encoding = 'UTF-16le'")
    utf16.run('CREATE TABLE a (v TEXT)')
    const file16 = path.join(dir, 'utf16.sqlite')
    await fs.writeFile(file16, utf16.export())
    expect(await SqliteFile.open(file16)).toBeNull()
  })

  it('a damaged file fails with SqliteFormatError: cut short, not SQLite, a loop in the tree', async () => {
    const file = await written('whole.sqlite', 1024, (db) => fillMixed(db, 2000, 3000))
    const bytes = await fs.readFile(file)
    const scan = async (b: Buffer) => {
      const f = path.join(dir, 'damaged.sqlite')
      await fs.writeFile(f, b)
      return scanned(f, '图斑 t')
    }
    await expect(scan(bytes.subarray(0, Math.floor(bytes.length * 0.6)))).rejects.toThrow(SqliteFormatError)
    const notSqlite = Buffer.from(bytes)
    notSqlite.write('SQLite format 2', 0, 'latin1')
    await expect(scan(notSqlite)).rejects.toThrow(/no SQLite header/)
    // the table's root page (an interior page) made its own right-most child
    const db = (await SqliteFile.open(file))!
    const root = (await readSchema(db)).find((e) => e.name === '图斑 t')!.rootPage
    await db.close()
    const loop = Buffer.from(bytes)
    expect(loop[(root - 1) * 1024]).toBe(5)
    loop.writeUInt32BE(root, (root - 1) * 1024 + 8)
    await expect(scan(loop)).rejects.toThrow(/loops/)
  })
})

describe('CREATE TABLE columns', () => {
  it('reads GDAL’s, ArcGIS-like and hand-written statements', () => {
    expect(
      tableColumns(
        'CREATE TABLE "DLTB" ( "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "geom" MULTIPOLYGON, "BSM" TEXT(18), "TBMJ" REAL, "地类名称" TEXT(60))',
      ),
    ).toEqual([
      { name: 'fid', type: 'INTEGER', rowid: true, hasDefault: false },
      { name: 'geom', type: 'MULTIPOLYGON', rowid: false, hasDefault: false },
      { name: 'BSM', type: 'TEXT(18)', rowid: false, hasDefault: false },
      { name: 'TBMJ', type: 'REAL', rowid: false, hasDefault: false },
      { name: '地类名称', type: 'TEXT(60)', rowid: false, hasDefault: false },
    ])
    const c = tableColumns(
      'CREATE TABLE t (OBJECTID integer not null, [Shape] GEOMETRY, `a,b` NUMERIC(10, 2) DEFAULT 0 CHECK (a > 0), c TEXT COLLATE NOCASE, -- note\n CONSTRAINT pk PRIMARY KEY (OBJECTID))',
    )!
    expect(c.map((x) => [x.name, x.type, x.rowid, x.hasDefault])).toEqual([
      ['OBJECTID', 'integer', true, false],
      ['Shape', 'GEOMETRY', false, false],
      ['a,b', 'NUMERIC(10,2)', false, true],
      ['c', 'TEXT', false, false],
    ])
    expect(tableColumns('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT) WITHOUT ROWID')).toBeNull()
    expect(tableColumns('CREATE TABLE t (id INTEGER PRIMARY KEY DESC, v TEXT)')).toBeNull()
    expect(tableColumns('CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)')!.some((x) => x.rowid)).toBe(false)
  })
})
