import Type, { type Static } from 'typebox'
import { headerLanguages } from '../formats/csv.js'
import { CountyCode, OneOf } from './common.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
export const Year = Type.Integer({ minimum: 2000, maximum: 2100 })

export const CountyYearParams = Type.Object({ code: CountyCode, year: Year })

export const CountyStatsBody = Type.Object(
  {
    population: Type.Integer({ minimum: 1, description: '人口 (persons)' }),
    urbanRuralConstructionLandM2: Type.Optional(
      Type.Number({
        minimum: 0,
        description:
          '城乡建设用地面积 m²; omitted: computed from the active third-survey layer (CZCSXM 201/202/203 with and without A; TBMJ, else ellipsoidal area)',
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
  urbanRuralConstructionLandM2: Type.Number(),
  landSource: OneOf(['given', 'computed']),
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
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
})

export const RewardsQuery = Type.Object(
  {
    year: Year,
    format: Type.Optional(OneOf(['json', 'csv'])),
    headers: Type.Optional(OneOf(headerLanguages, { description: 'CSV header row: Chinese titles (zh, default) or field names (en)' })),
  },
  { additionalProperties: false },
)

const Units = Type.Object({ m2: Type.Number(), mu: Type.Number(), ha: Type.Number() })
const Note = Type.Object({ en: Type.String(), zh: Type.String() })

export const RewardsReport = Type.Object({
  year: Type.Integer(),
  rules: Type.Object({}, { additionalProperties: true }),
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
      urbanRuralConstructionLandM2: Nullable(Type.Number()),
      landSource: Nullable(Type.String()),
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
})
