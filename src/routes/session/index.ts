// Signing in and out of the console: a session cookie for a named account (src/auth/accounts.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { SessionTimeouts } from '../../auth/accounts.js'
import { clearedSessionCookie, readCookie, sessionCookie, sessionCookieName } from '../../auth/cookies.js'
import { SignInThrottle } from '../../auth/sign-in-throttle.js'
import { changeOwnPassword, signIn, signOut } from '../../auth/users.js'
import { ChangePasswordBody, SignInBody } from '../../schemas/accounts.js'
import { problemResponses } from '../../schemas/common.js'

const routes: FastifyPluginAsyncTypebox<{ sessions: SessionTimeouts; publicUrl: string | undefined }> = async (app, opts) => {
  const throttle = new SignInThrottle()
  app.post(
    '/session',
    {
      config: { public: true },
      schema: {
        summary: 'Sign in with a user name and password: answers 204 with the session cookie (HttpOnly, SameSite=Strict)',
        tags: ['accounts'],
        body: SignInBody,
        response: { 204: { type: 'null', description: 'signed in; the cookie is set' }, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { token } = await signIn(app.db.knex, throttle, opts.sessions, {
        ...request.body,
        address: request.ip,
        userAgent: request.headers['user-agent'],
      })
      reply.header('set-cookie', sessionCookie(request, token, opts.publicUrl))
      reply.header('cache-control', 'no-store')
      return reply.code(204).send(null)
    },
  )
  app.delete(
    '/session',
    {
      config: { beforePasswordChange: true },
      schema: { summary: 'Sign out: the session ends at once', tags: ['accounts'], response: { 204: { type: 'null' }, ...problemResponses } },
    },
    async (request, reply) => {
      const token = readCookie(request.headers.cookie, sessionCookieName)
      if (token) await signOut(app.db.knex, token)
      reply.header('set-cookie', clearedSessionCookie(request, opts.publicUrl))
      return reply.code(204).send(null)
    },
  )
  app.post(
    '/session/password',
    {
      config: { beforePasswordChange: true },
      schema: {
        summary: "Change the signed-in account's own password; its other sessions end",
        tags: ['accounts'],
        body: ChangePasswordBody,
        response: { 204: { type: 'null' }, ...problemResponses },
      },
    },
    async (request, reply) => {
      await changeOwnPassword(app.db.knex, request.actor, readCookie(request.headers.cookie, sessionCookieName), request.body)
      return reply.code(204).send(null)
    },
  )
}
export default routes
