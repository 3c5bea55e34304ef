import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { healthProbe } from '../../health/check.js'
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
        // 503: degraded (a Health document), or the overload guard's problem document.
        response: { 200: Health, 503: Type.Union([Health, Type.Ref('Problem')]) },
      },
    },
    async (_request, reply) => {
      const answer = await health.check()
      return reply.code(answer.status === 'ok' ? 200 : 503).send(answer)
    },
  )
}
export default routes
