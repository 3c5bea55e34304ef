// What an import is asked to do (the user's options, the file, the layer kind), within which
// limits, and what it reports to: read by the run (run.ts) and its load step (load.ts).
import type { Knex } from 'knex'
import type { LayerKind } from '../catalogue/layer-kinds.js'
import type { GdalReaderMode } from './gdal/native.js'
import type { GpkgReaderMode } from './gpkg-source.js'
import type { ImportIssue, ImportReport } from './report.js'

/** What the user chose for an import (upload form or CLI options). */
export interface ImportOptions {
  county: string
  mode: 'replace' | 'append'
  srid?: number
  encoding?: string
  towgs84?: number[]
  fieldMap?: Record<string, string>
  /** fail (default): any rejected record fails the import; skip: store the rest and list them */
  onInvalid: 'fail' | 'skip'
  /** survey3: 调查年度 of the delivery (年度变更调查); else read from SJNF (./survey-year.ts) */
  surveyYear?: number
  /** a survey database (.gdb, .gpkg): the layer to import, by its name there; else the one of the kind (src/import/database-layers.ts) */
  sourceLayer?: string
}

export interface ImportRequest extends ImportOptions {
  kind: LayerKind
  file: { path: string; name: string; sha256: string }
  importedBy: string
  jobId: number | null
}

export interface ImportLimits {
  maxVertices: number
  geojsonMaxBytes: number
  geojsonMaxDepth: number
  batchSize: number
  /** batches being stored at once while the next is read */
  maxInFlight: number
  /** not a limit: which GDAL reads a survey database (GDAL_READER; default auto) */
  gdalReader?: GdalReaderMode
  /** not a limit: who reads a GeoPackage's rows, the service from the file (direct) or GDAL (GPKG_READER; default direct) */
  gpkgReader?: GpkgReaderMode
  /**
   * not a limit: copy (default): shapes proven and projected in Node where the system allows, then
   * sent by binary COPY on a PostgreSQL server, inserted as CGCS2000 on the embedded database
   * (./copy-batch.ts); insert: every row inserted from the source CRS, as before (bench, tests)
   */
  loader?: 'copy' | 'insert'
}

export interface ImportContext {
  knex: Knex
  /** what is not given takes its default (defaultImportLimits) */
  limits?: Partial<ImportLimits>
  onProgress?: (fraction: number, report: ImportReport) => void
  signal?: AbortSignal
  /** Runs in the transaction that switches readers to the version: what must commit with the switch. */
  onActivate?: (trx: Knex.Transaction, activation: Activation) => Promise<void>
}

/** The version being switched to, for what commits with the switch. */
export interface Activation {
  datasetId: number
  /** adds a warning to the report */
  warn(issue: ImportIssue): void
  /** the report as it stands, warnings added so far included */
  report(): ImportReport
}
