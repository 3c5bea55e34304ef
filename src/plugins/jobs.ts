// The background job runner of this process; closing the app cancels the running job (its
// cleanup removes what it loaded) and drops queued ones.
import fp from 'fastify-plugin'
import { JobRunner } from '../jobs/runner.js'

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobRunner
  }
}

export default fp(
  async (app) => {
    const runner = new JobRunner((key, err) => app.log.error({ err, job: key }, 'job failed'))
    app.decorate('jobs', runner)
    app.addHook('onClose', async () => {
      const dropped = await runner.close(true)
      if (dropped.length) app.log.warn({ dropped }, 'queued jobs dropped at shutdown; they are marked failed at the next start')
    })
  },
  { name: 'jobs' },
)
