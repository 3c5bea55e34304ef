// The layer kinds a county uploads: table, geometry, and the typed columns analysis reads, each
// filled from the first source field found among its aliases (case-insensitive) unless the user's
// fieldMap names one. Every source attribute is kept in `attrs` as well.
import type { ColumnDeriver, ResolvedColumn } from './fields.js'
import { permittedDerivedNote, permittedFromZone, planZoneFieldsRequired } from './plan-zones.js'

export type ColumnType = 'text' | 'double' | 'bigint' | 'integer' | 'date' | 'boolean'

export interface LayerColumn {
  /** database column */
  column: string
  /** name in fieldMap and the API */
  field: string
  type: ColumnType
  aliases: string[]
  required?: boolean
  /** fills the column when the source leaves it empty, from the record's other columns */
  derive?: (resolved: ResolvedColumn[]) => ColumnDeriver
  /** what the import report says when the source has no field for a derived column */
  deriveNote?: string
}

export interface LayerKind {
  key: string
  table: string
  family: 'polygon' | 'line'
  titleZh: string
  columns: LayerColumn[]
  /** at least one of these columns must have a source field, else the import is refused with this message */
  requireAnyOf?: { columns: string[]; en: string; zh: string }
}

const col = (column: string, type: ColumnType, aliases: string[], required = false): LayerColumn => ({
  column,
  field: column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
  type,
  aliases,
  required,
})

const surveyCommon = [
  col('bsm', 'bigint', ['BSM']),
  col('tbbh', 'text', ['TBBH']),
  col('dlbm', 'text', ['DLBM'], true),
  col('dlmc', 'text', ['DLMC']),
  col('qsxz', 'text', ['QSXZ']),
  col('qsdwdm', 'text', ['QSDWDM']),
  col('qsdwmc', 'text', ['QSDWMC']),
  col('zldwdm', 'text', ['ZLDWDM']),
  col('zldwmc', 'text', ['ZLDWMC']),
  col('tbmj', 'double', ['TBMJ']),
  col('tbdlmj', 'double', ['TBDLMJ']),
]

export const layerKinds: LayerKind[] = [
  {
    key: 'survey3',
    table: 'survey3_patches',
    family: 'polygon',
    titleZh: '三调地类图斑',
    columns: [
      ...surveyCommon,
      col('kcdlbm', 'text', ['KCDLBM']),
      col('kcxs', 'double', ['KCXS']),
      col('kcmj', 'double', ['KCMJ']),
      col('czcsxm', 'text', ['CZCSXM']),
      col('gdlx', 'text', ['GDLX']),
    ],
  },
  {
    key: 'survey2',
    table: 'survey2_patches',
    family: 'polygon',
    titleZh: '二调地类图斑',
    columns: [
      ...surveyCommon,
      col('xzdwmj', 'double', ['XZDWMJ']),
      col('lxdwmj', 'double', ['LXDWMJ']),
      col('tkxs', 'double', ['TKXS']),
      col('tkmj', 'double', ['TKMJ']),
    ],
  },
  {
    key: 'survey2-lines',
    table: 'survey2_lines',
    family: 'line',
    titleZh: '二调线状地物',
    columns: [
      col('bsm', 'bigint', ['BSM']),
      col('dlbm', 'text', ['DLBM'], true),
      col('dlmc', 'text', ['DLMC']),
      col('cd', 'double', ['CD']),
      col('kd', 'double', ['KD', 'XZDWKD']),
      col('xzdwmj', 'double', ['XZDWMJ']),
      col('kcbl', 'double', ['KCBL']),
      col('kctbbh1', 'text', ['KCTBBH1']),
      col('kctbdwdm1', 'text', ['KCTBDWDM1']),
      col('kctbbh2', 'text', ['KCTBBH2']),
      col('kctbdwdm2', 'text', ['KCTBDWDM2']),
    ],
  },
  {
    key: 'buildings',
    table: 'buildings',
    family: 'polygon',
    titleZh: '建筑物',
    columns: [
      col('building_type', 'text', ['JZLX', 'JZWLX', 'FWLX', 'JZWLB', 'JZLB', 'LX', 'TYPE', '建筑类型', '建筑物类型', '房屋类型', '类型']),
      col('name', 'text', ['JZWMC', 'MC', 'NAME', '名称']),
      col('floors', 'integer', ['CS', 'JZCS', 'ZCS', 'FLOORS', '层数']),
    ],
  },
  {
    key: 'approved-unsupplied',
    table: 'approved_unsupplied',
    family: 'polygon',
    titleZh: '批而未供',
    columns: [
      col('approval_no', 'text', ['PZWH', 'PFWH', '批准文号']),
      col('name', 'text', ['XMMC', 'MC', 'NAME', '项目名称']),
      col('approved_on', 'date', ['PZRQ', 'PFRQ', '批准日期']),
    ],
  },
  {
    key: 'idle-land',
    table: 'idle_land',
    family: 'polygon',
    titleZh: '闲置土地',
    columns: [
      col('code', 'text', ['XZTDBH', 'DKBH', 'BH', 'CODE', '编号']),
      col('name', 'text', ['XMMC', 'MC', 'NAME', '名称']),
      col('identified_on', 'date', ['RDRQ', '认定日期']),
    ],
  },
  {
    key: 'plan-zones',
    table: 'plan_zones',
    family: 'polygon',
    titleZh: '国土空间规划分区',
    columns: [
      col('zone_code', 'text', ['GHFQDM', 'YTFQDM', 'FQDM', 'GHYTDM', 'YDYHFLDM', '分区代码']),
      col('zone_name', 'text', ['GHFQMC', 'YTFQMC', 'FQMC', 'GHYTMC', '分区名称']),
      // an empty permitted value is derived from the zone's name or code (src/domain/plan-zones.ts)
      { ...col('permitted', 'boolean', ['SFYX', 'PERMITTED', '允许建设']), derive: permittedFromZone, deriveNote: permittedDerivedNote },
    ],
    requireAnyOf: planZoneFieldsRequired,
  },
  {
    key: 'admin-divisions',
    table: 'admin_divisions',
    family: 'polygon',
    titleZh: '行政区划',
    columns: [
      col('code', 'text', ['XZQDM', 'XZDM', 'CODE', '行政区代码']),
      col('name', 'text', ['XZQMC', 'XZMC', 'NAME', '行政区名称']),
      col('level', 'text', ['JB', 'LEVEL', '级别']),
    ],
  },
  {
    key: 'projects',
    table: 'project_boundaries',
    family: 'polygon',
    titleZh: '项目红线',
    columns: [
      col('project_code', 'text', ['XMBH', 'XMDM', '项目编号', 'CODE'], true),
      col('project_name', 'text', ['XMMC', '项目名称', 'NAME']),
      col('development_mode', 'text', ['KFMS', '开发模式']),
    ],
  },
  {
    key: 'plots',
    table: 'low_efficiency_plots',
    family: 'polygon',
    titleZh: '低效用地图斑',
    columns: [
      col('plot_code', 'text', ['TBBH', 'DKBH', 'DXTBBH', '图斑编号', '地块编号', 'CODE', 'BSM'], true),
      col('plot_name', 'text', ['DKMC', 'MC', 'NAME', '地块名称']),
      col('category', 'text', ['DXLX', 'DXYDLX', 'LB', '低效类型', '类型']),
      col('zldwdm', 'text', ['ZLDWDM', '坐落单位代码']),
      col('qsdwdm', 'text', ['QSDWDM', '权属单位代码']),
    ],
  },
]

export const layerKeys = layerKinds.map((l) => l.key) as [string, ...string[]]

export function layerKind(key: string): LayerKind | undefined {
  return layerKinds.find((l) => l.key === key)
}
