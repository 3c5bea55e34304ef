import Type, { type Static } from 'typebox'
import { layerKeys } from '../catalogue/layer-kinds.js'
import { issueCodes } from '../import/report.js'
import { CountyCode, OneOf, Timestamp } from './common.js'

export const LayerKey = OneOf(layerKeys, { description: 'layer kind' })

/** multipart/form-data fields of an upload (all sent as text). */
export const ImportForm = Type.Object(
  {
    file: Type.String({
      format: 'binary',
      description:
        'a .zip holding one shapefile (.shp .shx .dbf, optional .prj .cpg), a .geojson/.json file, a .zip holding one file geodatabase (.gdb folder) or a GeoPackage (.gpkg)',
    }),
    layer: Type.Optional(
      OneOf(layerKeys, {
        description: 'layer kind; required but for a survey database (.gdb, .gpkg), where it picks the database’s one layer of that kind (DLTB for survey3 …)',
      }),
    ),
    layers: Type.Optional(
      Type.String({
        maxLength: 10000,
        description:
          'a survey database only: JSON object, its layer → layer kind, e.g. {"DLTB":"survey3","XZQ":"admin-divisions"}; one job imports them one after the other, each a new version of its kind (committed alone: a layer that fails does not undo another), the job’s `layers` showing each one’s progress. Without layer or layers the answer (200) lists the database’s layers and the proposed mapping, and imports nothing',
      }),
    ),
    county: Type.Optional(CountyCode),
    srid: Type.Optional(Type.String({ pattern: '^[0-9]{4,6}$', description: 'EPSG code of the source coordinates; overrides the .prj' })),
    encoding: Type.Optional(Type.String({ maxLength: 40, description: 'text encoding of the .dbf (GBK, UTF-8, GB18030…); overrides the .cpg' })),
    mode: Type.Optional(OneOf(['replace', 'append'])),
    fieldMap: Type.Optional(
      Type.String({
        maxLength: 10000,
        description: 'JSON object: our field (its name or its Chinese title) → source field, e.g. {"buildingType":"FWLX"} or {"建筑类型":"FWLX"}',
      }),
    ),
    towgs84: Type.Optional(Type.String({ maxLength: 200, description: 'Bursa-Wolf parameters dx,dy,dz,rx,ry,rz,ds for Xian 1980 / Beijing 1954 sources' })),
    onInvalid: Type.Optional(
      OneOf(['fail', 'skip'], { description: 'fail (default): a bad record fails the import; skip: store the rest and list the bad ones' }),
    ),
    surveyYear: Type.Optional(
      Type.String({
        pattern: '^(19|20)[0-9]{2}$',
        description:
          'survey3 only: 调查年度, the year of the survey the delivery holds (2019 for the third survey, Y for the 年度变更调查 of Y); without it, read from the records’ SJNF (数据年份) when they all give one year',
      }),
    ),
  },
  { additionalProperties: false },
)
export type ImportForm = Static<typeof ImportForm>

const Issue = Type.Object({
  file: Type.Optional(Type.String()),
  record: Type.Optional(Type.Integer()),
  field: Type.Optional(Type.String()),
  message: Type.String(),
  messageZh: Type.String({
    description: 'the same in Chinese, naming file, record and field, the cause and what to set (jobs stored before it have their English message here)',
  }),
  code: Type.Optional(
    OneOf(issueCodes, {
      description:
        'what can be done about it: unchanged (the active version’s own file, nothing imported); no-prj (no .prj, the system not told by the coordinates: give srid); ' +
        'crs (the system does not fit the data: give another srid); towgs84 (Xian 1980 / Beijing 1954: give the 7 parameters); ' +
        'field-missing (name the source field in fieldMap, see fieldMapFor); invalid-records (onInvalid=skip stores the other records)',
    }),
  ),
  fieldMapFor: Type.Optional(
    Type.Object(
      {
        field: Type.String({ description: 'the layer’s field (a fieldMap key)' }),
        titleZh: Type.String(),
        sourceFields: Type.Array(Type.String(), { description: 'the fields the file has (fieldMap values)' }),
      },
      { description: 'field-missing: the required field not found and the file’s fields to map it to' },
    ),
  ),
})

/** The coordinate system an import read its features in, and how it knew. */
const SourceCrs = Type.Object({
  epsg: Type.Union([Type.Integer(), Type.Null()]),
  name: Type.String(),
  nameZh: Type.Optional(Type.String({ description: '中文名称，如“2000国家大地坐标系 3度带 高斯-克吕格投影 中央经线117°”（issue 22 之前的导入没有）' })),
  how: OneOf(['param', 'prj', 'detected']),
  proj4: Type.Optional(Type.String()),
  centralMeridian: Type.Optional(
    Type.Number({ description: '高斯-克吕格投影的中央经线（度）：本县项目按所交付调查数据的投影带切割面积（地理坐标交付的数据没有）' }),
  ),
})
/** The attribute encoding an import read, and how it knew. */
const SourceEncoding = Type.Object({ name: Type.String(), how: Type.String(), detail: Type.Optional(Type.String()) })

export const ImportJob = Type.Object({
  id: Type.Integer(),
  layer: Type.String(),
  county: Type.String(),
  status: OneOf(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  mode: Type.String(),
  sourceName: Type.Union([Type.String(), Type.Null()]),
  sourceSha256: Type.Union([Type.String(), Type.Null()]),
  options: Type.Unknown(),
  counts: Type.Union([
    Type.Object({
      read: Type.Integer(),
      stored: Type.Integer(),
      repaired: Type.Integer(),
      rejected: Type.Integer(),
      nullShapes: Type.Integer(),
      deleted: Type.Integer(),
    }),
    Type.Null(),
  ]),
  sourceCrs: Type.Union([SourceCrs, Type.Null()], {
    description: 'the coordinate system read; with `layers`, the last layer’s (each layer’s own is in `layers`)',
  }),
  encoding: Type.Union([SourceEncoding, Type.Null()], { description: 'the attribute encoding read; with `layers`, the last layer’s' }),
  warnings: Type.Array(Issue),
  errors: Type.Array(Issue),
  datasetId: Type.Union([Type.Integer(), Type.Null()]),
  unchanged: Type.Boolean({
    description: 'a replace with the file of the active version: succeeded without importing (与当前版本相同，未导入); datasetId is that version',
  }),
  followUps: Type.Array(
    Type.Object({
      kind: Type.String({ description: 'bundles: a bundle run over the new plots or land' }),
      id: Type.Integer(),
      url: Type.String(),
      status: Type.Union([OneOf(['queued', 'running', 'succeeded', 'failed', 'cancelled']), Type.Null()]),
    }),
    { description: 'jobs of their own that the new version started (recorded with it; a stop does not lose them)' },
  ),
  createdBy: Type.Union([Type.String(), Type.Null()], { description: 'prefix of the key that started it' }),
  createdByName: Type.Union([Type.String(), Type.Null()], { description: 'name of that key' }),
  createdAt: Timestamp,
  startedAt: Type.Union([Timestamp, Type.Null()]),
  finishedAt: Type.Union([Timestamp, Type.Null()]),
  timings: Type.Unknown(),
  layers: Type.Union(
    [
      Type.Array(
        Type.Object({
          sourceLayer: Type.String({ description: 'the layer’s name in the database (DLTB)' }),
          layer: Type.String({ description: 'the layer kind it is imported as (survey3)' }),
          status: OneOf(['queued', 'running', 'succeeded', 'failed', 'cancelled'], {
            description: 'cancelled: stopped by a cancel, or not reached (the job cancelled or stopped before it)',
          }),
          progress: Type.Number({ minimum: 0, maximum: 1 }),
          featureCount: Type.Integer({ description: 'as the database lists it: the layer’s share of the job’s progress' }),
          datasetId: Type.Union([Type.Integer(), Type.Null()], { description: 'the version it made (or, unchanged, the active one)' }),
          version: Type.Union([Type.Integer(), Type.Null()]),
          unchanged: Type.Boolean(),
          counts: Type.Union([
            Type.Object({
              read: Type.Integer(),
              stored: Type.Integer(),
              repaired: Type.Integer(),
              rejected: Type.Integer(),
              nullShapes: Type.Integer(),
              deleted: Type.Integer(),
            }),
            Type.Null(),
          ]),
          sourceCrs: Type.Optional(
            Type.Union([SourceCrs, Type.Null()], { description: 'this layer’s coordinate system (absent in jobs from before 2026-12-06)' }),
          ),
          encoding: Type.Optional(Type.Union([SourceEncoding, Type.Null()], { description: 'this layer’s attribute encoding' })),
          warnings: Type.Integer({ description: 'how many of the job’s warnings are this layer’s (their file ends :<layer>)' }),
          errors: Type.Integer(),
          message: Type.Union([Type.String(), Type.Null()]),
          messageZh: Type.Union([Type.String(), Type.Null()], { description: '已导入为第 N 版…, the first error, 已取消 …' }),
        }),
      ),
      Type.Null(),
    ],
    {
      description:
        'a survey database imported with `layers`: each mapped layer, imported one after the other, each committed as a version of its own (the status, progress and counts above are the whole job’s); null: a job of one layer',
    },
  ),
})

export const ImportAccepted = Type.Object({
  id: Type.Integer(),
  status: Type.String(),
  url: Type.String(),
  layers: Type.Optional(
    Type.Array(Type.Object({ sourceLayer: Type.String(), layer: Type.String() }), {
      description:
        'a survey database with layers: the mapped layers the one job imports, in order (database layer → layer kind); their progress is the job’s `layers`. (Before: `jobs`, one job per layer.)',
    }),
  ),
})

/** What a survey database holds, and the proposed layer kinds (an upload without layer or layers). */
export const DatabaseListing = Type.Object({
  format: OneOf(['gdb', 'gpkg']),
  name: Type.String(),
  layers: Type.Array(
    Type.Object({
      name: Type.String(),
      alias: Type.Union([Type.String(), Type.Null()]),
      geometryType: Type.Union([Type.String(), Type.Null()]),
      featureCount: Type.Integer(),
      crs: Type.Object({ epsg: Type.Union([Type.Integer(), Type.Null()]), name: Type.Union([Type.String(), Type.Null()]) }),
      extent: Type.Union([Type.Array(Type.Number()), Type.Null()]),
      fields: Type.Array(Type.Object({ name: Type.String(), alias: Type.Union([Type.String(), Type.Null()]), type: Type.String() })),
      proposed: Type.Union([Type.String(), Type.Null()], { description: 'the proposed layer kind, null: not one the service loads' }),
      reason: Type.String(),
      reasonZh: Type.String(),
      fieldMap: Type.Record(Type.String(), Type.String(), { description: 'our field → source field, found by the source field’s alias' }),
      problem: Type.Optional(Type.Object({ message: Type.String(), messageZh: Type.String() })),
    }),
  ),
  mapping: Type.Record(Type.String(), Type.String(), { description: 'the proposal as a layers value: database layer → layer kind' }),
})

export const ImportListQuery = Type.Object({
  county: Type.Optional(CountyCode),
  layer: Type.Optional(LayerKey),
  status: Type.Optional(OneOf(['queued', 'running', 'succeeded', 'failed', 'cancelled'])),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
})

const Bbox = Type.Union([Type.Array(Type.Number(), { minItems: 4, maxItems: 4, description: 'minLon, minLat, maxLon, maxLat' }), Type.Null()])

export const LayerVersion = Type.Object({
  datasetId: Type.Integer(),
  version: Type.Integer(),
  status: Type.String(),
  active: Type.Boolean(),
  featureCount: Type.Integer(),
  extent: Bbox,
  sourceName: Type.Union([Type.String(), Type.Null()]),
  sourceSha256: Type.Union([Type.String(), Type.Null()]),
  sourceCrs: Type.Unknown(),
  encoding: Type.Unknown(),
  importedBy: Type.Union([Type.String(), Type.Null()], { description: 'prefix of the key that imported it' }),
  importedByName: Type.Union([Type.String(), Type.Null()], { description: 'name of that key' }),
  importedAt: Timestamp,
  importJobId: Type.Union([Type.Integer(), Type.Null()]),
  surveyYear: Type.Union([Type.Integer(), Type.Null()], {
    description: '调查年度 of a survey delivery (年度变更调查): the statistics of that year are measured on it; null: not known',
  }),
  surveyYearSource: Type.Union([OneOf(['given', 'sjnf']), Type.Null()], {
    description: 'given: by the importer (import form or PATCH); sjnf: every record’s SJNF (数据年份) gave it',
  }),
})

export const LayerVersionParams = Type.Object({ layer: LayerKey, version: Type.Integer({ minimum: 1 }) })
export const LayerVersionPatch = Type.Object(
  {
    surveyYear: Type.Union([Type.Integer({ minimum: 1900, maximum: 2099 }), Type.Null()], {
      description: '调查年度 of the version (survey3 only); null clears it',
    }),
  },
  { additionalProperties: false },
)
export type LayerVersionPatch = Static<typeof LayerVersionPatch>

export const LayerSummary = Type.Object({ layer: Type.String(), titleZh: Type.String(), county: Type.String(), active: LayerVersion })
export const LayerDetail = Type.Object({
  layer: Type.String(),
  titleZh: Type.String(),
  geometry: Type.String(),
  county: Type.String(),
  active: Type.Union([LayerVersion, Type.Null()]),
  versions: Type.Array(LayerVersion),
})
export const LayersQuery = Type.Object({ county: Type.Optional(CountyCode) })
/** GET /layers/{county}.gpkg: the county, and the output CRS as the OGC API's `crs` takes it. */
export const CountyGeopackageParams = Type.Object({ county: CountyCode })
export const CountyGeopackageQuery = Type.Object(
  {
    crs: Type.Optional(
      Type.String({
        description:
          'output CRS as the OGC API’s f=gpkg takes it: EPSG:4490 (CGCS2000 lon/lat, the default) or a CGCS2000 3° Gauss-Kruger zone, e.g. EPSG:4548 or http://www.opengis.net/def/crs/EPSG/0/4527',
        examples: ['EPSG:4548'],
      }),
    ),
  },
  { additionalProperties: false },
)
