// What a PostgreSQL server gives that the embedded database does not: each pooled connection is a
// session of its own, which keeps named prepared statements. Behind the embedded wire server, the
// clients share one PGlite session, whose statements a restart of its engine would drop.
import { createHash } from 'node:crypto'
import type { Knex } from 'knex'

/** by the client's configuration, which a transaction shares with the knex it was started on */
const known = new WeakMap<object, Promise<boolean>>()

/**
 * Whether the database behind `knex` is a PostgreSQL server (not PGlite). Asked of the database
 * itself (once per knex and its transactions), not of how the knex was made: a CLI pointed at the embedded database's
 * URL sees a "server".
 */
export function onPostgresServer(knex: Knex): Promise<boolean> {
  const key = knex.client.config as object
  let answer = known.get(key)
  if (!answer) {
    answer = knex.raw(`SELECT strpos(version(), 'PGlite') = 0 AS server`).then((r: { rows: Array<{ server: boolean }> }) => r.rows[0]!.server)
    answer.catch(() => known.delete(key))
    known.set(key, answer)
  }
  return answer
}

const statementNames = new Map<string, string>()

/**
 * The name of `text` as a named prepared statement: node-pg parses it once per connection, then
 * only binds and executes it, and after five executions PostgreSQL may keep a generic plan. The
 * name follows the text: node-pg refuses one name for two texts on a connection.
 */
export const statementName = (prefix: string, text: string) => {
  // the texts are the code's own (values are bound), so few: hashing kilobytes of SQL for each of a
  // project analysis's statements showed in its profile, a lookup does not
  const key = `${prefix}\u0000${text}`
  let name = statementNames.get(key)
  if (name === undefined) {
    if (statementNames.size >= 1000) statementNames.clear()
    statementNames.set(key, (name = `${prefix}_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`))
  }
  return name
}
