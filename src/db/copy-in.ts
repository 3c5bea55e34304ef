// `COPY … FROM STDIN` with data already in memory, on a connection of knex's pool: node-pg runs
// the statement and, when PostgreSQL asks for the data (CopyInResponse), this query sends it and
// ends it. node-pg has no COPY of its own; pg-copy-streams would add a stream per batch for what
// is one buffer here. On the embedded database too: its wire server takes COPY FROM STDIN and has
// PGlite read the data as a file (src/db/embedded/wire-server.ts).
import type { Knex } from 'knex'
import pg from 'pg'
import { onPooledConnection } from './connection.js'

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

/** Runs `sql` (a COPY … FROM STDIN, no parameters) with `data`; resolves with the rows copied. */
export function copyIn(knex: Knex, sql: string, data: Buffer): Promise<number> {
  return onPooledConnection(
    knex,
    (connection) =>
      new Promise<number>((resolve, reject) => {
        const query = new CopyIn(sql, data)
        query.on('error', reject)
        query.on('end', (result: { rowCount: number | null }) => resolve(result?.rowCount ?? 0))
        void connection.query(query as unknown as pg.Query)
      }),
  )
}
