import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { healthProbe } from '../../health/check.js'
import { sendProblem } from '../../plugins/problems.js'
import { Health } from '../../schemas/health.js'

const routes: FastifyPluginAsyncTypebox<{ version: string; deadlineMs: number; statementMs: number }> = async (app, opts) => {
  // A probe out longer than a statement may run, plus a minute for the embedded database to reopen
  // after stopping one, means a stuck database; without a statement timeout, ten minutes.
  const busyLimitMs = opts.statementMs > 0 ? opts.statementMs + 60_000 : 600_000
  const health = healthProbe(app.db, { version: opts.version, deadlineMs: opts.deadlineMs, busyLimitMs })
  // The first reading, so that a busy database at the first call is answered from it.
  await health.check()

  app.get(
    '/health',
    {
      schema: {
        summary: 'Service and database health (no key needed)',
        tags: ['service'],
        security: [],
        // 503: a problem document naming the component that failed, with the whole reading in `health`
        // (also the overload guard's problem document).
        response: { 200: Health, 503: Type.Ref('Problem') },
      },
    },
    async (request, reply) => {
      const answer = await health.check()
      if (answer.status === 'ok') return reply.send(answer)
      const database = !answer.database.reachable
      return sendProblem(
        request,
        reply,
        'LR_UNHEALTHY',
        database
          ? `the database does not answer${answer.database.error ? ` (${answer.database.error})` : ''}`
          : `database migrations are pending: ${answer.migrations.pending.join(', ')}`,
        {
          detailZh: database ? '数据库无法连接或无响应' : '数据库结构未更新到当前版本（有待执行的迁移）',
          component: database ? 'database' : 'migrations',
          health: answer,
        },
      )
    },
  )
}
export default routes
