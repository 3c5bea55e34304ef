// CSV for spreadsheet users: UTF-8 with a byte-order mark (without it Excel reads Chinese as the
// ANSI code page), CRLF line ends, RFC 4180 quoting.

/**
 * One cell. Text that a spreadsheet would run as a formula (=, +, -, @ first, and not a number) gets
 * a leading apostrophe: uploaded attribute values end up here.
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return ''
  let s = typeof v === 'object' ? JSON.stringify(v) : String(v)
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !/^[+-]?\d+(\.\d+)?$/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export const csvRow = (cells: unknown[]) => cells.map(csvCell).join(',') + '\r\n'

/**
 * The header convention of every CSV the service writes: Chinese titles by default (the people who
 * open them in a spreadsheet read Chinese), the API's English field names with headers=en (for scripts).
 */
export const headerLanguages = ['zh', 'en'] as const
export type HeaderLanguage = (typeof headerLanguages)[number]
export interface CsvColumn {
  zh: string
  en: string
}

/** BOM and the header row. */
export const csvHead = (columns: CsvColumn[], headers: HeaderLanguage = 'zh') => '\uFEFF' + csvRow(columns.map((c) => c[headers]))

/** A whole document: BOM, header row, rows. */
export const csvDocument = (columns: CsvColumn[], rows: unknown[][], headers: HeaderLanguage = 'zh') => csvHead(columns, headers) + rows.map(csvRow).join('')
