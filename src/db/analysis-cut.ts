// The analysis cut, said once: which projects, in which plane, which features of a layer are near
// one, the piece of a feature inside a project, the footprint exclusion and the parts outside the
// plan and the county. The measures (src/analysis/queries.ts) and the pieces (src/analysis/pieces.ts: the pieces
// endpoint, the OGC `analysis-pieces` collection and its tiles) both build from these fragments,
// so a number and the geometry shown for it are the same cut (issue 20).
//
// Cut in the plane, measure on the ellipsoid: every intersection, union and difference that gives
// an area is computed in a Gauss-Kruger plane, then the piece is taken back to CGCS2000 and
// measured as `geography`. The plane is each project's own, `countyPlane(county, lon)`: the
// plane of the county's projected survey deliveries when there are some (as ArcGIS and QGIS cut
// them), otherwise the 3° zone of the project's own longitude. A county's batch once took one
// arbitrary project's longitude (`LIMIT 1`, no order): a project across the 118.5°E zone border
// was then measured in one zone and its pieces cut in the other.
//
// Fragments are SQL text over fixed aliases: `p` the projects (see projectsInPlanes), `f` the
// layer's features, `d` the active version joined through the read model. Table names come from
// the layer catalogue; every value is bound.
import { layerKind, partitionName } from '../catalogue/layer-kinds.js'
import type { Survey2Land } from '../domain/analysis-config.js'
import { changeDateSql } from '../domain/dates.js'
import { activeVersionCondition, activeVersionJoin, approvedAnalysisJoin } from './read-model.js'
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
  // One project by `id = $n`, not `= ANY($n)`: one project's statements are prepared
  // (src/analysis/queries.ts run), and PostgreSQL keeps a generic plan only when it costs no more
  // than the custom ones. With the array it estimated the generic plan for a county's worth of
  // projects, kept planning every execution (pg_prepared_statements: 0 generic of 12), and planning
  // was ~40 % of an analysis's database time; with the key, 6–9 of its 10 go generic (one over a
  // partitioned layer may not: its generic plan is estimated over every version's partition).
  if (sel.ids?.length === 1) parts.push({ sql: `${id} = ?::bigint`, bindings: [sel.ids[0]] })
  else if (sel.ids) parts.push({ sql: `${id} = ANY(?::bigint[])`, bindings: [sel.ids] })
  if (sel.box)
    parts.push({
      sql: `${geom} && ST_Expand(${sel.box.sql}, ${REACH}) AND ST_DWithin(${geom}, ${sel.box.sql}, ${REACH})`,
      bindings: [...sel.box.bindings, ...sel.box.bindings],
    })
  return { sql: parts.map((x) => x.sql).join(' AND '), bindings: parts.flatMap((x) => x.bindings) }
}

/**
 * The Gauss-Kruger plane of county `county` (a column, not of alias `pd`, which the fragment uses)
 * at longitude `lon` (an SQL expression), as the CGCS2000 3° srid without zone prefix (EPSG:4534 +
 * (CM − 75) / 3): the central meridian of the county's newest active survey delivery drawn in a
 * Gauss-Kruger CRS (third survey, then second survey, then any other layer), as ArcGIS and QGIS cut
 * the deliveries; for a county whose deliveries are all in longitude/latitude, the 3° zone of `lon`.
 *
 * The meridian is the one an import stores (`source_crs.centralMeridian`, migration
 * 20261209010000_dataset_central_meridian). The SQL function this replaces read
 * `source_crs.identity.centralMeridian`, which no import ever wrote: every county was cut in each
 * project's own longitude's zone (docs/decisions.md, issue 26).
 *
 * The one definition the analysis, its pieces and the bundling runs use. It was the SQL function
 * `lr_county_plane` (migration 20261130010000_analysis_round2): PostgreSQL plans a function's body
 * again in every statement that calls it, 0.1 ms each time, which was a tenth of a single project's
 * database time (eleven statements; pgbench: 0.20–0.23 ms for the projects CTE with the call,
 * 0.12 ms with this subquery, planned once with the prepared statement). On a database distributed
 * by county it is a join on the county, co-located, where the function had to be distributed
 * (docs/scale-out.md). The function stays in the database for a service of the previous version
 * still running beside this one during an upgrade; nothing of this version calls it.
 */
export function countyPlane(county: string, lon: string): string {
  return `(4534 + ((coalesce(
            (SELECT (pd.source_crs->>'centralMeridian')::double precision
               FROM datasets pd
              WHERE ${activeVersionCondition({ as: 'pd', county })} AND pd.source_crs->'centralMeridian' IS NOT NULL
              ORDER BY CASE pd.layer WHEN 'survey3' THEN 0 WHEN 'survey2' THEN 1 ELSE 2 END, pd.id DESC
              LIMIT 1),
            round(${lon} / 3) * 3) - 75) / 3)::integer)`
}

/**
 * `p AS MATERIALIZED (…)`, a CTE of the selected projects: id, code, xzqdm, geom (4490), area_m2
 * (its area on the ellipsoid, the stored `ST_Area(geom::geography)`), srid (the project's plane)
 * and plane (the red line in it). One plane per project, the same for its measures and its pieces.
 */
export function projectsInPlanes(sel: ProjectSelection): Sql {
  const where = projectsWhere(sel)
  return {
    sql: `p AS MATERIALIZED (
            SELECT id, code, xzqdm, geom, area_m2, srid, ST_Transform(geom, srid) AS plane
              FROM (SELECT id, code, xzqdm, geom, area_m2, ${countyPlane('projects.xzqdm', 'ST_X(ST_PointOnSurface(projects.geom))')} AS srid
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

function kindOf(layer: string) {
  const kind = layerKind(layer)
  if (!kind) throw new Error(`analysis cut: unknown layer ${JSON.stringify(layer)}`)
  return kind
}
const tableOf = (layer: string) => kindOf(layer).table

/**
 * The features `f` of a version near the project `p`: the table to read them from, `join` (to put
 * after `FROM p`) and the condition on `f`. Features join their version on the county: the
 * co-located join of a database distributed by county.
 *
 * A version bound by its id is read from its own partition, not from the layer table pruned by
 * `dataset_id = $n`: a prepared statement's generic plan cannot prune, so PostgreSQL costed it over
 * every version the layer keeps (all counties' on a province database) and planned each execution
 * anew (pg_stat_statements: the third-survey and the two second-survey statements of one project,
 * 1.8 of its 9 ms, every time); on the partition the generic plan is the custom one. The condition
 * stays: it is the partition's own check.
 */
function versionOf(v: LayerVersion): { table: string; join: string; condition: Sql } {
  const kind = kindOf(v.layer)
  if ('datasetId' in v)
    return { table: partitionName(kind, v.datasetId), join: '', condition: { sql: 'f.dataset_id = ? AND f.xzqdm = ?', bindings: [v.datasetId, v.county] } }
  if ('pinned' in v)
    return {
      table: kind.table,
      join: `JOIN projects pr ON pr.xzqdm = p.xzqdm AND pr.id = p.id ${approvedAnalysisJoin({ project: 'pr', as: 'pa' })}`,
      condition: { sql: `f.dataset_id = ${resultValue(['inputs', v.layer, 'datasetId'], 'pa.result')} AND f.xzqdm = p.xzqdm`, bindings: [] },
    }
  return {
    table: kind.table,
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
  const { table, join, condition } = versionOf(v)
  return {
    sql: `FROM p ${join} JOIN "${table}" f ON ${condition.sql} AND ${near}${where ? ` AND ${where.sql}` : ''}`,
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

/** The change date (BGRQ) of a second-survey feature `f` as delivered (source attribute, any case seen). */
export const survey2ChangeText = "coalesce(f.attrs->>'BGRQ', f.attrs->>'bgrq', f.attrs->>'Bgrq')"

/** The change date of `f` as YYYYMMDD, NULL when empty or unreadable (src/domain/dates.ts, every form deliveries use). */
export const survey2ChangeDate = changeDateSql(survey2ChangeText)

/**
 * A construction-coded feature `f` changed (BGRQ) after the baseline: not land the second survey
 * found built by the end of 2009 (165号 二). An empty or unreadable BGRQ is not after it: the
 * patch stays in, and the result counts such patches.
 */
export const survey2ChangedAfter = (land: Survey2Land): Sql => ({
  sql: `${constructionCoded(land.codes).sql} AND coalesce(${survey2ChangeDate} > ?, false)`,
  bindings: [land.codes, land.baseline],
})

/**
 * The stock land of the second survey (二调建设用地 as of the baseline, 165号 三 "以项目区范围内第二次全国
 * 土地调查认定的建设用地面积进行核定"): construction-coded features, without those changed after the
 * baseline when the configuration leaves them out. The one condition the measures, the pieces, the
 * overlaps between projects and the rewards' stock land all cut with.
 */
export const survey2StockLand = (land: Survey2Land): Sql =>
  land.excludeChangedAfter
    ? { sql: `${constructionCoded(land.codes).sql} AND NOT coalesce(${survey2ChangeDate} > ?, false)`, bindings: [land.codes, land.baseline] }
    : constructionCoded(land.codes)
/** Plan zones carrying a planned use (用地用海分类代码, src/domain/plan-use.ts). */
export const landUseCoded: Sql = { sql: "btrim(coalesce(f.land_use_code, '')) <> ''", bindings: [] }

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

/** survey2StockLand with the construction codes the project's approved analysis recorded (see constructionCodedAsApproved). */
export function survey2StockLandAsApproved(land: Survey2Land): Sql {
  const coded = constructionCodedAsApproved(land.codes)
  return land.excludeChangedAfter
    ? { sql: `${coded.sql} AND NOT coalesce(${survey2ChangeDate} > ?, false)`, bindings: [...coded.bindings, land.baseline] }
    : coded
}

/** Buildings counted as 上盖建筑物: every type but the excluded ones (an untyped building counts). */
export const footprintCounted = (excluded: readonly string[]): Sql => ({
  sql: '(f.building_type IS NULL OR NOT (f.building_type = ANY(?::text[])))',
  bindings: [excluded],
})

/**
 * `FROM p … LEFT JOIN LATERAL (…) z ON true` with `outside`: the part of each project outside the
 * union of the version's features near it (those `where` keeps), in the plane; all of it when none
 * is near. Whole features are unioned, not their pieces: features that tile (the towns of a county)
 * share their vertices, so their union has no seam, and a project inside it leaves nothing over.
 * With the active version, a project whose county has no such layer is left out (nothing to be
 * outside of).
 */
function outsideUnion(v: LayerVersion, where?: string): Sql & { outside: string } {
  const { table, join, condition } = versionOf(v)
  return {
    sql: `FROM p ${join}
          LEFT JOIN LATERAL (SELECT ST_Union(ST_Transform(f.geom, p.srid)) AS g FROM "${table}" f
                              WHERE ${condition.sql}${where ? ` AND ${where}` : ''} AND ${near}) z ON true`,
    bindings: condition.bindings,
    outside: 'CASE WHEN z.g IS NULL THEN p.plane ELSE ST_CollectionExtract(ST_Difference(p.plane, z.g), 3) END',
  }
}

/**
 * `FROM p JOIN project_scattered_land f … WHERE …`: the 插花地、边角地、夹心地 recorded on each project
 * at its creation from a bundle (165号 二), each with its piece `c.piece` inside the project, in the
 * project's plane, the empty ones left out. Joined by the project itself, not by nearness: they are
 * the project's own record, not a layer.
 */
export const scatteredLandPieces: Sql = {
  sql: `FROM p JOIN project_scattered_land f ON f.xzqdm = p.xzqdm AND f.project_id = p.id
        CROSS JOIN LATERAL (SELECT ${piece} AS piece OFFSET 0) c
        WHERE NOT ST_IsEmpty(c.piece)`,
  bindings: [],
}

/** The part of each project outside every permitted planning zone, in the plane (see outsideUnion). */
export const outsidePlan = (v: LayerVersion) => outsideUnion(v, 'f.permitted')

/**
 * The part of each project outside its county's administrative boundary (行政区划), in the plane: the
 * county is the union of every feature of its admin-divisions version, whatever their level, so a
 * layer of towns (乡镇), of the county's own outline, or of both gives the same county
 * (docs/decisions.md, issue 21). See outsideUnion.
 */
export const outsideCounty = (v: LayerVersion) => outsideUnion(v)

/**
 * `JOIN datasets d … JOIN admin_divisions f …` after `FROM p`: the features of the active
 * administrative divisions of every other county near the project, the county being `d.xzqdm`. On
 * a database distributed by county this fans out (the other counties live on other shards):
 * callers run it only for the projects that reach out of their county.
 */
export const otherCountiesNear = `JOIN datasets d ON ${activeVersionCondition({ as: 'd', layer: 'admin-divisions' })} AND d.xzqdm <> p.xzqdm
  JOIN "${tableOf('admin-divisions')}" f ON f.dataset_id = d.id AND f.xzqdm = d.xzqdm AND ${near}`
