// The background job runner of this process; closing the app cancels the running job (its
// cleanup removes what it loaded) and drops queued ones, which are failed here.
import fp from 'fastify-plugin'
import { failJobEventually } from '../jobs/lifecycle.js'
import { JobRunner } from '../jobs/runner.js'
import { registerJobKinds } from './job-kinds.js'

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobRunner
  }
}

export default fp(
  async (app) => {
    registerJobKinds()
    const runner = new JobRunner({ knex: app.db.knex, log: app.log })
    app.decorate('jobs', runner)
    app.addHook('onClose', async () => {
      const dropped = await runner.close(true)
      for (const j of dropped)
        await failJobEventually(app.db.knex, j.kind, j.id, 'dropped from the queue by a stop of the service; start it again', { attempts: 1 })
      if (dropped.length) app.log.warn({ dropped }, 'queued jobs dropped at shutdown were marked failed')
    })
  },
  { name: 'jobs', dependencies: ['database'] },
)
