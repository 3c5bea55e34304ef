// All SQL for county statistics, fraud findings and reward quotas.
import type { Knex } from 'knex'
import { actorNameOf } from '../auth/names.js'
import { approvedAnalysisJoin, surveyVersionOfYear } from '../db/read-model.js'
import { resultValue } from '../db/result-projections.js'
import type { MilestoneEvidence } from '../domain/milestone-evidence.js'
import type { PopulationKind } from '../domain/reward-statistics.js'

/** The county's third-survey version (三调地类图斑) to measure year `year` on: that year's 年度变更调查, else the active one. */
export const survey3OfYear = (knex: Knex, county: string, year: number) => surveyVersionOfYear(knex, 'survey3', county, year)

export interface UrbanRuralLandRow {
  patches: number
  from_tbmj: number
  from_geometry: number
  without_area: number
  tbmj_m2: number
  geometry_m2: number
  /** patches inside the 城镇村 range whose land use is not construction (farmland, forest, water …) */
  excluded_patches: number
  excluded_m2: number
}

/**
 * 城乡建设用地 of one third-survey layer version: patches whose CZCSXM is in `czcsxm` and whose DLBM is in
 * `landUseCodes`, each counted by its official TBMJ where it has one, else by its ellipsoidal area on
 * CGCS2000; and, for the record, the patches in the range left out by their land use.
 */
export async function urbanRuralLand(
  knex: Knex,
  datasetId: number,
  codes: { czcsxm: readonly string[]; landUseCodes: readonly string[] },
): Promise<UrbanRuralLandRow> {
  const { rows } = await knex.raw(
    `WITH inside AS (
       SELECT tbmj, geom, upper(btrim(dlbm)) = ANY(?::text[]) AS built
         FROM survey3_patches
        WHERE dataset_id = ? AND upper(btrim(czcsxm)) = ANY(?::text[]))
     SELECT count(*) FILTER (WHERE built)::int AS patches,
            count(*) FILTER (WHERE built AND tbmj > 0)::int AS from_tbmj,
            count(*) FILTER (WHERE built AND NOT coalesce(tbmj > 0, false) AND geom IS NOT NULL)::int AS from_geometry,
            count(*) FILTER (WHERE built AND NOT coalesce(tbmj > 0, false) AND geom IS NULL)::int AS without_area,
            coalesce(sum(tbmj) FILTER (WHERE built AND tbmj > 0), 0)::float8 AS tbmj_m2,
            coalesce(sum(ST_Area(geom::geography)) FILTER (WHERE built AND NOT coalesce(tbmj > 0, false)), 0)::float8 AS geometry_m2,
            count(*) FILTER (WHERE NOT built)::int AS excluded_patches,
            coalesce(sum(CASE WHEN tbmj > 0 THEN tbmj ELSE ST_Area(geom::geography) END) FILTER (WHERE NOT built), 0)::float8 AS excluded_m2
       FROM inside`,
    [[...codes.landUseCodes].map((c) => c.toUpperCase()), datasetId, [...codes.czcsxm]],
  )
  return rows[0] as UrbanRuralLandRow
}

export interface StatsRow {
  xzqdm: string
  year: number
  population: number
  urban_rural_construction_land_m2: number
  land_source: 'given' | 'computed'
  land_detail: Record<string, unknown> | null
  population_kind: PopulationKind | null
  population_year: number | null
  population_publisher: string | null
  updated_at: Date
}

export async function upsertStats(
  knex: Knex,
  s: {
    county: string
    year: number
    population: number
    populationSource: { kind: PopulationKind; year: number; publisher: string } | null
    landM2: number
    landSource: 'given' | 'computed'
    landDetail: Record<string, unknown> | null
  },
): Promise<StatsRow> {
  const [row] = await knex('county_stats')
    .insert({
      xzqdm: s.county,
      year: s.year,
      population: s.population,
      population_kind: s.populationSource?.kind ?? null,
      population_year: s.populationSource?.year ?? null,
      population_publisher: s.populationSource?.publisher ?? null,
      urban_rural_construction_land_m2: s.landM2,
      land_source: s.landSource,
      land_detail: s.landDetail === null ? null : JSON.stringify(s.landDetail),
      updated_at: knex.fn.now(),
    })
    .onConflict(['xzqdm', 'year'])
    .merge()
    .returning('*')
  return row as StatsRow
}

export async function findStats(knex: Knex, county: string, year: number): Promise<StatsRow | undefined> {
  return knex('county_stats').first('*').where({ xzqdm: county, year })
}

/** Statistics of every county for the given years (a report needs the year itself and reward years of fraud cases). */
export async function statsOfYears(knex: Knex, years: number[]): Promise<StatsRow[]> {
  if (years.length === 0) return []
  return knex('county_stats').select('*').whereIn('year', years).whereNotNull('population').whereNotNull('urban_rural_construction_land_m2')
}

export interface FindingRow {
  id: number
  project_id: number | null
  xzqdm: string
  project_code: string
  kind: string
  year: number
  note: string
  created_by: string
  /** the name of that key (api_keys.name) */
  created_by_name: string | null
  created_at: Date
}

export async function insertFinding(
  knex: Knex,
  f: { projectId: number; county: string; projectCode: string; kind: string; year: number; note: string; createdBy: string },
): Promise<FindingRow> {
  const [row] = await knex('findings')
    .insert({ project_id: f.projectId, xzqdm: f.county, project_code: f.projectCode, kind: f.kind, year: f.year, note: f.note, created_by: f.createdBy })
    .returning('*')
  return row as FindingRow
}

export async function findingsOfProject(knex: Knex, projectId: number): Promise<FindingRow[]> {
  return knex('findings')
    .select('*', { created_by_name: actorNameOf(knex, 'findings.created_by') })
    .where({ project_id: projectId })
    .orderBy('id')
}

/** A project as the reward rules read it: its review status, milestone and the analysis the province approved. */
export interface RewardProjectRow {
  id: number
  xzqdm: string
  code: string
  status: string
  milestone_type: string | null
  milestone_date: string | null
  milestone_evidence: MilestoneEvidence | null
  approved_result_id: number | null
  eligible: boolean | null
  stock_m2: number | null
  checks: Array<{ id: string; passed: boolean | null; message?: string }> | null
  /** the layer versions the approved analysis was computed from (analysis_results.inputs) */
  approved_inputs: Record<string, { datasetId: number; version: number } | null> | null
}

const rewardProjectColumns = `p.id, p.xzqdm, p.code, p.status, p.milestone_type, p.milestone_date, p.milestone_evidence, p.approved_result_id, r.eligible,
  ${resultValue(['stockArea', 'm2'])} AS stock_m2, ${resultValue(['checks'])} AS checks, r.inputs AS approved_inputs`

/** Projects whose milestone (its year is the reward year, 165号 三) falls in `year`, any status. */
export async function projectsCompletedIn(knex: Knex, year: number): Promise<RewardProjectRow[]> {
  const { rows } = await knex.raw(
    `SELECT ${rewardProjectColumns}
       FROM projects p ${approvedAnalysisJoin({ project: 'p', as: 'r' })}
      WHERE p.milestone_date >= make_date(?, 1, 1) AND p.milestone_date < make_date(?, 1, 1)
      ORDER BY p.xzqdm, p.code, p.id`,
    [year, year + 1],
  )
  return rows as RewardProjectRow[]
}

/** A county's projects whose milestone falls before `year`: those that qualified were counted in an earlier reward year. */
export async function projectsCompletedBefore(knex: Knex, county: string, year: number): Promise<RewardProjectRow[]> {
  const { rows } = await knex.raw(
    `SELECT ${rewardProjectColumns}
       FROM projects p ${approvedAnalysisJoin({ project: 'p', as: 'r' })}
      WHERE p.xzqdm = ? AND p.milestone_date < make_date(?, 1, 1)
      ORDER BY p.milestone_date, p.id`,
    [county, year],
  )
  return rows as RewardProjectRow[]
}

/**
 * Milestones proposed after approval with a date in `year`, not yet confirmed (src/review/milestones.ts): they do not
 * count yet. A project whose confirmed milestone is in the same year is listed by that one already.
 */
export async function milestonesUnconfirmedIn(
  knex: Knex,
  year: number,
): Promise<Array<{ id: number; xzqdm: string; code: string; status: string; pending_date: string; pending_stage: string }>> {
  return (
    knex('projects')
      .select('id', 'xzqdm', 'code', 'status', { pending_date: 'milestone_pending_date', pending_stage: 'milestone_pending_stage' })
      .whereNotNull('milestone_pending_stage')
      .where('milestone_pending_date', '>=', `${year}-01-01`)
      .where('milestone_pending_date', '<', `${year + 1}-01-01`)
      // a confirmed milestone in the same year lists the project already (it counts by that one meanwhile)
      .where((w) =>
        w
          .whereNull('milestone_date')
          .orWhere('milestone_date', '<', `${year}-01-01`)
          .orWhere('milestone_date', '>=', `${year + 1}-01-01`),
      )
      .orderBy(['xzqdm', 'code', 'id'])
  )
}

/** Fraud findings made in `year`, each with its project as the reward rules read it (null fields once deleted). */
export async function fraudFindingsOf(
  knex: Knex,
  year: number,
): Promise<Array<{ finding_id: number; finding_county: string; project_code_at_finding: string; project_id: number | null } & Partial<RewardProjectRow>>> {
  const { rows } = await knex.raw(
    `SELECT f.id AS finding_id, f.xzqdm AS finding_county, f.project_code AS project_code_at_finding, f.project_id, ${rewardProjectColumns}
       FROM findings f
       LEFT JOIN projects p ON p.xzqdm = f.xzqdm AND p.id = f.project_id
       ${approvedAnalysisJoin({ project: 'p', as: 'r' })}
      WHERE f.kind = 'fraud' AND f.year = ?
      ORDER BY f.xzqdm, f.project_code, f.id`,
    [year],
  )
  return rows
}

/** A stored extraction of a year's table (reward_extractions). */
export interface ExtractionRow {
  id: number
  year: number
  number: number
  schema_version: number
  report: unknown
  inputs: unknown
  reason: string | null
  extracted_by: string
  /** the name of that key (api_keys.name) */
  extracted_by_name: string | null
  extracted_at: Date
}

const extractionSummaryColumns = (knex: Knex) => [
  'id',
  'year',
  'number',
  'schema_version',
  'reason',
  'extracted_by',
  'extracted_at',
  { extracted_by_name: actorNameOf(knex, 'reward_extractions.extracted_by') },
]

/**
 * The year's extractions so far, newest first, read after taking the year's lock (in the caller's
 * transaction): two extractions at once get numbers one after the other, and the second sees the first.
 */
export async function lockedExtractionsOf(trx: Knex.Transaction, year: number): Promise<Array<Omit<ExtractionRow, 'report' | 'inputs'>>> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`lowland:reward-extraction:${year}`])
  return trx('reward_extractions').select(extractionSummaryColumns(trx)).where({ year }).orderBy('number', 'desc')
}

export async function insertExtraction(
  trx: Knex.Transaction,
  e: { year: number; number: number; schemaVersion: number; report: unknown; inputs: unknown; reason: string | null; extractedBy: string },
): Promise<ExtractionRow> {
  const [row] = await trx('reward_extractions')
    .insert({
      year: e.year,
      number: e.number,
      schema_version: e.schemaVersion,
      report: JSON.stringify(e.report),
      inputs: JSON.stringify(e.inputs),
      reason: e.reason,
      extracted_by: e.extractedBy,
    })
    .returning('*')
  return row as ExtractionRow
}

/** The year's extractions without their tables, newest first. */
export async function extractionsOf(knex: Knex, year: number): Promise<Array<Omit<ExtractionRow, 'report' | 'inputs'>>> {
  return knex('reward_extractions').select(extractionSummaryColumns(knex)).where({ year }).orderBy('number', 'desc')
}

/** One extraction whole; without `number`, the year's latest (the year's table). */
export async function extractionOf(knex: Knex, year: number, number?: number): Promise<ExtractionRow | undefined> {
  const query = knex('reward_extractions')
    .first('*', { extracted_by_name: actorNameOf(knex, 'reward_extractions.extracted_by') })
    .where({ year })
  return number === undefined ? query.orderBy('number', 'desc') : query.where({ number })
}
