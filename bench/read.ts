// npm run bench:read [-- --patches 100000 --rounds 5]
// The Node side of an import alone, without a database: unzip, read .shp and .dbf, decode, and
// build the batch rows as the loader does. CPU time per round (less disturbed by other processes
// than wall time) and the garbage collector's share, to measure reader changes in isolation.
import { PerformanceObserver } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { generatedSurvey3, median } from './db.js'
import { openShapefileArchive } from '../src/import/archive.js'
import { openShapefile } from '../src/import/shapefile-source.js'
import { resolveFields } from '../src/import/fields.js'
import { layerKind } from '../src/catalogue/layer-kinds.js'
import { BatchBuilder } from '../src/import/batch-rows.js'
import { IssueList } from '../src/import/report.js'

const { values } = parseArgs({ options: { patches: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '5' } } })
const patches = Number(values.patches)
const rounds = Number(values.rounds)

let gcMs = 0
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration
}).observe({ entryTypes: ['gc'] })

async function round(zip: string): Promise<{ cpu: number; gc: number; rows: number }> {
  const kind = layerKind('survey3')!
  gcMs = 0
  const c0 = process.cpuUsage()
  const archive = await openShapefileArchive(zip)
  const { source } = await openShapefile(archive, { family: 'polygon', encoding: 'GBK', maxVertices: 1_000_000 })
  const { columns } = resolveFields(kind, source.fieldNames)
  const builder = new BatchBuilder(source.fieldNames, columns)
  let rows = 0
  for (;;) {
    const batch = await source.next(2000)
    if (batch.features.length === 0) break
    const r = builder.build(
      batch,
      source.fileName,
      { warnings: new IssueList(200), errors: new IssueList(100) },
      { read: 0, deleted: 0, rejected: 0, nullShapes: 0 },
    )
    rows += r.records.length
  }
  await source.close()
  archive.close()
  const c = process.cpuUsage(c0)
  await new Promise((r) => setTimeout(r, 50)) // let the gc observer report
  return { cpu: (c.user + c.system) / 1000, gc: gcMs, rows }
}

const { zip } = await generatedSurvey3(patches)
const cpu: number[] = []
const gc: number[] = []
for (let r = 0; r < rounds; r++) {
  const x = await round(zip)
  if (x.rows !== patches) throw new Error(`read ${x.rows} of ${patches}`)
  cpu.push(x.cpu)
  gc.push(x.gc)
  console.log(`round ${r + 1}: cpu ${x.cpu.toFixed(0)} ms, gc ${x.gc.toFixed(0)} ms`)
}
console.log(`median: cpu ${median(cpu).toFixed(0)} ms, gc ${median(gc).toFixed(0)} ms (${patches} patches, ${rounds} rounds)`)
