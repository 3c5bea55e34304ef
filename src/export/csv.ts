// Attributes of a collection or query as CSV for Excel, streamed page by page, written by the
// service's one CSV writer (src/formats/csv.ts: BOM, CRLF, RFC 4180 quoting, formula guard).
import type { Knex } from 'knex'
import type { Scope } from '../domain/region.js'
import type { Collection } from '../ogc/collections.js'
import type { ItemsQuery } from '../ogc/params.js'
import { csvHead, csvRow } from '../formats/csv.js'
import { pages } from './shapefile.js'

export async function* csvLines(knex: Knex, c: Collection, scope: Scope, q: ItemsQuery): AsyncGenerator<string> {
  yield csvHead([{ zh: '要素标识', en: 'id' }, ...q.properties.map((p) => ({ zh: p.titleZh, en: p.name }))], q.headers)
  for await (const rows of pages(knex, c, scope, q, null)) {
    yield rows.map((r) => csvRow([r.id, ...r.values])).join('')
  }
}
