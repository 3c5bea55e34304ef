// A layer column as an import resolved it against one source: which source field fills it, and
// how an empty value is derived from the record's other columns.
import type { ColumnType } from '../catalogue/layer-kinds.js'

export interface ResolvedColumn {
  column: string
  field: string
  /** the catalogue's Chinese title, for the import's messages */
  titleZh: string
  type: ColumnType
  /** index of the source field, or -1 when the source has none */
  source: number
  sourceName: string | null
  /** fills a value the source leaves empty from the record's other columns, or says why it cannot */
  derive?: ColumnDeriver
}

/** Reads a record's converted value of another column (by database column name). */
export type ColumnDeriver = (
  valueOf: (column: string) => unknown,
) => { value: string | number | boolean } | { error: string; errorZh: string; /** the source field the failure is about */ field?: string }
