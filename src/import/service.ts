// Import use cases for the HTTP API: check the form, create the job, run it in the background.
import fs from 'node:fs/promises'
import type { FastifyBaseLogger } from 'fastify'
import type { Knex } from 'knex'
import type { Actor } from '../auth/actor.js'
import { parseBursaWolf } from '../crs/registry.js'
import { inScope, resolveCounty } from '../domain/region.js'
import { problem } from '../errors/index.js'
import type { JobRunner } from '../jobs/runner.js'
import type { ImportForm } from '../schemas/imports.js'
import { createImportJob, executeImportJob, type ImportJobParams } from './jobs.js'
import type { ImportLimits } from './request.js'
import type { SavedUpload } from './upload.js'

export function parseImportForm(form: ImportForm, actor: Actor): ImportJobParams {
  const { county, problem: countyProblem } = resolveCounty(actor.scope, form.county)
  if (!county) throw problem('LR_BAD_REQUEST', countyProblem!, { detailZh: '请提供6位县级行政区划代码 county' })
  if (!inScope(actor.scope, county))
    throw problem('LR_FORBIDDEN', `this key may not import into county ${county}`, { detailZh: `本密钥无权向 ${county} 导入数据` })
  let fieldMap: Record<string, string> | undefined
  if (form.fieldMap) {
    try {
      fieldMap = JSON.parse(form.fieldMap)
    } catch {
      throw problem('LR_BAD_REQUEST', 'fieldMap is not valid JSON; expected e.g. {"buildingType": "JZLX"}', { detailZh: 'fieldMap 不是有效的 JSON' })
    }
    if (!fieldMap || typeof fieldMap !== 'object' || Array.isArray(fieldMap) || Object.values(fieldMap).some((v) => typeof v !== 'string')) {
      throw problem('LR_BAD_REQUEST', 'fieldMap must be a JSON object of our field → source field names', { detailZh: 'fieldMap 须为字段名对照对象' })
    }
  }
  let towgs84: number[] | undefined
  if (form.towgs84) {
    towgs84 = parseBursaWolf(form.towgs84) ?? undefined
    if (!towgs84) throw problem('LR_BAD_REQUEST', 'towgs84 must be 7 numbers dx,dy,dz,rx,ry,rz,ds (or 3: dx,dy,dz)', { detailZh: 'towgs84 应为7个参数' })
  }
  return {
    layer: form.layer,
    county,
    mode: form.mode ?? 'replace',
    srid: form.srid ? Number(form.srid) : undefined,
    encoding: form.encoding || undefined,
    towgs84,
    fieldMap,
    onInvalid: form.onInvalid ?? 'fail',
  }
}

export interface ImportDeps {
  knex: Knex
  runner: JobRunner
  log: FastifyBaseLogger
  limits?: Partial<ImportLimits>
  /** versions of a layer and county kept after an import (0: all) */
  keepVersions?: number
}

/** Creates the job and queues its run; the upload now belongs to the job. */
export async function submitImport(deps: ImportDeps, actor: Actor, params: ImportJobParams, upload: SavedUpload): Promise<number> {
  const id = await createImportJob(deps.knex, actor, params, upload)
  deps.runner.enqueue('import', id, async (signal) => {
    try {
      // An unexpected failure rejects: the runner fails the job (a second time if its own handler could not).
      await executeImportJob({ knex: deps.knex, limits: deps.limits, signal, keepVersions: deps.keepVersions }, id, params, upload, actor.principal.prefix)
    } finally {
      // The job removes the upload as it ends; this covers a job that failed before it could.
      await fs.rm(upload.workDir, { recursive: true, force: true })
    }
  })
  return id
}
