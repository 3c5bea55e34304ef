// The rows of one statement as PostgreSQL sends them, for a response that writes them on: node-pg
// parses each DataRow as it arrives and hands it over, nothing collects the result. The statement
// runs on a connection of the service's pool (knex's), under the request's statement timeout and
// listed as the request's running work, so a client that goes away has it cancelled
// (src/db/request-work.ts). The connection returns to the pool when the last row is read, not when
// the client has read the response: a slow client never holds a database connection.
import type { Knex } from 'knex'
import pg from 'pg'
import { connectionLost, onPooledConnection } from '../db/connection.js'
import { currentRequestWork } from '../db/request-work.js'

/**
 * Runs `sql` (knex `?` placeholders) and calls `onRow` with each row in the order they arrive.
 * Resolves when the statement completed; rejects with the statement's error, or with what `onRow`
 * threw (no row is handed over after that). As knex's own statements do (src/db/connection.ts), a
 * request's read that met a connection PostgreSQL had ended runs once more on a fresh one, if no
 * row had arrived.
 */
export async function eachRow<R extends pg.QueryResultRow>(knex: Knex, sql: string, bindings: unknown[], onRow: (row: R) => void): Promise<void> {
  const native = knex
    .raw(sql, bindings as Knex.RawBinding[])
    .toSQL()
    .toNative()
  const work = currentRequestWork()
  for (let attempt = 1; ; attempt++) {
    let rows = 0
    try {
      await onPooledConnection(knex, async (connection) => {
        work?.running.add(connection)
        try {
          await new Promise<void>((resolve, reject) => {
            let failed: unknown = null
            const query = new pg.Query<R>({ text: native.sql, values: native.bindings as unknown[] })
            // With a 'row' listener node-pg does not accumulate the rows.
            query.on('row', (row: R) => {
              rows++
              if (failed !== null) return
              try {
                onRow(row)
              } catch (err) {
                failed = err
              }
            })
            query.on('error', (err) => reject(failed ?? err))
            query.on('end', () => (failed === null ? resolve() : reject(failed)))
            void connection.query(query)
          })
        } finally {
          work?.running.delete(connection)
        }
      })
      return
    } catch (err) {
      if (attempt > 1 || rows > 0 || !connectionLost(err as Error) || work?.readOnly !== true) throw err
    }
  }
}
