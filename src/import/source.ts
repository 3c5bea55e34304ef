// What the loader reads from any upload format: numbered features with attribute values.
import type { DbfValue, FieldIssue } from '../formats/shapefile/dbf-values.js'
import type { Bbox } from '../crs/resolve.js'
import type { WkbBatch } from '../formats/wkb-batch.js'

export type SourceShape =
  /**
   * proven: known valid already (src/geometry/simple-ring.ts), so the database skips its own check;
   * deferred: a one-ring polygon whose proof the source left to the COPY load (deferRingProof)
   */
  | { kind: 'shape'; wkbAt: number; wkbLength: number; reorganized: boolean; proven: boolean; deferred?: boolean }
  | { kind: 'null' }
  | { kind: 'rejected'; message: string; messageZh: string }

/** The shape of a geometry checked by the GeoJSON path (formats/geojson/to-wkb.ts): its WKB added to the batch, or why it was refused. */
export function checkedShape(w: { wkb: Buffer } | { error: string; errorZh: string }, batch: WkbBatch): SourceShape {
  return 'error' in w
    ? { kind: 'rejected', message: w.error, messageZh: w.errorZh }
    : { kind: 'shape', wkbAt: batch.append(w.wkb), wkbLength: w.wkb.length, reorganized: false, proven: false }
}

export interface SourceFeature {
  /** 1-based record number in the source file */
  record: number
  shape: SourceShape
  values: DbfValue[]
  issues: FieldIssue[]
  /** a dBASE record marked deleted: skipped, as GIS software does */
  deleted: boolean
}

/** Features read together; each shape's WKB lies at [wkbAt, wkbAt + wkbLength) of `wkb`. */
export interface SourceBatch {
  features: SourceFeature[]
  wkb: Buffer
}

export interface FeatureSource {
  fileName: string
  fieldNames: string[]
  total: number
  bbox: Bbox | null
  next(max: number): Promise<SourceBatch>
  close(): Promise<void>
  /** Leaves the proof of one-ring polygons to the COPY load, where the source can (a shapefile's reader). */
  deferRingProof?(): void
}
