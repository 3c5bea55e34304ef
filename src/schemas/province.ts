// What the province's per-county totals return: one schema for validation, types and OpenAPI.
import Type from 'typebox'
import { headerLanguages } from '../formats/csv.js'
import { projectStatuses } from '../domain/project.js'
import { CityPrefix, OneOf } from './common.js'

const Area = Type.Object({
  m2: Type.Number({ description: 'square metres, the sum of the projects’ reported values (each at 0.01)' }),
  mu: Type.Number({ description: 'mu (亩) of that sum, at 0.0001' }),
})

const Counts = {
  projects: Type.Integer({ description: '项目数' }),
  byStatus: Type.Object(Object.fromEntries(projectStatuses.map((s) => [s, Type.Integer()])), { description: 'projects per review status' }),
  analysed: Type.Integer({ description: 'projects with an analysis (已分析)' }),
  eligible: Type.Integer({ description: 'projects the analysis finds eligible (符合入库条件)' }),
  approved: Type.Integer({ description: 'projects approved by the province (省级审核通过)' }),
  area: Area,
  stockArea: Type.Object(Area.properties, { description: 'certified stock area (盘活存量面积) of every analysed project, eligible or not' }),
  eligibleStockArea: Type.Object(Area.properties, { description: 'certified stock area of the eligible projects' }),
  approvedStockArea: Type.Object(Area.properties, {
    description: 'certified stock area of the province-approved eligible projects, from the approved analysis',
  }),
}

export const CountySummaryQuery = Type.Object(
  {
    year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: 'reward year: only projects whose milestone date falls in it' })),
    city: Type.Optional(CityPrefix),
    format: OneOf(['json', 'csv'], { default: 'json', description: 'csv: one row per county and a total row (UTF-8 with BOM)' }),
    headers: Type.Optional(OneOf(headerLanguages, { description: 'CSV header row: Chinese titles (zh, default) or field names (en)' })),
  },
  { additionalProperties: false },
)

export const CountySummary = Type.Object({
  year: Type.Union([Type.Integer(), Type.Null()]),
  counties: Type.Array(
    Type.Object({
      county: Type.String({ description: '县级行政区划代码' }),
      countyName: Type.Union([Type.String(), Type.Null()]),
      city: Type.String(),
      cityName: Type.Union([Type.String(), Type.Null()]),
      ...Counts,
    }),
    { description: 'every county the key may see, in code order, with zeros where nothing is filed' },
  ),
  total: Type.Object(Counts, { description: 'the sum of the counties above' }),
  checksum: Type.String({ description: 'SHA-256 over every reported number' }),
})
