// How a stored statistics row (county_stats) reads in answers and in the reward table: the
// population's source and the survey version a computed land area was measured on (issue 21).
import { populationKinds } from '../domain/reward-statistics.js'
import type { StatsRow } from './queries.js'

/** 人口来源 of a statistics row; null when not recorded (rows written before issue 21, or without it). */
export function populationSourceOf(row: Pick<StatsRow, 'population_kind' | 'population_year' | 'population_publisher'>) {
  if (row.population_kind === null || row.population_year === null || row.population_publisher === null) return null
  return { kind: row.population_kind, kindZh: populationKinds[row.population_kind], year: row.population_year, publisher: row.population_publisher }
}

interface StoredLayer {
  datasetId?: number
  version?: number
  surveyYear?: number | null
}

/**
 * The third-survey version a computed area was measured on, from its landDetail; null for a given
 * area. Rows computed before issue 21 recorded the version but not how it was chosen: `not-recorded`.
 */
export function landSurveyOf(row: Pick<StatsRow, 'land_source' | 'land_detail'>) {
  const detail = row.land_detail as { layer?: StoredLayer; surveyVersion?: { how?: 'survey-year' | 'active-fallback' } } | null
  const layer = detail?.layer
  if (row.land_source !== 'computed' || typeof layer?.datasetId !== 'number' || typeof layer.version !== 'number') return null
  return {
    datasetId: layer.datasetId,
    version: layer.version,
    surveyYear: layer.surveyYear ?? null,
    how: detail?.surveyVersion?.how ?? ('not-recorded' as const),
  }
}
