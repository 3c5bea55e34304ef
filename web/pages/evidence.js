// 完成节点证明材料 (165号 三（一）–（三）) on the project form: one group per document, its fields as GET /settings
// names them (evidenceDocuments), marked with the milestone types it completes. The API decides what is
// missing and whether the dates agree (milestoneEvidenceStatus); the page only shows its words.
import { h } from '../dom.js'
import { milestoneName, settings } from '../settings.js'
import { s } from '../strings.js'

const p = s.project

/** The documents as the settings document lists them ([] before it has loaded). */
const documents = () => settings()?.evidenceDocuments ?? []

/** The evidence's status line: 证明材料已录入, or what is missing / disagrees (needs review). */
export function evidenceStatusLine(status, id) {
  if (!status) return null
  return h(
    'p',
    { id, dataset: { complete: String(status.complete), needsReview: String(status.needsReview) } },
    `${p.evidenceStatus}：`,
    h('span', { class: `badge ${status.needsReview ? 'unknown' : 'pass'}` }, status.noteZh),
  )
}

/**
 * The evidence inputs of a project; `value()` gives the milestoneEvidence a PATCH sends (whole: null when
 * nothing is filled), or throws { field, text } for a number that is not above 0.
 */
export function evidenceFieldset(evidence, disabled) {
  const inputs = []
  const groups = documents().map((doc) =>
    h(
      'fieldset',
      { dataset: { document: doc.code } },
      h('legend', {}, doc.nameZh, h('span.hint', {}, ` （${doc.forMilestones.map(milestoneName).join('、')}）`)),
      doc.fields.map((f) => {
        const value = evidence?.[doc.code]?.[f.code]
        const input = h('input', {
          type: f.kind === 'date' ? 'date' : f.kind === 'area' ? 'number' : 'text',
          name: `${doc.code}.${f.code}`,
          id: `f-evidence-${doc.code}-${f.code}`,
          step: f.kind === 'area' ? 'any' : undefined,
          min: f.kind === 'area' ? '0' : undefined,
          maxlength: f.kind === 'text' ? (f.code === 'supervisionNumber' ? '64' : '100') : undefined,
          value: value ?? '',
          disabled,
        })
        inputs.push({ doc: doc.code, field: f.code, kind: f.kind, label: `${doc.nameZh}${f.nameZh}`, input })
        return h('label', {}, `${f.nameZh}${doc.required.includes(f.code) ? ' *' : ''}`, input)
      }),
    ),
  )
  const el = h('section', { id: 'evidence-fields' }, h('h3', {}, p.evidence), h('p.hint', {}, p.evidenceHint), groups)
  function value() {
    const out = {}
    for (const { doc, field, kind, label, input } of inputs) {
      const v = input.value.trim()
      if (v === '') continue
      let x = v
      if (kind === 'area') {
        x = Number(v)
        if (!Number.isFinite(x) || x <= 0) throw { input, text: `${label}：${p.mustBePositive}` }
      }
      out[doc] = { ...out[doc], [field]: x }
    }
    return Object.keys(out).length ? out : null
  }
  return { el, value, disabled }
}
