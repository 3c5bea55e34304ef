// `cli import`: the same import as the HTTP API, for files too big to upload through a browser.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { Knex } from 'knex'
import { cliActor } from '../auth/service.js'
import { parseBursaWolf } from '../crs/registry.js'
import { countyProblem } from '../domain/region.js'
import { createImportJob, executeImportJob, type ImportJobParams } from '../import/jobs.js'
import { layerKeys, layerKind } from '../catalogue/layer-kinds.js'
import { safeFileName } from '../import/upload.js'
import { progressBar } from './progress.js'

export class CliUsageError extends Error {}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export function parseImportArgs(args: string[]): { params: ImportJobParams; file: string } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      layer: { type: 'string' },
      county: { type: 'string' },
      srid: { type: 'string' },
      encoding: { type: 'string' },
      mode: { type: 'string', default: 'replace' },
      'field-map': { type: 'string' },
      towgs84: { type: 'string' },
      'on-invalid': { type: 'string', default: 'fail' },
    },
  })
  const file = positionals[0]
  if (!file) throw new CliUsageError('import needs the path of a .zip or .geojson file')
  if (!fs.existsSync(file)) throw new CliUsageError(`no such file: ${file}`)
  if (!values.layer || !layerKind(values.layer)) throw new CliUsageError(`--layer must be one of ${layerKeys.join(', ')}`)
  const why = values.county ? countyProblem(values.county, '--county') : '--county is required'
  if (why) throw new CliUsageError(why)
  if (values.mode !== 'replace' && values.mode !== 'append') throw new CliUsageError('--mode is replace or append')
  if (values['on-invalid'] !== 'fail' && values['on-invalid'] !== 'skip') throw new CliUsageError('--on-invalid is fail or skip')
  if (values.srid && !/^\d{4,6}$/.test(values.srid)) throw new CliUsageError('--srid must be an EPSG code')
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
    params: {
      layer: values.layer,
      county: values.county!,
      mode: values.mode,
      srid: values.srid ? Number(values.srid) : undefined,
      encoding: values.encoding,
      towgs84,
      fieldMap,
      onInvalid: values['on-invalid'],
    },
  }
}

/** Runs the import with a progress bar; returns the process exit code. */
export async function importCommand(knex: Knex, args: string[], keepVersions = 0): Promise<number> {
  const { params, file } = parseImportArgs(args)
  const name = safeFileName(path.basename(file))
  const digest = await sha256(file)
  const actor = cliActor()
  const jobId = await createImportJob(knex, actor, params, { name, sha256: digest })
  const bar = progressBar(`import ${params.layer} ${params.county}`)
  const report = await executeImportJob(
    { knex, keepVersions, signal: new AbortController().signal, onProgress: (f) => bar.update(f, `job ${jobId}`) },
    jobId,
    params,
    { path: path.resolve(file), name, sha256: digest },
    actor.principal.prefix,
  )
  bar.done()
  const ok = report.errors.length === 0
  const c = report.counts
  console.log(`${ok ? 'imported' : 'FAILED'}: job ${jobId}${report.version ? `, ${params.layer} version ${report.version} (dataset ${report.datasetId})` : ''}`)
  console.log(`  read ${c.read}, stored ${c.stored}, repaired ${c.repaired}, rejected ${c.rejected}, null shapes ${c.nullShapes}`)
  if (report.sourceCrs) console.log(`  CRS ${report.sourceCrs.name} (${report.sourceCrs.how})`)
  if (report.encoding) console.log(`  encoding ${report.encoding.name} (${report.encoding.how})`)
  const where = (i: { file?: string; record?: number; field?: string }) => [i.file, i.record && `record ${i.record}`, i.field].filter(Boolean).join(' ')
  for (const w of report.warnings.slice(0, 20)) console.log(`  warning: ${where(w) ? where(w) + ': ' : ''}${w.message}`)
  if (report.warnings.length > 20) console.log(`  … ${report.warnings.length - 20} more warnings (GET /api/v1/imports/${jobId})`)
  for (const e of report.errors) console.error(`  error: ${where(e) ? where(e) + ': ' : ''}${e.message}`)
  return ok ? 0 : 1
}
