// Which source field fills which typed column, and the conversion of each value.
import type { ColumnType, DeriverKey, LayerKind } from '../catalogue/layer-kinds.js'
import type { Said } from '../errors/bilingual.js'
import type { DbfValue } from '../formats/shapefile/dbf-values.js'
import type { ColumnDeriver, ResolvedColumn } from './columns.js'
import type { Remedied } from './report.js'
import { permittedFromZone } from './plan-zones.js'

/** The derivers the catalogue names, by key. */
const derivers: Record<DeriverKey, (resolved: ResolvedColumn[]) => ColumnDeriver> = {
  'permitted-from-zone': permittedFromZone,
}

/** Maps columns to source fields; returns problems instead of throwing so all can be reported. */
export function resolveFields(
  kind: LayerKind,
  sourceNames: string[],
  fieldMap: Record<string, string> = {},
): { columns: ResolvedColumn[]; problems: Array<Said & Remedied>; notes: Said[] } {
  const problems: Array<Said & Remedied> = []
  const notes: Said[] = []
  const fieldsZh = kind.columns.map((c) => `${c.titleZh}（${c.field}）`).join('、')
  const index = new Map(sourceNames.map((n, i) => [n.toUpperCase(), i]))
  // a field is named by its API name, its column, or its Chinese title (the console's field map is written in Chinese)
  const known = new Map(kind.columns.flatMap((c) => [[c.field.toLowerCase(), c] as const, [c.column, c] as const, [c.titleZh, c] as const]))
  for (const key of Object.keys(fieldMap)) {
    if (!known.has(key.toLowerCase()))
      problems.push({
        message: `fieldMap names '${key}', which is not a field of layer ${kind.key} (fields: ${kind.columns.map((c) => c.field).join(', ')})`,
        messageZh: `字段对应中的“${key}”不是“${kind.titleZh}”图层的字段；可用字段：${fieldsZh}`,
      })
  }
  const mapped = new Map(Object.entries(fieldMap).map(([k, v]) => [known.get(k.toLowerCase())?.column, v]))
  const columns = kind.columns.map((c): ResolvedColumn => {
    const wanted = mapped.get(c.column)
    let source = -1
    if (wanted !== undefined) {
      source = index.get(wanted.toUpperCase()) ?? -1
      if (source === -1)
        problems.push({
          message: `fieldMap maps ${c.field} to '${wanted}', but the file has no such field (fields: ${sourceNames.join(', ')})`,
          messageZh: `字段对应把“${c.titleZh}”（${c.field}）对应到“${wanted}”，但文件中没有该字段；文件中的字段：${sourceNames.join('、')}`,
          code: 'field-missing',
          fieldMapFor: { field: c.field, titleZh: c.titleZh, sourceFields: sourceNames },
        })
    } else {
      for (const alias of c.aliases) {
        source = index.get(alias.toUpperCase()) ?? -1
        if (source !== -1) break
      }
      if (source === -1 && c.required) {
        problems.push({
          message: `the file has no ${c.aliases[0]} field for ${c.field} (looked for ${c.aliases.join(', ')}); name the source field with fieldMap, e.g. {"${c.field}": "…"}`,
          messageZh:
            `文件中没有必填字段“${c.titleZh}”（查找了 ${c.aliases.join('、')}）：请在“字段对应”中指明源字段，` +
            `如 {"${c.titleZh}": "源字段名"}；文件中的字段：${sourceNames.join('、')}`,
          code: 'field-missing',
          fieldMapFor: { field: c.field, titleZh: c.titleZh, sourceFields: sourceNames },
        })
      } else if (source === -1)
        notes.push({
          message: c.deriveNote ? `no source field for ${c.field}; ${c.deriveNote.en}` : `no source field for ${c.field}; it stays empty`,
          messageZh:
            `文件中没有“${c.titleZh}”字段（查找了 ${c.aliases.join('、')}），` +
            (c.deriveNote ? c.deriveNote.zh : `该字段留空；如文件中有对应字段，请在“字段对应”中指明，如 {"${c.titleZh}": "源字段名"}`),
        })
    }
    return { column: c.column, field: c.field, titleZh: c.titleZh, type: c.type, source, sourceName: source === -1 ? null : sourceNames[source]! }
  })
  const need = kind.requireAnyOf
  if (need && !columns.some((c) => need.columns.includes(c.column) && c.source !== -1)) problems.push({ message: need.en, messageZh: need.zh })
  for (const c of kind.columns) {
    const resolved = columns.find((r) => r.column === c.column)!
    if (c.derive) resolved.derive = derivers[c.derive](columns)
  }
  return { columns, problems, notes }
}

const truthy = new Set(['1', 'T', 'Y', 'TRUE', 'YES', '是'])
const falsy = new Set(['0', 'F', 'N', 'FALSE', 'NO', '否'])

/** A source value as the column's type, or an error message (the value is then stored as null). */
/** What a value that does not convert is said to be, in Chinese, by column type. */
export const notTypeZh: Record<ColumnType, string> = {
  text: '不是文字',
  double: '不是数值',
  bigint: '不是整数',
  integer: '不是整数',
  date: '不是日期（如 2024-01-31 或 20240131）',
  boolean: '不是“是/否”值（是、否、1、0、Y、N）',
}

export function convertValue(type: ColumnType, v: DbfValue): { value: string | number | boolean | null } | { error: string } {
  if (v === null) return { value: null }
  switch (type) {
    case 'text':
      return { value: String(v) }
    case 'double': {
      const n = typeof v === 'number' ? v : Number(String(v).trim())
      return Number.isFinite(n) && String(v).trim() !== '' ? { value: n } : { error: `'${v}' is not a number` }
    }
    case 'bigint':
    case 'integer': {
      const n = typeof v === 'number' ? v : Number(String(v).trim())
      const max = type === 'integer' ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER
      return Number.isInteger(n) && Math.abs(n) <= max ? { value: n } : { error: `'${v}' is not a whole number` }
    }
    case 'date': {
      const m = /^(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})$/.exec(String(v).trim())
      if (!m) return { error: `'${v}' is not a date` }
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
      const date = new Date(Date.UTC(y, mo - 1, d))
      if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return { error: `'${v}' is not a date` }
      return { value: `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}` }
    }
    case 'boolean': {
      if (typeof v === 'boolean') return { value: v }
      const s = String(v).trim().toUpperCase()
      return truthy.has(s) ? { value: true } : falsy.has(s) ? { value: false } : { error: `'${v}' is not yes/no` }
    }
  }
}

export const pgArrayType: Record<ColumnType, string> = {
  text: 'text[]',
  double: 'float8[]',
  bigint: 'int8[]',
  integer: 'int4[]',
  date: 'date[]',
  boolean: 'bool[]',
}
