// The settings document (GET /settings): the enumerations the API owns, with the names people read,
// and what a map client needs to draw the service's tiles. The console reads it once instead of
// keeping copies; src/settings/document.ts builds it from the catalogue and the domain modules.
import Type, { type Static, type TSchema } from 'typebox'
import { codeTableIds } from '../catalogue/code-tables.js'
import { layerKeys } from '../catalogue/layer-kinds.js'
import { fieldCheckResults } from '../domain/field-check.js'
import { filingKinds } from '../domain/filings.js'
import { populationKinds } from '../domain/reward-statistics.js'
import { evidenceDocumentKeys } from '../domain/milestone-evidence.js'
import { approaches, developmentModes, milestoneTypes, projectStatuses } from '../domain/project.js'
import { roles } from '../domain/region.js'
import { reviewActions } from '../domain/workflow.js'
import { KeyOf, OneOf } from './common.js'
import { checkIds } from '../domain/rules.js'

const GeometryType = OneOf(['MultiPolygon', 'MultiLineString'])
const MinZoom = Type.Integer({ minimum: 0, description: 'tiles below this zoom are empty (0: drawn from the start)' })

/** One value of an enumeration: the code the API takes and answers, and its Chinese name. */
const Named = <T extends TSchema>(code: T) => Type.Array(Type.Object({ code, nameZh: Type.String() }))

export const LayerKindSetting = Type.Object({
  key: OneOf(layerKeys),
  title: Type.String(),
  titleZh: Type.String(),
  geometryType: GeometryType,
  collection: Type.String({ description: 'its OGC collection and tile source id' }),
  minZoom: MinZoom,
})

export const CollectionSetting = Type.Object({
  id: Type.String(),
  titleZh: Type.String(),
  geometryType: GeometryType,
  layer: Type.Optional(OneOf(layerKeys, { description: 'the layer kind whose data it shows' })),
  minZoom: MinZoom,
  codedFields: Type.Record(Type.String(), OneOf(codeTableIds), {
    description: 'property (as in OGC items and tiles) → the code table naming its values (codeTables)',
  }),
})

export const CodeTableSetting = Type.Object({
  id: OneOf(codeTableIds),
  titleZh: Type.String(),
  codes: Type.Array(Type.Object({ code: Type.String(), nameZh: Type.String() })),
})

export const Settings = Type.Object(
  {
    layerKinds: Type.Array(LayerKindSetting, { description: 'the layer catalogue, in upload order' }),
    collections: Type.Array(CollectionSetting, { description: 'OGC collections and vector tile sources (/tiles/{id}.json)' }),
    codeTables: Type.Array(CodeTableSetting, {
      description: 'the survey standards’ code tables (地类, 权属性质, 城镇村属性码, 耕地类型): a code not listed is shown as it is',
    }),
    projectStatuses: Named(OneOf(projectStatuses)),
    developmentModes: Named(KeyOf(developmentModes)),
    checks: Named(OneOf(checkIds)),
    approaches: Named(KeyOf(approaches)),
    milestoneTypes: Named(KeyOf(milestoneTypes)),
    filingKinds: Named(KeyOf(filingKinds)),
    roles: Named(OneOf(roles)),
    reviewActions: Named(KeyOf(reviewActions)),
    evidenceDocuments: Type.Array(
      Type.Object({
        code: OneOf(evidenceDocumentKeys),
        nameZh: Type.String(),
        fields: Type.Array(Type.Object({ code: Type.String(), nameZh: Type.String(), kind: OneOf(['date', 'text', 'area']) })),
        required: Type.Array(Type.String(), { description: 'the fields without which the document is not recorded' }),
        forMilestones: Type.Array(KeyOf(milestoneTypes), { description: 'the milestone types this document completes (alone or with others)' }),
      }),
      { description: 'the milestone evidence (165号 三（一）–（三）) a project records, field by field (milestoneEvidence)' },
    ),
    fieldCheckResults: Named(KeyOf(fieldCheckResults)),
    populationKinds: Named(KeyOf(populationKinds)),
    counties: Type.Array(Type.Object({ code: Type.String(), nameZh: Type.String(), cityNameZh: Type.String() }), {
      description: 'the county-level divisions of Shandong (GB/T 2260) with their names and cities, in the region table’s order',
    }),
    crsChoices: Type.Array(
      Type.Object({
        epsg: Type.Integer({ description: 'the import’s srid' }),
        nameZh: Type.String(),
        datum: OneOf(['CGCS2000', 'Xian1980', 'Beijing1954', 'WGS84']),
        needsTowgs84: Type.Boolean({ description: 'Xian 1980: the import also needs towgs84 (the regional 7 parameters)' }),
      }),
      { description: 'coordinate systems of Shandong deliveries, for an upload without (or with a wrong) .prj' },
    ),
    map: Type.Object({
      survey2ConstructionCodes: Type.Array(Type.String(), { description: '二调 land-use codes the analysis counts as construction land' }),
      survey3ConstructionCodes: Type.Array(Type.String(), { description: '三调 land-use codes the reward counts as construction land' }),
      basemaps: Type.Array(
        Type.Object({
          id: Type.String(),
          nameZh: Type.String(),
          tiles: Type.Array(Type.String(), { description: 'raster tile URL templates ({z}/{x}/{y}), 256 px, Web Mercator' }),
          labels: Type.Array(Type.String(), { description: 'the annotation layer drawn over it (place names)' }),
          attributionZh: Type.String(),
        }),
        { description: 'basemaps the deployment configured (TIANDITU_TOKEN); empty: none, the maps need no internet' },
      ),
    }),
    units: Type.Object({
      m2PerMu: Type.Number({ description: 'm² in one 亩 (DOMAIN.md): the console converts with the factor the API uses' }),
    }),
    tiles: Type.Object({
      maxZoom: Type.Integer(),
      maxFeatures: Type.Integer({ description: 'features in one tile at most (the largest are kept)' }),
      maxAnalysisPieces: Type.Integer({ description: 'features in one analysis-pieces tile at most' }),
    }),
  },
  { description: 'enumerations of the API with their Chinese names, and map settings' },
)
export type Settings = Static<typeof Settings>
