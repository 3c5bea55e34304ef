// Import use cases for the HTTP API: check the form, start the job (the runner runs it in the background).
import type { Actor } from '../auth/actor.js'
import { parseBursaWolf } from '../crs/registry.js'
import { inScope, resolveCounty } from '../domain/region.js'
import { problem } from '../errors/index.js'
import { faultPoint } from '../jobs/fault-points.js'
import type { Jobs } from '../jobs/jobs.js'
import type { ImportForm } from '../schemas/imports.js'
import type { ImportJobParams } from './jobs.js'
import type { SavedUpload } from './upload.js'
import { surveyYearLayers } from './survey-year.js'

export function parseImportForm(form: ImportForm & { layer: string }, actor: Actor): ImportJobParams {
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
  const surveyYear = form.surveyYear === undefined ? undefined : Number(form.surveyYear)
  if (surveyYear !== undefined && !surveyYearLayers.includes(form.layer))
    throw problem('LR_BAD_REQUEST', `surveyYear is for the layers ${surveyYearLayers.join(', ')} only, not ${form.layer}`, {
      detailZh: `调查年度（surveyYear）仅适用于三调地类图斑（年度变更调查），不适用于图层 ${form.layer}`,
      errors: [{ path: '/surveyYear', message: 'not for this layer' }],
    })
  return {
    layer: form.layer,
    county,
    mode: form.mode ?? 'replace',
    srid: form.srid ? Number(form.srid) : undefined,
    encoding: form.encoding || undefined,
    towgs84,
    fieldMap,
    onInvalid: form.onInvalid ?? 'fail',
    ...(surveyYear !== undefined && { surveyYear }),
  }
}

/** Starts the import job; the upload now belongs to it (removed as the job ends, or at the next start). */
export async function submitImport(jobs: Jobs, actor: Actor, params: ImportJobParams, upload: SavedUpload) {
  const started = await jobs.start('import', actor, {
    ...params,
    file: { path: upload.path, name: upload.name, sha256: upload.sha256, workDir: upload.workDir },
  })
  await faultPoint('import.queued')
  return started
}
