// The same land is never rewarded twice (issue 21; 165号 三 盘活存量面积以项目区范围内二调建设用地面积核定):
// the city does not pass, and the province does not approve, a project whose stock land overlaps a
// counted (province-approved) project's beyond the conflict tolerance. Judged on the project's
// latest current analysis, so a boundary changed and re-analysed resolves it; and since another
// project's status is an input of that analysis, a transition makes its neighbours' results stale.
import type { Knex } from 'knex'
import { REACH } from '../db/analysis-cut.js'
import { analysisDefaults } from '../domain/analysis-config.js'
import { m2Text } from '../domain/display.js'
import { countedStatuses } from '../domain/rules.js'
import { problem } from '../errors/index.js'
import type { AnalysisResult } from '../schemas/analysis.js'

/** The overlaps that forbid passing the project on: stock land shared with a counted project above the tolerance. */
export function blockingOverlaps(result: Pick<AnalysisResult, 'overlaps'>, toleranceM2 = analysisDefaults.conflictToleranceM2) {
  return result.overlaps.filter((o) => countedStatuses.includes(o.status) && o.stockM2 > toleranceM2)
}

/** Refuses the step (409, LR_DOUBLE_COUNTING) when the analysis finds stock land already counted. */
export function refuseDoubleCounting(code: string, result: Pick<AnalysisResult, 'overlaps'>, toleranceM2 = analysisDefaults.conflictToleranceM2) {
  const blocking = blockingOverlaps(result, toleranceM2)
  if (!blocking.length) return
  const list = (sep: string) => blocking.map((o) => `${o.code} ${m2Text(o.stockM2, [toleranceM2])}`).join(sep)
  throw problem(
    'LR_DOUBLE_COUNTING',
    `project ${code} shares second-survey construction land with province-approved projects (${list(', ')}), above the ${toleranceM2} m² tolerance: the same land may not be counted twice; change the boundary and analyse again`,
    {
      detailZh: `项目${code}与已通过省级审核的项目存量用地重叠（${list('，')}），超过${toleranceM2}平方米容差，同一土地不得重复核定：请修改项目范围并重新分析`,
      errors: blocking.map((o) => ({ path: '/overlaps', field: o.code, message: `project ${o.projectId} (${o.code}): ${o.stockM2} m² of stock land` })),
    },
  )
}

/**
 * Marks stale the latest analyses of the county's other projects overlapping `project`: they list
 * its status, which a transition just changed. Approved projects keep their record (the pinned
 * result is read as stored). One bound statement, county bound.
 */
export async function markNeighboursStale(trx: Knex, project: { id: number; county: string }): Promise<void> {
  await trx.raw(
    `UPDATE analysis_results r SET stale = true
       FROM projects x, projects o
      WHERE x.id = ? AND x.xzqdm = ? AND o.xzqdm = ? AND o.id <> x.id AND o.status <> ALL(?::text[])
        AND o.geom && ST_Expand(x.geom, ${REACH}) AND ST_DWithin(o.geom, x.geom, ${REACH})
        AND r.xzqdm = ? AND r.project_id = o.id AND NOT r.stale`,
    [project.id, project.county, project.county, [...countedStatuses], project.county],
  )
}
