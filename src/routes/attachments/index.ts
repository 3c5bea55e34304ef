// Supporting documents of a project (证明材料): /projects/{id}/attachments. The file is read into memory up to
// the configured limit (ATTACHMENT_MAX_BYTES, 20 MB by default) and kept in the database.
import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import {
  addProjectAttachment,
  attachmentTooLarge,
  countyOnly,
  deleteProjectAttachment,
  listProjectAttachments,
  readProjectAttachment,
} from '../../attachments/service.js'
import type { AttachmentLimits } from '../../config.js'
import { contentDisposition } from '../../domain/attachments.js'
import { problem } from '../../errors/index.js'
import { Attachment, AttachmentForm, AttachmentList, AttachmentParams } from '../../schemas/attachments.js'
import { IdParams, problemResponses } from '../../schemas/common.js'

declare module 'fastify' {
  interface FastifyRequest {
    attachmentFile?: { content: Buffer; fileName: string }
  }
}

const tags = ['attachments']

const routes: FastifyPluginAsyncTypebox<{ limits: AttachmentLimits }> = async (app, opts) => {
  const knex = app.db.knex
  const { limits } = opts
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: limits.maxBytes, files: 1, fields: 5, fieldSize: 4 * 1024, parts: 8 },
    // The file is held for the handler; the body gets its name, for validation.
    async onFile(part) {
      if (this.attachmentFile) throw problem('LR_BAD_REQUEST', 'send exactly one file per upload', { detailZh: '每次只能上传一个文件' })
      let content: Buffer
      try {
        content = await part.toBuffer()
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw attachmentTooLarge(limits)
        throw err
      }
      this.attachmentFile = { content, fileName: part.filename }
      ;(part as unknown as { value: string }).value = part.filename
    },
  })

  app.get(
    '/projects/:id/attachments',
    {
      schema: {
        summary: 'The supporting documents (证明材料) of a project, with the limits and what this key may do',
        tags,
        params: IdParams,
        response: { 200: AttachmentList, ...problemResponses },
      },
    },
    async (request) => listProjectAttachments(knex, request.actor, request.params.id, limits),
  )
  app.post(
    '/projects/:id/attachments',
    {
      // only a county writes: refused before the upload is read
      onRequest: async (request) => countyOnly(request.actor, 'upload'),
      schema: {
        summary: 'Attach a supporting document (PDF, PNG or JPEG scan of 供地批文, 规划许可证, 不动产登记 …); county keys only',
        description:
          'The type is found from the file’s first bytes (%PDF-, PNG or JPEG signature): anything else is 415, whatever its name. ' +
          'Larger than ATTACHMENT_MAX_BYTES: 413; an empty file: 400; a project already holding ATTACHMENT_MAX_PER_PROJECT documents: 409.',
        tags,
        consumes: ['multipart/form-data'],
        params: IdParams,
        body: AttachmentForm,
        response: { 201: Attachment, ...problemResponses },
      },
    },
    async (request, reply) => {
      const file = request.attachmentFile
      if (!file) throw problem('LR_BAD_REQUEST', 'the form has no file', { detailZh: '请选择要上传的文件 file' })
      const { category, note } = request.body
      const created = await addProjectAttachment(knex, request.actor, request.params.id, { ...file, category, note }, limits)
      return reply.code(201).header('location', created.url).send(created)
    },
  )
  app.get(
    '/projects/:id/attachments/:attachmentId',
    {
      schema: {
        summary: 'Download a supporting document (as an attachment, never shown inline)',
        tags,
        params: AttachmentParams,
        produces: ['application/pdf', 'image/png', 'image/jpeg'],
        response: { 200: Type.Unsafe({ type: 'string', format: 'binary', description: 'the file as uploaded' }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const file = await readProjectAttachment(knex, request.actor, request.params.id, request.params.attachmentId)
      // The type checked at upload; a browser must neither guess another nor run anything in it.
      return reply
        .type(file.mediaType)
        .header('content-disposition', contentDisposition(file.fileName))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', 'sandbox')
        .header('cache-control', 'private, no-store')
        .send(file.content)
    },
  )
  app.delete(
    '/projects/:id/attachments/:attachmentId',
    {
      onRequest: async (request) => countyOnly(request.actor, 'delete'),
      schema: {
        summary: 'Delete a supporting document; county keys only, while the project is in draft or returned',
        tags,
        params: AttachmentParams,
        response: { ...problemResponses },
      },
    },
    async (request, reply) => {
      await deleteProjectAttachment(knex, request.actor, request.params.id, request.params.attachmentId)
      return reply.code(204).send()
    },
  )
}
export default routes
