// Limits a query to the counties a key may see: the one place region scope becomes SQL.
import type { Knex } from 'knex'
import type { Scope } from '../domain/region.js'
import { countiesOfCity } from '../domain/regions.js'

export function whereInScope<Q extends Knex.QueryBuilder>(query: Q, scope: Scope, column = 'xzqdm'): Q {
  if (scope.kind === 'county') query.where(column, scope.code)
  // A city sees exactly its counties by the region table.
  else if (scope.kind === 'city') query.whereIn(column, countiesOfCity(scope.prefix))
  return query
}
