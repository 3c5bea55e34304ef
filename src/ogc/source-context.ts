// What a collection's SQL source may use from the request: the key's region, the active versions
// it sees, the filters it may push down into its own subqueries, and the database.
import type { Knex } from 'knex'

/** Conditions a source may push down into its own subqueries (analysis pieces of one project, of a box). */
export interface SourceContext {
  countyCondition: (column: string) => { sql: string; bindings: unknown[] }
  /** ids of the active versions of the collection's layer the key sees (layer collections only) */
  activeDatasets: number[]
  equals: Map<string, unknown>
  /** the request's bbox or tile as a geometry expression in EPSG:4490, with its bindings (null: none) */
  box: { sql: string; bindings: unknown[] } | null
  knex: Knex
}
