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

/** A whole document: BOM, header row, rows. */
export const csvDocument = (headers: string[], rows: unknown[][]) => '\uFEFF' + csvRow(headers) + rows.map(csvRow).join('')
