// `cli import`: the same import job as the HTTP API, for files too big to upload through a browser.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { Knex } from 'knex'
import { cliActor } from '../auth/service.js'
import { parseBursaWolf } from '../crs/registry.js'
import { countyProblem } from '../domain/region.js'
import type { ImportJobParams } from '../import/jobs.js'
import type { Jobs } from '../jobs/jobs.js'
import type { JobKindKey } from '../jobs/keys.js'
import { layerKeys, layerKind } from '../catalogue/layer-kinds.js'
import { listDatabase, detectDatabase } from '../import/database-source.js'
import type { JobLayer } from '../import/database-job.js'
import { safeFileName } from '../import/upload.js'
import { surveyYearLayers } from '../import/survey-year.js'
import { progressBar } from './progress.js'

export class CliUsageError extends Error {}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export function parseImportArgs(args: string[]): { params: ImportJobParams; file: string; layers?: Record<string, string> } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      layer: { type: 'string' },
      layers: { type: 'string' },
      county: { type: 'string' },
      srid: { type: 'string' },
      encoding: { type: 'string' },
      mode: { type: 'string', default: 'replace' },
      'field-map': { type: 'string' },
      towgs84: { type: 'string' },
      'on-invalid': { type: 'string', default: 'fail' },
      'survey-year': { type: 'string' },
    },
  })
  const file = positionals[0]
  if (!file) throw new CliUsageError('import needs the path of a .zip or .geojson file')
  if (!fs.existsSync(file)) throw new CliUsageError(`no such file: ${file}`)
  let layers: Record<string, string> | undefined
  if (values.layers !== undefined) {
    try {
      layers = JSON.parse(values.layers) as Record<string, string>
    } catch {
      layers = undefined
    }
    if (!layers || typeof layers !== 'object' || Array.isArray(layers) || !Object.keys(layers).length)
      throw new CliUsageError('--layers must be a JSON object of database layer → layer kind, e.g. {"DLTB":"survey3","XZQ":"admin-divisions"}')
    const bad = Object.values(layers).find((k) => typeof k !== 'string' || !layerKind(k))
    if (bad !== undefined) throw new CliUsageError(`--layers maps to ${String(bad)}: the kinds are ${layerKeys.join(', ')}`)
    if (values.layer) throw new CliUsageError('give --layer or --layers, not both')
    values.layer = Object.values(layers)[0]
  }
  if (!values.layer || !layerKind(values.layer)) throw new CliUsageError(`--layer must be one of ${layerKeys.join(', ')}`)
  const why = values.county ? countyProblem(values.county, '--county') : '--county is required'
  if (why) throw new CliUsageError(why)
  if (values.mode !== 'replace' && values.mode !== 'append') throw new CliUsageError('--mode is replace or append')
  if (values['on-invalid'] !== 'fail' && values['on-invalid'] !== 'skip') throw new CliUsageError('--on-invalid is fail or skip')
  if (values.srid && !/^\d{4,6}$/.test(values.srid)) throw new CliUsageError('--srid must be an EPSG code')
  if (values['survey-year'] !== undefined && !/^(19|20)\d{2}$/.test(values['survey-year'])) throw new CliUsageError('--survey-year must be a year')
  if (values['survey-year'] !== undefined && !(layers ? Object.values(layers) : [values.layer]).some((k) => surveyYearLayers.includes(k)))
    throw new CliUsageError(`--survey-year is for the layers ${surveyYearLayers.join(', ')} only`)
  const towgs84 = values.towgs84 ? parseBursaWolf(values.towgs84) : undefined
  if (towgs84 === null) throw new CliUsageError('--towgs84 must be 7 numbers dx,dy,dz,rx,ry,rz,ds')
  let fieldMap: Record<string, string> | undefined
  try {
    fieldMap = values['field-map'] ? JSON.parse(values['field-map']) : undefined
  } catch {
    throw new CliUsageError('--field-map must be JSON, e.g. {"buildingType":"FWLX"}')
  }
  return {
    file,
    ...(layers && { layers }),
    params: {
      layer: values.layer,
      county: values.county!,
      mode: values.mode,
      srid: values.srid ? Number(values.srid) : undefined,
      encoding: values.encoding,
      towgs84,
      fieldMap,
      onInvalid: values['on-invalid'],
      ...(values['survey-year'] !== undefined && { surveyYear: Number(values['survey-year']) }),
    },
  }
}

/** Runs the import with a progress bar, then what followed it (a bundle run); returns the process exit code. */
export async function importCommand(jobs: Jobs, knex: Knex, args: string[]): Promise<number> {
  const { params, file, layers } = parseImportArgs(args)
  const name = safeFileName(path.basename(file))
  if (layers) params.databaseLayers = await mappedLayers(path.resolve(file), name, layers)
  const digest = await sha256(file)
  const actor = cliActor()
  const { id } = await jobs.start('import', actor, { ...params, file: { path: path.resolve(file), name, sha256: digest } })
  const what = params.databaseLayers ? `${params.databaseLayers.length} layers of ${name}` : params.layer
  await followWithBar(jobs, { kind: 'import', id }, `import ${what} ${params.county}`)
  const job = await jobs.get('import', id, actor.scope)
  // a survey database's layers, each with what it made or why not
  for (const l of (job.layers ?? []) as JobLayer[])
    console.log(
      `  ${l.sourceLayer} → ${l.layer}: ${l.status}${l.version ? `, version ${l.version} (dataset ${l.datasetId})` : ''}${l.sourceCrs ? `, CRS ${l.sourceCrs.name}` : ''}${l.message ? `: ${l.message}` : ''}`,
    )
  const ok = job.status === 'succeeded'
  const c = job.counts ?? { read: 0, stored: 0, repaired: 0, rejected: 0, nullShapes: 0 }
  // a survey database's versions are its layers' (above)
  const version = job.datasetId && !job.layers ? (await knex('datasets').first('version').where({ id: job.datasetId }))?.version : null
  console.log(
    `${ok ? 'imported' : `${job.status.toUpperCase()}`}: job ${id}${version ? `, ${params.layer} version ${version} (dataset ${job.datasetId})` : ''}`,
  )
  console.log(`  read ${c.read}, stored ${c.stored}, repaired ${c.repaired}, rejected ${c.rejected}, null shapes ${c.nullShapes}`)
  // a survey database's are each layer's (above)
  if (job.sourceCrs && !job.layers) console.log(`  CRS ${job.sourceCrs.name} (${job.sourceCrs.how})`)
  if (job.encoding && !job.layers) console.log(`  encoding ${job.encoding.name} (${job.encoding.how})`)
  type Issue = { file?: string; record?: number; field?: string; message: string }
  const where = (i: Issue) => [i.file, i.record && `record ${i.record}`, i.field].filter(Boolean).join(' ')
  const warnings: Issue[] = job.warnings
  for (const w of warnings.slice(0, 20)) console.log(`  warning: ${where(w) ? where(w) + ': ' : ''}${w.message}`)
  if (warnings.length > 20) console.log(`  … ${warnings.length - 20} more warnings (GET /api/v1/imports/${id})`)
  for (const e of job.errors as Issue[]) console.error(`  error: ${where(e) ? where(e) + ': ' : ''}${e.message}`)
  // What the new version started runs here too, so the command ends with everything that follows it.
  let followUpsOk = true
  for (const f of job.followUps as Array<{ kind: JobKindKey; id: number }>) {
    const status = await followWithBar(jobs, f, `${f.kind} run ${f.id}`)
    const row = await jobs.get(f.kind, f.id, actor.scope)
    console.log(
      `${f.kind} run ${f.id} (after this import): ${row.status}${row.errors?.length ? `: ${row.errors.map((e: Issue) => e.message).join('; ')}` : ''}`,
    )
    followUpsOk &&= status === 'succeeded'
  }
  return ok && followUpsOk ? 0 : 1
}

/** The mapped layers of a survey database, as the job takes them (by their names there, their counts weighing the progress). */
async function mappedLayers(file: string, name: string, layers: Record<string, string>) {
  const db = await detectDatabase({ path: file, name })
  if (!db) throw new CliUsageError('--layers is for a survey database: a .gpkg, or a .zip holding one .gdb folder')
  const listing = await listDatabase(db)
  return Object.entries(layers).map(([sourceLayer, layer]) => {
    const l = listing.layers.find((x) => x.name.toUpperCase() === sourceLayer.toUpperCase())
    if (!l) throw new CliUsageError(`${db.name} has no layer ${sourceLayer} (layers: ${listing.layers.map((x) => x.name).join(', ')})`)
    return { sourceLayer: l.name, layer, featureCount: Math.max(l.featureCount, 0) }
  })
}

/** Draws a job's progress until it ends; its recorded end. */
export async function followWithBar(jobs: Jobs, job: { kind: JobKindKey; id: number }, label: string) {
  const bar = progressBar(label)
  const stop = jobs.subscribe((e) => {
    if (e.kind === job.kind && e.id === job.id && e.type === 'progress') bar.update(e.fraction ?? 0, e.label ?? `job ${job.id}`)
  })
  const status = await jobs.ended(job.kind, job.id)
  stop()
  bar.done()
  return status
}
