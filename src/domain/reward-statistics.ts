// What a county's statistics for year Y rest on (issue 21; 165号 一: "调整系数由各县（市、区）上一年度
// 人均城乡建设用地面积从低到高排序后确定"): the population's source (常住人口 of Y, from a named
// publication) and the survey the construction land was measured on (the 年度变更调查 of Y when
// one is loaded). Each gap is said in the reward table rather than hidden.

type Note = { en: string; zh: string }

/** 人口口径: 常住人口 (resident, the reading of per-capita land in land-use statistics) or 户籍人口 (registered). */
export const populationKinds = { resident: '常住人口', registered: '户籍人口' } as const
export type PopulationKind = keyof typeof populationKinds

export interface PopulationSource {
  kind: PopulationKind
  /** the year the figure is of (年末) */
  year: number
  /** e.g. 山东统计年鉴2025, 某县2024年国民经济和社会发展统计公报 */
  publisher: string
}

/** What the table says about the population of a county's statistics for `year`: nothing when it is 常住人口 of that year, named. */
export function populationNotes(year: number, source: PopulationSource | null): Note[] {
  if (!source)
    return [
      {
        en: `the source of the ${year} population is not recorded (常住人口, its year and publisher)`,
        zh: `${year}年度人口数据未注明来源（常住人口口径、年份及发布机构）`,
      },
    ]
  const notes: Note[] = []
  if (source.kind !== 'resident')
    notes.push({
      en: `the population is ${populationKinds[source.kind]} (${source.kind}), not 常住人口 (resident)`,
      zh: `人口为${populationKinds[source.kind]}，非常住人口`,
    })
  if (source.year !== year) notes.push({ en: `the population is of ${source.year}, not ${year}`, zh: `人口为${source.year}年数据，非${year}年度` })
  return notes
}

/** A survey version as the statistics used it. */
export interface SurveyVersionUsed {
  datasetId: number
  version: number
  /** 调查年度 of the version; null when not known */
  surveyYear: number | null
}

/**
 * Which survey the construction land of year `year` was measured on: that year's 年度变更调查
 * (`survey-year`), or, none being loaded, the active version (`active-fallback`), whose year is said.
 */
export function surveyVersionChoice(year: number, v: SurveyVersionUsed): { how: 'survey-year' | 'active-fallback'; en: string; zh: string } {
  if (v.surveyYear === year)
    return {
      how: 'survey-year',
      en: `measured on the ${year} annual survey update (third-survey layer version ${v.version})`,
      zh: `按${year}年度变更调查（三调图层第${v.version}版）计算`,
    }
  const of = v.surveyYear === null ? { en: 'survey year not recorded', zh: '调查年度未注明' } : { en: `survey year ${v.surveyYear}`, zh: `${v.surveyYear}年度` }
  return {
    how: 'active-fallback',
    en: `no ${year} annual survey update is loaded: measured on the active third-survey layer, version ${v.version} (${of.en})`,
    zh: `未导入${year}年度变更调查数据，按当前三调图层第${v.version}版（${of.zh}）计算`,
  }
}
