// The layer catalogue: the layer kinds a county uploads, each with its table, geometry, Chinese
// title and typed columns (the field name in the API, the Chinese title people read, the source
// field aliases an import looks for, the shapefile width an export writes). Import, OGC, tiles,
// the request schemas and the console's settings read this one description; it depends on nothing
// of theirs (a deriver is named here and implemented by the import, src/import/derivers.ts).
import type { CodeTableId } from './code-tables.js'

export type ColumnType = 'text' | 'double' | 'bigint' | 'integer' | 'date' | 'boolean'

/** Ways an import may fill a column the source leaves empty, from the record's other columns. */
export type DeriverKey = 'permitted-from-zone'

export interface LayerColumn {
  /** database column */
  column: string
  /** name in fieldMap, the API and OGC properties */
  field: string
  type: ColumnType
  /** Chinese title: queryables, exports, the console */
  titleZh: string
  /** source field names looked for, case-insensitive, in order; an ASCII one names the exported shapefile field */
  aliases: string[]
  required?: boolean
  /** text width in bytes in an exported shapefile (80 when unset) */
  width?: number
  /** fills the column when the source leaves it empty, from the record's other columns */
  derive?: DeriverKey
  /** what the import report says when the source has no field for a derived column */
  deriveNote?: { en: string; zh: string }
  /** the survey standard's code table naming the column's values (src/catalogue/code-tables.ts) */
  codes?: CodeTableId
}

export interface LayerKind {
  key: string
  table: string
  family: 'polygon' | 'line'
  titleZh: string
  /** English title (the API's settings document, English readers) */
  title: string
  columns: LayerColumn[]
  /** at least one of these columns must have a source field, else the import is refused with this message */
  requireAnyOf?: { columns: string[]; en: string; zh: string }
}

const col = (
  column: string,
  type: ColumnType,
  titleZh: string,
  aliases: string[],
  o: { required?: boolean; width?: number; codes?: CodeTableId } = {},
): LayerColumn => ({
  column,
  field: column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
  type,
  titleZh,
  aliases,
  required: o.required ?? false,
  ...(o.width !== undefined && { width: o.width }),
  ...(o.codes !== undefined && { codes: o.codes }),
})

// Widths of the survey standard's code fields; names and numbers keep the export's default.
const code10 = { width: 10 }
const unitCode = { width: 19 }

/** The fields both surveys' patches have; the land-use codes are each survey's own classification. */
const surveyCommon = (landUse: CodeTableId) => [
  col('bsm', 'bigint', '标识码', ['BSM']),
  col('tbbh', 'text', '图斑编号', ['TBBH'], { width: 30 }),
  col('dlbm', 'text', '地类编码', ['DLBM'], { required: true, ...code10, codes: landUse }),
  col('dlmc', 'text', '地类名称', ['DLMC']),
  col('qsxz', 'text', '权属性质', ['QSXZ'], { ...code10, codes: 'ownership' }),
  col('qsdwdm', 'text', '权属单位代码', ['QSDWDM'], unitCode),
  col('qsdwmc', 'text', '权属单位名称', ['QSDWMC']),
  col('zldwdm', 'text', '坐落单位代码', ['ZLDWDM'], unitCode),
  col('zldwmc', 'text', '坐落单位名称', ['ZLDWMC']),
  col('tbmj', 'double', '图斑面积', ['TBMJ']),
  col('tbdlmj', 'double', '图斑地类面积', ['TBDLMJ']),
]

/** A plan layer must say where construction is permitted, or give the zone to derive it from (src/domain/plan-zones.ts). */
export const planZoneFieldsRequired = {
  columns: ['permitted', 'zone_code', 'zone_name'],
  en: 'a plan-zones layer needs a field saying whether construction is permitted (SFYX, PERMITTED, 允许建设) or the zone’s code or name to derive it from (GHFQDM, YDYHFLDM, GHYTDM, FQDM … / GHFQMC, FQMC …); name the source field with fieldMap, e.g. {"permitted": "…"} or {"zoneName": "…"}',
  zh: '规划分区图层须有“是否允许建设”字段（SFYX、PERMITTED、允许建设），或可据以判断的规划分区代码（GHFQDM、YDYHFLDM、GHYTDM、FQDM 等）或名称（GHFQMC、FQMC 等）；可用 fieldMap 指定源字段',
}

const permittedDerivedNote = {
  en: 'derived for each zone from its name or its 规划分区/用地用海 code by the plan-zone table (src/domain/plan-zones.ts)',
  zh: '将按规划分区名称或代码对照表逐条判断是否允许建设',
}

export const layerKinds: LayerKind[] = [
  {
    key: 'survey3',
    table: 'survey3_patches',
    family: 'polygon',
    titleZh: '三调地类图斑',
    title: 'Third land survey patches',
    columns: [
      ...surveyCommon('survey3-land-use'),
      col('kcdlbm', 'text', '扣除地类编码', ['KCDLBM'], { ...code10, codes: 'survey3-land-use' }),
      col('kcxs', 'double', '扣除地类系数', ['KCXS']),
      col('kcmj', 'double', '扣除地类面积', ['KCMJ']),
      col('czcsxm', 'text', '城镇村属性码', ['CZCSXM'], { ...code10, codes: 'town-village' }),
      col('gdlx', 'text', '耕地类型', ['GDLX'], { ...code10, codes: 'farmland-kind' }),
    ],
  },
  {
    key: 'survey2',
    table: 'survey2_patches',
    family: 'polygon',
    titleZh: '二调地类图斑',
    title: 'Second land survey patches',
    columns: [
      ...surveyCommon('survey2-land-use'),
      col('xzdwmj', 'double', '线状地物面积', ['XZDWMJ']),
      col('lxdwmj', 'double', '零星地物面积', ['LXDWMJ']),
      col('tkxs', 'double', '田坎系数', ['TKXS']),
      col('tkmj', 'double', '田坎面积', ['TKMJ']),
    ],
  },
  {
    key: 'survey2-lines',
    table: 'survey2_lines',
    family: 'line',
    titleZh: '二调线状地物',
    title: 'Second land survey linear features',
    columns: [
      col('bsm', 'bigint', '标识码', ['BSM']),
      col('dlbm', 'text', '地类编码', ['DLBM'], { required: true, ...code10, codes: 'survey2-land-use' }),
      col('dlmc', 'text', '地类名称', ['DLMC']),
      col('cd', 'double', '长度', ['CD']),
      col('kd', 'double', '宽度', ['KD', 'XZDWKD']),
      col('xzdwmj', 'double', '线状地物面积', ['XZDWMJ']),
      col('kcbl', 'double', '扣除比例', ['KCBL']),
      col('kctbbh1', 'text', '扣除图斑编号1', ['KCTBBH1']),
      col('kctbdwdm1', 'text', '扣除图斑单位1', ['KCTBDWDM1'], unitCode),
      col('kctbbh2', 'text', '扣除图斑编号2', ['KCTBBH2']),
      col('kctbdwdm2', 'text', '扣除图斑单位2', ['KCTBDWDM2'], unitCode),
    ],
  },
  {
    key: 'buildings',
    table: 'buildings',
    family: 'polygon',
    titleZh: '建筑物',
    title: 'Buildings',
    columns: [
      col('building_type', 'text', '建筑类型', ['JZLX', 'JZWLX', 'FWLX', 'JZWLB', 'JZLB', 'LX', 'TYPE', '建筑类型', '建筑物类型', '房屋类型', '类型']),
      col('name', 'text', '名称', ['JZWMC', 'MC', 'NAME', '名称']),
      col('floors', 'integer', '层数', ['CS', 'JZCS', 'ZCS', 'FLOORS', '层数']),
    ],
  },
  {
    key: 'approved-unsupplied',
    table: 'approved_unsupplied',
    family: 'polygon',
    titleZh: '批而未供',
    title: 'Approved but unsupplied land',
    columns: [
      col('approval_no', 'text', '批准文号', ['PZWH', 'PFWH', '批准文号']),
      col('name', 'text', '名称', ['XMMC', 'MC', 'NAME', '项目名称']),
      col('approved_on', 'date', '批准日期', ['PZRQ', 'PFRQ', '批准日期']),
    ],
  },
  {
    key: 'idle-land',
    table: 'idle_land',
    family: 'polygon',
    titleZh: '闲置土地',
    title: 'Idle land',
    columns: [
      col('code', 'text', '编号', ['XZTDBH', 'DKBH', 'BH', 'CODE', '编号'], { width: 50 }),
      col('name', 'text', '名称', ['XMMC', 'MC', 'NAME', '名称']),
      col('identified_on', 'date', '认定日期', ['RDRQ', '认定日期']),
    ],
  },
  {
    key: 'plan-zones',
    table: 'plan_zones',
    family: 'polygon',
    titleZh: '国土空间规划分区',
    title: 'Territorial spatial plan zones',
    columns: [
      col('zone_code', 'text', '分区代码', ['GHFQDM', 'YTFQDM', 'FQDM', 'GHYTDM', 'YDYHFLDM', '分区代码']),
      col('zone_name', 'text', '分区名称', ['GHFQMC', 'YTFQMC', 'FQMC', 'GHYTMC', '分区名称']),
      // the planned use (用地用海分类, 自然资发〔2023〕234号), compared with the project's new use (src/domain/plan-use.ts);
      // the same source field may also fill zone_code, from which `permitted` is derived
      col('land_use_code', 'text', '用地用海分类代码', ['YDYHFLDM', 'GHYTDM', '用地用海分类代码', '用地用海代码'], { width: 20 }),
      // an empty permitted value is derived from the zone's name or code (src/domain/plan-zones.ts)
      { ...col('permitted', 'boolean', '允许建设', ['SFYX', 'PERMITTED', '允许建设']), derive: 'permitted-from-zone', deriveNote: permittedDerivedNote },
    ],
    requireAnyOf: planZoneFieldsRequired,
  },
  {
    key: 'admin-divisions',
    table: 'admin_divisions',
    family: 'polygon',
    titleZh: '行政区划',
    title: 'Administrative divisions',
    columns: [
      col('code', 'text', '编号', ['XZQDM', 'XZDM', 'CODE', '行政区代码'], { width: 50 }),
      col('name', 'text', '名称', ['XZQMC', 'XZMC', 'NAME', '行政区名称']),
      col('level', 'text', '级别', ['JB', 'LEVEL', '级别']),
    ],
  },
  {
    key: 'projects',
    table: 'project_boundaries',
    family: 'polygon',
    titleZh: '项目红线',
    title: 'Project boundaries',
    columns: [
      col('project_code', 'text', '项目编号', ['XMBH', 'XMDM', '项目编号', 'CODE'], { required: true }),
      col('project_name', 'text', '项目名称', ['XMMC', '项目名称', 'NAME']),
      col('development_mode', 'text', '开发模式', ['KFMS', '开发模式']),
    ],
  },
  {
    key: 'plots',
    table: 'low_efficiency_plots',
    family: 'polygon',
    titleZh: '低效用地图斑',
    title: 'Low-efficiency land plots',
    columns: [
      col('plot_code', 'text', '图斑编号', ['TBBH', 'DKBH', 'DXTBBH', '图斑编号', '地块编号', 'CODE', 'BSM'], { required: true }),
      col('plot_name', 'text', '地块名称', ['DKMC', 'MC', 'NAME', '地块名称']),
      col('category', 'text', '低效类型', ['DXLX', 'DXYDLX', 'LB', '低效类型', '类型']),
      col('zldwdm', 'text', '坐落单位代码', ['ZLDWDM', '坐落单位代码'], unitCode),
      col('qsdwdm', 'text', '权属单位代码', ['QSDWDM', '权属单位代码'], unitCode),
    ],
  },
]

export const layerKeys = layerKinds.map((l) => l.key) as [string, ...string[]]

export function layerKind(key: string): LayerKind | undefined {
  return layerKinds.find((l) => l.key === key)
}

/**
 * A version's partition: <table>_d<dataset id> (migration 20261123050000_layer_partitions). Built
 * only from the catalogue's table names and a positive integer, so it can be spliced into SQL.
 */
export function partitionName(kind: LayerKind, datasetId: number): string {
  if (!layerKinds.some((k) => k.table === kind.table)) throw new Error(`unknown layer table ${kind.table}`)
  if (!Number.isSafeInteger(datasetId) || datasetId <= 0) throw new Error(`bad dataset id ${datasetId}`)
  return `${kind.table}_d${datasetId}`
}
