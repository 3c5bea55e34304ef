// The feature collections the OGC API serves: one per layer kind (the active version of each
// county's layer), projects with their latest analysis verdict, analysis pieces and bundles.
// Each collection is a table-driven description: SQL expressions over the alias `f`, taken only
// from this catalogue (never from a request), a Chinese title per property, and the shapefile
// field name a desktop user expects (the survey standard's code where there is one).
import { activeRunJoin, analysisStale, latestAnalysisJoin } from '../db/read-model.js'
import { resultValue } from '../db/result-projections.js'
import { roundSql, toMuSql } from '../domain/units.js'
import { layerKinds, type ColumnType, type LayerKind } from '../catalogue/layer-kinds.js'
import { piecesSource } from './pieces-sql.js'
import type { SourceContext } from './source-context.js'

export type PropertyType = 'string' | 'number' | 'integer' | 'boolean' | 'date'

const typeSchema: Record<PropertyType, Record<string, string>> = {
  string: { type: 'string' },
  number: { type: 'number' },
  integer: { type: 'integer', format: 'int32' },
  boolean: { type: 'boolean' },
  date: { type: 'string', format: 'date' },
}

/**
 * JSON Schema of a property (queryables, /schema, the OpenAPI parameters): a bigint column (BSM, an
 * id) is `format: int64`, so GDAL and QGIS make it a 64-bit field instead of an overflowing Integer;
 * a time is `format: date-time`, a date `format: date`.
 */
export function jsonSchemaOf(p: Pick<Property, 'type' | 'wide' | 'format'>): Record<string, string> {
  if (p.type === 'integer' && p.wide) return { type: 'integer', format: 'int64' }
  if (p.type === 'string' && p.format) return { type: 'string', format: p.format }
  return typeSchema[p.type]
}

export interface Property {
  name: string
  titleZh: string
  type: PropertyType
  /** SQL expression over `f` (and the collection's joins) */
  sql: string
  /** shapefile field name; the Chinese title (cut to 10 bytes) when absent */
  dbfName?: string
  /** a bigint column (an id, BSM): filter values up to 2⁵³ − 1; other integers are PostgreSQL integer columns */
  wide?: boolean
  /** a string property holding an ISO 8601 time (UTC, `…Z`) */
  format?: 'date-time'
}

export interface Collection {
  id: string
  title: string
  titleZh: string
  description: string
  geometryType: 'MultiPolygon' | 'MultiLineString'
  properties: Property[]
  /** FROM clause (with `f` as the feature row) and its bindings */
  source: (ctx: SourceContext) => { sql: string; bindings: unknown[] } | Promise<{ sql: string; bindings: unknown[] }>
  /** WHERE condition selecting the active versions (layer collections) */
  versionFilter?: (ctx: SourceContext) => { sql: string; bindings: unknown[] }
  idSql: string
  idType: 'integer' | 'string'
  orderBy: string
  countySql: string
  /** layer kind whose active datasets hold the rows (their versions make the tile ETag) */
  layer?: string
  /** the table behind `f` when it is a plain table with an integer id (for keyset export) */
  table?: string
  /**
   * The temporal property `datetime` selects on (OGC API – Features Part 1), declared in the
   * collection's metadata and `extent.temporal`: its name, its SQL as a date or timestamptz, and
   * whether it is a calendar day or an instant.
   */
  temporal?: { property: string; sql: string; type: 'date' | 'date-time' }
}

const propertyType: Record<ColumnType, PropertyType> = {
  text: 'string',
  double: 'number',
  bigint: 'integer',
  integer: 'integer',
  date: 'date',
  boolean: 'boolean',
}
const ascii = (s: string) => /^[A-Z0-9_]+$/.test(s)
const area = (geom: string) => roundSql(`ST_Area((${geom})::geography)`, 2)

const county: Property = { name: 'county', titleZh: '行政区代码', type: 'string', sql: 'f.xzqdm', dbfName: 'XZQDM' }
/**
 * The county of a layer whose own columns already claim XZQDM (行政区划: the division's own code):
 * 所属县代码, so no two shapefile fields read alike within dBASE's 10 bytes (XZQDM, XZQDM1).
 */
const owningCounty: Property = { ...county, titleZh: '所属县代码', dbfName: 'SSXDM' }

function layerCollection(kind: LayerKind): Collection {
  const id = kind.key === 'projects' ? 'project-boundaries' : kind.key
  return {
    id,
    title: `${kind.titleZh} (${kind.key})`,
    titleZh: kind.titleZh,
    description: `${kind.titleZh}: the active version of each county's ${kind.key} layer, typed fields as imported (every source attribute stays in the import).`,
    geometryType: kind.family === 'polygon' ? 'MultiPolygon' : 'MultiLineString',
    properties: [
      kind.columns.some((c) => c.aliases.find(ascii) === county.dbfName) ? owningCounty : county,
      ...kind.columns.map((c): Property => ({
        name: c.field,
        titleZh: c.titleZh,
        type: propertyType[c.type],
        sql: c.type === 'date' ? `to_char(f.${c.column}, 'YYYY-MM-DD')` : `f.${c.column}`,
        dbfName: c.aliases.find(ascii),
        wide: c.type === 'bigint',
      })),
    ],
    // The active versions as constants, not a join to datasets: the planner then reads only their
    // partitions (a join made it scan every kept version's rows and index).
    source: () => ({ sql: `"${kind.table}" f`, bindings: [] }),
    versionFilter: (ctx) => ({ sql: 'f.dataset_id = ANY(?::bigint[])', bindings: [ctx.activeDatasets] }),
    idSql: 'f.id',
    idType: 'integer',
    orderBy: 'f.id',
    countySql: 'f.xzqdm',
    layer: kind.key,
    table: kind.table,
    ...temporalOf(kind),
  }
}

/** A layer's first date column (批准日期, 认定日期) is its temporal property. */
function temporalOf(kind: LayerKind): Pick<Collection, 'temporal'> {
  const d = kind.columns.find((c) => c.type === 'date')
  return d ? { temporal: { property: d.field, sql: `f.${d.column}`, type: 'date' } } : {}
}

const projects: Collection = {
  id: 'projects',
  title: 'Projects with their latest analysis (项目)',
  titleZh: '项目',
  description: 'Project boundaries (项目红线) with the verdict and key figures of their latest stored analysis; f=csv gives the analysis results as a table.',
  geometryType: 'MultiPolygon',
  properties: [
    { name: 'code', titleZh: '项目编号', type: 'string', sql: 'f.code' },
    { name: 'name', titleZh: '项目名称', type: 'string', sql: 'f.name' },
    county,
    { name: 'developmentMode', titleZh: '开发模式', type: 'string', sql: 'f.development_mode' },
    { name: 'approach', titleZh: '核定方式', type: 'string', sql: 'f.approach' },
    { name: 'status', titleZh: '项目状态', type: 'string', sql: 'f.status' },
    { name: 'areaM2', titleZh: '项目面积', type: 'number', sql: area('f.geom') },
    { name: 'eligible', titleZh: '是否符合入库条件', type: 'boolean', sql: 'a.eligible' },
    // 165号 三: a project under 15 亩 may be entered but is not counted for the reward
    { name: 'rewardCounted', titleZh: '是否计入奖励', type: 'boolean', sql: resultValue(['rewardCounted'], 'a.result') },
    { name: 'stale', titleZh: '结果过期', type: 'boolean', sql: 'a.stale' },
    { name: 'stockAreaM2', titleZh: '盘活存量面积', type: 'number', sql: resultValue(['stockArea', 'm2'], 'a.result') },
    { name: 'survey2ConstructionM2', titleZh: '二调建设用地面积', type: 'number', sql: resultValue(['survey2Construction', 'm2'], 'a.result') },
    { name: 'footprintRatio', titleZh: '基底面积占比', type: 'number', sql: resultValue(['footprint', 'ratio'], 'a.result') },
    {
      name: 'analysedAt',
      titleZh: '分析时间',
      type: 'string',
      sql: `to_char(a.computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`,
      format: 'date-time',
    },
  ],
  source: () => ({
    sql: `projects f ${latestAnalysisJoin({ project: 'f', as: 'a', columns: `r.eligible, ${analysisStale('r')} AS stale, r.result, r.computed_at` })}`,
    bindings: [],
  }),
  idSql: 'f.id',
  idType: 'integer',
  orderBy: 'f.id',
  countySql: 'f.xzqdm',
  table: 'projects',
  temporal: { property: 'analysedAt', sql: 'a.computed_at', type: 'date-time' },
}

const bundles: Collection = {
  id: 'bundles',
  title: 'Bundles of contiguous low-efficiency plots (连片组团)',
  titleZh: '连片组团',
  description: 'The current bundles of each county (the active bundling run): dissolved members, area, flags (插花地 interspersed, 边角地 corner, scattered).',
  geometryType: 'MultiPolygon',
  properties: [
    { name: 'bundleNo', titleZh: '组团编号', type: 'integer', sql: 'f.bundle_no' },
    county,
    { name: 'members', titleZh: '成员图斑', type: 'string', sql: `array_to_string(f.members, ',')` },
    { name: 'memberCount', titleZh: '图斑数', type: 'integer', sql: 'cardinality(f.members)' },
    { name: 'm2', titleZh: '面积', type: 'number', sql: roundSql('f.m2', 2) },
    { name: 'mu', titleZh: '面积亩', type: 'number', sql: roundSql(toMuSql('f.m2'), 4) },
    { name: 'meetsMinArea', titleZh: '达到入库面积', type: 'boolean', sql: 'f.m2 >= r.min_bundle_m2' },
    { name: 'survey2ConstructionM2', titleZh: '二调建设用地面积', type: 'number', sql: roundSql('f.survey2_construction_m2', 2) },
    { name: 'flags', titleZh: '标记', type: 'string', sql: `(SELECT string_agg(DISTINCT x->>'flag', ',') FROM jsonb_array_elements(f.flags) x)` },
    { name: 'enclosedGaps', titleZh: '夹心地数', type: 'integer', sql: 'jsonb_array_length(f.enclosed_gaps)' },
    { name: 'gapMeters', titleZh: '连片距离', type: 'number', sql: 'r.gap_meters' },
  ],
  source: () => ({ sql: `bundles f ${activeRunJoin({ bundle: 'f', as: 'r' })}`, bindings: [] }),
  idSql: 'f.id',
  idType: 'integer',
  orderBy: 'f.id',
  countySql: 'f.xzqdm',
  table: 'bundles',
}

const pieces: Collection = {
  id: 'analysis-pieces',
  title: 'Analysis pieces (分析图斑)',
  titleZh: '分析图斑',
  description:
    'The geometry behind each project analysis, computed on request from the active layers: the project, its second-survey construction land, ' +
    'the second-survey construction patches changed (BGRQ) after the 2009 baseline (role survey2-changed, name the change date), ' +
    'the footprint union, third-survey pieces, 批而未供 / 闲置土地 overlaps, the part outside the plan and, for a project made from a bundle, ' +
    'the 插花地、边角地、夹心地 it took in (role scattered-land, name the kind). Filter by projectId for large counties.',
  geometryType: 'MultiPolygon',
  properties: [
    { name: 'projectId', titleZh: '项目标识', type: 'integer', sql: 'f.project_id', wide: true },
    { name: 'projectCode', titleZh: '项目编号', type: 'string', sql: 'f.project_code' },
    county,
    { name: 'role', titleZh: '图斑类型', type: 'string', sql: 'f.role' },
    { name: 'code', titleZh: '地类编码', type: 'string', sql: 'f.code' },
    { name: 'name', titleZh: '名称', type: 'string', sql: 'f.name' },
    { name: 'ref', titleZh: '要素引用', type: 'string', sql: 'f.ref' },
    { name: 'm2', titleZh: '面积', type: 'number', sql: area('f.geom') },
  ],
  source: piecesSource,
  idSql: `f.project_id || '-' || f.n`,
  idType: 'string',
  orderBy: 'f.project_id, f.n',
  countySql: 'f.xzqdm',
}

export const collections: Collection[] = [...layerKinds.map(layerCollection), projects, pieces, bundles]

export function collectionById(id: string): Collection | undefined {
  return collections.find((c) => c.id === id)
}
