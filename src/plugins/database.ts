// Decorates the app with the database (knex over pg, server or embedded).
import fp from 'fastify-plugin'
import type { Database } from '../db/connection.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Database
  }
}

export default fp<{ database: Database }>(
  async (app, opts) => {
    app.decorate('db', opts.database)
  },
  { name: 'database' },
)
