// Opens each request's work context (src/db/request-work.ts): its statements run under the
// statement timeout, and on a server database a client that goes away before the answer has its
// running statement cancelled. Not on the embedded database: cancelling there reopens PGlite
// (about 4 s for everyone), a price the statement timeout pays only for a runaway statement.
import { AsyncResource } from 'node:async_hooks'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { asRequestWork, cancelStatement, type RequestWork } from '../db/request-work.js'

declare module 'fastify' {
  interface FastifyRequest {
    work: RequestWork | null
  }
}

export interface RequestWorkOptions {
  statementTimeoutMs: number
  cancelOnAbort: boolean
}

export default fp<RequestWorkOptions>(
  async (app, opts) => {
    // As @fastify/request-context does: the body is read in stream callbacks outside the context,
    // so the hook before the handler enters it again through a resource made inside it.
    const resources = new WeakMap<FastifyRequest, AsyncResource>()
    app.decorateRequest('work', null)
    app.addHook('onRequest', (request, reply, done) => {
      const work: RequestWork = { statementTimeoutMs: opts.statementTimeoutMs, running: new Set(), readOnly: ['GET', 'HEAD'].includes(request.method) }
      request.work = work
      if (opts.cancelOnAbort) {
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) for (const conn of work.running) cancelStatement(conn)
        })
      }
      asRequestWork(work, () => {
        const resource = new AsyncResource('request-work')
        resources.set(request, resource)
        resource.runInAsyncScope(done)
      })
    })
    app.addHook('preValidation', (request, _reply, done) => {
      const resource = resources.get(request)
      if (resource) resource.runInAsyncScope(done)
      else done()
    })
  },
  { name: 'request-work' },
)
