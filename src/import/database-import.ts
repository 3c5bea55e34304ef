// The import of one layer of a survey database (zipped .gdb, .gpkg): which layer, its CRS text for
// the CRS resolution, field aliases turned into a field map; the rows then go through the same
// loader as a shapefile's (./run.ts).
import { fieldMapByAlias, layerForKind, type DatabaseLayer, type LayerProposal } from './database-layers.js'
import { keptListing, listDatabase, openDatabaseLayer, type DatabaseListing, type DatabaseUpload } from './database-source.js'
import { nativeGdalFor } from './gdal/native.js'
import { GdalReader } from './gdal/reader.js'
import { directLayer } from './gpkg-source.js'
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
  const signal = run.ctx.signal
  const native = await nativeGdalFor(run.limits.gdalReader)
  const open = { family: run.req.kind.family, maxVertices: run.limits.maxVertices }
  // a GeoPackage's rows from the file itself when its layer allows (./gpkg-source.ts), else GDAL's
  const direct = (layer: DatabaseLayer) => directLayer(db, layer, open, run.limits.gpkgReader)
  if (native) {
    // the machine's GDAL: ogr2ogr through a pipe; the listing is the upload's (kept), else ogrinfo's or gdal3.js's
    const layer = chooseLayer(run, db, await listDatabase(db, { native, signal }))
    return (await direct(layer)) ?? openDatabaseLayer(db, layer, { native, signal }, open)
  }
  // one worker for the listing and the layer (starting GDAL's WebAssembly takes about a second), none
  // when the upload's listing is kept and the GeoPackage is read directly; the layer's source owns
  // the worker from there, and ends it once the layer is written
  const kept = await keptListing(db)
  let reader = kept ? null : await GdalReader.start(db.dir, signal)
  try {
    const layer = chooseLayer(run, db, kept ?? (await listDatabase(db, { reader: reader! })))
    const rows = await direct(layer)
    if (rows) {
      await reader?.close()
      return rows
    }
    reader ??= await GdalReader.start(db.dir, signal)
    return await openDatabaseLayer(db, layer, { reader }, open)
  } catch (err) {
    await reader?.close()
    throw err
  }
}

/** The layer the run imports (by its name, else the one of its kind), its CRS text and field map set on the run. */
function chooseLayer(run: DatabaseRun, db: DatabaseUpload, listing: DatabaseListing) {
  const { req, report } = run
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
  // the database, not the layer: each layer's entry names its layer, and one line in the console says the
  // encoding of all a database's layers when they agree (they always do: the formats are UTF-8)
  report.encoding = { name: 'UTF-8', how: 'database', detail: `${db.format === 'gdb' ? 'FileGDB' : 'GeoPackage'} ${db.name}` }
  run.prjText = layer.crs.wkt
  // fields known only by their aliases (地类编码 for F3) fill the columns; what the user mapped wins
  const byAlias = proposal?.fieldMap ?? fieldMapByAlias(req.kind, layer.fields)
  if (Object.keys(byAlias).length) run.req = { ...req, fieldMap: { ...byAlias, ...req.fieldMap } }
  return layer
}
