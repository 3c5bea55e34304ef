// What an import tells its user: counts, CRS and encoding found, warnings and errors with records.
import type { Said } from '../errors/bilingual.js'
import { stoppedByService, stoppedSaid } from '../jobs/kinds.js'

/**
 * What a console (or a script) can do about an issue, as it acts on it:
 * - unchanged: the file is the active version's own, nothing was imported (a warning);
 * - no-prj: no .prj and no srid, and the coordinates do not tell the system: choose one (srid);
 * - crs: the coordinate system found or given does not fit the data: choose another (srid);
 * - towgs84: Xian 1980 / Beijing 1954 data without the 7 parameters: give them (towgs84);
 * - field-missing: a required field was not found: name its source field (fieldMap, see fieldMapFor);
 * - invalid-records: records were refused and the import failed: onInvalid=skip stores the rest.
 */
export type IssueCode = 'unchanged' | 'no-prj' | 'crs' | 'towgs84' | 'field-missing' | 'invalid-records'
export const issueCodes: IssueCode[] = ['unchanged', 'no-prj', 'crs', 'towgs84', 'field-missing', 'invalid-records']

/** A required field not found: which one, and the file's fields it can be mapped to. */
export interface FieldMapFor {
  field: string
  titleZh: string
  sourceFields: string[]
}

/** What an issue says and, when something can be done about it, what (code) and with which fields. */
export interface Remedied {
  code?: IssueCode
  fieldMapFor?: FieldMapFor
}

/** One warning or error: where (file, record, field) and what, in English and in Chinese. */
export interface ImportIssue extends Remedied {
  file?: string
  record?: number
  field?: string
  message: string
  /** the Chinese a county technician reads: file, record, field, the cause and what to set */
  messageZh: string
}

/** Where an issue lies; fieldZh is the catalogue's Chinese title of the field the source field fills. */
export interface IssuePlace {
  file?: string
  record?: number
  field?: string
  fieldZh?: string
}

/** 文件“a.shp”第 3 条记录 字段“建筑类型”（JZLX）: the place in the words of the Chinese text. */
export function placeZh(p: IssuePlace): string {
  const at = `${p.file ? `文件“${p.file}”` : ''}${p.record !== undefined ? `第 ${p.record} 条记录` : ''}`
  if (!p.field) return at
  const field = p.fieldZh && p.fieldZh !== p.field ? `字段“${p.fieldZh}”（${p.field}）` : `字段“${p.field}”`
  return at ? `${at}，${field}` : field
}

/** An issue at a place: the Chinese text starts with the place, so it reads alone. */
export function issueAt(place: IssuePlace, said: Said & Remedied): ImportIssue {
  const where = placeZh(place)
  const { fieldZh: _, ...at } = place
  return {
    ...at,
    message: said.message,
    messageZh: where ? `${where}：${said.messageZh}` : said.messageZh,
    ...(said.code && { code: said.code }),
    ...(said.fieldMapFor && { fieldMapFor: said.fieldMapFor }),
  }
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
  sourceCrs: { epsg: number | null; name: string; nameZh?: string; how: 'param' | 'prj' | 'detected'; proj4?: string } | null
  encoding: { name: string; how: 'param' | 'cpg' | 'ldid' | 'detected' | 'utf8-json' | 'database'; detail?: string } | null
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

  /** Puts an issue that sums up the others first (beyond the limit: it is the one to read). */
  lead(issue: ImportIssue): void {
    this.items.unshift(issue)
  }

  get count(): number {
    return this.items.length + this.dropped
  }

  toJSON(): ImportIssue[] {
    return this.dropped ? [...this.items, { message: `… and ${this.dropped} more`, messageZh: `……另有 ${this.dropped} 条未列出` }] : this.items
  }
}

/** An import that cannot go on: what was wrong, where. */
export class ImportFailure extends Error {
  readonly issues: ImportIssue[]

  constructor(said: Said, issues?: ImportIssue[]) {
    super(said.message)
    this.issues = issues ?? [{ message: said.message, messageZh: said.messageZh }]
  }
}

/** A cancel by the user: not a fault of the file. */
export const cancelled: Said = { message: 'cancelled', messageZh: '导入已取消' }
/** Why an aborted import ended: a user's cancel, or a stop of the service (nobody cancelled it). */
export const abortedSaid = (signal?: AbortSignal): Said => (stoppedByService(signal) ? stoppedSaid : cancelled)

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
