// The analysis cut, said once: which projects, in which plane, which features of a layer are near
// one, the piece of a feature inside a project, the footprint exclusion and the part outside the
// plan. The measures (src/analysis/queries.ts) and the pieces (src/analysis/pieces.ts: the pieces
// endpoint, the OGC `analysis-pieces` collection and its tiles) both build from these fragments,
// so a number and the geometry shown for it are the same cut (issue 20).
//
// Cut in the plane, measure on the ellipsoid: every intersection, union and difference that gives
// an area is computed in a Gauss-Kruger plane, then the piece is taken back to CGCS2000 and
// measured as `geography`. The plane is each project's own, `lr_county_plane(county, lon)`: the
// plane of the county's projected survey deliveries when there are some (as ArcGIS and QGIS cut
// them), otherwise the 3° zone of the project's own longitude. A county's batch once took one
// arbitrary project's longitude (`LIMIT 1`, no order): a project across the 118.5°E zone border
// was then measured in one zone and its pieces cut in the other.
//
// Fragments are SQL text over fixed aliases: `p` the projects (see projectsInPlanes), `f` the
// layer's features, `d` the active version joined through the read model. Table names come from
// the layer catalogue; every value is bound.
import { layerKind } from '../catalogue/layer-kinds.js'
import { activeVersionJoin, approvedAnalysisJoin } from './read-model.js'
import { resultValue } from './result-projections.js'
import type { Sql } from './scope.js'

/**
 * Candidate features are found in lon/lat with the index, within REACH degrees (≈ 5 m) of the
 * project: a feature that touches the red line in the plane but not in lon/lat lies at most the
 * sag of a straight edge away (56 mm over 1 500 m, 0.6 m over 5 km).
 */
export const REACH = 5e-5

/**
 * Which projects to cut. The county is always bound, as one county or as the key's region (a
 * condition on the county column from ../db/scope.ts): a database distributed by county then sends
 * the statement to one shard, or to the region's shards (docs/scale-out.md).
 */
export interface ProjectSelection {
  /** one county, or the region's condition on a county column */
  county: string | ((column: string) => Sql)
  ids?: readonly number[]
  /** a geometry expression in EPSG:4490 (a bbox, a tile): only the projects that may have a piece touching it */
  box?: Sql
}

const column = (alias: string, name: string) => (alias ? `${alias}.${name}` : name)

/**
 * The condition on a `projects` row (alias `alias`, or unqualified) selecting `sel`. A box selects
 * the projects within REACH of it, found by the index first: a piece is cut in the plane, so it
 * may stand out of its lon/lat red line by an edge's sag, and a box the piece touches must still
 * find its project.
 */
export function projectsWhere(sel: ProjectSelection, alias = ''): Sql {
  const [xzqdm, id, geom] = ['xzqdm', 'id', 'geom'].map((c) => column(alias, c))
  const parts: Sql[] = [typeof sel.county === 'string' ? { sql: `${xzqdm} = ?`, bindings: [sel.county] } : sel.county(xzqdm!)]
  if (sel.ids) parts.push({ sql: `${id} = ANY(?::bigint[])`, bindings: [sel.ids] })
  if (sel.box)
    parts.push({
      sql: `${geom} && ST_Expand(${sel.box.sql}, ${REACH}) AND ST_DWithin(${geom}, ${sel.box.sql}, ${REACH})`,
      bindings: [...sel.box.bindings, ...sel.box.bindings],
    })
  return { sql: parts.map((x) => x.sql).join(' AND '), bindings: parts.flatMap((x) => x.bindings) }
}

/**
 * `p AS MATERIALIZED (…)`, a CTE of the selected projects: id, code, xzqdm, geom (4490), srid (the
 * project's plane) and plane (the red line in it). One plane per project, the same for its
 * measures and its pieces.
 */
export function projectsInPlanes(sel: ProjectSelection): Sql {
  const where = projectsWhere(sel)
  return {
    sql: `p AS MATERIALIZED (
            SELECT id, code, xzqdm, geom, srid, ST_Transform(geom, srid) AS plane
              FROM (SELECT id, code, xzqdm, geom, lr_county_plane(xzqdm, ST_X(ST_PointOnSurface(geom))) AS srid
                      FROM projects WHERE ${where.sql} OFFSET 0) s)`,
    bindings: where.bindings,
  }
}

/**
 * The version of a layer to cut against: the one a measure recorded in its inputs (bound, with the
 * county); `pinned`, the one recorded in the inputs of each project's approved analysis (the land the
 * province approved, as the rewards count it); or else the active one of each project's county
 * (joined through the read model).
 */
export type LayerVersion = { layer: string; datasetId: number; county: string } | { layer: AnalysisInputLayer; pinned: true } | { layer: string }

/** Layers an analysis records in its inputs (src/schemas/analysis.ts AnalysisInputs). */
export type AnalysisInputLayer = 'survey2' | 'survey3' | 'buildings'

function tableOf(layer: string): string {
  const kind = layerKind(layer)
  if (!kind) throw new Error(`analysis cut: unknown layer ${JSON.stringify(layer)}`)
  return kind.table
}

/**
 * The features `f` of a version near the project `p`: `join` (to put after `FROM p`) and the
 * condition on `f`. Features join their version on the county: the co-located join of a database
 * distributed by county.
 */
function versionOf(v: LayerVersion): { join: string; condition: Sql } {
  if ('datasetId' in v) return { join: '', condition: { sql: 'f.dataset_id = ? AND f.xzqdm = ?', bindings: [v.datasetId, v.county] } }
  if ('pinned' in v)
    return {
      join: `JOIN projects pr ON pr.xzqdm = p.xzqdm AND pr.id = p.id ${approvedAnalysisJoin({ project: 'pr', as: 'pa' })}`,
      condition: { sql: `f.dataset_id = ${resultValue(['inputs', v.layer, 'datasetId'], 'pa.result')} AND f.xzqdm = p.xzqdm`, bindings: [] },
    }
  return {
    join: activeVersionJoin({ layer: v.layer, county: 'p.xzqdm', as: 'd' }),
    condition: { sql: 'f.dataset_id = d.id AND f.xzqdm = d.xzqdm', bindings: [] },
  }
}

/** Whether feature `f` is near project `p`: the index finds it in lon/lat (see REACH). */
export const near = `f.geom IS NOT NULL AND ST_DWithin(f.geom, p.geom, ${REACH})`

/** The part of feature `f` inside project `p`, cut in the project's plane (any geometry type). */
export const cutOf = `ST_Intersection(ST_Transform(f.geom, p.srid), p.plane)`

/** The piece of a polygon feature `f` inside project `p`, in the project's plane. */
export const piece = `ST_CollectionExtract(${cutOf}, 3)`

/**
 * `FROM p … JOIN <table> f ON …`: a row per project and feature of the version near it; `where`
 * narrows the features (see footprintCounted).
 */
export function featuresNear(v: LayerVersion, where?: Sql): Sql {
  const { join, condition } = versionOf(v)
  return {
    sql: `FROM p ${join} JOIN "${tableOf(v.layer)}" f ON ${condition.sql} AND ${near}${where ? ` AND ${where.sql}` : ''}`,
    bindings: [...condition.bindings, ...(where?.bindings ?? [])],
  }
}

/**
 * featuresNear with the feature's piece `c.piece` (in the plane), the empty ones left out.
 * `OFFSET 0` keeps the lateral from being pulled up: inlined, the cut was computed again at every
 * reference to `c.piece`.
 */
export function featurePieces(v: LayerVersion, where?: Sql): Sql {
  const from = featuresNear(v, where)
  return {
    sql: `${from.sql}
          CROSS JOIN LATERAL (SELECT ${piece} AS piece OFFSET 0) c
          WHERE NOT ST_IsEmpty(c.piece)`,
    bindings: from.bindings,
  }
}

/** Second-survey patches of a construction code (二调建设用地). */
export const constructionCoded = (codes: readonly string[]): Sql => ({ sql: 'f.dlbm = ANY(?::text[])', bindings: [codes] })

/**
 * With the `pinned` version: second-survey patches of a construction code as the project's approved
 * analysis counted them (the codes it recorded), else of `codes` (results approved before they were
 * recorded were computed with the defaults). So the rewards cut the land the province approved.
 */
export function constructionCodedAsApproved(codes: readonly string[]): Sql {
  const recorded = resultValue(['survey2Construction', 'codes'], 'pa.result')
  return {
    sql: `f.dlbm = ANY(CASE WHEN jsonb_typeof(${recorded}) = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(${recorded})) ELSE ?::text[] END)`,
    bindings: [codes],
  }
}

/** Buildings counted as 上盖建筑物: every type but the excluded ones (an untyped building counts). */
export const footprintCounted = (excluded: readonly string[]): Sql => ({
  sql: '(f.building_type IS NULL OR NOT (f.building_type = ANY(?::text[])))',
  bindings: [excluded],
})

/**
 * `FROM p … LEFT JOIN LATERAL (…) z ON true` with `outside`, the part of each project outside every
 * permitted planning zone, in the plane. With the active version, a project whose county has no
 * plan is left out (nothing to be outside of).
 */
export function outsidePlan(v: LayerVersion): Sql & { outside: string } {
  const { join, condition } = versionOf(v)
  return {
    sql: `FROM p ${join}
          LEFT JOIN LATERAL (SELECT ST_Union(ST_Transform(f.geom, p.srid)) AS g FROM "${tableOf(v.layer)}" f
                              WHERE ${condition.sql} AND f.permitted AND ${near}) z ON true`,
    bindings: condition.bindings,
    outside: 'CASE WHEN z.g IS NULL THEN p.plane ELSE ST_CollectionExtract(ST_Difference(p.plane, z.g), 3) END',
  }
}
