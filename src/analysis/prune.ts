// Stored analyses that nothing references any more. History is kept on purpose where something
// rests on it: the result a province approval pinned (projects.approved_result_id), the latest
// result of each project (what readers show) and its latest current one (what a submission pins,
// review/service.ts). Every older result of a project is dropped.
//
// A pinned result is never deleted, so nothing has to clear approved_result_id here (that key is
// ON DELETE NO ACTION since migration 20261201040000_citus_no_set_null, where it used to SET NULL).
// An approval pinning a result while this runs holds a lock on it (review/service.ts reads it FOR
// SHARE, and its foreign key check takes another): such rows are skipped, not waited for, since
// after the wait the statement would delete a result the approval had just pinned and the key would
// refuse it (before, SET NULL silently unpinned the approval). A skipped row goes at the next prune if
// nothing pins it by then; an approval that comes after the row is gone finds no result and asks to retry.
import type { Knex } from 'knex'
import { approvedAnalysisIdsOfCounty, latestAnalysisIdsOfCounty, latestCurrentAnalysisIdsOfCounty } from '../db/read-model.js'

/** Removes the county's unreferenced analysis results; returns how many. */
export async function pruneAnalysisResults(knex: Knex, county: string): Promise<number> {
  const { rowCount } = await knex.raw(
    `DELETE FROM analysis_results
      WHERE xzqdm = ? AND id IN (
        SELECT r.id FROM analysis_results r
         WHERE r.xzqdm = ?
           AND r.id NOT IN (${approvedAnalysisIdsOfCounty})
           AND r.id NOT IN (${latestAnalysisIdsOfCounty})
           AND r.id NOT IN (${latestCurrentAnalysisIdsOfCounty})
           FOR UPDATE SKIP LOCKED)`,
    [county, county, county, county, county],
  )
  return rowCount ?? 0
}
