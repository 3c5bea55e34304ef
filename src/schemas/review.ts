import Type, { type Static } from 'typebox'
import { fieldCheckDefaults, fieldCheckResults } from '../domain/field-check.js'
import { filingKinds } from '../domain/filings.js'
import { headerLanguages } from '../formats/csv.js'
import { milestoneActions, milestoneStages } from '../domain/milestone-review.js'
import { PROVINCE_REVIEW_WORKING_DAYS, reviewActions } from '../domain/workflow.js'
import { Overlap } from './analysis.js'
import { CountyCode, KeyOf, OneOf } from './common.js'
import { MilestoneEvidence } from './projects.js'

const CivilDate = Type.String({ format: 'date', description: 'YYYY-MM-DD (China Standard Time)' })

/** 外业核查 (165号 四（一）): the text bounds are checked again with Chinese refusals (src/domain/field-check.ts). */
const fieldCheckProperties = {
  date: Type.String({ format: 'date', description: '核查日期 (YYYY-MM-DD), not after today' }),
  by: Type.String({ maxLength: 5 * fieldCheckDefaults.byMax, description: `核查人员: who went (names), up to ${fieldCheckDefaults.byMax} characters` }),
  findings: Type.String({ maxLength: 5 * fieldCheckDefaults.findingsMax, description: `核查情况, up to ${fieldCheckDefaults.findingsMax} characters` }),
  result: Type.Optional(
    Type.Union([KeyOf(fieldCheckResults, { description: '核查结果: consistent 一致 / inconsistent 不一致 with what the county entered' }), Type.Null()]),
  ),
}

export const FieldCheck = Type.Object(fieldCheckProperties, {
  additionalProperties: false,
  description: 'the city’s field check (外业核查, 165号 四（一）): required with the city’s check, optional with the city’s return, refused with other steps',
})

export const TransitionBody = Type.Object(
  {
    action: KeyOf(reviewActions, {
      description: 'submit (county key) → check (city key) → approve (province key); return (the reviewer of the current step) needs a reason',
    }),
    reason: Type.Optional(
      Type.String({
        maxLength: 2000,
        description: '审核意见: required with a return (退回理由; empty or blank is refused with 400), optional with the other steps, kept in the history',
      }),
    ),
    fieldCheck: Type.Optional(FieldCheck),
  },
  { additionalProperties: false },
)
export type TransitionBody = Static<typeof TransitionBody>

export const Transition = Type.Object({
  action: Type.String(),
  actionZh: Type.String(),
  from: Type.String(),
  to: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  role: Type.String(),
  by: Type.String({ description: 'prefix of the key that acted' }),
  byName: Type.Union([Type.String(), Type.Null()], { description: 'name of the key that acted (its prefix is by); null: no key has that prefix' }),
  at: Type.String({ format: 'date-time' }),
  fieldCheck: Type.Union([Type.Object({ ...fieldCheckProperties, resultZh: Type.Union([Type.String(), Type.Null()]) }), Type.Null()], {
    description: 'the field check (外业核查) the city recorded with this step; null for other steps',
  }),
})

export const MilestoneReviewBody = Type.Object(
  {
    action: KeyOf(milestoneActions, {
      description:
        'check (city key, on a submitted change) → confirm (province key, on a city-checked one); return (the reviewer of the current stage) needs a reason',
    }),
    reason: Type.Optional(Type.String({ maxLength: 2000, description: '退回理由' })),
  },
  { additionalProperties: false },
)
export type MilestoneReviewBody = Static<typeof MilestoneReviewBody>

const MilestoneValue = { milestoneType: Type.Union([Type.String(), Type.Null()]), milestoneDate: Type.Union([Type.String(), Type.Null()]) }

export const MilestoneReviewStep = Type.Object({
  action: Type.String(),
  actionZh: Type.String(),
  from: OneOf(milestoneStages),
  to: Type.Union([OneOf(milestoneStages), Type.Null()], { description: 'null: confirmed or returned, nothing pending any more' }),
  ...MilestoneValue,
  confirmed: Type.Boolean({ description: 'the proposal became the project’s milestone (its year the reward year)' }),
})

export const MilestoneHistoryItem = Type.Object({
  action: Type.String({ description: 'propose (county), check (city), confirm (province), return' }),
  actionZh: Type.String(),
  ...MilestoneValue,
  milestoneEvidence: Type.Union([MilestoneEvidence, Type.Null()], { description: 'the evidence proposed with the milestone' }),
  reason: Type.Union([Type.String(), Type.Null()]),
  role: Type.String(),
  by: Type.String({ description: 'prefix of the key that acted' }),
  byName: Type.Union([Type.String(), Type.Null()], { description: 'name of the key that acted (its prefix is by); null: no key has that prefix' }),
  at: Type.String({ format: 'date-time' }),
})

export const ReviewQuery = Type.Object(
  {
    county: Type.Optional(CountyCode),
    overdue: Type.Optional(Type.Boolean()),
    asOf: Type.Optional(CivilDate),
  },
  { additionalProperties: false },
)

const ReviewItem = {
  projectId: Type.Integer(),
  code: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  county: Type.String(),
  status: Type.String(),
  submittedOn: Type.String({ description: 'the county’s submission (China Standard Time)' }),
  overlaps: Type.Union([Type.Array(Overlap), Type.Null()], {
    description: 'other projects on the same land, from the latest analysis; null when it has none (not analysed, or by an older release)',
  }),
  overlapsStale: Type.Union([Type.Boolean(), Type.Null()], { description: 'the analysis the overlaps come from is stale: the review will recompute it' }),
  overlapCount: Type.Union([Type.Integer(), Type.Null()], { description: 'how many other projects are on the same land (overlaps); null as overlaps' }),
  eligible: Type.Union([Type.Boolean(), Type.Null()], { description: '符合入库条件 by the latest analysis; null when undecided or not analysed' }),
  verdictZh: Type.Union([OneOf(['符合', '不符合', '无法判定'] as const), Type.Null()], {
    description: 'the latest analysis’s verdict in Chinese; null: not analysed yet',
  }),
  analysisStale: Type.Union([Type.Boolean(), Type.Null()], {
    description: 'an input changed since the latest analysis (the city’s check and the approval recompute it); null: not analysed',
  }),
  areaM2: Type.Number({ description: 'project area, m² on the CGCS2000 ellipsoid (2 decimals)' }),
  areaMu: Type.Number({ description: 'project area in 亩 (4 decimals)' }),
  stockAreaM2: Type.Union([Type.Number(), Type.Null()], { description: '盘活存量面积 by the latest analysis, m²; null: not analysed or not determined' }),
  stockAreaMu: Type.Union([Type.Number(), Type.Null()], { description: '盘活存量面积 in 亩; null as stockAreaM2' }),
}

export const ReviewList = Type.Object({
  asOf: Type.String(),
  items: Type.Array(
    Type.Object({
      ...ReviewItem,
      cityCheckedOn: Type.String({ description: `the city’s check, from which the province’s ${PROVINCE_REVIEW_WORKING_DAYS} working days count` }),
      workingDaysWaiting: Type.Integer({ description: 'working days from the city’s check to asOf: how long it has waited for the province' }),
      dueOn: Type.String({ description: `${PROVINCE_REVIEW_WORKING_DAYS} working days after the city’s check, weekends and holidays skipped` }),
      overdue: Type.Boolean(),
      calendarMissingFor: Type.Array(Type.Integer(), { description: 'years the due date crosses without a loaded holiday calendar (weekends only there)' }),
    }),
    { description: 'waiting for the province (city-checked), by due date' },
  ),
  awaitingCity: Type.Array(
    Type.Object({
      ...ReviewItem,
      dueOn: Type.Null({ description: 'no time limit is set for the city’s check' }),
      workingDaysWaiting: Type.Integer({ description: 'working days from submission to asOf' }),
    }),
    { description: 'submitted and waiting for the city; empty with overdue=true' },
  ),
  cityDeadline: Type.Object(
    { workingDays: Type.Null(), en: Type.String(), zh: Type.String() },
    { description: 'why projects waiting for the city have no due date' },
  ),
  milestones: Type.Array(
    Type.Object({
      projectId: Type.Integer(),
      code: Type.String(),
      name: Type.Union([Type.String(), Type.Null()]),
      county: Type.String(),
      stage: OneOf(milestoneStages, { description: 'submitted: the city checks it; city-checked: the province confirms it' }),
      proposed: Type.Object({ milestoneType: Type.String(), milestoneDate: Type.String() }),
      confirmed: Type.Object(MilestoneValue, { description: 'the milestone that counts until the proposal is confirmed' }),
      proposedAt: Type.String({ format: 'date-time' }),
    }),
    { description: 'milestones recorded or changed after the province’s approval, waiting for the city or the province (oldest first)' },
  ),
})

export const ReviewCountsQuery = Type.Object({ asOf: Type.Optional(CivilDate) }, { additionalProperties: false })

export const ReviewCounts = Type.Object({
  asOf: Type.String(),
  role: Type.String(),
  pending: Type.Integer({ description: 'projects and milestone changes waiting in the key’s queue (projects + milestones)' }),
  projects: Type.Integer({
    description:
      'projects waiting for the key’s step: a city key the submitted ones, a province key the city-checked ones; county and admin keys all under review',
  }),
  milestones: Type.Integer({ description: 'milestone changes after approval waiting at the same stage' }),
  overdue: Type.Integer({
    description: `of the projects, those past the province’s ${PROVINCE_REVIEW_WORKING_DAYS} working days (the city has no time limit)`,
  }),
})

export const CalendarDay = Type.Object({ date: CivilDate, name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false })
export const CalendarBody = Type.Object(
  {
    source: Type.String({ minLength: 1, maxLength: 500, description: 'the notice this arrangement comes from' }),
    holidays: Type.Array(CalendarDay, { description: 'days off (放假), weekend days included or not' }),
    workdays: Type.Array(CalendarDay, { description: 'weekend days worked (调休上班)' }),
  },
  { additionalProperties: false },
)
export const Calendar = Type.Object({
  year: Type.Integer(),
  source: Type.String(),
  loadedAt: Type.String(),
  holidays: Type.Array(CalendarDay),
  workdays: Type.Array(CalendarDay),
})

export const FilingBody = Type.Object(
  {
    kind: KeyOf(filingKinds, {
      description: Object.entries(filingKinds)
        .map(([k, v]) => `${k} ${v}`)
        .join('; '),
    }),
    documentDate: Type.Union([CivilDate], { description: 'approval or signing date (批准或签订日期)' }),
    filedOn: Type.Optional(Type.Union([CivilDate, Type.Null()], { description: 'date filed in the provincial system (备案日期)' })),
    title: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
)
export type FilingBody = Static<typeof FilingBody>
export const FilingPatch = Type.Object(
  { filedOn: Type.Union([CivilDate, Type.Null()]), title: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
)

export const Filing = Type.Object({
  id: Type.Integer(),
  projectId: Type.Integer(),
  projectCode: Type.String(),
  county: Type.String(),
  kind: Type.String(),
  kindZh: Type.String(),
  title: Type.Union([Type.String(), Type.Null()]),
  documentDate: Type.String(),
  dueOn: Type.String({ description: 'one calendar month after the document date, moved to the next working day when that is a weekend or holiday' }),
  nominalDueOn: Type.String({ description: 'one calendar month after the document date, before the move off weekends and holidays' }),
  calendarMissingFor: Type.Array(Type.Integer(), { description: 'years the due date was judged in without a loaded holiday calendar (weekends only there)' }),
  filedOn: Type.Union([Type.String(), Type.Null()]),
  status: OneOf(['pending', 'filed', 'overdue', 'filed-late']),
  statusZh: Type.String({ description: '待备案 / 已备案 / 逾期未备案 / 逾期备案' }),
  countyName: Type.Union([Type.String(), Type.Null()], { description: '县（市、区）名称' }),
  createdBy: Type.String({ description: 'prefix of the key that recorded it' }),
  createdByName: Type.Union([Type.String(), Type.Null()], { description: 'name of that key' }),
  createdAt: Type.String({ format: 'date-time' }),
})
export const FilingQuery = Type.Object(
  {
    county: Type.Optional(CountyCode),
    projectId: Type.Optional(Type.Integer({ minimum: 1 })),
    year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: 'only documents approved or signed in this year' })),
    overdue: Type.Optional(Type.Boolean({ description: 'only filings past due and not filed' })),
    asOf: Type.Optional(CivilDate),
    format: Type.Optional(OneOf(['json', 'csv'], { description: 'csv: a spreadsheet (UTF-8 with BOM, Chinese headers and values, Beijing time)' })),
    headers: Type.Optional(OneOf(headerLanguages, { description: 'CSV header row: Chinese titles (zh, default) or field names (en)' })),
  },
  { additionalProperties: false },
)
