// Attributes of a collection or query as CSV for Excel: UTF-8 with a byte-order mark (without it
// Excel reads Chinese as the ANSI code page), CRLF line ends, RFC 4180 quoting.
import type { Knex } from 'knex'
import type { Scope } from '../domain/region.js'
import type { Collection } from '../ogc/collections.js'
import type { ItemsQuery } from '../ogc/params.js'
import { pages } from './shapefile.js'

const cell = (v: unknown) => {
  if (v === null || v === undefined) return ''
  const s = String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export async function* csvLines(knex: Knex, c: Collection, scope: Scope, q: ItemsQuery): AsyncGenerator<string> {
  yield '\uFEFF' + ['id', ...q.properties.map((p) => p.name)].map(cell).join(',') + '\r\n'
  for await (const rows of pages(knex, c, scope, q, false)) {
    yield rows.map((r) => [r.id, ...r.values].map(cell).join(',') + '\r\n').join('')
  }
}
