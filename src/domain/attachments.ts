// Supporting documents of a project (证明材料, issue 22 item 3): the scans a county attaches so that the city and
// the province can read the papers behind the numbers (165号 三: "土地供应、土地转让、建设用地规划许可、建设工程规划许可等
// 手续证明材料……作为认定是否达到奖励标准的依据"; 四（一）: the province reviews "实时上报的……证明材料"). What a file is,
// what it may be called, and when it may go: pure rules, no I/O.
import type { ProjectStatus } from './project.js'
import { lockedStatuses } from './workflow.js'

/** The kinds of document, named as the offices name them (also the API's values). */
export const attachmentCategories = ['供地批文', '规划许可证', '不动产登记', '其他'] as const
export type AttachmentCategory = (typeof attachmentCategories)[number]

/** The media types a document may have, each with its magic bytes and the file name endings that fit it. */
export const attachmentTypes = {
  // ISO 32000-1 7.5.2: the file begins with the header %PDF-1.n
  'application/pdf': { magic: [Buffer.from('%PDF-', 'latin1')], extensions: ['.pdf'], nameZh: 'PDF 文件' },
  // PNG (ISO/IEC 15948) signature: 89 50 4E 47 0D 0A 1A 0A
  'image/png': { magic: [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])], extensions: ['.png'], nameZh: 'PNG 图片' },
  // JPEG (ITU T.81): SOI marker FF D8 followed by the next marker's FF
  'image/jpeg': { magic: [Buffer.from([0xff, 0xd8, 0xff])], extensions: ['.jpg', '.jpeg'], nameZh: 'JPEG 图片' },
} as const
export type AttachmentMediaType = keyof typeof attachmentTypes
export const attachmentMediaTypes = Object.keys(attachmentTypes) as AttachmentMediaType[]

/**
 * The media type a file's first bytes show, or null for anything else (an executable, HTML, a Word file):
 * what the client's Content-Type or the file name say is never believed.
 */
export function detectMediaType(head: Uint8Array): AttachmentMediaType | null {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength)
  for (const type of attachmentMediaTypes)
    if (attachmentTypes[type].magic.some((m) => bytes.length >= m.length && bytes.subarray(0, m.length).equals(m))) return type
  return null
}

export const FILE_NAME_MAX = 120

/**
 * A file name safe to store and to send back in Content-Disposition: the last path part only (a browser may send
 * C:\扫描\供地批文.pdf), no control or format characters, none of the characters Windows refuses (<>:"/\|?*), no
 * leading dots, at most FILE_NAME_MAX characters; Chinese kept. Its ending fits the type the bytes show: a
 * .html name on a PNG becomes 名称.html.png, so a download never opens as something else.
 */
export function sanitizeFileName(raw: string, type: AttachmentMediaType): string {
  const cleaned = (raw.normalize('NFC').split(/[/\\]/).pop() ?? '')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .replace(/[<>:"|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+|[\s.]+$/g, '')
  const { extensions } = attachmentTypes[type]
  const own = extensions.find((e) => cleaned.toLowerCase().endsWith(e))
  const ending = own ? cleaned.slice(cleaned.length - own.length) : extensions[0]
  const stem = [...(own ? cleaned.slice(0, cleaned.length - own.length) : cleaned)]
    .slice(0, FILE_NAME_MAX - ending.length)
    .join('')
    .replace(/[\s.]+$/, '')
  return (stem || '证明材料') + ending
}

/**
 * A document may be deleted while the project is editable by its county (draft, returned): once submitted, the
 * reviewers are looking at it, and once approved it is the record of what was approved. Adding one is allowed in
 * any status: a milestone's papers (供地批文, 不动产登记) often arrive after approval (165号 三).
 */
export const attachmentDeletable = (status: ProjectStatus) => !lockedStatuses.includes(status)

/** The Content-Disposition of a download: an ASCII fallback and the UTF-8 name (RFC 6266, RFC 5987). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_')
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
