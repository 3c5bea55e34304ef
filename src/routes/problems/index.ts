// Problem type URIs are dereferenceable: /problems/{slug} explains the type.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { problem, problemKinds, problemType } from '../../errors/index.js'

const ProblemTypeDoc = Type.Object({ type: Type.String(), code: Type.String(), status: Type.Integer(), title: Type.String(), titleEn: Type.String() })

const docs = Object.entries(problemKinds).map(([code, k]) => ({
  type: problemType(code as keyof typeof problemKinds),
  code,
  status: k.status,
  title: k.titleZh,
  titleEn: k.titleEn,
}))

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/problems',
    { schema: { summary: 'Every problem type this API returns', tags: ['service'], security: [], response: { 200: Type.Array(ProblemTypeDoc) } } },
    async () => docs,
  )
  app.get(
    '/problems/:slug',
    {
      schema: { summary: 'One problem type', tags: ['service'], security: [], params: Type.Object({ slug: Type.String() }), response: { 200: ProblemTypeDoc } },
    },
    async (request) => {
      const doc = docs.find((d) => d.type.endsWith(`/${request.params.slug}`))
      if (!doc) throw problem('LR_NOT_FOUND', `no problem type '${request.params.slug}'`)
      return doc
    },
  )
}
export default routes
