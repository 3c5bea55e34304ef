// The import of one layer of a survey database (zipped .gdb, .gpkg): which layer, its CRS text for
// the CRS resolution, field aliases turned into a field map; the rows then go through the same
// loader as a shapefile's (./run.ts).
import { fieldMapByAlias, layerForKind, type LayerProposal } from './database-layers.js'
import { listDatabase, openDatabaseLayer, type DatabaseUpload } from './database-source.js'
import { GdalReader } from './gdal/reader.js'
import type { ImportContext, ImportLimits, ImportRequest } from './request.js'
import type { ImportReport } from './report.js'
import { SourceError } from './shapefile-source.js'
import type { FeatureSource } from './source.js'

/** What of the run (./run.ts) the database's layer reads and sets: the request (its field map), the CRS text, the encoding said. */
export interface DatabaseRun {
  ctx: ImportContext
  req: ImportRequest
  limits: ImportLimits
  report: ImportReport
  prjText: string | null
}

export async function openDatabase(run: DatabaseRun, db: DatabaseUpload): Promise<FeatureSource> {
  // one worker for the listing and the layer (starting GDAL's WebAssembly takes about a second);
  // the layer's source owns it from there, and ends it once the layer is written
  const reader = await GdalReader.start(db.dir, run.ctx.signal, db.zipEncoding)
  try {
    return await openLayer(run, db, reader)
  } catch (err) {
    await reader.close()
    throw err
  }
}

async function openLayer(run: DatabaseRun, db: DatabaseUpload, reader: GdalReader): Promise<FeatureSource> {
  const { req, limits, report } = run
  const listing = await listDatabase(db, { reader })
  const names = listing.layers.map((l) => l.name).join(', ')
  let layer = req.sourceLayer ? listing.layers.find((l) => l.name.toUpperCase() === req.sourceLayer!.toUpperCase()) : undefined
  let proposal: LayerProposal | null = null
  if (req.sourceLayer && !layer)
    throw new SourceError(
      `${db.name} has no layer ${req.sourceLayer} (layers: ${names})`,
      `${db.name} 中没有图层 ${req.sourceLayer}（数据库中的图层：${listing.layers.map((l) => l.name).join('、')}）`,
    )
  if (!layer) {
    const found = layerForKind(listing.layers, req.kind.key)
    if ('candidates' in found)
      throw new SourceError(
        found.candidates.length
          ? `${db.name} has ${found.candidates.length} layers that could be ${req.kind.key} (${found.candidates.join(', ')}): name one with layers, e.g. {"${found.candidates[0]}": "${req.kind.key}"}`
          : `${db.name} has no layer of kind ${req.kind.key} (layers: ${names}): name one with layers, e.g. {"LAYER": "${req.kind.key}"}`,
        found.candidates.length
          ? `${db.name} 中有 ${found.candidates.length} 个图层可作为“${req.kind.titleZh}”（${found.candidates.join('、')}）：请在图层对应中指定一个`
          : `${db.name} 中没有可作为“${req.kind.titleZh}”的图层（数据库中的图层：${listing.layers.map((l) => l.name).join('、')}）：请在图层对应中指定`,
      )
    layer = found.layer
    proposal = found.proposal
  }
  report.encoding = { name: 'UTF-8', how: 'database', detail: `${db.format === 'gdb' ? 'FileGDB' : 'GeoPackage'} ${db.name}, layer ${layer.name}` }
  run.prjText = layer.crs.wkt
  // fields known only by their aliases (地类编码 for F3) fill the columns; what the user mapped wins
  const byAlias = proposal?.fieldMap ?? fieldMapByAlias(req.kind, layer.fields)
  if (Object.keys(byAlias).length) run.req = { ...req, fieldMap: { ...byAlias, ...req.fieldMap } }
  return openDatabaseLayer(db, layer, reader, { family: req.kind.family, maxVertices: limits.maxVertices })
}
