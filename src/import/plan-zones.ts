// The plan-zones layer's `permitted` column when the delivery has no usable permission attribute:
// derived per record from the zone's name or code (src/domain/plan-zones.ts), or the record is refused,
// so that a plan layer never silently makes every project fail the plan check.
import { codeFieldsKnown, derivePermitted } from '../domain/plan-zones.js'
import type { ColumnDeriver, ResolvedColumn } from './columns.js'

export function permittedFromZone(resolved: ResolvedColumn[]): ColumnDeriver {
  const codeField = resolved.find((c) => c.column === 'zone_code')?.sourceName ?? null
  const nameField = resolved.find((c) => c.column === 'zone_name')?.sourceName ?? null
  const permittedField = resolved.find((c) => c.column === 'permitted')?.sourceName ?? null
  return (valueOf) => {
    const code = (valueOf('zone_code') as string | null) ?? null
    const name = (valueOf('zone_name') as string | null) ?? null
    const derived = derivePermitted({ code, name, codeField })
    if (derived) return { value: derived.permitted }
    const given = [codeField && `${codeField}='${code ?? ''}'`, nameField && `${nameField}='${name ?? ''}'`].filter(Boolean).join(', ')
    const readable = codeFieldsKnown().join(', ')
    return {
      field: codeField ?? nameField ?? permittedField ?? undefined,
      error:
        `${permittedField ? `${permittedField} is empty and ` : 'no permitted field, and '}the zone (${given || 'no code or name field'}) is not in the plan-zone table ` +
        `(zone names, or codes of ${readable}; src/domain/plan-zones.ts): cannot tell whether construction is permitted`,
      errorZh:
        `${permittedField ? `“是否允许建设”（${permittedField}）为空，且` : '无“是否允许建设”字段，且'}规划分区（${given || '无代码或名称字段'}）不在规划分区对照表中，` +
        '无法判断是否允许建设：请填写该记录的是否允许建设（SFYX），或改正规划分区代码或名称',
    }
  }
}
