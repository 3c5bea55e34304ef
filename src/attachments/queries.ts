// SQL of a project's supporting documents (project_attachments): every statement names the county, so that
// region scope holds (the caller has resolved the project's county within the key's scope) and Citus routes it.
import type { Knex } from 'knex'
import type { AttachmentCategory, AttachmentMediaType } from '../domain/attachments.js'

/** The columns a list shows (never the content). */
const listed = {
  id: 'id',
  projectId: 'project_id',
  fileName: 'file_name',
  category: 'category',
  sizeBytes: 'size_bytes',
  mediaType: 'media_type',
  sha256: 'sha256',
  note: 'note',
  uploadedBy: 'uploaded_by_name',
  uploadedByKey: 'uploaded_by_key',
  uploadedAt: 'uploaded_at',
}

export interface AttachmentRow {
  id: number
  projectId: number
  fileName: string
  category: AttachmentCategory
  sizeBytes: number
  mediaType: AttachmentMediaType
  sha256: string
  note: string | null
  uploadedBy: string
  uploadedByKey: string
  uploadedAt: Date
}

export const listAttachments = (knex: Knex, p: { county: string; projectId: number }): Promise<AttachmentRow[]> =>
  knex('project_attachments').select(listed).where({ xzqdm: p.county, project_id: p.projectId }).orderBy('id')

export const findAttachment = (knex: Knex, p: { county: string; projectId: number; id: number }): Promise<AttachmentRow | undefined> =>
  knex('project_attachments').first(listed).where({ xzqdm: p.county, project_id: p.projectId, id: p.id })

/** The stored bytes of one document, with what a download sends beside them. */
export const attachmentContent = (
  knex: Knex,
  p: { county: string; projectId: number; id: number },
): Promise<{ fileName: string; mediaType: AttachmentMediaType; content: Buffer } | undefined> =>
  knex('project_attachments')
    .first({ fileName: 'file_name', mediaType: 'media_type', content: 'content' })
    .where({ xzqdm: p.county, project_id: p.projectId, id: p.id })

export async function countAttachments(knex: Knex, p: { county: string; projectId: number }): Promise<number> {
  const row = await knex('project_attachments').count<{ n: number }>({ n: '*' }).where({ xzqdm: p.county, project_id: p.projectId }).first()
  return Number(row?.n ?? 0)
}

/**
 * The project's status, its row locked until the transaction ends: two uploads at once cannot both pass the
 * count limit, and a delete cannot pass the status check while a submit moves the project on.
 */
export async function lockProject(trx: Knex.Transaction, p: { county: string; projectId: number }): Promise<string | undefined> {
  const row = await trx('projects').first('status').where({ xzqdm: p.county, id: p.projectId }).forUpdate()
  return row?.status as string | undefined
}

export interface NewAttachment {
  county: string
  projectId: number
  category: AttachmentCategory
  fileName: string
  mediaType: AttachmentMediaType
  sha256: string
  note: string | null
  content: Buffer
  uploadedByKey: string
  uploadedByName: string
}

export async function insertAttachment(trx: Knex.Transaction, a: NewAttachment): Promise<number> {
  const [row] = await trx('project_attachments')
    .insert({
      xzqdm: a.county,
      project_id: a.projectId,
      category: a.category,
      file_name: a.fileName,
      media_type: a.mediaType,
      size_bytes: a.content.length,
      sha256: a.sha256,
      note: a.note,
      content: a.content,
      uploaded_by_key: a.uploadedByKey,
      uploaded_by_name: a.uploadedByName,
    })
    .returning('id')
  return Number((row as { id: number }).id)
}

export const deleteAttachment = (trx: Knex.Transaction, p: { county: string; projectId: number; id: number }) =>
  trx('project_attachments').where({ xzqdm: p.county, project_id: p.projectId, id: p.id }).delete()
