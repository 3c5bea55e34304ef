// What a province pull asks for, and the counties it covers: each county is one ordered stream of
// the pull (queries.ts) and one position of its cursor (cursor.ts).
import { countiesOfCity, countyCodes } from '../domain/regions.js'

export interface PullFilter {
  year?: number
  county?: string
  city?: string
  status?: string
  updatedSince?: string
}

/** The counties a filter covers, by the region table. */
export function countiesOfFilter(f: PullFilter): string[] {
  if (f.county) return [f.county]
  if (f.city) return countiesOfCity(f.city)
  return countyCodes
}
