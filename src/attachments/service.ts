// Supporting documents (证明材料) of a project: the county attaches and deletes, the city and province read; region
// scope as everywhere (another region's project is 404); every write commits with its audit row.
import { createHash } from 'node:crypto'
import type { Knex } from 'knex'
import { auditedWrite, type Actor } from '../auth/actor.js'
import type { AttachmentLimits } from '../config.js'
import {
  attachmentCategories,
  attachmentDeletable,
  attachmentTypes,
  detectMediaType,
  sanitizeFileName,
  type AttachmentCategory,
} from '../domain/attachments.js'
import type { ProjectStatus } from '../domain/project.js'
import { problem } from '../errors/index.js'
import { projectCounty, projectStatus } from '../projects/queries.js'
import * as q from './queries.js'

const projectNotFound = (id: number) => problem('LR_NOT_FOUND', `project ${id} not found`, { detailZh: `项目 ${id} 不存在或不在本密钥的权限范围内` })
const attachmentNotFound = (projectId: number, id: number) =>
  problem('LR_NOT_FOUND', `attachment ${id} of project ${projectId} not found`, { detailZh: `项目 ${projectId} 没有编号为 ${id} 的证明材料` })

const mib = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`

/** The 413 of a file over the limit (thrown while the upload is read, before anything is stored). */
export const attachmentTooLarge = (limits: AttachmentLimits) =>
  problem('LR_PAYLOAD_TOO_LARGE', `the file is larger than the limit of ${limits.maxBytes} bytes (${mib(limits.maxBytes)}) for a supporting document`, {
    detailZh: `证明材料文件不能超过 ${mib(limits.maxBytes)}，请压缩或分页扫描后再上传`,
    maxBytes: limits.maxBytes,
  })

/** Only the county writes its documents: the city and province read them (the role each office has in the review). */
export const countyOnly = (actor: Actor, what: 'upload' | 'delete') => {
  if (actor.principal.role !== 'county')
    throw problem('LR_FORBIDDEN', `only a county key may ${what} supporting documents; this is a ${actor.principal.role} key`, {
      detailZh: '证明材料只能由县级上传或删除，市级、省级可查看和下载',
    })
}

async function countyOf(knex: Knex, actor: Actor, projectId: number): Promise<string> {
  const county = await projectCounty(knex, projectId, actor.scope)
  if (!county) throw projectNotFound(projectId)
  return county
}

const itemOf = (row: q.AttachmentRow) => ({ ...row, url: `/api/v1/projects/${row.projectId}/attachments/${row.id}` })

export async function listProjectAttachments(knex: Knex, actor: Actor, projectId: number, limits: AttachmentLimits) {
  const county = await countyOf(knex, actor, projectId)
  const [rows, status] = await Promise.all([q.listAttachments(knex, { county, projectId }), projectStatus(knex, projectId, actor.scope)])
  const isCounty = actor.principal.role === 'county'
  return {
    items: rows.map(itemOf),
    categories: [...attachmentCategories],
    mediaTypes: Object.entries(attachmentTypes).map(([type, t]) => ({ mediaType: type, extensions: [...t.extensions], nameZh: t.nameZh })),
    maxBytes: limits.maxBytes,
    maxPerProject: limits.maxPerProject,
    mayUpload: isCounty && rows.length < limits.maxPerProject,
    mayDelete: isCounty && attachmentDeletable(status as ProjectStatus),
  }
}

export interface AttachmentUpload {
  content: Buffer
  fileName: string
  category: AttachmentCategory
  note?: string
}

export async function addProjectAttachment(knex: Knex, actor: Actor, projectId: number, upload: AttachmentUpload, limits: AttachmentLimits) {
  countyOnly(actor, 'upload')
  const county = await countyOf(knex, actor, projectId)
  const { content } = upload
  if (content.length === 0)
    throw problem('LR_BAD_REQUEST', `the file '${upload.fileName}' is empty`, { detailZh: `文件“${upload.fileName}”为空（0 字节），请重新选择` })
  // multipart enforces the limit while reading; this holds for any other caller
  if (content.length > limits.maxBytes) throw attachmentTooLarge(limits)
  const mediaType = detectMediaType(content.subarray(0, 16))
  if (!mediaType)
    throw problem('LR_UNSUPPORTED_MEDIA', `'${upload.fileName}' is not a PDF, PNG or JPEG file by its content (whatever its name or Content-Type says)`, {
      detailZh: `文件“${upload.fileName}”的内容不是 PDF、PNG 或 JPEG（按文件内容判断，不看扩展名），请上传扫描件的 PDF 或图片`,
    })
  const fileName = sanitizeFileName(upload.fileName, mediaType)
  const sha256 = createHash('sha256').update(content).digest('hex')
  const note = upload.note?.trim() || null
  const id = await auditedWrite(
    knex,
    actor,
    async (trx) => {
      if (!(await q.lockProject(trx, { county, projectId }))) throw projectNotFound(projectId)
      const count = await q.countAttachments(trx, { county, projectId })
      if (count >= limits.maxPerProject)
        throw problem('LR_CONFLICT', `project ${projectId} already holds ${count} supporting documents, the most one project may hold`, {
          detailZh: `每个项目最多上传 ${limits.maxPerProject} 个证明材料，本项目已有 ${count} 个；请先删除不需要的文件`,
          maxPerProject: limits.maxPerProject,
        })
      return q.insertAttachment(trx, {
        county,
        projectId,
        category: upload.category,
        fileName,
        mediaType,
        sha256,
        note,
        content,
        uploadedByKey: actor.principal.prefix,
        uploadedByName: actor.principal.name,
      })
    },
    (newId) => ({
      action: 'attachment.create',
      objectType: 'attachment',
      objectId: newId,
      county,
      detail: { projectId, fileName, category: upload.category, mediaType, sizeBytes: content.length, sha256 },
    }),
  )
  return itemOf((await q.findAttachment(knex, { county, projectId, id }))!)
}

export async function readProjectAttachment(knex: Knex, actor: Actor, projectId: number, id: number) {
  const county = await countyOf(knex, actor, projectId)
  const file = await q.attachmentContent(knex, { county, projectId, id })
  if (!file) throw attachmentNotFound(projectId, id)
  return file
}

export async function deleteProjectAttachment(knex: Knex, actor: Actor, projectId: number, id: number): Promise<void> {
  countyOnly(actor, 'delete')
  const county = await countyOf(knex, actor, projectId)
  await auditedWrite(
    knex,
    actor,
    async (trx) => {
      const status = await q.lockProject(trx, { county, projectId })
      if (!status) throw projectNotFound(projectId)
      const row = await q.findAttachment(trx, { county, projectId, id })
      if (!row) throw attachmentNotFound(projectId, id)
      if (!attachmentDeletable(status as ProjectStatus))
        throw problem('LR_CONFLICT', `project ${projectId} is ${status}: its supporting documents cannot be deleted (a reviewer must return it first)`, {
          detailZh: '项目已提交审核或已通过审核，证明材料不能删除；如需删除请先退回',
        })
      await q.deleteAttachment(trx, { county, projectId, id })
      return row
    },
    (row) => ({
      action: 'attachment.delete',
      objectType: 'attachment',
      objectId: id,
      county,
      detail: { projectId, fileName: row.fileName, category: row.category, sha256: row.sha256 },
    }),
  )
}
