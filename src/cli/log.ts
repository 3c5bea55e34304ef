// What the command line prints of an error: the database's own words, never the SQL knex puts
// before them, nor table names from a statement (an operator reads this, not a developer).
import { lostConnection } from '../jobs/lifecycle.js'

/** One line for an error: "the database connection was lost", or the message after knex's SQL prefix. */
export function userMessage(err: unknown): string {
  const e = err as (Error & { code?: string }) | null
  if (lostConnection(e)) return 'the database connection was lost'
  return (e?.message ?? String(err)).split(' - ').at(-1)!
}

/** The jobs' log for a command: each entry's message and fields, an error as its one line. */
export const cliLog = {
  error: (o: object, m: string) => console.error(m, plain(o)),
  warn: (o: object, m: string) => console.error(m, plain(o)),
}

function plain(o: object): object {
  const { err, ...rest } = o as { err?: unknown }
  return err === undefined ? rest : { ...rest, err: userMessage(err) }
}
