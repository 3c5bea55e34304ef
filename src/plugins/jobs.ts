// The app's job owner (`app.jobs`): its kinds, hooks and runner are built once here. Closing the app
// aborts the running job (its partial rows are removed) and fails the queued ones, except recorded
// follow-ups, which the next start runs. Recovery of what a stop interrupted is the launcher's
// (server.ts calls `app.jobs.recover()` once), not every app's: a test's app must not end another's jobs.
import fp from 'fastify-plugin'
import type { Jobs } from '../jobs/jobs.js'
import type { ImportLimits } from '../import/request.js'
import { buildJobs } from './job-kinds.js'

declare module 'fastify' {
  interface FastifyInstance {
    jobs: Jobs
  }
}

export interface JobsPluginOptions {
  dataDir: string
  /** versions of a layer and county kept after an import (0: all) */
  layerVersionsKept?: number
  importLimits?: Partial<ImportLimits>
  /** jobs of a kind one key or account may have queued or running (0: no limit) */
  jobsPerKey?: number
  /** seconds between two heartbeats of the jobs this process holds */
  heartbeatSeconds?: number
}

export default fp<JobsPluginOptions>(
  async (app, opts) => {
    const jobs = buildJobs({
      knex: app.db.knex,
      log: app.log,
      dataDir: opts.dataDir,
      keepVersions: opts.layerVersionsKept,
      limits: opts.importLimits,
      maxActivePerActor: opts.jobsPerKey,
      heartbeatSeconds: opts.heartbeatSeconds,
    })
    app.decorate('jobs', jobs)
    app.addHook('onClose', async () => jobs.close())
  },
  { name: 'jobs', dependencies: ['database'] },
)
