// `COPY … FROM STDIN` with data already in memory, on a connection of knex's pool: node-pg runs
// the statement and, when PostgreSQL asks for the data (CopyInResponse), this query sends it and
// ends it. node-pg has no COPY of its own; pg-copy-streams would add a stream per batch for what
// is one buffer here. Only on a PostgreSQL server: the embedded database's wire server has no COPY
// (copyCapable).
import type { Knex } from 'knex'
import pg from 'pg'
import { connectionLost } from './connection.js'

interface Pool {
  acquireConnection(): Promise<pg.Client>
  releaseConnection(connection: pg.Client): Promise<unknown>
}

interface CopyConnection {
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
}

/** Chunks of at most 1 MiB: node-pg frames each one as a CopyData message (one copy of it). */
const chunkSize = 1 << 20

class CopyIn extends pg.Query {
  constructor(
    text: string,
    private readonly data: Buffer,
  ) {
    super({ text })
  }

  handleCopyInResponse(connection: CopyConnection): void {
    for (let at = 0; at < this.data.length; at += chunkSize) connection.sendCopyFromChunk(this.data.subarray(at, at + chunkSize))
    connection.endCopyFrom()
  }
}

const capable = new WeakMap<Knex, Promise<boolean>>()

/**
 * Whether the database behind `knex` takes COPY FROM STDIN: a PostgreSQL server does, PGlite behind
 * the embedded wire server does not. Asked of the database itself (once per knex), not of how the
 * knex was made: a CLI pointed at the embedded database's URL sees a "server".
 */
export function copyCapable(knex: Knex): Promise<boolean> {
  let known = capable.get(knex)
  if (!known) {
    known = knex.raw(`SELECT strpos(version(), 'PGlite') = 0 AS copy`).then((r: { rows: Array<{ copy: boolean }> }) => r.rows[0]!.copy)
    known.catch(() => capable.delete(knex))
    capable.set(knex, known)
  }
  return known
}

/** Runs `sql` (a COPY … FROM STDIN, no parameters) with `data`; resolves with the rows copied. */
export async function copyIn(knex: Knex, sql: string, data: Buffer): Promise<number> {
  const pool = knex.client as unknown as Pool
  const connection = await pool.acquireConnection()
  try {
    return await new Promise<number>((resolve, reject) => {
      const query = new CopyIn(sql, data)
      query.on('error', reject)
      query.on('end', (result: { rowCount: number | null }) => resolve(result?.rowCount ?? 0))
      void connection.query(query as unknown as pg.Query)
    })
  } catch (err) {
    // knex's mark: the pool destroys the connection instead of handing it out again
    if (connectionLost(err as Error)) (connection as pg.Client & { __knex__disposed?: unknown }).__knex__disposed = err
    throw err
  } finally {
    await pool.releaseConnection(connection)
  }
}
