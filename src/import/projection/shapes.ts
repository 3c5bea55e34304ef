// A batch's shapes in EPSG:4490 as EWKB for a binary COPY, projected from their
// Gauss-Kruger grid (or only given the SRID when already CGCS2000 geographic), one-ring polygons
// proven valid first where the reader left that here: the work of ./worker.ts, or of the main thread when the
// worker cannot run. Plain data in and out, so that it crosses to the worker without copies.
import { GaussKrugerInverse, type GaussKrugerParams } from '../../crs/gauss-kruger.js'
import { EwkbWriter, maxEwkbLength } from '../../formats/ewkb-transform.js'
import { provenOneRingPolygon } from '../gdal/copy-rows.js'

export interface ProjectRequest {
  /** the grid's parameters; null: the shapes are CGCS2000 geographic already */
  params: GaussKrugerParams | null
  wkb: Uint8Array
  /** per row, where its WKB starts in `wkb`, or -1 for a row not to project */
  at: Int32Array
  length: Int32Array
  /** the SRID the EWKB carries (the storage's, 4490) */
  srid: number
  /** per row, 1: a one-ring polygon to prove valid first (src/geometry/simple-ring.ts); unproven, it is not projected */
  prove: Uint8Array
}

export interface Projected {
  bytes: Uint8Array
  /** per row, where its EWKB starts in `bytes` */
  at: Int32Array
  /** per row, its EWKB's length; -1: not projected (not asked, or not a shape this handles) */
  length: Int32Array
}

export function projectShapes(r: ProjectRequest): Projected {
  const rows = r.at.length
  let room = 0
  for (let j = 0; j < rows; j++) if (r.at[j]! >= 0) room += maxEwkbLength(r.length[j]!)
  // its own memory (not the pool's), as it is handed over to the other thread
  const out = Buffer.allocUnsafeSlow(room)
  const src = Buffer.from(r.wkb.buffer, r.wkb.byteOffset, r.wkb.byteLength)
  const writer = new EwkbWriter(r.params && new GaussKrugerInverse(r.params))
  const at = new Int32Array(rows)
  const length = new Int32Array(rows).fill(-1)
  let o = 0
  for (let j = 0; j < rows; j++) {
    if (r.at[j]! < 0) continue
    if (r.prove[j] && !provenOneRingPolygon(src.subarray(r.at[j]!, r.at[j]! + r.length[j]!))) continue
    const n = writer.write(src, r.at[j]!, r.length[j]!, r.srid, out, o)
    if (n < 0) continue
    at[j] = o
    length[j] = n
    o += n
  }
  return { bytes: new Uint8Array(out.buffer, out.byteOffset, o), at, length }
}
