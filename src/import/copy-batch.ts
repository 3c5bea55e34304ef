// Storing a batch with its shapes projected in Node (issue 26): the shapes proven valid in Node are
// projected to EPSG:4490 on a worker (src/crs/gauss-kruger.ts, PROJ's series) and sent as EWKB
// with their attributes in the columns' binary form by COPY, so the database parses no text, runs
// no ST_Transform and no per-row SQL (on the embedded database too: its wire server takes COPY
// FROM STDIN, src/db/embedded/wire-server.ts). A shape that must be checked by PostGIS (not proven
// valid: ST_IsValid and repair in the CRS it was drawn in), one this cannot project, and every load
// of a system with a datum step go by the INSERT of ./queries.ts as before; the version's rows are
// the same either way.
import type { Knex } from 'knex'
import { partitionName, type LayerKind } from '../catalogue/layer-kinds.js'
import { ellipsoidOf } from '../crs/chinese-crs.js'
import type { GaussKrugerParams } from '../crs/gauss-kruger.js'
import type { SourceCrs } from '../crs/resolve.js'
import { CopyBinaryWriter, copyTypes, type CopyType } from '../db/copy-binary.js'
import { copyIn } from '../db/copy-in.js'
import type { ResolvedColumn } from './columns.js'
import { projectOffThread } from './projection/pool.js'
import type { Projected } from './projection/shapes.js'
import type { BatchRows } from './queries.js'

/**
 * How one version's shapes are projected in Node and its rows sent by COPY: the
 * statement and the type of each of its columns.
 */
export interface LoadPlan {
  /** the source grid; null: CGCS2000 geographic already */
  grid: GaussKrugerParams | null
  copy: {
    sql: string
    /** the types of dataset_id, xzqdm, source_record, attrs, then the resolved columns' */
    types: CopyType[]
  }
}

/**
 * Grid → CGCS2000 geographic in Node for a CGCS2000 Gauss-Kruger system (null: already 4490), or
 * undefined where the database must transform (a datum step: Xian 80, Beijing 54, 7 parameters).
 */
export function nodeGrid(crs: SourceCrs): GaussKrugerParams | null | undefined {
  if (crs.proj4) return undefined
  if (crs.srid === 4490) return null
  const id = crs.identity
  if (!id || id.datum !== 'CGCS2000' || !id.projected || id.epsg !== crs.srid) return undefined
  if (id.centralMeridian === undefined || id.falseEasting === undefined) return undefined
  return { ...ellipsoidOf('CGCS2000'), centralMeridian: id.centralMeridian, falseEasting: id.falseEasting }
}

/**
 * The plan for loading into the version's table, or null when the database transforms every shape
 * (a system with a datum step) or the table has a column type the COPY writer does not know (none
 * today: every layer table's types are in copyTypes).
 */
export async function loadPlan(
  knex: Knex,
  kind: LayerKind,
  columns: ResolvedColumn[],
  target: { datasetId: number; crs: SourceCrs },
): Promise<LoadPlan | null> {
  const grid = nodeGrid(target.crs)
  if (grid === undefined) return null
  const table = partitionName(kind, target.datasetId)
  const { rows } = await knex.raw(
    `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type FROM pg_attribute a
      WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
    [`"${table}"`],
  )
  const typeOf = new Map((rows as Array<{ name: string; type: string }>).map((r) => [r.name, r.type]))
  const names = ['dataset_id', 'xzqdm', 'source_record', 'attrs', ...columns.map((c) => c.column)]
  const types = names.map((n) => typeOf.get(n))
  if (typeOf.get('geom') !== 'geometry' || types.some((t) => t === undefined || !copyTypes.has(t) || t === 'geometry')) return null
  return {
    grid,
    copy: { sql: `COPY "${table}" (geom, ${names.map((n) => `"${n}"`).join(', ')}) FROM STDIN (FORMAT binary)`, types: types as CopyType[] },
  }
}

/** The rows of `rows` at `picked`, sharing its WKB buffer. */
function subset(rows: BatchRows, picked: number[]): BatchRows {
  const at = <T>(xs: T[]) => picked.map((i) => xs[i]!)
  return {
    records: at(rows.records),
    wkb: rows.wkb,
    wkbAt: at(rows.wkbAt),
    wkbLength: at(rows.wkbLength),
    proven: at(rows.proven),
    deferred: at(rows.deferred),
    attrs: at(rows.attrs),
    columns: rows.columns.map(at),
  }
}

/**
 * Rows this process has stored by COPY, and rows whose shapes it projected in Node (by COPY or by
 * INSERT): for the tests, which must know the path was taken.
 */
export const copyStats = { rows: 0, projected: 0 }

/**
 * The batch's shapes proven, or to be proven on the worker (deferred), to be projected; the others
 * -1: they go by INSERT.
 */
function projectRequest(grid: GaussKrugerParams | null, rows: BatchRows, srid: number) {
  const n = rows.records.length
  const at = new Int32Array(n)
  const length = new Int32Array(n)
  const prove = new Uint8Array(n)
  for (let j = 0; j < n; j++) {
    const a = rows.wkbAt[j] ?? null
    at[j] = a === null || !(rows.proven[j] || rows.deferred[j]) ? -1 : a
    length[j] = rows.wkbLength[j] ?? 0
    prove[j] = rows.deferred[j] ? 1 : 0
  }
  const wkb = new Uint8Array(rows.wkb.length)
  wkb.set(rows.wkb)
  return { params: grid, wkb, at, length, prove, srid }
}

/** The rows whose shapes the worker projected (`projected.length[j]` ≥ 0) and the others. */
function split(rows: BatchRows, projected: Projected): { done: number[]; left: number[] } {
  const done: number[] = []
  const left: number[] = []
  for (let j = 0; j < rows.records.length; j++) (rows.wkbAt[j] !== null && projected.length[j]! < 0 ? left : done).push(j)
  return { done, left }
}

/**
 * Copies the rows of the batch this can take; returns the others (to be inserted), or null when
 * none is left. All or nothing: a COPY the server refuses stores nothing of the batch.
 */
export async function copyBatch(knex: Knex, plan: LoadPlan, rows: BatchRows, target: { datasetId: number; county: string }): Promise<BatchRows | null> {
  const projected = await projectOffThread(() => projectRequest(plan.grid, rows, 4490))
  const shapes = Buffer.from(projected.bytes.buffer, projected.bytes.byteOffset, projected.bytes.byteLength)
  const w = new CopyBinaryWriter(Math.max(1 << 16, shapes.length + rows.records.length * 256))
  const { sql, types } = plan.copy
  const { done, left } = split(rows, projected)
  const fields = types.length + 1
  for (const j of done) {
    w.row(fields)
    if (rows.wkbAt[j] === null) w.null()
    else w.bytesField(shapes, projected.at[j]!, projected.length[j]!)
    w.value(types[0]!, target.datasetId)
    w.value(types[1]!, target.county)
    w.value(types[2]!, rows.records[j])
    w.value(types[3]!, rows.attrs[j])
    for (let c = 0; c < rows.columns.length; c++) w.value(types[c + 4]!, rows.columns[c]![j])
  }
  // awaited first: `x += await …` reads x before the wait, losing another batch's count meanwhile
  const copied = done.length ? await copyIn(knex, sql, w.finish()) : 0
  copyStats.rows += copied
  copyStats.projected += done.length
  return left.length === 0 ? null : subset(rows, left)
}
