// Stored analyses that nothing references any more. History is kept on purpose where something
// rests on it: the result a province approval pinned (projects.approved_result_id), the latest
// result of each project (what readers show) and its latest current one (what a submission pins,
// review/service.ts). Every older result of a project is dropped.
import type { Knex } from 'knex'

/** Removes the county's unreferenced analysis results; returns how many. */
export async function pruneAnalysisResults(knex: Knex, county: string): Promise<number> {
  const { rowCount } = await knex.raw(
    `DELETE FROM analysis_results r
      WHERE r.xzqdm = ?
        AND r.id NOT IN (SELECT approved_result_id FROM projects WHERE xzqdm = ? AND approved_result_id IS NOT NULL)
        AND r.id NOT IN (SELECT max(id) FROM analysis_results WHERE xzqdm = ? GROUP BY project_id)
        AND r.id NOT IN (SELECT max(id) FROM analysis_results WHERE xzqdm = ? AND NOT stale GROUP BY project_id)`,
    [county, county, county, county],
  )
  return rowCount ?? 0
}
