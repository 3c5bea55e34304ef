// Limits a query to the counties a key may see: the one place region scope becomes SQL, for the
// query builder (whereInScope) and for raw SQL (scopeCondition).
import type { Knex } from 'knex'
import type { Scope } from '../domain/region.js'
import { countiesOfCity, countyCodes } from '../domain/regions.js'

export interface Sql {
  sql: string
  bindings: unknown[]
}

/** The counties a scope covers, by the region table (for work done county by county). */
export function countiesInScope(scope: Scope): string[] {
  if (scope.kind === 'county') return [scope.code]
  return scope.kind === 'city' ? countiesOfCity(scope.prefix) : countyCodes
}

export function whereInScope<Q extends Knex.QueryBuilder>(query: Q, scope: Scope, column = 'xzqdm'): Q {
  if (scope.kind === 'county') query.where(column, scope.code)
  // A city sees exactly its counties by the region table.
  else if (scope.kind === 'city') query.whereIn(column, countiesOfCity(scope.prefix))
  return query
}

/** The same limit as a raw SQL condition on a county-code column (an identifier from the caller's code, never from a request). */
export function scopeCondition(scope: Scope, column = 'xzqdm'): Sql {
  if (scope.kind === 'county') return { sql: `${column} = ?`, bindings: [scope.code] }
  // By the region table, as whereInScope: a list Citus can prune to shards (docs/scale-out.md), never a LIKE.
  // bpchar[] as the county columns are char(6): with text[] PostgreSQL compares the column cast to text,
  // which neither an index nor Citus's shard pruning can use.
  if (scope.kind === 'city') return { sql: `${column} = ANY(?::bpchar[])`, bindings: [countiesOfCity(scope.prefix)] }
  return { sql: 'true', bindings: [] }
}
