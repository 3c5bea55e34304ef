// An upload that is a survey database (zipped .gdb, .gpkg), at the HTTP API: listed with the
// proposed mapping when neither layer nor layers is given; `layer`: the one layer of that kind, an
// import as a shapefile's; `layers`: one import job for the mapped layers, each a new version of its
// kind (atomic per layer, like every import), the job showing each one's progress (./database-job.ts).
import type { Actor } from '../auth/actor.js'
import { layerKind } from '../catalogue/layer-kinds.js'
import { identifyPrj } from '../crs/prj.js'
import { chooseCrsZh } from '../crs/resolve.js'
import { problem } from '../errors/index.js'
import type { Jobs } from '../jobs/jobs.js'
import type { ImportForm } from '../schemas/imports.js'
import { layerForKind, proposeMapping, type DatabaseLayer } from './database-layers.js'
import { gdalScratchBytes, layerProblem, listDatabase, type DatabaseUpload } from './database-source.js'
import { nativeGdalFor, type GdalReaderMode } from './gdal/native.js'
import { directLayer, type GpkgReaderMode } from './gpkg-source.js'
import { parseImportForm, submitImport } from './service.js'
import { surveyYearLayers } from './survey-year.js'
import { SourceError } from './shapefile-source.js'
import type { SavedUpload } from './upload.js'

const unprocessable = (err: unknown) => (err instanceof SourceError ? problem('LR_UNPROCESSABLE', err.message, { detailZh: err.messageZh }) : err)

/** The listing answer: every layer with its proposed kind, and the proposal as a `layers` value. */
export function listingAnswer(db: DatabaseUpload, layers: DatabaseLayer[]) {
  const proposals = proposeMapping(layers)
  const mapping: Record<string, string> = {}
  for (const p of proposals) if (p.kind) mapping[p.layer] = p.kind
  return {
    format: db.format,
    name: db.name,
    layers: layers.map((l, i) => {
      const p = proposals[i]!
      const bad = layerProblem(db, l)
      return {
        name: l.name,
        alias: l.alias,
        geometryType: l.geometryType,
        featureCount: l.featureCount,
        crs: { epsg: l.crs.epsg, name: l.crs.name },
        extent: l.extent,
        fields: l.fields,
        proposed: p.kind,
        reason: p.reason,
        reasonZh: p.reasonZh,
        fieldMap: p.fieldMap,
        ...(bad && { problem: bad }),
      }
    }),
    mapping,
  }
}

function parseLayers(text: string): Record<string, string> {
  let map: unknown
  try {
    map = JSON.parse(text)
  } catch {
    map = null
  }
  if (!map || typeof map !== 'object' || Array.isArray(map) || Object.values(map).some((v) => typeof v !== 'string') || !Object.keys(map).length)
    throw problem('LR_BAD_REQUEST', 'layers must be a JSON object of database layer → layer kind, e.g. {"DLTB":"survey3","XZQ":"admin-divisions"}', {
      detailZh: '图层对应（layers）须为 JSON 对象：数据库图层名 → 图层类型，如 {"DLTB":"survey3","XZQ":"admin-divisions"}',
      errors: [{ path: '/layers', message: 'not a JSON object of strings' }],
    })
  return map as Record<string, string>
}

/** Checks a layer can be imported as the kind before a job is started for it. */
function checkLayer(db: DatabaseUpload, l: DatabaseLayer, kindKey: string, srid: string | undefined): void {
  const kind = layerKind(kindKey)
  if (!kind)
    throw problem('LR_BAD_REQUEST', `layers maps ${l.name} to ${kindKey}, which is not a layer kind`, {
      detailZh: `图层对应把 ${l.name} 对应到“${kindKey}”，这不是本服务的图层类型`,
      errors: [{ path: '/layers', message: `unknown layer kind ${kindKey}` }],
    })
  const bad = layerProblem(db, l)
  if (bad) throw problem('LR_UNPROCESSABLE', bad.message, { detailZh: bad.messageZh, errors: [{ file: `${db.name}:${l.name}`, ...bad }] })
  const fam = l.geometryType && /polygon|surface/i.test(l.geometryType) ? 'polygon' : l.geometryType && /line|curve/i.test(l.geometryType) ? 'line' : null
  if (fam !== kind.family)
    throw problem(
      'LR_UNPROCESSABLE',
      `layer ${l.name} holds ${l.geometryType ?? 'no'} geometries; ${kind.key} needs ${kind.family === 'polygon' ? 'polygons' : 'lines'}`,
      {
        detailZh: `图层 ${l.name} 的几何类型为 ${l.geometryType ?? '无'}，而“${kind.titleZh}”须为${kind.family === 'polygon' ? '面' : '线'}要素`,
      },
    )
  // A system the service cannot use is said now, not after the upload has waited for its job; the
  // rest (zones against coordinates, Xian 1980's parameters) is the import's, as for a shapefile.
  const id = !srid && l.crs.wkt ? identifyPrj(l.crs.wkt) : null
  if (id && 'error' in id)
    throw problem(
      'LR_UNPROCESSABLE',
      `layer ${l.name}: its coordinate system ${l.crs.name ?? ''} is not one the service knows (${id.error.replace('the .prj file', 'it')}); pass srid`,
      {
        detailZh: `图层 ${l.name} 的坐标系“${l.crs.name ?? '未命名'}”无法识别（不是国家 2000、西安 80、北京 54 的高斯-克吕格投影或经纬度）。${chooseCrsZh()}`,
        code: 'crs',
      },
    )
}

export type DatabaseAnswer =
  | { status: 200; body: ReturnType<typeof listingAnswer> }
  | { status: 202; body: { id: number; status: string; url: string; layers?: Array<{ layer: string; sourceLayer: string }> } }

/** Whether the service reads this layer's rows itself (./gpkg-source.ts): then GDAL writes none beside the upload. */
async function readsDirectly(db: DatabaseUpload, layer: DatabaseLayer, kind: string, mode?: GpkgReaderMode): Promise<boolean> {
  const source = await directLayer(db, layer, { family: layerKind(kind)!.family, maxVertices: 1 }, mode).catch(() => null)
  await source?.close()
  return source !== null
}

export async function submitDatabaseUpload(
  jobs: Jobs,
  actor: Actor,
  form: ImportForm,
  upload: SavedUpload,
  db: DatabaseUpload,
  readers: {
    gdalReader?: GdalReaderMode
    gpkgReader?: GpkgReaderMode
    /** with gdal3.js reading: checks the room for the rows it writes beside the upload (507 without) */
    scratchRoom?: (bytes: number) => Promise<void>
  } = {},
): Promise<DatabaseAnswer> {
  const native = await nativeGdalFor(readers.gdalReader)
  const listing = await listDatabase(db, { native }).catch((err: unknown) => {
    throw unprocessable(err)
  })
  const byName = (name: string) => listing.layers.find((l) => l.name === name) ?? listing.layers.find((l) => l.name.toUpperCase() === name.toUpperCase())
  let wanted: Array<[DatabaseLayer, string]>
  if (form.layers) {
    wanted = Object.entries(parseLayers(form.layers)).map(([name, kind]) => {
      const l = byName(name)
      if (!l)
        throw problem('LR_UNPROCESSABLE', `${db.name} has no layer ${name} (layers: ${listing.layers.map((x) => x.name).join(', ')})`, {
          detailZh: `${db.name} 中没有图层 ${name}（数据库中的图层：${listing.layers.map((x) => x.name).join('、')}）`,
          errors: [{ path: '/layers', message: `no layer ${name}` }],
        })
      return [l, kind]
    })
  } else if (form.layer) {
    const found = layerForKind(listing.layers, form.layer)
    if ('candidates' in found) {
      const kind = layerKind(form.layer)!
      const c = found.candidates
      throw problem(
        'LR_UNPROCESSABLE',
        c.length
          ? `${db.name} has ${c.length} layers that could be ${form.layer} (${c.join(', ')}): name one with layers, e.g. {"${c[0]}":"${form.layer}"}`
          : `${db.name} has no layer of kind ${form.layer} (layers: ${listing.layers.map((x) => x.name).join(', ')}): name one with layers`,
        {
          detailZh: c.length
            ? `${db.name} 中有 ${c.length} 个图层可作为“${kind.titleZh}”（${c.join('、')}）：请用图层对应（layers）指定一个`
            : `${db.name} 中没有可作为“${kind.titleZh}”的图层（数据库中的图层：${listing.layers.map((x) => x.name).join('、')}）：请用图层对应（layers）指定`,
          listing: listingAnswer(db, listing.layers),
        },
      )
    }
    wanted = [[found.layer, form.layer]]
  } else return { status: 200, body: listingAnswer(db, listing.layers) }
  const seen = new Set<string>()
  for (const [l, kind] of wanted) {
    checkLayer(db, l, kind, form.srid)
    if (seen.has(kind))
      throw problem('LR_BAD_REQUEST', `layers maps two layers to ${kind}; one layer per kind`, {
        detailZh: `图层对应中有两个图层对应到同一图层类型“${layerKind(kind)!.titleZh}”：每种类型只能对应一个图层`,
      })
    seen.add(kind)
  }
  // gdal3.js writes a layer's rows beside the upload while the job reads them: room for them too,
  // unless no layer is read by it (the machine's GDAL writes to a pipe; a GeoPackage's rows are
  // read from the file itself where its layer allows)
  if (!native && readers.scratchRoom) {
    const direct = await Promise.all(wanted.map(([l, kind]) => readsDirectly(db, l, kind, readers.gpkgReader)))
    if (!direct.every(Boolean)) await readers.scratchRoom(gdalScratchBytes(db))
  }
  if (!form.layers) {
    const [[l, kind]] = wanted as [[DatabaseLayer, string]]
    const { id, url } = await submitImport(jobs, actor, { ...parseImportForm({ ...form, layer: kind }, actor), sourceLayer: l.name }, upload)
    return { status: 202, body: { id, status: 'queued', url } }
  }
  // One job for the mapped layers: its `layer` is the first one's kind (a survey year is checked
  // against the survey layer it is for, and goes to that layer only).
  const main = (form.surveyYear !== undefined && wanted.find(([, kind]) => surveyYearLayers.includes(kind))) || wanted[0]!
  const databaseLayers = wanted.map(([l, kind]) => ({ sourceLayer: l.name, layer: kind, featureCount: Math.max(l.featureCount, 0) }))
  const params = { ...parseImportForm({ ...form, layer: main[1] }, actor), layer: wanted[0]![1], databaseLayers }
  const { id, url } = await submitImport(jobs, actor, params, upload)
  return { status: 202, body: { id, status: 'queued', url, layers: databaseLayers.map(({ sourceLayer, layer }) => ({ sourceLayer, layer })) } }
}
