// A `projects` layer import (项目红线) creates or updates one project per feature, keyed by its
// code within the county; the boundary and name follow the new version, user-set attributes stay.
import type { Knex } from 'knex'
import type { DevelopmentMode } from '../domain/project.js'
import { lockedStatuses } from '../domain/workflow.js'

/** 开发模式 as deliveries write it → our code (substring match: '政府收储改造', '政府收储' …). */
export function developmentModeOf(text: string | null): DevelopmentMode | null {
  if (!text) return null
  if (text.includes('政府收储')) return 'government-reserve'
  if (text.includes('原土地使用权人') || text.includes('自主')) return 'original-owner'
  if (text.includes('集体')) return 'collective'
  if (text.includes('市场主体')) return 'market'
  return null
}

export async function syncProjectsFromLayer(
  knex: Knex,
  datasetId: number,
  county: string,
): Promise<{ created: number; updated: number; skipped: Array<{ record: number; message: string }> }> {
  const rows = await knex('project_boundaries')
    .select('source_record', 'project_code', 'project_name', 'development_mode', knex.raw("encode(ST_AsEWKB(geom), 'hex') AS ewkb"))
    .where({ dataset_id: datasetId })
    .orderBy('source_record')
  const skipped: Array<{ record: number; message: string }> = []
  const seen = new Set<string>()
  let created = 0
  let updated = 0
  await knex.transaction(async (trx) => {
    for (const r of rows) {
      if (!r.project_code) skipped.push({ record: r.source_record, message: 'no project code (XMBH): not made a project' })
      else if (!r.ewkb) skipped.push({ record: r.source_record, message: `project ${r.project_code} has no boundary: not made a project` })
      else if (seen.has(r.project_code))
        skipped.push({ record: r.source_record, message: `project code ${r.project_code} appears twice; the first feature was used` })
      else {
        seen.add(r.project_code)
        const { rows: out } = await trx.raw(
          `INSERT INTO projects (xzqdm, code, name, geom, development_mode, source_dataset_id)
           VALUES (?, ?, ?, ST_GeomFromEWKB(decode(?, 'hex')), ?, ?)
           ON CONFLICT (xzqdm, code) DO UPDATE SET name = coalesce(EXCLUDED.name, projects.name), geom = EXCLUDED.geom,
             development_mode = coalesce(projects.development_mode, EXCLUDED.development_mode), source_dataset_id = EXCLUDED.source_dataset_id, updated_at = now()
           WHERE projects.status <> ALL (?::text[])
           RETURNING (xmax = 0) AS inserted`,
          [county, r.project_code, r.project_name, r.ewkb, developmentModeOf(r.development_mode), datasetId, lockedStatuses],
        )
        if (!out.length)
          skipped.push({
            record: r.source_record,
            message: `project ${r.project_code} is under review or approved: its boundary was not changed (return it first)`,
          })
        else if (out[0].inserted) created++
        else updated++
      }
    }
  })
  return { created, updated, skipped }
}
