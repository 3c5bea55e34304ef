import crypto from 'node:crypto'
import fs from 'node:fs'
import { createKnex } from './src/db/connection.js'
import { migrateLatest } from './src/db/migrate.js'
import { runImport } from './src/import/run.js'
import { layerKind } from './src/import/layers.js'
const k = createKnex('postgres://postgres@127.0.0.1:5432/lr_scratch', 2)
await migrateLatest(k)
await k.raw('TRUNCATE datasets CASCADE')
for (const layer of (process.argv[2] ? ['survey3'] : ['survey3', 'survey2'])) {
  const file = process.argv[2] ?? `/tmp/gen/371502_${layer}.zip`
  const sha256 = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')
  try {
    const r = await runImport({ knex: k, workDir: `/tmp/work-${layer}` }, { kind: layerKind(layer)!, county: '371502', mode: 'replace', onInvalid: 'fail', file: { path: file, name: `371502_${layer}.zip`, sha256 }, importedBy: 'test', jobId: null })
    console.log(layer, JSON.stringify({ counts: r.counts, crs: r.sourceCrs, enc: r.encoding, w: r.warnings.slice(0, 3), t: r.timings }))
  } catch (e) { console.log(layer, 'FAILED', (e as any).message, JSON.stringify((e as any).report?.errors)) }
}
console.log((await k.raw("select dlbm, dlmc, zldwmc, tbmj, ST_Area(geom::geography) a, ST_AsText(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom,1)),1)) p from survey3_patches order by id desc limit 2")).rows)
console.log((await k.raw("select building_type, count(*) from buildings group by 1")).rows)
await k.destroy()
console.log("db ms", (globalThis as any).dbms)
