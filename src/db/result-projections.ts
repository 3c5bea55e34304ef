// Values of a stored analysis result (analysis_results.result) for SQL readers, generated from the
// TypeBox schema the writer fills (src/schemas/analysis.ts) instead of hand-written JSON paths: a
// path is checked against the schema when the module using it loads (a renamed field fails at
// start, not as a silent NULL in a report), and the SQL type comes from the schema. A stored result
// of an older schema version that lacks the path gives NULL there: the tolerant read that keeps a
// pinned (approved) result readable as stored (docs/decisions.md, issue 20).
import { AnalysisResult } from '../schemas/analysis.js'

type SqlType = 'float8' | 'bigint' | 'boolean' | 'text' | 'jsonb'
interface JsonSchema {
  type?: string
  const?: unknown
  properties?: Record<string, JsonSchema>
  anyOf?: JsonSchema[]
  allOf?: JsonSchema[]
}

/** The alternatives a value of `s` may take (unions and nullables flattened). */
const alternatives = (s: JsonSchema): JsonSchema[] => (s.anyOf ? s.anyOf.flatMap(alternatives) : s.allOf ? s.allOf.flatMap(alternatives) : [s])

/** The schema at `path` in the result, or an error naming the first key that is not there. */
function schemaAt(path: readonly string[]): JsonSchema[] {
  let here = alternatives(AnalysisResult as JsonSchema)
  path.forEach((key, i) => {
    const next = here.flatMap((s) => (s.properties?.[key] ? alternatives(s.properties[key]) : []))
    if (!next.length) throw new Error(`result projection: ${path.slice(0, i + 1).join('.')} is not in the analysis result schema (src/schemas/analysis.ts)`)
    here = next
  })
  return here
}

const jsonType = (s: JsonSchema): string => s.type ?? (s.const === undefined ? 'unknown' : typeof s.const)
const sqlTypes: Record<string, SqlType> = { number: 'float8', integer: 'bigint', boolean: 'boolean', string: 'text', object: 'jsonb', array: 'jsonb' }

/** The one SQL type of the values at `path` (null aside); a path whose values mix types is refused. */
function sqlTypeAt(path: readonly string[]): SqlType {
  const types = new Set(
    schemaAt(path)
      .map(jsonType)
      .filter((t) => t !== 'null'),
  )
  if (types.has('integer') && types.has('number')) types.delete('integer')
  const [only] = types
  if (types.size !== 1 || !only || !sqlTypes[only]) throw new Error(`result projection: ${path.join('.')} has no single SQL type (${[...types].join(', ')})`)
  return sqlTypes[only]
}

/** A stored-result expression such as `r.result`, from the caller's code. */
function column(from: string): string {
  if (!/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/.test(from)) throw new Error(`result projection: ${JSON.stringify(from)} is not a column reference`)
  return from
}

/**
 * `(<from> #>> '{stockArea,m2}')::float8`: the value at `path` of the stored result `from`, typed by
 * the schema (a number as float8, an integer as bigint, boolean, text; an object or array as jsonb).
 */
export function resultValue(path: readonly string[], from = 'r.result'): string {
  const type = sqlTypeAt(path)
  const keys = `'{${path.join(',')}}'`
  return type === 'jsonb' ? `(${column(from)} #> ${keys})` : type === 'text' ? `(${column(from)} #>> ${keys})` : `(${column(from)} #>> ${keys})::${type}`
}

/**
 * `LEFT JOIN LATERAL jsonb_to_record(<from>) AS <as>("stockArea" jsonb, …) ON true`: several top-level
 * parts of the stored result in one call, each typed by the schema. One call fetches and
 * decompresses the stored result once; `r.result -> '…'` per part did it again for each (35 µs a
 * project for three parts, 15 µs for this, in the province pull).
 */
export function resultPartsJoin(keys: readonly string[], o: { from: string; as: string }): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(o.as)) throw new Error(`result projection: bad alias ${JSON.stringify(o.as)}`)
  const columns = keys.map((k) => `"${k}" ${sqlTypeAt([k])}`).join(', ')
  return `LEFT JOIN LATERAL jsonb_to_record(${column(o.from)}) AS ${o.as}(${columns}) ON true`
}

/**
 * Values of the stored result kept beside it as generated columns of analysis_results (migration
 * 20261208050000_result_pull_parts), for readers of many results at once (the province pull): read
 * from the column, a value costs no fetch and decompression of the whole result (≈ 9 KB of JSON,
 * stored out of line). Each path is checked against the schema here at load, with the column's SQL
 * type, so a renamed field fails at start; the migration's SQL is frozen text and says the same paths.
 * `check_ids` / `check_passed`: the `id` and `passed` of every check, in order (null without checks).
 */
export const resultPartColumns = {
  stock_method: { path: ['stockArea', 'method'], type: 'text' },
  stock_m2: { path: ['stockArea', 'm2'], type: 'float8' },
  stock_reason: { path: ['stockArea', 'reason'], type: 'text' },
  footprint_ratio: { path: ['footprint', 'ratio'], type: 'float8' },
  check_ids: { path: ['checks'], type: 'jsonb' },
  check_passed: { path: ['checks'], type: 'jsonb' },
} as const satisfies Record<string, { path: readonly string[]; type: SqlType }>
for (const [name, { path, type }] of Object.entries(resultPartColumns))
  if (sqlTypeAt(path) !== type) throw new Error(`result projection: column ${name} holds ${path.join('.')} as ${type}, the schema says ${sqlTypeAt(path)}`)
// the two check arrays pair up index by index only if every check carries both keys
const checkItems = schemaAt(['checks']).map((s) => (s as JsonSchema & { items?: { required?: string[] } }).items)
if (!checkItems.every((i) => i?.required?.includes('id') && i.required.includes('passed')))
  throw new Error('result projection: check_ids / check_passed need every check to carry id and passed')
