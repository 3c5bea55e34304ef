// Reading a stored analysis result as the current one: only a result of this code's schema version
// that passes the schema (src/schemas/analysis.ts) and whose inputs have not changed is answered;
// any other is marked stale and recomputed by the caller, never answered as a 500 because a field
// the response schema requires is missing. Pinned (approved) results are not read through here:
// they are the province's record, kept and read as stored (docs/decisions.md, issue 20).
import Compile from 'typebox/compile'
import type { StoredAnalysis } from '../db/read-model.js'
import { AnalysisResult, analysisSchemaVersion } from '../schemas/analysis.js'

// TypeBox's check compiled once (about 30 ms, at the first read): 5 µs a result instead of
// Value.Check's 0.5 ms, which a GET of a stored result would otherwise pay each time.
let validator: { Check(value: unknown): boolean } | undefined

/** The stored result when it may be answered as current; null when it must be recomputed. */
export function currentResult(stored: StoredAnalysis): AnalysisResult | null {
  if (stored.stale || stored.schemaVersion !== analysisSchemaVersion) return null
  validator ??= Compile(AnalysisResult)
  return validator.Check(stored.result) ? (stored.result as AnalysisResult) : null
}
