// Knowledge several features need, written once: which layer versions are active, and which stored
// analysis is "the latest" of a project. OGC, tiles, province, rewards, projects and imports import
// these instead of writing their own copy (region scope: ./scope.ts).
import type { Knex } from 'knex'
import type { Scope } from '../domain/region.js'
import { scopeCondition, type Sql } from './scope.js'

/** Ids of the active versions of a layer in the scope's counties, in id order. */
export async function activeDatasetIds(knex: Knex, layer: string, scope: Scope): Promise<number[]> {
  const s = scopeCondition(scope)
  const { rows } = await knex.raw(`SELECT id FROM datasets WHERE layer = ? AND active AND ${s.sql} ORDER BY id`, [layer, ...s.bindings] as Knex.RawBinding[])
  return rows.map((r: { id: number }) => r.id)
}

/**
 * `FROM datasets WHERE <the active versions of a layer in scope>` for aggregates over them
 * (feature counts, extents, version tokens); layer null means every layer.
 */
export function activeDatasetsFrom(layer: string | null, scope: Scope): Sql {
  const s = scopeCondition(scope)
  return layer === null
    ? { sql: `FROM datasets WHERE active AND ${s.sql}`, bindings: s.bindings }
    : { sql: `FROM datasets WHERE layer = ? AND active AND ${s.sql}`, bindings: [layer, ...s.bindings] }
}

/** The active version of one county's layer (a query builder: callers pick their columns). */
export const activeDataset = (knex: Knex, layer: string, county: string) => knex('datasets').where({ layer, xzqdm: county, active: true })

/**
 * `LEFT JOIN LATERAL (…) <as> ON true`: the latest stored analysis of the project row `project`
 * (the highest id: results are only ever appended), or with preferApproved the one a provincial
 * review pinned (projects.approved_result_id) when there is one. Joined on the county as well: the
 * co-located join of a database distributed by county (docs/scale-out.md).
 */
export function latestAnalysisJoin(o: { project: string; as: string; columns: string; preferApproved?: boolean }): string {
  const pinned = o.preferApproved ? ` AND (${o.project}.approved_result_id IS NULL OR r.id = ${o.project}.approved_result_id)` : ''
  return `LEFT JOIN LATERAL (SELECT ${o.columns} FROM analysis_results r
                             WHERE r.xzqdm = ${o.project}.xzqdm AND r.project_id = ${o.project}.id${pinned}
                             ORDER BY r.id DESC LIMIT 1) ${o.as} ON true`
}

/** `SELECT id FROM …`: the latest analysis of every project of a county (one bound parameter: the county). */
export const latestAnalysisIdsOfCounty = 'SELECT DISTINCT ON (project_id) id FROM analysis_results WHERE xzqdm = ? ORDER BY project_id, id DESC'
