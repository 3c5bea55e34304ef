import Type, { type Static } from 'typebox'
import { useClasses } from '../domain/approach.js'
import { scatteredLandKinds } from '../domain/bundles.js'
import { EVIDENCE_TEXT_MAX } from '../domain/milestone-evidence.js'
import { milestoneStages } from '../domain/milestone-review.js'
import { approaches, developmentModes, milestoneTypes, projectStatuses } from '../domain/project.js'
import { CountyCode, KeyOf, OneOf, Timestamp } from './common.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

const Position = Type.Array(Type.Number(), { minItems: 2, maxItems: 3 })
const Ring = Type.Array(Position, { minItems: 4 })
export const AreaGeometry = Type.Union(
  [
    Type.Object({ type: Type.Literal('Polygon'), coordinates: Type.Array(Ring, { minItems: 1 }) }),
    Type.Object({ type: Type.Literal('MultiPolygon'), coordinates: Type.Array(Type.Array(Ring, { minItems: 1 }), { minItems: 1 }) }),
  ],
  { description: 'GeoJSON Polygon or MultiPolygon; longitude/latitude in CGCS2000 (EPSG:4490) unless srid says otherwise' },
)

// Lengths and areas are checked again by src/domain/milestone-evidence.ts, whose refusals say in Chinese which
// field is wrong; the schema bounds the text so that nothing unreasonable reaches it.
const EvidenceText = (description: string) => Type.Optional(Nullable(Type.String({ maxLength: 10 * EVIDENCE_TEXT_MAX, description })))
const EvidenceDate = (description: string) => Type.Optional(Nullable(Type.String({ format: 'date', description })))
const EvidenceArea = (description: string) => Type.Optional(Nullable(Type.Number({ description })))

/**
 * The evidence of the completion milestone (165号 三（一）–（三）), one object per document; the area is the one the
 * document states. Sent whole: a PATCH replaces the recorded evidence (null clears it). Which documents a
 * milestone type needs: src/domain/milestone-evidence.ts `evidenceOfMilestone`.
 */
export const MilestoneEvidence = Type.Object(
  {
    landSupply: Type.Optional(
      Nullable(
        Type.Object(
          {
            date: EvidenceDate('供地时间 as the ministry’s monitoring system (部土地利用动态监测监管系统) records it'),
            supervisionNumber: EvidenceText('电子监管号 of the supply in that system (1–64 characters)'),
            areaM2: EvidenceArea('供地面积 stated, m²'),
          },
          { additionalProperties: false, description: '土地供应 (165号 三（一）): needs date and supervisionNumber' },
        ),
      ),
    ),
    transferRegistration: Type.Optional(
      Nullable(
        Type.Object(
          {
            date: EvidenceDate('不动产转移登记日期'),
            certificateNumber: EvidenceText('不动产权证书号或登记证明号'),
            areaM2: EvidenceArea('登记的土地面积, m²'),
          },
          { additionalProperties: false, description: '不动产转移登记 (165号 三（二）): needs date; with a planning permit' },
        ),
      ),
    ),
    landUsePermit: Type.Optional(
      Nullable(
        Type.Object(
          {
            number: EvidenceText('建设用地规划许可证 编号'),
            date: EvidenceDate('发证日期'),
            areaM2: EvidenceArea('用地面积 stated, m²'),
          },
          { additionalProperties: false, description: '建设用地规划许可证 (165号 三（二）（三）): needs number and date' },
        ),
      ),
    ),
    constructionPermit: Type.Optional(
      Nullable(
        Type.Object(
          {
            number: EvidenceText('建设工程规划许可证 编号'),
            date: EvidenceDate('发证日期'),
            floorAreaM2: EvidenceArea('建设规模 stated (floor area to be built, not land), m²'),
          },
          { additionalProperties: false, description: '建设工程规划许可证 (165号 三（二）（三）): needs number and date' },
        ),
      ),
    ),
  },
  { additionalProperties: false },
)
export type MilestoneEvidence = Static<typeof MilestoneEvidence>

export const EvidenceStatus = Type.Object(
  {
    complete: Type.Boolean({ description: 'every document the milestone type needs is recorded with its number and date' }),
    needsReview: Type.Boolean({
      description: 'evidence missing, or its dates disagree with the milestone date: the milestone still counts, a person must look',
    }),
    missingZh: Type.Array(Type.String()),
    documentsDate: Nullable(Type.String({ description: 'the latest date of the completing documents' })),
    note: Type.String(),
    noteZh: Type.String({ description: '证明材料已录入 / 证明材料未录入：… / …与完成日期不一致' }),
  },
  { description: 'how the milestone’s evidence stands against its type and date; null without a milestone type and date (it does not count)' },
)

/** Attributes a user sets on a project; the reward rules read them. */
export const ProjectAttributes = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 500 })),
    developmentMode: Type.Optional(Nullable(KeyOf(developmentModes))),
    approach: Type.Optional(KeyOf(approaches)),
    originalUse: Type.Optional(
      Nullable(
        KeyOf(useClasses, {
          description: '原用途 (industrial 工业, storage 仓储物流, commercial 商业服务业, residential 住宅, public 公共管理与公共服务, other 其他)',
        }),
      ),
    ),
    newUse: Type.Optional(Nullable(KeyOf(useClasses, { description: '新用途 (same classes)' }))),
    plotRatioBefore: Type.Optional(Nullable(Type.Number({ minimum: 0, description: '再开发前容积率' }))),
    changedUseFloorArea: Type.Optional(Nullable(Type.Number({ minimum: 0, description: '改变用途的建筑面积 m²' }))),
    addedFloorArea: Type.Optional(Nullable(Type.Number({ minimum: 0, description: '增加的建筑面积 m²' }))),
    newPlotRatio: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, description: '地块新的容积率' }))),
    ownershipClear: Type.Optional(Nullable(Type.Boolean({ description: '权属清晰无争议' }))),
    seized: Type.Optional(Nullable(Type.Boolean({ description: '被查封或限制土地权利' }))),
    mortgaged: Type.Optional(Nullable(Type.Boolean({ description: '设有抵押权' }))),
    mortgageeConsent: Type.Optional(Nullable(Type.Boolean({ description: '抵押权人同意' }))),
    milestoneType: Type.Optional(Nullable(KeyOf(milestoneTypes))),
    milestoneDate: Type.Optional(Nullable(Type.String({ format: 'date' }))),
    milestoneEvidence: Type.Optional(Nullable(MilestoneEvidence)),
    evidenceAreaM2: Type.Optional(
      Nullable(
        Type.Number({
          description:
            '提供证明材料中面积, m² (165号 三): what the 15–30 亩 rule compares the redevelopment (stock) area with; unset: the project’s drawn area stands in',
        }),
      ),
    ),
  },
  { additionalProperties: false },
)
export type ProjectAttributes = Static<typeof ProjectAttributes>

export const CreateProjectBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 100, description: '项目编号' }),
    county: Type.Optional(CountyCode),
    srid: Type.Optional(
      Type.Integer({ minimum: 1, description: 'EPSG code of the coordinates (default 4490, lon/lat); e.g. 4548 for CGCS2000 3° GK CM 117E' }),
    ),
    geometry: AreaGeometry,
    attributes: Type.Optional(ProjectAttributes),
  },
  { additionalProperties: false },
)
export type CreateProjectBody = Static<typeof CreateProjectBody>

/** The same as a GeoJSON Feature, as QGIS or a script would send it: code and county in properties. */
export const CreateProjectFeature = Type.Object(
  {
    type: Type.Literal('Feature'),
    geometry: AreaGeometry,
    properties: Type.Object(
      {
        code: Type.String({ minLength: 1, maxLength: 100 }),
        county: Type.Optional(CountyCode),
        srid: Type.Optional(Type.Integer({ minimum: 1 })),
        ...ProjectAttributes.properties,
      },
      { additionalProperties: false },
    ),
  },
  { description: 'GeoJSON Feature; properties hold code, county, srid and the attributes' },
)
export type CreateProjectFeature = Static<typeof CreateProjectFeature>

export const ProjectSummary = Type.Object({
  id: Type.Integer(),
  county: Type.String(),
  countyName: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: '县（市、区）名称 (region table)' })),
  code: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  status: OneOf(projectStatuses),
  developmentMode: Type.Union([Type.String(), Type.Null()]),
  approach: Type.String(),
  originalUse: Type.Union([Type.String(), Type.Null()]),
  newUse: Type.Union([Type.String(), Type.Null()]),
  plotRatioBefore: Type.Union([Type.Number(), Type.Null()]),
  changedUseFloorArea: Type.Union([Type.Number(), Type.Null()]),
  addedFloorArea: Type.Union([Type.Number(), Type.Null()]),
  newPlotRatio: Type.Union([Type.Number(), Type.Null()]),
  ownershipClear: Type.Union([Type.Boolean(), Type.Null()]),
  seized: Type.Union([Type.Boolean(), Type.Null()]),
  mortgaged: Type.Union([Type.Boolean(), Type.Null()]),
  mortgageeConsent: Type.Union([Type.Boolean(), Type.Null()]),
  milestoneType: Type.Union([Type.String(), Type.Null()]),
  milestoneDate: Type.Union([Type.String(), Type.Null()], { description: 'the confirmed milestone: its year is the reward year' }),
  milestoneEvidence: Nullable(MilestoneEvidence),
  milestoneEvidenceStatus: Type.Optional(Nullable(EvidenceStatus)),
  evidenceAreaM2: Type.Union([Type.Number(), Type.Null()], { description: '提供证明材料中面积, m²' }),
  pendingMilestone: Type.Optional(
    Nullable(
      Type.Object(
        {
          milestoneType: Type.String(),
          milestoneDate: Type.String({ format: 'date' }),
          milestoneEvidence: Nullable(MilestoneEvidence),
          evidenceStatus: Type.Optional(Nullable(EvidenceStatus)),
          stage: OneOf(milestoneStages, { description: 'submitted: waiting for the city; city-checked: waiting for the province' }),
          proposedBy: Type.String({ description: 'prefix of the county key that recorded it' }),
          proposedAt: Timestamp,
        },
        {
          description:
            'a milestone recorded or changed after the province’s approval, waiting for the city and the province to confirm it (it counts only then; milestoneType/milestoneDate stay the confirmed one)',
        },
      ),
    ),
  ),
  areaM2: Type.Number({ description: 'ellipsoidal area on CGCS2000, m²' }),
  repairs: Type.Union([Type.Array(Type.String()), Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})

/** The bundle a project was made from, and the scattered land it took in then (165号 二). */
export const FromBundle = Type.Object(
  {
    bundleId: Type.Integer({ description: 'the bundle (its row may be gone: a later bundle run replaces the county’s bundles)' }),
    runId: Type.Integer(),
    bundleNo: Type.Integer(),
    scatteredLand: Type.Array(
      Type.Object({
        kind: OneOf(scatteredLandKinds),
        kindZh: Type.String({ description: '夹心地、边角地、插花地' }),
        source: OneOf(['hole', 'land', 'member'] as const, {
          description: 'hole: a hole of the bundle; land: non-member land it encloses; member: a member plot so flagged',
        }),
        ref: Type.Union([Type.String(), Type.Null()], { description: 'the member’s plot code or the third-survey patch’s TBBH' }),
        m2: Type.Number({ description: 'area when recorded, m² on the CGCS2000 ellipsoid' }),
      }),
      { description: '插花地、边角地、夹心地 recorded at creation: the analysis counts them beside the database plots and the 2009 construction land' },
    ),
  },
  { description: 'made from a bundle of contiguous plots (连片开发); null: drawn otherwise' },
)

export const Project = Type.Intersect([
  ProjectSummary,
  Type.Object({
    fromBundle: Type.Optional(Type.Union([FromBundle, Type.Null()])),
    geometry: Type.Unknown({ description: 'GeoJSON MultiPolygon, lon/lat' }),
  }),
])

export const ProjectListItem = Type.Intersect([
  ProjectSummary,
  Type.Object({
    analysis: Type.Union([
      Type.Object({
        eligible: Type.Union([Type.Boolean(), Type.Null()], { description: '符合入库条件 (165号 二)' }),
        rewardCounted: Type.Union([Type.Boolean(), Type.Null()], {
          description: '计入奖励 (165号 三): false for a project under 15 亩 that is otherwise eligible; null when undecided or in an older result',
        }),
        stale: Type.Boolean({
          description: 'an input layer or the project changed since, or the result is of an older schema version: recomputed on the next GET',
        }),
        computedAt: Timestamp,
        stockAreaM2: Type.Union([Type.Number(), Type.Null()]),
        footprintRatio: Type.Union([Type.Number(), Type.Null()]),
      }),
      Type.Null(),
    ]),
  }),
])

export const ProjectList = Type.Object({
  items: Type.Array(ProjectListItem),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
})

export const ProjectListQuery = Type.Object({
  county: Type.Optional(CountyCode),
  code: Type.Optional(Type.String()),
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'search: projects whose code (项目编号) or name contains this text, case-insensitive' }),
  ),
  eligible: Type.Optional(Type.Boolean({ description: 'only projects whose latest stored analysis is (not) eligible' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
})
export type ProjectListQuery = Static<typeof ProjectListQuery>
