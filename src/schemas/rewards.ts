import Type, { type Static } from 'typebox'
import { headerLanguages } from '../formats/csv.js'
import { CountyCode, OneOf } from './common.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T, options?: { description?: string }) => Type.Union([t, Type.Null()], options)
export const Year = Type.Integer({ minimum: 2000, maximum: 2100 })

export const CountyYearParams = Type.Object({ code: CountyCode, year: Year })

const populationSourceFields = {
  kind: OneOf(['resident', 'registered'], { description: 'resident: 常住人口 (the reading of per-capita land); registered: 户籍人口' }),
  year: Year,
  publisher: Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'where the figure is published, e.g. 山东统计年鉴2025, 某县2024年国民经济和社会发展统计公报',
  }),
}
const PopulationSourceBody = Type.Object(populationSourceFields, {
  additionalProperties: false,
  description: '人口来源: 口径 (常住人口 / 户籍人口), the year the figure is of, and its publisher',
})
export const PopulationSource = Nullable(
  Type.Object({ ...populationSourceFields, kindZh: Type.String({ description: '常住人口 / 户籍人口' }) }, { description: '人口来源; null: not recorded' }),
)
export const LandSurvey = Nullable(
  Type.Object(
    {
      datasetId: Type.Integer(),
      version: Type.Integer(),
      surveyYear: Nullable(Type.Integer({ description: '调查年度 of the version; null: not known' })),
      how: OneOf(['survey-year', 'active-fallback', 'not-recorded'], {
        description:
          'survey-year: the 年度变更调查 of the statistics’ year; active-fallback: none loaded, the active version; not-recorded: computed before the choice was recorded',
      }),
    },
    { description: 'the third-survey version a computed land area was measured on; null: the area was given' },
  ),
)

export const CountyStatsBody = Type.Object(
  {
    population: Type.Integer({ minimum: 1, description: '人口 (persons): 常住人口 of the year (populationSource says which)' }),
    populationSource: Type.Optional(PopulationSourceBody),
    urbanRuralConstructionLandM2: Type.Optional(
      Type.Number({
        minimum: 0,
        description:
          '城乡建设用地面积 m²; omitted: computed from the third-survey layer of the year (the version whose survey year is the year, else the active one: landDetail.surveyVersion says which)',
      }),
    ),
  },
  { additionalProperties: false },
)
export type CountyStatsBody = Static<typeof CountyStatsBody>

export const CountyStats = Type.Object({
  county: Type.String(),
  year: Type.Integer(),
  population: Type.Integer(),
  populationSource: PopulationSource,
  urbanRuralConstructionLandM2: Type.Number(),
  landSource: OneOf(['given', 'computed']),
  landSurvey: LandSurvey,
  landDetail: Nullable(
    Type.Object({}, { additionalProperties: true, description: 'how a computed area was obtained: layer version, patch counts, TBMJ vs geometry' }),
  ),
  perCapitaM2: Type.Number({ description: '人均城乡建设用地 m²/person (4 decimals; the coefficient is decided on the unrounded value)' }),
  coefficient: Type.Number({ description: '调整系数: ≤ 200 → 1.1; 200 < x < 300 → 1.0; ≥ 300 → 0.9 (以内、以上 include the number: 民法典 第1259条)' }),
  outsideScheme: Type.Boolean({ description: 'Qingdao counties (3702xx) are outside the provincial reward scheme' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

export const FindingBody = Type.Object(
  {
    kind: OneOf(['fraud'], { description: 'fraud: 错报、虚报等弄虚作假 (165号 五)' }),
    year: Year,
    note: Type.String({ minLength: 1, maxLength: 4000 }),
  },
  {
    additionalProperties: false,
    description:
      'year: the year the finding was made; twice the quota the project earned comes off the reward table of that year (issued in year + 1), and the county loses its 评优评先 for that year',
  },
)
export type FindingBody = Static<typeof FindingBody>

export const Finding = Type.Object({
  id: Type.Integer(),
  projectId: Nullable(Type.Integer()),
  projectCode: Type.String(),
  county: Type.String(),
  kind: Type.String(),
  year: Type.Integer(),
  deductedInRewardsOf: Type.Integer({
    description: 'the reward year whose table the deduction comes off: the finding’s own year (165号 五: 下一年度 plan = the table issued the next year)',
  }),
  tableIssuedIn: Type.Integer({ description: 'the year that table is issued (每年7月底前下达): year + 1' }),
  honoursRevokedFor: Type.Integer({ description: '取消其当年度各类评优评先资格: the year the county loses its 评优评先' }),
  note: Type.String(),
  createdBy: Type.String({ description: 'prefix of the province key that recorded it' }),
  createdByName: Nullable(Type.String({ description: 'name of that key' })),
  createdAt: Type.String({ format: 'date-time' }),
})

const CivilDate = Type.String({ format: 'date', description: 'YYYY-MM-DD (China Standard Time)' })

export const RewardsQuery = Type.Object(
  {
    year: Year,
    live: Type.Optional(
      Type.Boolean({ description: 'true: compute the table from today’s data even when the year has been extracted (frozen); default false' }),
    ),
    asOf: Type.Optional(CivilDate),
    format: Type.Optional(OneOf(['json', 'csv'])),
    headers: Type.Optional(OneOf(headerLanguages, { description: 'CSV header row: Chinese titles (zh, default) or field names (en)' })),
  },
  { additionalProperties: false },
)

const Units = Type.Object({ m2: Type.Number(), mu: Type.Number(), ha: Type.Number() })
const Note = Type.Object({ en: Type.String(), zh: Type.String() })

const reportFields = {
  year: Type.Integer(),
  rules: Type.Object({}, { additionalProperties: true }),
  issueDeadline: Type.String({ format: 'date', description: '每年7月底前……下达 (165号 四（三）): the table of year Y is issued by 31 July of Y + 1' }),
  counties: Type.Array(
    Type.Object({
      county: Type.String(),
      countyName: Type.Union([Type.String(), Type.Null()], { description: '县（市、区）名称 (region table)' }),
      cityName: Type.Union([Type.String(), Type.Null()], { description: '设区市名称' }),
      outsideScheme: Type.Boolean(),
      qualifyingProjects: Type.Array(
        Type.Object({
          id: Type.Integer(),
          code: Type.String(),
          milestoneDate: Type.String(),
          stockAreaM2: Type.Number({ description: 'the stock area of the approved analysis' }),
          countedStockM2: Type.Number({ description: 'what the county’s stock counts of it: land counted before taken off' }),
          overlapDeductionM2: Type.Number({ description: 'its stock on land counted before (earlier in the year or an earlier year)' }),
          milestoneType: Type.String(),
          evidence: Type.Object(
            {
              complete: Type.Boolean(),
              needsReview: Type.Boolean(),
              note: Type.String(),
              noteZh: Type.String({ description: '证明材料已录入, or 证明材料未录入：… / dates that disagree, 需人工复核' }),
            },
            {
              description:
                'the milestone’s evidence (165号 三: 证明材料……作为认定是否达到奖励标准的依据): the project counts by its date; missing or disagreeing evidence is for review',
            },
          ),
        }),
      ),
      excludedProjects: Type.Array(
        Type.Object({
          id: Type.Integer(),
          code: Type.String(),
          status: Type.String(),
          milestoneDate: Type.String(),
          exclusion: OneOf([
            'not-province-approved',
            'milestone-type-missing',
            'no-approved-analysis',
            'area-rule',
            'not-eligible',
            'eligibility-undecided',
            'stock-area-unknown',
            'milestone-unconfirmed',
          ]),
          failedChecks: Type.Array(Type.String()),
          reason: Type.String(),
          reasonZh: Type.String(),
        }),
      ),
      stockArea: Type.Object(
        { m2: Type.Number(), mu: Type.Number() },
        { description: '盘活存量面积 of the qualifying projects: the union of their stock land, less land counted in earlier years' },
      ),
      overlapDeductions: Type.Object(
        {
          m2: Type.Number(),
          items: Type.Array(
            Type.Object({
              projectId: Type.Integer(),
              code: Type.String(),
              countedBeforeBy: Type.Object({ projectId: Type.Integer(), code: Type.String(), year: Type.Integer() }),
              m2: Type.Number({ description: 'the stock land the two share, in this project’s stock' }),
            }),
          ),
        },
        { description: 'land already counted (同一土地只核定一次): each project of the year with the earlier project that counted it' },
      ),
      population: Nullable(Type.Number()),
      populationSource: PopulationSource,
      urbanRuralConstructionLandM2: Nullable(Type.Number()),
      landSource: Nullable(Type.String()),
      landSurvey: LandSurvey,
      perCapitaM2: Nullable(Type.Number()),
      coefficient: Nullable(Type.Number()),
      quota: Nullable(Units),
      deductions: Type.Object({
        total: Nullable(Units),
        items: Type.Array(
          Type.Object({
            findingIds: Type.Array(Type.Integer()),
            projectId: Nullable(Type.Integer()),
            projectCode: Type.String(),
            rewardYear: Nullable(Type.Integer()),
            stockAreaM2: Nullable(Type.Number()),
            earnedQuotaM2: Nullable(Type.Number()),
            deductionM2: Nullable(Type.Number()),
            reason: Type.String(),
            reasonZh: Type.String(),
          }),
        ),
      }),
      netQuota: Nullable(Units),
      honoursRevoked: Nullable(
        Type.Integer({ description: '取消当年度各类评优评先资格 (165号 五): the year, when a fraud finding was made in the table’s year; else null' }),
      ),
      notes: Type.Array(Note),
    }),
  ),
}

/** The table as computed, and as an extraction stores it (frozen). */
export const RewardsReportBody = Type.Object(reportFields)
export type RewardsReportBody = Static<typeof RewardsReportBody>

const extractionFields = {
  number: Type.Integer({ description: 'the extraction’s number within the year (1, 2 …); the highest is the year’s table' }),
  extractedAt: Type.String({ format: 'date-time' }),
  extractedOn: CivilDate,
  extractedBy: Type.String({ description: 'prefix of the province key that extracted it' }),
  extractedByName: Nullable(Type.String({ description: 'name of that key' })),
  reason: Nullable(Type.String({ description: 'why it replaced the earlier extraction (from the second on)' })),
  afterDeadline: Type.Boolean({ description: 'extracted after the issue deadline (31 July of year + 1)' }),
  latest: Type.Boolean({ description: 'the year’s table: no later extraction replaced it' }),
  schemaVersion: Type.Integer(),
}
export const ExtractionSummary = Type.Object(extractionFields)

export const RewardsReport = Type.Object({
  ...reportFields,
  source: OneOf(['live', 'frozen'], { description: 'frozen: the year’s latest extraction, as stored; live: computed from today’s data' }),
  extraction: Nullable(ExtractionSummary, { description: 'the extraction answered (frozen), or the latest one beside a live table; null: none made' }),
  asOf: CivilDate,
  deadlinePassed: Type.Boolean({ description: 'asOf is after issueDeadline' }),
})

export const ExtractionBody = Type.Object(
  {
    reason: Type.Optional(Type.String({ maxLength: 4000, description: 'required when the year has an extraction already: why the table is extracted again' })),
  },
  { additionalProperties: false },
)
export type ExtractionBody = Static<typeof ExtractionBody>

export const ExtractionParams = Type.Object({ year: Year })
export const ExtractionNumberParams = Type.Object({ year: Year, number: Type.Integer({ minimum: 1 }) })

/** One extraction: the table as stored, what it was computed from, and the deadline as of today. */
export const Extraction = Type.Object({
  ...extractionFields,
  report: RewardsReportBody,
  inputs: Type.Object({}, { additionalProperties: true, description: 'approved analyses and their layer versions, statistics, findings' }),
  asOf: CivilDate,
  deadlinePassed: Type.Boolean(),
})
