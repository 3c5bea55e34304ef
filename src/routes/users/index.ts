// Named accounts, managed by an admin (the console's 账号管理 page, the CLI's `user` command).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { AccountRow } from '../../auth/accounts.js'
import { changeAccount, createAccount, disableAccount, listAllAccounts } from '../../auth/users.js'
import { Account, CreateAccountBody, CreatedAccount, UpdateAccountBody } from '../../schemas/accounts.js'
import { problemResponses } from '../../schemas/common.js'

export const accountView = (a: AccountRow) => ({
  username: a.username,
  displayName: a.displayName,
  role: a.role,
  region: a.region,
  enabled: a.disabledAt === null,
  mustChangePassword: a.mustChangePassword,
  createdAt: a.createdAt,
  createdBy: a.createdBy,
  lastSignInAt: a.lastSignInAt,
})

const UsernameParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }) })

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const adminOnly = app.requireRole('admin')
  app.get(
    '/users',
    { preHandler: adminOnly, schema: { summary: 'List accounts (admin)', tags: ['accounts'], response: { 200: Type.Array(Account), ...problemResponses } } },
    async () => (await listAllAccounts(app.db.knex)).map(accountView),
  )
  app.post(
    '/users',
    {
      preHandler: adminOnly,
      schema: {
        summary: 'Create an account (admin); it must change its password at first sign-in',
        tags: ['accounts'],
        body: CreateAccountBody,
        response: { 201: CreatedAccount, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { account, password } = await createAccount(app.db.knex, request.actor, request.body)
      return reply.code(201).send({ account: accountView(account), ...(password && { password }) })
    },
  )
  app.patch(
    '/users/:username',
    {
      preHandler: adminOnly,
      schema: {
        summary: 'Change, disable, enable or reset the password of an account (admin); its sessions end where that matters',
        tags: ['accounts'],
        params: UsernameParams,
        body: UpdateAccountBody,
        response: { 200: CreatedAccount, ...problemResponses },
      },
    },
    async (request) => {
      const { account, password } = await changeAccount(app.db.knex, request.actor, request.params.username, request.body)
      return { account: accountView(account), ...(password && { password }) }
    },
  )
  app.delete(
    '/users/:username',
    {
      preHandler: adminOnly,
      schema: {
        summary: 'Disable an account (admin): its sessions end at once; the account stays, named in the audit',
        tags: ['accounts'],
        params: UsernameParams,
        response: { 200: Account, ...problemResponses },
      },
    },
    async (request) => accountView((await disableAccount(app.db.knex, request.actor, request.params.username)).account),
  )
}
export default routes
