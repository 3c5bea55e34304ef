// What an import tells its user: counts, CRS and encoding found, warnings and errors with records.

export interface ImportIssue {
  file?: string
  record?: number
  field?: string
  message: string
}

export interface ImportCounts {
  read: number
  stored: number
  repaired: number
  rejected: number
  nullShapes: number
  deleted: number
}

export interface ImportReport {
  counts: ImportCounts
  sourceCrs: { epsg: number | null; name: string; how: 'param' | 'prj' | 'detected'; proj4?: string } | null
  encoding: { name: string; how: 'param' | 'cpg' | 'ldid' | 'detected' | 'utf8-json'; detail?: string } | null
  warnings: ImportIssue[]
  errors: ImportIssue[]
  datasetId: number | null
  version: number | null
  unchanged: boolean
  timings: Record<string, number>
}

/** Keeps the first `limit` issues and counts the rest, so a bad million-record file stays readable. */
export class IssueList {
  readonly items: ImportIssue[] = []
  private dropped = 0

  constructor(private readonly limit: number) {}

  add(issue: ImportIssue): void {
    if (this.items.length < this.limit) this.items.push(issue)
    else this.dropped++
  }

  get count(): number {
    return this.items.length + this.dropped
  }

  toJSON(): ImportIssue[] {
    return this.dropped ? [...this.items, { message: `… and ${this.dropped} more` }] : this.items
  }
}

/** An import that cannot go on: what was wrong, where. */
export class ImportFailure extends Error {
  constructor(
    message: string,
    readonly issues: ImportIssue[] = [{ message }],
  ) {
    super(message)
  }
}

export const emptyReport = (): ImportReport => ({
  counts: { read: 0, stored: 0, repaired: 0, rejected: 0, nullShapes: 0, deleted: 0 },
  sourceCrs: null,
  encoding: null,
  warnings: [],
  errors: [],
  datasetId: null,
  version: null,
  unchanged: false,
  timings: {},
})
