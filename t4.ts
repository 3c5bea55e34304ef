import { createKnex } from './src/db/connection.js'
import * as q from './src/import/queries.js'
import { layerKind } from './src/import/layers.js'
import { resolveFields } from './src/import/fields.js'
const k = createKnex('postgres://postgres@127.0.0.1:5432/lr_scratch?options=-c%20jit%3Doff', 2)
const kind = layerKind('survey3')!
const { rows } = await k.raw('select source_record rec, ST_AsBinary(ST_Transform(geom, 4548)) wkb, attrs::text attrs, ' + kind.columns.map(c => c.column).join(',') + ' from survey3_patches order by id limit 2000')
const names = Object.keys(JSON.parse(rows[0].attrs))
const { columns } = resolveFields(kind, names)
const [ds] = await k('datasets').insert({ layer: 'survey3', xzqdm: '371599', version: 1, status: 'loading' }).returning('id')
const batch: q.BatchRows = { records: rows.map((r: any) => r.rec), wkb: rows.map((r: any) => r.wkb), attrs: rows.map((r: any) => r.attrs), columns: columns.map((c) => rows.map((r: any) => r[c.column])) }
const crs = { srid: 4548, hubSrid: null, epsg: 4548, name: 'x', how: 'prj' as const, identity: null }
// capture SQL
let captured: any
k.on('query', (d: any) => { if (d.sql.includes('ROWS FROM')) captured = { sql: d.sql, b: d.bindings } })
for (let i = 0; i < 3; i++) { const t = Date.now(); await q.insertBatch(k, kind, columns, { datasetId: ds.id, county: '371599', crs }, batch); console.log('batch ms', Date.now() - t) }
const base = captured.sql.replace(/\$\d+/g, '?')
const variants: Record<string, (s: string) => string> = {
  full: (s) => s,
  noValid: (s) => s.replace('(src IS NULL OR ST_IsValid(src))', 'true'),
  noTransform: (s) => s.replace('ST_Transform(fixed, 4490)', 'ST_SetSRID(fixed, 4490)'),
  noAttrs: (s) => s.replace(', rec, attrs,', ", rec, '{}'::jsonb,"),
  noValidNoTransform: (s) => s.replace('(src IS NULL OR ST_IsValid(src))', 'true').replace('ST_Transform(fixed, 4490)', 'ST_SetSRID(fixed, 4490)'),
}
for (const [name, f] of Object.entries(variants)) {
  const ex = await k.raw('EXPLAIN (ANALYZE, BUFFERS off) ' + f(base), captured.b)
  const lines = ex.rows.map((r: any) => r['QUERY PLAN'])
  console.log(name, lines.filter((l: string) => /Execution Time|Planning Time|Trigger/.test(l)).join(' | '))
}
await k('survey3_patches').where({ dataset_id: ds.id }).delete(); await k('datasets').where({ id: ds.id }).delete()
await k.destroy()
