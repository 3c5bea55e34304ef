// The evidence of a completion milestone (完成标志 的证明材料, 165号 三（一）–（三）): "以上各类项目所需达到奖励条件的……
// 土地供应、土地转让、建设用地规划许可、建设工程规划许可等手续证明材料，需严格按照鲁自然资字〔2021〕88号文相关要求录入系统，
// 作为认定是否达到奖励标准的依据". It is the milestone's date that decides the reward year; the evidence is what a
// reviewer checks that date against. A milestone whose evidence is missing or disagrees with its date still
// counts, marked for review (docs/decisions.md, issue 21: milestone evidence).
import type { MilestoneType } from './project.js'

/** The documents 165号 三 names, each with what it records (the area is the one the document states). */
export const evidenceDocuments = {
  /** 三（一）: 以实施土地供应、按规定完成土地供应手续办理为准（具体依据部土地利用动态监测监管系统供地时间） */
  landSupply: {
    zh: '土地供应',
    fields: {
      date: { zh: '供地时间（部监测监管系统）', kind: 'date' },
      supervisionNumber: { zh: '电子监管号', kind: 'text' },
      areaM2: { zh: '供地面积（平方米）', kind: 'area' },
    },
    required: ['date', 'supervisionNumber'],
  },
  /** 三（二）: 按规定完成不动产转移登记及规划许可等手续办理为准 */
  transferRegistration: {
    zh: '不动产转移登记',
    fields: {
      date: { zh: '转移登记日期', kind: 'date' },
      certificateNumber: { zh: '不动产权证书号或登记证明号', kind: 'text' },
      areaM2: { zh: '登记土地面积（平方米）', kind: 'area' },
    },
    required: ['date'],
  },
  /** 三（三）: 以完成建设用地规划许可、建设工程规划许可等审批手续为准 */
  landUsePermit: {
    zh: '建设用地规划许可证',
    fields: {
      number: { zh: '证书编号', kind: 'text' },
      date: { zh: '发证日期', kind: 'date' },
      areaM2: { zh: '用地面积（平方米）', kind: 'area' },
    },
    required: ['number', 'date'],
  },
  constructionPermit: {
    zh: '建设工程规划许可证',
    fields: {
      number: { zh: '证书编号', kind: 'text' },
      date: { zh: '发证日期', kind: 'date' },
      // a works permit states the floor area to be built (建设规模), not a land area
      floorAreaM2: { zh: '建设规模（建筑面积，平方米）', kind: 'area' },
    },
    required: ['number', 'date'],
  },
} as const satisfies Record<string, { zh: string; fields: Record<string, { zh: string; kind: 'date' | 'text' | 'area' }>; required: readonly string[] }>

export type EvidenceDocument = keyof typeof evidenceDocuments
export const evidenceDocumentKeys = Object.keys(evidenceDocuments) as EvidenceDocument[]

/** One document: the fields its row of `evidenceDocuments` names, each optional. */
export type EvidenceRecord = Record<string, string | number | null | undefined>
/** A milestone's evidence (as stored: trimmed, empty documents dropped; as sent, a document may be null). */
export type MilestoneEvidence = { [doc in EvidenceDocument]?: EvidenceRecord | null }

/**
 * Which documents complete each milestone (165号 三). `anyOf`: at least one of them, complete.
 * （二）"不动产转移登记及规划许可等手续" names the permits without saying which, so one of the two will do.
 */
export const evidenceOfMilestone: Record<MilestoneType, { all: readonly EvidenceDocument[]; anyOf?: readonly EvidenceDocument[] }> = {
  'land-supply': { all: ['landSupply'] },
  'transfer-registration': { all: ['transferRegistration'], anyOf: ['landUsePermit', 'constructionPermit'] },
  'planning-permits': { all: ['landUsePermit', 'constructionPermit'] },
}

/**
 * 电子监管号: the number the ministry's monitoring system (部土地利用动态监测监管系统) gives a supply. No published
 * format could be confirmed (numbers seen in published supply results mix the county code, the year, a letter and a
 * sequence), so any text up to this length is accepted (docs/decisions.md).
 */
export const SUPERVISION_NUMBER_MAX = 64
export const EVIDENCE_TEXT_MAX = 100

export interface EvidenceProblem {
  path: string
  message: string
  messageZh: string
}

const fieldsOf = (doc: EvidenceDocument) => evidenceDocuments[doc].fields as Record<string, { zh: string; kind: 'date' | 'text' | 'area' }>

/** What is wrong with the evidence as sent, per field, in English and Chinese (the request schema checked the types). */
export function evidenceProblems(evidence: MilestoneEvidence | null | undefined, at = '/milestoneEvidence'): EvidenceProblem[] {
  const problems: EvidenceProblem[] = []
  for (const doc of evidenceDocumentKeys) {
    const record = evidence?.[doc]
    if (!record) continue
    for (const [field, spec] of Object.entries(fieldsOf(doc))) {
      const value = record[field]
      if (value === null || value === undefined) continue
      const path = `${at}/${doc}/${field}`
      const name = `${evidenceDocuments[doc].zh}${spec.zh}`
      if (spec.kind === 'text') {
        const text = String(value).trim()
        const max = field === 'supervisionNumber' ? SUPERVISION_NUMBER_MAX : EVIDENCE_TEXT_MAX
        if (!text) problems.push({ path, message: `${doc}.${field} is empty`, messageZh: `${name}为空：不填写请省略该项` })
        else if (text.length > max) problems.push({ path, message: `${doc}.${field} is longer than ${max} characters`, messageZh: `${name}超过${max}个字符` })
      } else if (spec.kind === 'area' && !(typeof value === 'number' && Number.isFinite(value) && value > 0))
        problems.push({ path, message: `${doc}.${field} must be a number above 0 (m²)`, messageZh: `${name}须为大于0的数值` })
    }
  }
  return problems
}

/** The evidence as stored: strings trimmed, absent fields and empty documents dropped; null when nothing is left. */
export function normalizeEvidence(evidence: MilestoneEvidence | null | undefined): MilestoneEvidence | null {
  const out: MilestoneEvidence = {}
  for (const doc of evidenceDocumentKeys) {
    const record = evidence?.[doc]
    if (!record) continue
    const kept: EvidenceRecord = {}
    for (const field of Object.keys(fieldsOf(doc))) {
      const value = record[field]
      if (value === null || value === undefined) continue
      kept[field] = typeof value === 'string' ? value.trim() : value
    }
    if (Object.keys(kept).length) out[doc] = kept
  }
  return Object.keys(out).length ? out : null
}

/** Two normalized evidence objects hold the same values (key order aside). */
export function sameEvidence(a: MilestoneEvidence | null, b: MilestoneEvidence | null): boolean {
  const canonical = (e: MilestoneEvidence | null) =>
    JSON.stringify(evidenceDocumentKeys.map((doc) => [doc, Object.keys(fieldsOf(doc)).map((f) => e?.[doc]?.[f] ?? null)]))
  return canonical(a) === canonical(b)
}

export interface EvidenceStatus {
  /** every document the milestone type needs is recorded with its required fields */
  complete: boolean
  /** a person should look: something is missing, or the documents' dates disagree with the milestone's */
  needsReview: boolean
  /** what is missing, in Chinese (e.g. 土地供应电子监管号) */
  missingZh: string[]
  /** the date the documents show the milestone was reached (the latest of the completing documents), if they show one */
  documentsDate: string | null
  note: string
  noteZh: string
}

const isComplete = (doc: EvidenceDocument, record: EvidenceRecord | null | undefined) =>
  (evidenceDocuments[doc].required as readonly string[]).every((f) => record?.[f] !== undefined && record?.[f] !== null && record?.[f] !== '')

/**
 * How a milestone's evidence stands against its type and date. null when the milestone has no type or
 * no date: such a milestone does not count at all (the reward table says so), there is nothing to judge.
 * Missing evidence does not stop the milestone counting (the date is what 165号 三 counts from): it is
 * `needsReview` with 证明材料未录入. Documents dated after the milestone, or a completion date other than the
 * documents' own, are `needsReview` too: the reward year may be wrong.
 */
export function evidenceStatus(type: MilestoneType | null, date: string | null, evidence: MilestoneEvidence | null): EvidenceStatus | null {
  if (!type || !date) return null
  const need = evidenceOfMilestone[type]
  const missingZh: string[] = []
  const missing: string[] = []
  for (const doc of need.all) {
    for (const f of evidenceDocuments[doc].required as readonly string[]) {
      const v = evidence?.[doc]?.[f]
      if (v === undefined || v === null || v === '') {
        missingZh.push(`${evidenceDocuments[doc].zh}${fieldsOf(doc)[f]!.zh}`)
        missing.push(`${doc}.${f}`)
      }
    }
  }
  const anyOf = need.anyOf?.filter((doc) => isComplete(doc, evidence?.[doc])) ?? []
  if (need.anyOf && !anyOf.length) {
    missingZh.push(need.anyOf.map((doc) => evidenceDocuments[doc].zh).join('或'))
    missing.push(need.anyOf.join(' or '))
  }
  const completing = [...need.all, ...anyOf]
  const dates = completing.map((doc) => evidence?.[doc]?.date).filter((d): d is string => typeof d === 'string' && d !== '')
  const documentsDate = dates.length ? dates.reduce((a, b) => (a > b ? a : b)) : null
  const later = completing.filter((doc) => typeof evidence?.[doc]?.date === 'string' && (evidence[doc]!.date as string) > date)
  const notes: Array<[string, string]> = []
  if (missing.length) notes.push([`evidence not recorded: ${missing.join(', ')}`, `证明材料未录入：${missingZh.join('、')}`])
  if (later.length)
    notes.push([
      `${later.join(', ')} dated after the milestone date ${date}: the milestone cannot have been reached before its documents`,
      `${later.map((doc) => `${evidenceDocuments[doc].zh}日期${evidence![doc]!.date as string}`).join('、')}晚于完成日期${date}`,
    ])
  else if (!missing.length && documentsDate !== null && documentsDate !== date)
    notes.push(
      type === 'land-supply'
        ? [
            `the milestone date ${date} is not the supply date ${documentsDate} of the monitoring system (165号 三（一）)`,
            `完成日期${date}与部土地利用动态监测监管系统供地时间${documentsDate}不一致（165号 三（一））`,
          ]
        : [
            `the milestone date ${date} is not the date of the last completing document, ${documentsDate}`,
            `完成日期${date}与证明材料所示办结日期${documentsDate}不一致`,
          ],
    )
  const complete = !missing.length
  if (!notes.length) return { complete, needsReview: false, missingZh, documentsDate, note: 'evidence recorded', noteZh: '证明材料已录入' }
  return {
    complete,
    needsReview: true,
    missingZh,
    documentsDate,
    note: notes.map((n) => n[0]).join('; '),
    noteZh: `${notes.map((n) => n[1]).join('；')}，需人工复核`,
  }
}

/** The evidence fields of a project write (POST or PATCH), checked together: the problems of each, or none. */
export function evidenceAttributeProblems(attrs: { milestoneEvidence?: MilestoneEvidence | null; evidenceAreaM2?: number | null }): EvidenceProblem[] {
  const problems = evidenceProblems(attrs.milestoneEvidence)
  const area = attrs.evidenceAreaM2
  if (area !== undefined && area !== null && !(Number.isFinite(area) && area > 0))
    problems.push({
      path: '/evidenceAreaM2',
      message: 'evidenceAreaM2 (the area the evidence states) must be above 0 m²; null clears it',
      messageZh: '证明材料中面积须为大于0的数值（平方米）；不填写请置空',
    })
  return problems
}
