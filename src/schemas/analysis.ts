// The analysis result: one TypeBox schema for what is stored (analysis_results.result), what the
// analysis route answers and what readers of stored results may rely on (SQL readers through
// src/db/result-projections.ts, generated from this schema).
import Type, { type Static } from 'typebox'
import { stockFigures } from '../domain/analysis-config.js'
import { analysisTriggers } from '../domain/analysis-triggers.js'
import { scatteredLandKinds } from '../domain/bundles.js'
import { planUseRelations } from '../domain/plan-use.js'
import { checkIds } from '../domain/rules.js'
import { KeyOf, OneOf } from './common.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const M2 = (description: string) => Type.Number({ description: `${description}, m² on the CGCS2000 ellipsoid (2 decimals)` })
const Mu = Type.Number({ description: '亩 (4 decimals)' })

const LayerInput = Nullable(Type.Object({ datasetId: Type.Integer(), version: Type.Integer() }))

export const AnalysisInputs = Type.Object(
  {
    survey2: LayerInput,
    survey3: LayerInput,
    'survey2-lines': LayerInput,
    buildings: LayerInput,
    'approved-unsupplied': LayerInput,
    'idle-land': LayerInput,
    'plan-zones': LayerInput,
    plots: Type.Optional(LayerInput),
    'admin-divisions': Type.Optional(LayerInput),
  },
  { description: 'the layer versions (dataset ids) the result was computed from; null: not loaded' },
)

export const Check = Type.Object({
  id: OneOf(checkIds),
  passed: Nullable(Type.Boolean()),
  value: Type.Union([Type.Number(), Type.Boolean(), Type.Null()]),
  threshold: Type.Union([Type.Number(), Type.String(), Type.Null()]),
  message: Type.String(),
  messageZh: Type.String({ description: '中文说明（按配置阈值生成）' }),
  clause: Type.String({ description: 'the policy clause the check comes from' }),
  needsReview: Type.Boolean({ description: 'passed, but a person should look (an overlap within the tolerance, a later survey update)' }),
  nearThreshold: Type.Boolean({ description: 'the verdict differs between ellipsoidal and planar area, or flips within ±0.01 m²' }),
})

export const BuildingTypeFound = Type.Object({
  type: Nullable(Type.String()),
  buildings: Type.Integer(),
  class: OneOf(['counted', 'excluded', 'unknown'] as const),
  category: Type.String(),
  counted: Type.Boolean(),
})

export const AppliedApproach = Type.Object({
  applied: Type.String(),
  recorded: Type.String(),
  derived: Type.Boolean({ description: 'true when the recorded uses or plot ratios decided the approach' }),
  reason: Type.String(),
  reasonZh: Type.String(),
})

/**
 * The version of the stored result's shape. Whoever changes AnalysisResult in a way a stored result
 * of the previous version would not pass (a field added, renamed, retyped or removed) bumps it: a
 * stored result of another version is then stale (src/db/read-model.ts analysisStale) and a reader
 * recomputes it, except a pinned (approved) result, which is kept and read as stored
 * (docs/decisions.md, issue 20). 1: results written before they carried a version. 3: `eligible` is 符合入库条件
 * without the reward's area rules, `rewardCounted` beside it (issue 21). 4: `overlaps` (issue 21). 5: the stock
 * land leaves out second-survey patches changed after the 2009 baseline (`survey2ChangedAfterBaseline` lists
 * them), `stockFigure` chooses the gross or the net figure (`usedForStock` on both, `stockArea.figure`) (issue 21).
 */
export const analysisSchemaVersion = 5

export const Overlap = Type.Object({
  projectId: Type.Integer(),
  code: Type.String(),
  status: Type.String({ description: 'the other project’s review status when this result was computed' }),
  m2: M2('land both projects cover (cut in this project’s plane)'),
  stockM2: M2('second-survey construction land both projects cover: the stock land both would count'),
})

/**
 * A project made from a bundle: the bundle and the scattered land recorded at its creation (165号 二:
 * 插花地、边角地、夹心地可一并纳入，连片开发), as cut inside the project.
 */
export const ScatteredLand = Type.Object(
  {
    fromBundle: Type.Object({ bundleId: Type.Integer(), runId: Nullable(Type.Integer()), bundleNo: Nullable(Type.Integer()) }),
    m2: M2('the scattered land inside the project (union of its pieces)'),
    mu: Mu,
    offPlotsM2: M2('the part of it off the low-efficiency plots: what it adds to on-database-plots'),
    offConstructionM2: M2('the part of it that is not second-survey construction land: what it adds to built-before-2010'),
    kinds: Type.Array(
      Type.Object({
        kind: OneOf(scatteredLandKinds),
        kindZh: Type.String({ description: '夹心地、边角地、插花地' }),
        pieces: Type.Integer(),
        m2: M2('union of the pieces of this kind inside the project'),
        mu: Mu,
      }),
    ),
  },
  { description: 'null: the project was not made from a bundle (issue 21)' },
)

export const OutsideCounty = Type.Object(
  {
    m2: M2('part of the project outside its county’s administrative boundary (cut in the project’s plane)'),
    share: Type.Number({ description: 'that part ÷ the project’s area' }),
    counties: Type.Array(
      Type.Object({
        code: Type.String({ description: 'the other county’s code (xzqdm)' }),
        name: Nullable(Type.String({ description: 'its name in the region table' })),
        m2: M2('the part lying in that county’s administrative boundary (its active admin-divisions version)'),
      }),
      { description: 'other counties whose boundary is loaded and holds part of the project, largest first' },
    ),
    unknownM2: M2('the part in no county whose boundary is loaded (that county unknown)'),
  },
  { description: '跨县：the project against its county’s administrative boundary (行政区划)' },
)

const relationAreas = Type.Object(
  Object.fromEntries(planUseRelations.map((r) => [r, Type.Number()])) as Record<(typeof planUseRelations)[number], ReturnType<typeof Type.Number>>,
)

export const PlanUse = Type.Object(
  {
    newUse: Nullable(Type.String({ description: 'the new use compared (新用途); null: not recorded, nothing compared' })),
    codedM2: M2('land inside whose plan zone carries a 用地用海 code'),
    groups: Type.Array(
      Type.Object({
        classes: Type.Array(Type.String(), {
          description: 'first-level 用地用海 classes: several for a mixed zone, none for a code that is not a 用地用海 code',
        }),
        nameZh: Type.String(),
        codes: Type.Array(Type.String(), { description: 'the codes as delivered (trimmed, upper case)' }),
        m2: M2('land inside planned as these classes'),
        share: Type.Number({ description: 'of the project area' }),
        relation: Nullable(OneOf(planUseRelations, { description: 'to the new use; null when no new use is recorded' })),
      }),
    ),
    byRelation: relationAreas,
    warningZh: Type.Optional(Type.String({ description: 'zones of different codes overlapping inside the project, in Chinese' })),
  },
  { description: 'the plan’s 用地用海 classes inside the project against its new use (check plan-use, issue 21)' },
)

export const AnalysisResult = Type.Object({
  schemaVersion: Type.Literal(analysisSchemaVersion, { description: 'version of this shape; a stored result of another version is recomputed' }),
  projectId: Type.Integer(),
  code: Type.String(),
  county: Type.String(),
  plane: Type.Object({ epsg: Type.Integer(), description: Type.String() }, { description: 'the Gauss-Kruger plane the pieces were cut in' }),
  area: Type.Object({ m2: M2('project area'), mu: Mu, planarM2: Type.Number(), planarEpsg: Type.Integer() }),
  survey2Construction: Nullable(
    Type.Object({
      method: Type.String(),
      m2: M2('second-survey construction land inside (gross)'),
      mu: Mu,
      planarM2: Type.Number(),
      ratio: Type.Number(),
      patches: Type.Integer(),
      latestChange: Nullable(Type.String({ description: 'latest BGRQ (YYYYMMDD) of the patches counted' })),
      usedForStock: Type.Boolean({ description: 'whether the stock area is this figure (stockFigure gross, the default approach)' }),
      withScatteredLandM2: Type.Optional(
        Type.Number({
          description: 'project ∩ (this land ∪ the 插花地、边角地、夹心地 the project took in from its bundle): what built-before-2010 judges (issue 21)',
        }),
      ),
      withScatteredLandShare: Type.Optional(Type.Number({ description: 'withScatteredLandM2 ÷ project area' })),
      codes: Type.Optional(
        Type.Array(Type.String(), {
          description: '二调 land-use codes counted as construction land (the configuration used); the rewards cut the approved stock land with them',
        }),
      ),
    }),
  ),
  survey2ChangedAfterBaseline: Nullable(
    Type.Object(
      {
        baselineDate: Type.String({ description: 'the second survey’s base date (survey2BaselineDate)' }),
        excluded: Type.Boolean({ description: 'left out of the construction land and the stock (excludeChangedAfterBaseline)' }),
        count: Type.Integer({ description: 'construction-coded patches inside changed (BGRQ) after the baseline' }),
        m2: M2('their area inside (union of pieces)'),
        mu: Mu,
        items: Type.Array(
          Type.Object({
            featureId: Type.String({ description: 'the patch’s row id in its layer version' }),
            tbbh: Nullable(Type.String({ description: '图斑编号' })),
            bsm: Nullable(Type.Number({ description: '标识码' })),
            dlbm: Nullable(Type.String()),
            bgrq: Type.String({ description: 'change date read as YYYYMMDD' }),
            bgrqText: Type.String({ description: 'BGRQ as the delivery wrote it' }),
            m2: M2('the patch’s piece inside'),
          }),
          { description: 'the patches, largest piece first, at most itemsMax' },
        ),
        itemsMax: Type.Integer({ description: 'the most items listed; count gives them all' }),
        lines: Nullable(Type.Integer({ description: 'construction-coded linear features inside changed after the baseline (null: no line layer)' })),
        undatedPatches: Type.Integer({ description: 'construction patches counted with an empty BGRQ: kept' }),
        unreadableDatePatches: Type.Integer({ description: 'construction patches counted whose BGRQ no date form reads: kept' }),
        noteZh: Type.String(),
      },
      { description: '二调图斑 changed after the 2009 baseline (165号 二: 项目用地在2009年底之前已经建设); null: no second-survey layer' },
    ),
  ),
  survey2ConstructionNet: Nullable(
    Type.Object({
      method: Type.String(),
      m2: Type.Number(),
      mu: Mu,
      patchesM2: Type.Number(),
      linesM2: Type.Number(),
      scaledByTbdlmj: Nullable(Type.Boolean()),
      linesWithoutWidth: Type.Optional(Type.Integer({ description: 'construction-coded linear features inside without KD (width): they add 0' })),
      linesWithoutShare: Type.Optional(Type.Integer({ description: 'construction-coded linear features inside without KCBL: counted at their whole width' })),
      warningZh: Type.Optional(Type.String({ description: 'what the net figure could not read (KD, KCBL), in Chinese' })),
      usedForStock: Type.Boolean({ description: 'whether the stock area is this net figure (stockFigure net, the default approach)' }),
    }),
  ),
  footprint: Nullable(
    Type.Object({
      m2: M2('union of counted buildings inside'),
      mu: Mu,
      planarM2: Type.Number(),
      ratio: Type.Number(),
      buildings: Type.Integer(),
      types: Type.Array(BuildingTypeFound, { description: 'building types found inside, with their classification' }),
    }),
  ),
  survey3: Type.Array(
    Type.Object({ code: Nullable(Type.String()), name: Nullable(Type.String()), m2: Type.Number(), mu: Mu, apportionedM2: Nullable(Type.Number()) }),
  ),
  conflicts: Type.Object({
    approvedUnsupplied: Nullable(Type.Object({ m2: Type.Number(), ids: Type.Array(Type.String()) })),
    idleLand: Nullable(Type.Object({ m2: Type.Number(), ids: Type.Array(Type.String()) })),
    outsidePlan: Nullable(Type.Object({ m2: Type.Number() })),
  }),
  onPlots: Nullable(
    Type.Object({
      m2: Type.Number(),
      share: Type.Number(),
      plots: Type.Array(Type.String()),
      withScatteredLandM2: Type.Optional(
        Type.Number({
          description: 'project ∩ (the plots ∪ the 插花地、边角地、夹心地 the project took in from its bundle): what on-database-plots judges (issue 21)',
        }),
      ),
      withScatteredLandShare: Type.Optional(Type.Number({ description: 'withScatteredLandM2 ÷ project area' })),
    }),
  ),
  scatteredLand: Type.Optional(Nullable(ScatteredLand)),
  planUse: Type.Optional(Nullable(PlanUse)),
  overlaps: Type.Array(Overlap, {
    description: 'other projects of the county on the same land: every one not a draft or returned (counted ones included)',
  }),
  outsideCounty: Type.Optional(
    Type.Union([OutsideCounty, Type.Null()], {
      description: 'null: the county has no administrative boundary (admin-divisions layer) loaded, and check within-county is left out',
    }),
  ),
  stockArea: Type.Object({
    method: Type.String(),
    m2: Nullable(Type.Number()),
    mu: Nullable(Type.Number()),
    approach: AppliedApproach,
    figure: Type.Optional(OneOf(stockFigures, { description: 'which figure of 二调建设用地 the stock (or the formula’s comparison) took' })),
    formulaM2: Type.Optional(Type.Number()),
    capped: Type.Optional(
      Type.Boolean({ description: 'the formula gave more than the second-survey construction land inside and the configuration caps it there' }),
    ),
    aboveConstruction: Type.Optional(
      Type.Boolean({ description: 'the formula gave more than the second-survey construction land inside (check stock-formula)' }),
    ),
    reason: Type.Optional(Type.String()),
    reasonZh: Type.Optional(Type.String()),
    warning: Type.Optional(Type.String()),
  }),
  evidenceAreaM2: Type.Optional(
    Nullable(
      Type.Number({
        description: '提供证明材料中面积 (m²) the 15–30 亩 rule compared the stock with; null: none recorded, the drawn area stood in (issue 21)',
      }),
    ),
  ),
  checks: Type.Array(Check),
  eligible: Nullable(
    Type.Boolean({
      description: '符合入库条件 (165号 二, 聊城方案 一): every check except the reward’s area rules (min-area, stock-half-15-30); null when undecided',
    }),
  ),
  verdictZh: OneOf(['符合', '不符合', '无法判定'] as const, { description: 'eligible in Chinese (符合入库条件)' }),
  rewardCounted: Nullable(
    Type.Boolean({
      description:
        '计入奖励 (165号 三): eligible and the area rules pass; false for a project under 15 亩 or of 15–30 亩 with too little stock, which may still be entered',
    }),
  ),
  rewardVerdictZh: OneOf(['计入奖励', '不计入奖励', '无法判定'] as const),
  needsReview: Type.Array(Type.String(), { description: 'ids of checks that passed but need a person to look' }),
  nearThreshold: Type.Array(Type.String(), { description: 'ids of checks whose verdict is near its threshold' }),
  inputs: AnalysisInputs,
  computedAt: Type.String({ format: 'date-time' }),
})
export type AnalysisResult = Static<typeof AnalysisResult>

export const AnalysisResponse = Type.Intersect([
  AnalysisResult,
  Type.Object({
    resultId: Type.Integer({ description: 'id of the stored result' }),
    computedNow: Type.Boolean({ description: 'true when this request computed the result; false when the stored current result was returned' }),
    stale: Type.Boolean({
      description: 'an input changed since it was computed, or it is of an older schema version (never true on a GET, which recomputes stale results)',
    }),
  }),
])

export const ApprovedAnalysisResponse = Type.Object({
  resultId: Type.Integer({ description: 'id of the stored result the province pinned when it approved' }),
  approvedAt: Nullable(Type.String({ format: 'date-time', description: 'when the province approved (its review step); null if not recorded' })),
  approvedBy: Nullable(Type.String({ description: 'prefix of the key that approved' })),
  computedAt: Type.String({ format: 'date-time' }),
  schemaVersion: Type.Integer({ description: 'the shape the result was stored in (the current one is AnalysisResult)' }),
  inputsChanged: Type.Boolean({
    description: 'an input layer changed since, or the result is of an older schema version: the latest analysis may differ; this one stays the record',
  }),
  result: Type.Object(
    {},
    {
      additionalProperties: true,
      description: 'the analysis result as stored when approved, never recomputed (AnalysisResult when schemaVersion is the current one)',
    },
  ),
})

export const AnalysisHistoryItem = Type.Object({
  resultId: Type.Integer(),
  computedAt: Type.String({ format: 'date-time' }),
  trigger: Nullable(KeyOf(analysisTriggers, { description: 'what started it; null: stored before this was recorded' })),
  triggerZh: Nullable(Type.String()),
  triggeredBy: Nullable(Type.String({ description: 'prefix of the key that asked (that started the run, for a run)' })),
  eligible: Nullable(Type.Boolean()),
  verdictZh: OneOf(['符合', '不符合', '无法判定'] as const),
  stockAreaM2: Nullable(Type.Number()),
  footprintRatio: Nullable(Type.Number()),
  stale: Type.Boolean({ description: 'an input changed since, or of an older schema version' }),
  approved: Type.Boolean({ description: 'the result the province approved (pinned)' }),
  latest: Type.Boolean({ description: 'the latest result (what lists show)' }),
})

export const AnalysisHistory = Type.Object({
  items: Type.Array(AnalysisHistoryItem, { description: 'newest first; older results a county run superseded are pruned, the approved one is kept' }),
  limit: Type.Integer(),
})
