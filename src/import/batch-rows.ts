// Turns the features a source read into the rows of one insert: counts them, reports their issues
// and converts the values of the typed columns. Runs for every record: kept free of per-record objects
// where it can.
import type { ResolvedColumn } from './columns.js'
import { convertValue, notTypeZh } from './fields.js'
import type { BatchRows } from './queries.js'
import { issueAt, type ImportCounts, type IssueList } from './report.js'
import type { SourceBatch, SourceFeature } from './source.js'

export type ReadCounts = Pick<ImportCounts, 'read' | 'deleted' | 'rejected' | 'nullShapes'>

export class BatchBuilder {
  /** '"DLBM":' …: the attributes' JSON is written straight, without an object per record. */
  private readonly keys: string[]
  /**
   * For the record being built, the source fields whose typed column holds the value exactly as
   * delivered: those are not written to `attrs` again (each attribute stored once; a reader of a
   * mapped field reads its column). A value the column changed (a number into text, a date
   * rewritten, one refused) stays in `attrs` as delivered.
   */
  private readonly exact: Uint8Array
  /** indexes of columns filled from the record's other columns when the source leaves them empty */
  private readonly derived: number[]
  /** source field → the Chinese title of the column it fills, for the messages */
  private readonly titleZh: Map<string, string>

  constructor(
    fieldNames: string[],
    private readonly columns: ResolvedColumn[],
  ) {
    this.keys = fieldNames.map((n) => `${JSON.stringify(n)}:`)
    this.exact = new Uint8Array(fieldNames.length)
    this.derived = columns.flatMap((c, i) => (c.derive ? [i] : []))
    this.titleZh = new Map(columns.flatMap((c) => (c.sourceName ? [[c.sourceName, c.titleZh] as const] : [])))
  }

  /** The place of an issue, with the Chinese title of its field where the catalogue has one. */
  private place(file: string, record: number, field?: string) {
    return { file, record, ...(field !== undefined && { field, fieldZh: this.titleZh.get(field) }) }
  }

  /** Fills the record's empty derived columns; on failure removes the record from the rows and says why. */
  private derive(rows: BatchRows, record: number, fileName: string, errors: IssueList): boolean {
    const columns = this.columns
    const last = rows.records.length - 1
    const valueOf = (column: string) => {
      const i = columns.findIndex((c) => c.column === column)
      return i === -1 ? null : rows.columns[i]![last]
    }
    for (const i of this.derived) {
      if (rows.columns[i]![last] !== null) continue
      const d = columns[i]!.derive!(valueOf)
      if ('value' in d) {
        rows.columns[i]![last] = d.value
        continue
      }
      const field = d.field ?? columns[i]!.sourceName ?? columns[i]!.field
      errors.add(
        issueAt(
          { ...this.place(fileName, record, field), fieldZh: this.titleZh.get(field) ?? columns[i]!.titleZh },
          { message: d.error, messageZh: d.errorZh },
        ),
      )
      rows.records.pop()
      rows.wkbAt.pop()
      rows.wkbLength.pop()
      rows.proven.pop()
      rows.deferred.pop()
      rows.attrs.pop()
      for (const values of rows.columns) values.pop()
      return false
    }
    return true
  }

  build(batch: SourceBatch, fileName: string, issues: { warnings: IssueList; errors: IssueList }, counts: ReadCounts): BatchRows {
    const { warnings, errors } = issues
    const columns = this.columns
    const rows: BatchRows = { records: [], wkb: batch.wkb, wkbAt: [], wkbLength: [], proven: [], deferred: [], attrs: [], columns: columns.map(() => []) }
    for (const f of batch.features) {
      counts.read++
      if (f.deleted) {
        counts.deleted++
        continue
      }
      let fatal = false
      for (const issue of f.issues) {
        if (issue.fatal) {
          fatal = true
          errors.add(issueAt(this.place(fileName, f.record, issue.field), issue))
        } else warnings.add(issueAt(this.place(fileName, f.record, issue.field), issue))
      }
      if (f.shape.kind === 'rejected') {
        counts.rejected++
        errors.add(issueAt({ file: fileName, record: f.record }, f.shape))
        continue
      }
      if (fatal) {
        counts.rejected++
        continue
      }
      if (f.shape.kind === 'null') {
        counts.nullShapes++
        warnings.add(
          issueAt(
            { file: fileName, record: f.record },
            {
              message: 'null shape: stored with its attributes and no geometry',
              messageZh: '图形为空，已只导入属性：如该要素应有图形，请在 GIS 软件中补绘后重新导入',
            },
          ),
        )
      }
      rows.records.push(f.record)
      rows.wkbAt.push(f.shape.kind === 'shape' ? f.shape.wkbAt : null)
      rows.wkbLength.push(f.shape.kind === 'shape' ? f.shape.wkbLength : null)
      rows.proven.push(f.shape.kind === 'shape' && f.shape.proven)
      rows.deferred.push(f.shape.kind === 'shape' && f.shape.deferred === true)
      const exact = this.exact
      exact.fill(0)
      for (let i = 0; i < columns.length; i++) {
        const c = columns[i]!
        const v = c.source === -1 ? null : f.values[c.source]!
        // Text into text and finite numbers into doubles, the usual cases, need no conversion object.
        if (v === null || (c.type === 'text' && typeof v === 'string') || (c.type === 'double' && typeof v === 'number' && Number.isFinite(v))) {
          rows.columns[i]!.push(v)
          if (c.source !== -1) exact[c.source] = 1
          continue
        }
        const converted = convertValue(c.type, v)
        if ('error' in converted)
          warnings.add(
            issueAt(this.place(fileName, f.record, c.sourceName!), {
              message: `${converted.error}; ${c.field} stored as null`,
              messageZh: `“${String(v)}”${notTypeZh[c.type]}，已按空值导入`,
            }),
          )
        else if (converted.value === v) exact[c.source] = 1
        rows.columns[i]!.push('error' in converted ? null : converted.value)
      }
      rows.attrs.push(attrsJson(this.keys, exact, f.values))
      if (this.derived.length && !this.derive(rows, f.record, fileName, errors)) counts.rejected++
    }
    return rows
  }
}

/** The record's attributes but those its typed columns hold exactly, as a JSON object. */
function attrsJson(keys: string[], exact: Uint8Array, values: SourceFeature['values']): string {
  let out = ''
  for (let i = 0; i < keys.length; i++) {
    if (exact[i]) continue
    const v = values[i]
    out += (out ? ',' : '{') + keys[i] + (v === null || v === undefined ? 'null' : typeof v === 'string' ? JSON.stringify(v) : String(v))
  }
  return out ? out + '}' : '{}'
}
