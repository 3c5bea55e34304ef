// The survey year (调查年度) of a survey delivery (issue 21). The per-capita urban-rural construction
// land of year Y (165号 一) is measured on the 年度变更调查 of Y when one is loaded, so a version needs
// its year: given with the import (or set later), else read from the records' SJNF (数据年份), the
// field the third-survey and annual-update databases fill with the data's year. Only a delivery whose
// records all give one year is dated by it: a mix (a county merging two years' files) is left undated
// and said, rather than guessed.
import type { Said } from '../errors/bilingual.js'

/** Layers a survey year applies to: the third survey and its annual updates. */
export const surveyYearLayers: readonly string[] = ['survey3']

/** A 4-digit year as SJNF holds it (text or number: '2023', 2023, '2023.0'); null otherwise. */
export function parseSjnf(value: string | null): number | null {
  const m = /^\s*((19|20)[0-9]{2})(\.0+)?\s*$/.exec(value ?? '')
  return m ? Number(m[1]) : null
}

export type SjnfYear = { year: number } | { year: null; said: Said }

/** The delivery's year from its SJNF values (each with its record count); undated with the reason otherwise. */
export function surveyYearFromSjnf(values: ReadonlyArray<{ value: string | null; n: number }>): SjnfYear {
  const given = values.filter((v) => (v.value ?? '').trim() !== '')
  if (!given.length)
    return {
      year: null,
      said: {
        message:
          'no SJNF (数据年份) in the records and no surveyYear given: the version has no survey year; the statistics of a year fall back to the active version',
        messageZh: '图斑无数据年份（SJNF），导入时也未填写调查年度：本版本调查年度未知，计算某年度人均城乡建设用地时将使用当前版本',
      },
    }
  const years = [...new Set(given.map((v) => parseSjnf(v.value)))]
  const bad = given.filter((v) => parseSjnf(v.value) === null)
  if (years.length === 1 && !bad.length) return { year: years[0]! }
  const shown = given
    .slice(0, 5)
    .map((v) => `${v.value!.trim()} (${v.n})`)
    .join(', ')
  return {
    year: null,
    said: {
      message: `the records' SJNF (数据年份) give more than one year or no year: ${shown}; the version has no survey year (give surveyYear)`,
      messageZh: `图斑的数据年份（SJNF）不一致或无法识别：${shown}；本版本调查年度未定，请在导入时填写调查年度（surveyYear）或在图层版本上设置`,
    },
  }
}
