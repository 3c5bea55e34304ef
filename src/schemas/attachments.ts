import Type, { type Static } from 'typebox'
import { attachmentCategories, attachmentMediaTypes, FILE_NAME_MAX } from '../domain/attachments.js'
import { Id, OneOf, Timestamp } from './common.js'

export const AttachmentCategory = OneOf(attachmentCategories, { description: 'kind of document: 供地批文, 规划许可证, 不动产登记 or 其他' })

/** multipart/form-data fields of an upload (all sent as text). */
export const AttachmentForm = Type.Object(
  {
    file: Type.String({
      format: 'binary',
      description: 'a PDF, PNG or JPEG scan; the type is read from the file’s first bytes, not from its name or Content-Type',
    }),
    category: AttachmentCategory,
    note: Type.Optional(Type.String({ maxLength: 500, description: 'a remark (e.g. the document’s number)' })),
  },
  { additionalProperties: false },
)
export type AttachmentForm = Static<typeof AttachmentForm>

export const AttachmentParams = Type.Object({ id: Id, attachmentId: Id })

export const Attachment = Type.Object({
  id: Type.Integer(),
  projectId: Type.Integer(),
  fileName: Type.String({
    maxLength: FILE_NAME_MAX,
    description: 'the uploaded name, sanitized (path, control and reserved characters removed; Chinese kept)',
  }),
  category: AttachmentCategory,
  sizeBytes: Type.Integer(),
  mediaType: OneOf(attachmentMediaTypes, { description: 'found from the file’s content' }),
  sha256: Type.String(),
  note: Type.Union([Type.String(), Type.Null()]),
  uploadedBy: Type.String({ description: 'name of the key that uploaded it (the office)' }),
  uploadedByKey: Type.String({ description: 'prefix of that key' }),
  uploadedAt: Timestamp,
  url: Type.String({ description: 'where to download it' }),
})

export const AttachmentList = Type.Object({
  items: Type.Array(Attachment),
  categories: Type.Array(AttachmentCategory),
  mediaTypes: Type.Array(Type.Object({ mediaType: Type.String(), extensions: Type.Array(Type.String()), nameZh: Type.String() })),
  maxBytes: Type.Integer({ description: 'largest file accepted (ATTACHMENT_MAX_BYTES)' }),
  maxPerProject: Type.Integer({ description: 'documents one project may hold (ATTACHMENT_MAX_PER_PROJECT)' }),
  mayUpload: Type.Boolean({ description: 'this key may attach a document now (a county key, below the count limit)' }),
  mayDelete: Type.Boolean({ description: 'this key may delete documents now (a county key, the project in draft or returned)' }),
})
