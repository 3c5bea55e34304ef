// The settings document: every enumeration the API owns, read from the module that owns it (the
// layer catalogue, the domain rules, the OGC collections and the tiles' limits), never copied. The
// console shows these names; a kind or status added to its module shows up here and there at once.
import { shandongCrsChoices } from '../crs/resolve.js'
import { codeTables, type CodeTableId } from '../catalogue/code-tables.js'
import { layerKind, layerKinds } from '../catalogue/layer-kinds.js'
import { analysisDefaults } from '../domain/analysis-config.js'
import { fieldCheckResults } from '../domain/field-check.js'
import { filingKinds } from '../domain/filings.js'
import { evidenceDocumentKeys, evidenceDocuments, evidenceOfMilestone } from '../domain/milestone-evidence.js'
import { approaches, developmentModes, milestoneTypes, projectStatusZh } from '../domain/project.js'
import { roleZh } from '../domain/region.js'
import { cities } from '../domain/regions.js'
import { checkNamesZh } from '../domain/rules.js'
import { populationKinds } from '../domain/reward-statistics.js'
import { rewardDefaults } from '../domain/rewards.js'
import { MU_M2 } from '../domain/units.js'
import { reviewActions } from '../domain/workflow.js'
import { collections } from '../ogc/collections.js'
import type { BasemapConfig } from '../config.js'
import type { Settings } from '../schemas/settings.js'
import { tileLimitOf, type TileCaps } from '../tiles/limits.js'
import { maxZoom } from '../tiles/service.js'
import { basemaps } from './basemaps.js'

/** A name table (code → Chinese name) as the document's list, in the table's order. */
const named = <K extends string>(table: Record<K, string>) => (Object.entries(table) as [K, string][]).map(([code, nameZh]) => ({ code, nameZh }))

/** The layer kind's OGC collection and tile source: the same id but for projects (their boundaries). */
const collectionOf = (key: string) => collections.find((c) => c.layer === key)!.id

/** A layer collection's coded properties (their names in OGC items and tiles are the columns' fields). */
function codedFields(layer: string | undefined): Record<string, CodeTableId> {
  const kind = layer === undefined ? undefined : layerKind(layer)
  return Object.fromEntries((kind?.columns ?? []).flatMap((c) => (c.codes ? [[c.field, c.codes]] : [])))
}

export function settingsDocument(tiles: TileCaps, basemap?: BasemapConfig): Settings {
  return {
    layerKinds: layerKinds.map((k) => ({
      key: k.key,
      title: k.title,
      titleZh: k.titleZh,
      geometryType: k.family === 'polygon' ? 'MultiPolygon' : 'MultiLineString',
      collection: collectionOf(k.key),
      minZoom: tileLimitOf(collectionOf(k.key), tiles).minZoom,
    })),
    collections: collections.map((c) => ({
      id: c.id,
      titleZh: c.titleZh,
      geometryType: c.geometryType,
      ...(c.layer !== undefined && { layer: c.layer }),
      minZoom: tileLimitOf(c.id, tiles).minZoom,
      codedFields: codedFields(c.layer),
    })),
    codeTables: (Object.entries(codeTables) as [CodeTableId, (typeof codeTables)[CodeTableId]][]).map(([id, t]) => ({
      id,
      titleZh: t.titleZh,
      codes: Object.entries(t.codes).map(([code, nameZh]) => ({ code, nameZh })),
    })),
    projectStatuses: named(projectStatusZh),
    developmentModes: named(developmentModes),
    checks: named(checkNamesZh),
    approaches: named(approaches),
    milestoneTypes: named(milestoneTypes),
    filingKinds: named(filingKinds),
    roles: named(roleZh),
    reviewActions: Object.entries(reviewActions).map(([code, a]) => ({ code: code as keyof typeof reviewActions, nameZh: a.zh })),
    evidenceDocuments: evidenceDocumentKeys.map((code) => ({
      code,
      nameZh: evidenceDocuments[code].zh,
      fields: Object.entries(evidenceDocuments[code].fields).map(([field, f]) => ({ code: field, nameZh: f.zh, kind: f.kind })),
      required: [...evidenceDocuments[code].required],
      forMilestones: (Object.keys(evidenceOfMilestone) as Array<keyof typeof evidenceOfMilestone>).filter((m) =>
        [...evidenceOfMilestone[m].all, ...(evidenceOfMilestone[m].anyOf ?? [])].includes(code),
      ),
    })),
    fieldCheckResults: named(fieldCheckResults),
    populationKinds: named(populationKinds),
    // the region table's county names, so a page shows 371502 东昌府区, never a bare code
    counties: cities.flatMap((c) => c.counties.map((k) => ({ code: k.code, nameZh: k.name, cityNameZh: k.cityName }))),
    crsChoices: shandongCrsChoices(),
    // The code sets the map colours land use by: the analysis's and the reward's, so the map and the numbers agree.
    map: {
      survey2ConstructionCodes: [...analysisDefaults.survey2ConstructionCodes],
      survey3ConstructionCodes: [...rewardDefaults.survey3ConstructionCodes],
      basemaps: basemaps(basemap),
    },
    units: { m2PerMu: MU_M2 },
    tiles: { maxZoom, maxFeatures: tiles.maxFeatures, maxAnalysisPieces: tiles.maxAnalysisPieces },
  }
}
