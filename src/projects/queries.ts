// All SQL for projects.
import type { Knex } from 'knex'
import { scatteredLandKindZh } from '../domain/bundles.js'
import { countyByCode } from '../domain/regions.js'
import { roundSql } from '../domain/units.js'
import type { Scope } from '../domain/region.js'
import { scopeCondition, whereInScope } from '../db/scope.js'
import { analysisStale, latestAnalysisJoin } from '../db/read-model.js'
import { resultValue } from '../db/result-projections.js'
import type { ProjectAttributes, ProjectListQuery } from '../schemas/projects.js'

/** API attribute → column; the allow-list for writes. */
const attributeColumns: Record<keyof ProjectAttributes, string> = {
  name: 'name',
  developmentMode: 'development_mode',
  approach: 'approach',
  originalUse: 'original_use',
  newUse: 'new_use',
  plotRatioBefore: 'plot_ratio_before',
  changedUseFloorArea: 'changed_use_floor_area',
  addedFloorArea: 'added_floor_area',
  newPlotRatio: 'new_plot_ratio',
  ownershipClear: 'ownership_clear',
  seized: 'seized',
  mortgaged: 'mortgaged',
  mortgageeConsent: 'mortgagee_consent',
  milestoneType: 'milestone_type',
  milestoneDate: 'milestone_date',
  milestoneEvidence: 'milestone_evidence',
  evidenceAreaM2: 'evidence_area_m2',
}

/** jsonb columns are written as JSON text: both database drivers then read back the same object. */
const jsonColumns: ReadonlySet<string> = new Set(['milestone_evidence'])

function attributeRow(attrs: ProjectAttributes): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  for (const [key, column] of Object.entries(attributeColumns)) {
    const value = attrs[key as keyof ProjectAttributes]
    if (value !== undefined) row[column] = jsonColumns.has(column) && value !== null ? JSON.stringify(value) : value
  }
  return row
}

const summary = {
  id: 'projects.id',
  county: 'projects.xzqdm',
  code: 'projects.code',
  status: 'projects.status',
  ...Object.fromEntries(Object.entries(attributeColumns).map(([k, c]) => [k, `projects.${c}`])),
  areaM2: 'projects.area_m2',
  repairs: 'projects.repairs',
  createdAt: 'projects.created_at',
  updatedAt: 'projects.updated_at',
}

/**
 * A milestone change waiting for review (after the province's approval: src/review/milestones.ts), as
 * one object beside the confirmed milestone, or null.
 */
const pendingMilestoneSql = `CASE WHEN projects.milestone_pending_stage IS NULL THEN NULL ELSE json_build_object(
    'milestoneType', projects.milestone_pending_type, 'milestoneDate', to_char(projects.milestone_pending_date, 'YYYY-MM-DD'),
    'milestoneEvidence', projects.milestone_pending_evidence,
    'stage', projects.milestone_pending_stage, 'proposedBy', projects.milestone_pending_by,
    'proposedAt', to_char(projects.milestone_pending_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) END`
const pendingMilestone = (knex: Knex) => knex.raw(pendingMilestoneSql)

export async function insertProject(
  knex: Knex,
  p: { county: string; code: string; ewkb: string; repairs: string[]; attributes: ProjectAttributes },
): Promise<number> {
  const [row] = await knex('projects')
    .insert({
      xzqdm: p.county,
      code: p.code,
      geom: knex.raw("ST_GeomFromEWKB(decode(?, 'hex'))", [p.ewkb]),
      repairs: p.repairs.length ? JSON.stringify(p.repairs) : null,
      ...attributeRow(p.attributes),
    })
    .returning('id')
  return row.id as number
}

/**
 * The bundle a project was made from and the scattered land (插花地、边角地、夹心地) recorded then
 * (src/bundles/queries.ts recordScatteredLand), or null for a project drawn otherwise.
 */
const fromBundle = (knex: Knex) => {
  const kindZh = Object.entries(scatteredLandKindZh)
  return knex.raw(
    `CASE WHEN projects.from_bundle_id IS NULL THEN NULL ELSE json_build_object(
       'bundleId', projects.from_bundle_id, 'runId', projects.from_bundle_run_id, 'bundleNo', projects.from_bundle_no,
       'scatteredLand', coalesce((
         SELECT json_agg(json_build_object('kind', s.kind, 'kindZh', CASE s.kind ${kindZh.map(() => 'WHEN ? THEN ?').join(' ')} END,
                                           'source', s.source, 'ref', s.ref, 'm2', ${roundSql('s.m2', 2)}) ORDER BY s.id)
           FROM project_scattered_land s WHERE s.xzqdm = projects.xzqdm AND s.project_id = projects.id), '[]'::json)) END`,
    kindZh.flat(),
  )
}

export async function findProject(knex: Knex, id: number, scope: Scope) {
  return whereInScope(
    knex('projects')
      .first({
        ...summary,
        pendingMilestone: pendingMilestone(knex),
        fromBundle: fromBundle(knex),
        geometry: knex.raw('ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 9, 0)::json'),
      })
      .where({ id }),
    scope,
  )
}

export async function projectCounty(knex: Knex, id: number, scope: Scope): Promise<string | null> {
  const row = await whereInScope(knex('projects').first('xzqdm').where({ id }), scope)
  return row?.xzqdm ?? null
}

export async function projectStatus(knex: Knex, id: number, scope: Scope): Promise<string | null> {
  const row = await whereInScope(knex('projects').first('status').where({ id }), scope)
  return row?.status ?? null
}

/** A timestamptz as JSON text in the form of Date.prototype.toISOString (milliseconds truncated, as the Date node-pg makes keeps them). */
const isoUtc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/** The latest stored analysis of each project (its verdict, whether it must be recomputed). */
const latestAnalysisSql = latestAnalysisJoin({
  project: 'projects',
  as: 'a',
  columns: `r.eligible, ${analysisStale('r')} AS stale, r.computed_at, ${resultValue(['stockArea', 'm2'])} AS stock_m2, ${resultValue(['footprint', 'ratio'])} AS footprint_ratio, ${resultValue(['rewardCounted'])} AS reward_counted`,
})

/** What a list item is made of, as SQL select-list text made once (aliases from the code, never from a request). */
const listColumns = [
  ...Object.entries(summary).map(([alias, column]) => `${alias === 'createdAt' || alias === 'updatedAt' ? isoUtc(column) : column} AS "${alias}"`),
  `${pendingMilestoneSql} AS "pendingMilestone"`,
  // the latest analysis as the item carries it, or null when there is none
  `CASE WHEN a.computed_at IS NULL THEN NULL
        ELSE json_build_object('eligible', a.eligible, 'rewardCounted', a.reward_counted, 'stale', a.stale,
                               'computedAt', ${isoUtc('a.computed_at')}, 'stockAreaM2', a.stock_m2, 'footprintRatio', a.footprint_ratio) END AS analysis`,
].join(', ')

/**
 * One page of projects and how many match, in one statement. The page's ids are picked from the
 * projects alone, with `count(*) OVER ()` for the total, and only those rows are joined back for
 * their columns and latest analysis; the eligible filter needs the analysis to choose the rows, so
 * then the pick joins it too. A page past the end has no row to carry the total: it is counted on
 * its own. Before (bench/README.md, bench:projects): a second statement counted, joining every
 * project's latest analysis only to count them.
 *
 * The statement is SQL text with bound values rather than a query builder, and the page comes back
 * as one JSON text for V8's JSON.parse: building the nested query with knex and node-pg's parsing of
 * 100 rows of 33 columns cost ~2 ms of the event loop a page, which is what bounds the list at 10
 * connections. The JSON keys are the aliases the rows had; timestamps are written as toISOString
 * wrote the Dates node-pg made; dates stay 'YYYY-MM-DD' text, ids and numbers numbers.
 */
export async function listProjects(knex: Knex, q: ProjectListQuery, scope: Scope) {
  const s = scopeCondition(scope, 'projects.xzqdm')
  const where = [s.sql]
  const bindings: unknown[] = [...s.bindings]
  const and = (condition: string, ...values: unknown[]) => {
    where.push(condition)
    bindings.push(...values)
  }
  if (q.county) and('projects.xzqdm = ?', q.county)
  if (q.code) and('projects.code = ?', q.code)
  if (q.q) {
    // The text is a value, bound; its LIKE wildcards are escaped so that "10%" finds "10%".
    const pattern = `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    and('(projects.code ILIKE ? OR projects.name ILIKE ?)', pattern, pattern)
  }
  if (q.eligible !== undefined) and('a.eligible = ?', q.eligible)
  const from = `FROM projects ${q.eligible === undefined ? '' : latestAnalysisSql} WHERE ${where.join(' AND ')}`
  const { rows: out } = await knex.raw(
    `SELECT coalesce(json_agg(x ORDER BY x.id), '[]')::text AS rows
       FROM (SELECT ${listColumns}, page.total
               FROM (SELECT projects.id, projects.xzqdm, count(*) OVER () AS total ${from} ORDER BY projects.id LIMIT ? OFFSET ?) page
               JOIN projects ON projects.id = page.id AND projects.xzqdm = page.xzqdm
               ${latestAnalysisSql}) x`,
    [...bindings, q.limit, q.offset] as Knex.RawBinding[],
  )
  const rows = JSON.parse(out[0].rows) as Array<Record<string, unknown>>
  const total = rows.length
    ? Number(rows[0]!.total)
    : q.offset > 0
      ? Number((await knex.raw(`SELECT count(*) AS n ${from}`, bindings as Knex.RawBinding[])).rows[0].n)
      : 0
  // The rows are the items but for the county's name (and the total each carries, which the
  // response schema does not serialize): completed in place, not copied (a rest-and-spread copy of
  // 100 items of 30 properties was a quarter of a millisecond of the event loop a page).
  for (const item of rows) item.countyName = countyByCode(item.county as string)?.name ?? null
  return { items: rows, total }
}

export async function updateProjectAttributes(knex: Knex, id: number, attrs: ProjectAttributes): Promise<void> {
  await knex('projects')
    .where({ id })
    .update({ ...attributeRow(attrs), updated_at: knex.fn.now() })
}

/**
 * Deletes a project, in the caller's transaction: its analyses, transitions and filings go with it
 * (ON DELETE CASCADE); its fraud findings stay, forgetting it, as ON DELETE SET NULL did before that
 * key became NO ACTION for Citus (migration 20261201040000_citus_no_set_null). The county is bound
 * in both statements so that each stays on the county's shard.
 */
export async function deleteProject(trx: Knex.Transaction, p: { id: number; county: string }): Promise<void> {
  await trx('findings').where({ xzqdm: p.county, project_id: p.id }).update({ project_id: null })
  await trx('projects').where({ xzqdm: p.county, id: p.id }).delete()
}

export async function projectCodeExists(knex: Knex, county: string, code: string): Promise<boolean> {
  return Boolean(await knex('projects').first('id').where({ xzqdm: county, code }))
}

/** Every project of a county with the attributes the rules read, for batch analysis. */
export async function projectsOfCounty(knex: Knex, county: string) {
  return knex('projects').select(summary).where({ xzqdm: county }).orderBy('id')
}
