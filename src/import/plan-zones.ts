// The plan-zones layer's `permitted` column when the delivery has no usable permission attribute:
// derived per record from the zone's name or code (src/domain/plan-zones.ts), or the record is refused,
// so that a plan layer never silently makes every project fail the plan check.
import { codeFieldsKnown, derivePermitted } from '../domain/plan-zones.js'
import type { ColumnDeriver, ResolvedColumn } from './fields.js'

export const planZoneFieldsRequired = {
  columns: ['permitted', 'zone_code', 'zone_name'],
  en: 'a plan-zones layer needs a field saying whether construction is permitted (SFYX, PERMITTED, 允许建设) or the zone’s code or name to derive it from (GHFQDM, YDYHFLDM, GHYTDM, FQDM … / GHFQMC, FQMC …); name the source field with fieldMap, e.g. {"permitted": "…"} or {"zoneName": "…"}',
  zh: '规划分区图层须有“是否允许建设”字段（SFYX、PERMITTED、允许建设），或可据以判断的规划分区代码（GHFQDM、YDYHFLDM、GHYTDM、FQDM 等）或名称（GHFQMC、FQMC 等）；可用 fieldMap 指定源字段',
}

export const permittedDerivedNote =
  'derived for each zone from its name or its 规划分区/用地用海 code by the plan-zone table (src/domain/plan-zones.ts) / 按规划分区名称或代码对照表逐条判断是否允许建设'

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
        `(zone names, or codes of ${readable}; src/domain/plan-zones.ts): cannot tell whether construction is permitted / ` +
        `${permittedField ? `${permittedField} 为空，且` : '无“是否允许建设”字段，且'}规划分区（${given || '无代码或名称字段'}）不在规划分区对照表中，无法判断是否允许建设`,
    }
  }
}
