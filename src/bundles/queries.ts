// All SQL of plot bundling: cluster the active plots of a county in its Gauss-Kruger plane,
// dissolve each cluster, find the holes it encloses (夹心地), and the facts the flags need. Land
// that gives an area (construction land, the pieces of patches next to a bundle) is cut in the
// county's plane (countyPlane in src/db/analysis-cut.ts, as the project analysis cuts) and measured
// on the ellipsoid.
// Every table a bundling statement reads is restricted to the run's county (bound), so that a
// database distributed by county (docs/scale-out.md) runs it on one shard.
import type { Knex } from 'knex'
import { countyPlane, REACH, survey2StockLand } from '../db/analysis-cut.js'
import type { Survey2Land } from '../domain/analysis-config.js'
import { activateBundleRun, activeRunJoin } from '../db/read-model.js'

/** The second-survey version a run reads, and its stock land (construction codes, the 2009 baseline). */
export interface Survey2Input {
  datasetId: number
  land: Survey2Land
}

/**
 * Second-survey stock land `f` of the run's version and county near `geom`: the patches the project
 * analysis counts as 二调建设用地 (src/db/analysis-cut.ts survey2StockLand), so a bundle and the project
 * made from it count the same land.
 */
function stockLandNear(survey2: Survey2Input, county: string, geom: string): { sql: string; bindings: Knex.RawBinding[] } {
  const stock = survey2StockLand(survey2.land)
  return {
    sql: `f.dataset_id = ? AND f.xzqdm = ? AND ${stock.sql} AND ST_DWithin(f.geom, ${geom}, ${REACH})`,
    bindings: [survey2.datasetId, county, ...(stock.bindings as Knex.RawBinding[])],
  }
}

/** A bundling run, its county, and the county's plane (srid), found once per run. */
export interface Run {
  id: number
  county: string
  srid: number
}

/** The county's plane (CGCS2000 3° Gauss-Kruger srid) for a plots version, or null when it has no shapes. */
async function planeOfPlots(knex: Knex, county: string, datasetId: number): Promise<number | null> {
  const { rows } = await knex.raw(
    `SELECT ${countyPlane(
      'd.xzqdm',
      '(SELECT ST_X(ST_Centroid(ST_Extent(geom)::geometry)) FROM low_efficiency_plots WHERE dataset_id = d.id AND xzqdm = d.xzqdm AND geom IS NOT NULL)',
    )} AS srid
       FROM datasets d
      WHERE d.xzqdm = ? AND d.id = ? AND EXISTS (SELECT 1 FROM low_efficiency_plots WHERE dataset_id = d.id AND xzqdm = d.xzqdm AND geom IS NOT NULL)`,
    [county, datasetId],
  )
  return rows[0]?.srid ?? null
}

/** The county's plane when it has no plots to place it by (nothing is cut in it then). */
async function planeOfCounty(knex: Knex, county: string): Promise<number> {
  const { rows } = await knex.raw(`SELECT ${countyPlane('c.xzqdm', '117')} AS srid FROM (SELECT ?::char(6) AS xzqdm) c`, [county])
  return rows[0].srid
}

/**
 * Stores one bundle per cluster of plots (touching, or within gapMeters); returns how many, and the
 * plane they were clustered in, which every later step of the run cuts in.
 */
export async function insertBundles(knex: Knex, runId: number, county: string, datasetId: number, gapMeters: number): Promise<{ count: number; srid: number }> {
  const zone = await planeOfPlots(knex, county, datasetId)
  if (zone === null) return { count: 0, srid: await planeOfCounty(knex, county) }
  const result = await knex.raw(
    `WITH p AS (SELECT id, coalesce(plot_code, id::text) AS code, geom FROM low_efficiency_plots WHERE dataset_id = ? AND xzqdm = ? AND geom IS NOT NULL),
          c AS (SELECT id, ST_ClusterDBSCAN(ST_Transform(geom, ?::int), eps := ?, minpoints := 1) OVER () AS cid FROM p),
          b AS (SELECT array_agg(p.code ORDER BY p.code) AS members, array_agg(p.id ORDER BY p.id) AS ids, min(p.id) AS first,
                       ST_Multi(ST_CollectionExtract(ST_Union(p.geom), 3)) AS geom
                  FROM p JOIN c USING (id) GROUP BY c.cid)
     INSERT INTO bundles (run_id, xzqdm, bundle_no, members, member_ids, m2, geom)
     SELECT ?, ?, row_number() OVER (ORDER BY first), members, ids, ST_Area(geom::geography), geom FROM b`,
    [datasetId, county, zone, gapMeters, runId, county],
  )
  return { count: result.rowCount ?? 0, srid: zone }
}

/** Holes enclosed by each bundle, with their area and the second-survey construction land in them. */
export async function enclosedGaps(knex: Knex, run: Run, survey2: Survey2Input | null) {
  const srid = run.srid
  const near = survey2 ? stockLandNear(survey2, run.county, 'h.hole') : null
  const construction = near
    ? `(SELECT coalesce(ST_Area(ST_Transform(ST_Union(ST_CollectionExtract(ST_Intersection(ST_Transform(f.geom, ${Number(srid)}), ST_Transform(h.hole, ${Number(srid)})), 3)), 4490)::geography), 0)
          FROM survey2_patches f WHERE ${near.sql})`
    : 'NULL::float8'
  const { rows } = await knex.raw(
    `WITH h AS (
       SELECT b.id AS bundle_id, r.geom AS hole
         FROM bundles b, LATERAL ST_Dump(b.geom) part, LATERAL ST_DumpRings(part.geom) r -- each ring as a polygon; 0 is the shell
        WHERE b.xzqdm = ? AND b.run_id = ? AND r.path[1] > 0)
     SELECT bundle_id AS "bundleId", ST_Area(hole::geography) AS m2, ${construction} AS "survey2ConstructionM2",
            ST_AsGeoJSON(ST_ForcePolygonCCW(hole), 9, 0)::json AS geometry
       FROM h ORDER BY bundle_id`,
    [run.county, run.id, ...(near?.bindings ?? [])] as Knex.RawBinding[],
  )
  return rows as Array<{ bundleId: number; m2: number; survey2ConstructionM2: number | null; geometry: unknown }>
}

/**
 * Land next to each bundle that is not a member: the parts of third-survey patches outside the
 * members they touch and outside the bundle's holes (pieces in holes are the holes already), with
 * how much of each piece's boundary lies within toleranceM of the members. Lengths are measured in
 * a local metric frame at each piece (lon/lat scaled by the GRS80 radii of curvature there), which
 * is conformal at that point and several times cheaper than a transform. Returns only pieces that
 * share at least minSharedM of boundary and are either mostly enclosed or small; remnants where
 * the layers' lines do not meet (narrower than minWidthM on average, or under minPieceM2) are left out.
 */
export async function neighbourPieces(
  knex: Knex,
  run: Run,
  plotsDatasetId: number,
  survey3DatasetId: number,
  survey2: Survey2Input | null,
  c: { enclaveMinShare: number; cornerMaxM2: number; toleranceM: number; minWidthM: number; minPieceM2: number; minSharedM: number },
) {
  const srid = run.srid
  const near = survey2 ? stockLandNear(survey2, run.county, 'k.piece_ll') : null
  const construction = near
    ? `(SELECT coalesce(ST_Area(ST_Transform(ST_Union(ST_CollectionExtract(ST_Intersection(ST_Transform(f.geom, ${srid}), k.piece), 3)), 4490)::geography), 0)
          FROM survey2_patches f WHERE ${near.sql})`
    : 'NULL::float8'
  // Everything below is in the county's plane (srid ${srid}): the pieces are cut there, lengths are
  // plane lengths (the Gauss-Kruger scale error, under 0.03 % in a 3° zone, does not move a flag),
  // and areas are measured on the ellipsoid.
  const { rows } = await knex.raw(
    `WITH bm AS MATERIALIZED (
       SELECT b.id AS bundle_id, unnest(b.member_ids) AS plot_id FROM bundles b WHERE b.xzqdm = ? AND b.run_id = ?),
     mp AS MATERIALIZED (
       SELECT bm.bundle_id, p.geom, ST_Transform(p.geom, ${srid}) AS plane
         FROM bm JOIN low_efficiency_plots p ON p.dataset_id = ? AND p.xzqdm = ? AND p.id = bm.plot_id),
     g AS MATERIALIZED (
       SELECT mp.bundle_id, s.id, array_agg(mp.plane) AS members
         FROM mp JOIN survey3_patches s ON s.dataset_id = ? AND s.xzqdm = ? AND ST_Intersects(s.geom, mp.geom)
        GROUP BY mp.bundle_id, s.id),
     gu AS MATERIALIZED (
       SELECT bundle_id, id, CASE WHEN cardinality(members) = 1 THEN members[1] ELSE ST_Union(members) END AS members FROM g),
     pc AS MATERIALIZED (
       SELECT gu.bundle_id, s.id, s.tbbh, s.zldwdm, s.dlbm, s.dlmc, gu.members, d.path[1] AS part, d.geom AS piece, ST_PointOnSurface(d.geom) AS pt
         FROM gu JOIN survey3_patches s ON s.dataset_id = ? AND s.xzqdm = ? AND s.id = gu.id,
              LATERAL ST_Dump(ST_CollectionExtract(ST_Difference(ST_Transform(s.geom, ${srid}), gu.members), 3)) d),
     holes AS MATERIALIZED (
       SELECT b.id AS bundle_id, ST_Transform(ST_Collect(r.geom), ${srid}) AS geom FROM bundles b, LATERAL ST_Dump(b.geom) part, LATERAL ST_DumpRings(part.geom) r
        WHERE b.xzqdm = ? AND b.run_id = ? AND r.path[1] > 0 GROUP BY b.id),
     outside AS MATERIALIZED (
       SELECT pc.* FROM pc LEFT JOIN holes h ON h.bundle_id = pc.bundle_id
        WHERE h.geom IS NULL OR NOT ST_Intersects(h.geom, pc.pt)),
     solid AS MATERIALIZED (
       SELECT o.*, ST_Perimeter(o.piece) AS perimeter FROM outside o WHERE 2 * ST_Area(o.piece) >= ? * ST_Perimeter(o.piece)),
     measured AS MATERIALIZED (
       SELECT s.bundle_id, s.id, s.part, s.tbbh, s.zldwdm, s.dlbm, s.dlmc, s.piece, s.perimeter, ST_Area(ST_Transform(s.piece, 4490)::geography) AS m2,
              ST_Length(ST_Intersection(ST_Boundary(s.piece), ST_Buffer(s.members, ?, 'quad_segs=2'))) AS shared
         FROM solid s),
     kept AS (
       SELECT *, ST_Transform(piece, 4490) AS piece_ll FROM measured WHERE m2 >= ? AND shared >= ? AND (shared / perimeter >= ? OR m2 < ?))
     SELECT k.bundle_id AS "bundleId", k.id AS "patchId", k.part, k.tbbh, k.zldwdm, k.dlbm, k.dlmc, k.m2, least(k.shared / k.perimeter, 1) AS "sharedShare",
            ${construction} AS "survey2ConstructionM2", ST_AsGeoJSON(ST_ForcePolygonCCW(k.piece_ll), 9, 0)::json AS geometry
       FROM kept k ORDER BY k.bundle_id, k.id, k.part`,
    [
      run.county,
      run.id,
      plotsDatasetId,
      run.county,
      survey3DatasetId,
      run.county,
      survey3DatasetId,
      run.county,
      run.county,
      run.id,
      c.minWidthM,
      c.toleranceM,
      c.minPieceM2,
      c.minSharedM,
      c.enclaveMinShare,
      c.cornerMaxM2,
      ...(near?.bindings ?? []),
    ] as Knex.RawBinding[],
  )
  return rows as Array<NeighbourPiece & { bundleId: number; geometry: unknown }>
}

export interface NeighbourPiece {
  patchId: number
  part: number
  tbbh: string | null
  zldwdm: string | null
  dlbm: string | null
  dlmc: string | null
  m2: number
  sharedShare: number
  survey2ConstructionM2: number | null
}

/** Area, location and ownership of each member, and whether it touches its bundle's outer boundary. */
export async function memberFacts(knex: Knex, run: Run, plotsDatasetId: number) {
  const { rows } = await knex.raw(
    `WITH outer_ring AS (
       SELECT b.id, ST_Collect(ST_ExteriorRing(part.geom)) AS ring
         FROM bundles b, LATERAL ST_Dump(b.geom) part WHERE b.xzqdm = ? AND b.run_id = ? GROUP BY b.id)
     SELECT b.id AS "bundleId", p.id, coalesce(p.plot_code, p.id::text) AS code, ST_Area(p.geom::geography) AS m2, p.zldwdm, p.qsdwdm,
            ST_Intersects(ST_Boundary(p.geom), o.ring) AS "onEdge"
       FROM bundles b JOIN outer_ring o ON o.id = b.id JOIN low_efficiency_plots p ON p.dataset_id = ? AND p.xzqdm = ? AND p.id = ANY(b.member_ids)
      WHERE b.xzqdm = ? AND b.run_id = ?`,
    [run.county, run.id, plotsDatasetId, run.county, run.county, run.id],
  )
  return rows as Array<{ bundleId: number; id: number; code: string; m2: number; zldwdm: string | null; qsdwdm: string | null; onEdge: boolean }>
}

/**
 * Second-survey construction land inside each bundle, from the members' pieces: a bundle is the
 * union of its members, and clipping each patch to a small member is far cheaper than to a large
 * dissolved bundle.
 */
export async function bundleConstruction(knex: Knex, run: Run, plotsDatasetId: number, survey2: Survey2Input) {
  const srid = run.srid
  const near = stockLandNear(survey2, run.county, 'p.geom')
  const { rows } = await knex.raw(
    `SELECT b.id, coalesce(ST_Area(ST_Transform(ST_Union(ST_CollectionExtract(ST_Intersection(ST_Transform(f.geom, ?::int), ST_Transform(p.geom, ?::int)), 3)), 4490)::geography), 0) AS m2
       FROM bundles b
       JOIN low_efficiency_plots p ON p.dataset_id = ? AND p.xzqdm = ? AND p.id = ANY(b.member_ids)
       JOIN survey2_patches f ON ${near.sql}
      WHERE b.xzqdm = ? AND b.run_id = ? GROUP BY b.id`,
    [srid, srid, plotsDatasetId, run.county, ...near.bindings, run.county, run.id] as Knex.RawBinding[],
  )
  return new Map((rows as Array<{ id: number; m2: number }>).map((r) => [r.id, r.m2]))
}

/** Flags, enclaves and construction land of every bundle of a run, in one statement. */
export async function updateBundles(
  knex: Knex,
  county: string,
  updates: Array<{ id: number; flags: object; enclosedGaps: object; survey2ConstructionM2: number | null }>,
) {
  if (!updates.length) return
  await knex.raw(
    `UPDATE bundles b SET flags = u.flags, enclosed_gaps = u.gaps, survey2_construction_m2 = u.construction
       FROM jsonb_to_recordset(?::jsonb) AS u(id bigint, flags jsonb, gaps jsonb, construction float8)
      WHERE b.xzqdm = ? AND b.id = u.id`,
    [JSON.stringify(updates.map((u) => ({ id: u.id, flags: u.flags, gaps: u.enclosedGaps, construction: u.survey2ConstructionM2 }))), county],
  )
}

/**
 * Makes the run current and drops the bundles of the county's other runs: nothing refers to a
 * bundle of an inactive run (a project made from a bundle keeps its own geometry), and the runs'
 * rows stay as history of what was computed when.
 */
export async function activateRun(knex: Knex, runId: number, county: string): Promise<void> {
  await knex.transaction(async (trx) => {
    await activateBundleRun(trx, { id: runId, county })
    // Only runs that have ended: a run still going (another process) keeps its rows until it ends.
    const ended = trx('bundle_runs').select('id').where({ xzqdm: county }).whereNot({ id: runId }).whereNotIn('status', ['queued', 'running'])
    await trx('bundles').where({ xzqdm: county }).whereIn('run_id', ended).delete()
  })
}

/** Planner statistics of bundles after a bulk insert (the flags and gaps queries join on them next). */
export async function analyzeBundles(knex: Knex): Promise<void> {
  await knex.raw('ANALYZE bundles')
}

const bundleColumns = (knex: Knex) => ({
  id: 'b.id',
  bundleNo: 'b.bundle_no',
  members: 'b.members',
  memberIds: 'b.member_ids',
  m2: 'b.m2',
  survey2ConstructionM2: 'b.survey2_construction_m2',
  enclosedGaps: 'b.enclosed_gaps',
  flags: 'b.flags',
  runId: 'b.run_id',
  county: 'b.xzqdm',
  minBundleM2: 'r.min_bundle_m2',
  gapMeters: 'r.gap_meters',
  geometry: knex.raw('ST_AsGeoJSON(ST_ForcePolygonCCW(b.geom), 9, 0)::json'),
})

export async function activeBundles(knex: Knex, county: string) {
  return knex('bundles as b')
    .joinRaw(activeRunJoin({ bundle: 'b', as: 'r' }))
    .select(bundleColumns(knex))
    .where({ 'b.xzqdm': county })
    .orderBy('b.bundle_no')
}

export async function bundleOfPlot(knex: Knex, plotId: number) {
  return knex('bundles as b')
    .joinRaw(activeRunJoin({ bundle: 'b', as: 'r' }))
    .first(bundleColumns(knex))
    .whereRaw('? = ANY(b.member_ids)', [plotId])
}

export async function bundleById(knex: Knex, id: number) {
  return knex('bundles as b')
    .join('bundle_runs as r', (j) => j.on('r.id', 'b.run_id').andOn('r.xzqdm', 'b.xzqdm'))
    .first({ ...bundleColumns(knex), ewkb: knex.raw("encode(ST_AsEWKB(b.geom), 'hex')") })
    .where('b.id', id)
}

/** The member plots of a bundle with their shapes, from the plots version its run grouped. */
export async function bundleMembers(knex: Knex, bundleId: number, county: string) {
  const { rows } = await knex.raw(
    `SELECT p.id, coalesce(p.plot_code, p.id::text) AS code, ST_Area(p.geom::geography) AS m2, p.zldwdm, p.qsdwdm,
            ST_AsGeoJSON(ST_ForcePolygonCCW(p.geom), 9, 0)::json AS geometry
       FROM bundles b JOIN bundle_runs r ON r.xzqdm = b.xzqdm AND r.id = b.run_id
       JOIN low_efficiency_plots p ON p.dataset_id = r.plots_dataset_id AND p.xzqdm = b.xzqdm AND p.id = ANY(b.member_ids)
      WHERE b.xzqdm = ? AND b.id = ? AND p.geom IS NOT NULL
      ORDER BY code`,
    [county, bundleId],
  )
  return rows as Array<{ id: number; code: string; m2: number; zldwdm: string | null; qsdwdm: string | null; geometry: unknown }>
}

/**
 * The projects made from each of the given bundles (已立项): from that bundle, or from a bundle of an
 * earlier run with the same member plots (a run replaces the bundles' rows; recordScatteredLand keeps
 * the members on the project).
 */
export async function projectsFromBundles(knex: Knex, county: string, bundleIds: readonly number[]) {
  const out = new Map<number, Array<{ id: number; code: string; name: string | null }>>()
  if (!bundleIds.length) return out
  const { rows } = await knex.raw(
    `SELECT b.id AS "bundleId", p.id, p.code, p.name
       FROM bundles b JOIN projects p ON p.xzqdm = b.xzqdm AND (p.from_bundle_id = b.id OR p.from_bundle_members = b.members)
      WHERE b.xzqdm = ? AND b.id = ANY(?::bigint[])
      ORDER BY p.id`,
    [county, bundleIds] as Knex.RawBinding[],
  )
  for (const { bundleId, ...p } of rows as Array<{ bundleId: number; id: number; code: string; name: string | null }>) {
    const key = Number(bundleId)
    out.set(key, [...(out.get(key) ?? []), { ...p, id: Number(p.id) }])
  }
  return out
}

/**
 * The boundary of a project made from a bundle: the dissolved members, and with `withEnclosedGaps` also
 * their 夹心地 — the holes filled and the enclosed non-member land (`source: land` enclaves) added.
 * Enclave pieces are stored as GeoJSON to 1e-9° (0.1 mm): the few hairline holes that rounding leaves
 * between a piece and its members (under 0.01 m²) are closed, real holes are kept.
 */
export async function bundleProjectGeometry(knex: Knex, id: number, withEnclosedGaps: boolean): Promise<{ ewkb: string; m2: number }> {
  const { rows } = await knex.raw(
    `WITH b AS (SELECT geom, enclosed_gaps FROM bundles WHERE id = ?),
     parts AS (
       SELECT CASE WHEN ? THEN ST_MakePolygon(ST_ExteriorRing(d.geom)) ELSE d.geom END AS g FROM b, LATERAL ST_Dump(b.geom) d
       UNION ALL
       SELECT ST_SetSRID(ST_GeomFromGeoJSON(e->>'geometry'), 4490)
         FROM b, LATERAL jsonb_array_elements(coalesce(b.enclosed_gaps, '[]'::jsonb)) e
        WHERE ? AND e->>'source' = 'land' AND e->'geometry' IS NOT NULL),
     u AS (SELECT ST_UnaryUnion(ST_Collect(g)) AS g FROM parts),
     closed AS (
       SELECT ST_Multi(ST_Collect(ARRAY(
         SELECT ST_MakePolygon(ST_ExteriorRing(p.geom), ARRAY(
                  SELECT ST_ExteriorRing(r.geom) FROM ST_DumpRings(p.geom) r
                   WHERE r.path[1] > 0 AND (NOT ? OR ST_Area(r.geom::geography) >= 0.01)))
           FROM ST_Dump(u.g) p))) AS g
         FROM u)
     SELECT encode(ST_AsEWKB(g), 'hex') AS ewkb, ST_Area(g::geography) AS m2 FROM closed`,
    [id, withEnclosedGaps, withEnclosedGaps, withEnclosedGaps],
  )
  return rows[0] as { ewkb: string; m2: number }
}

/** The scattered land a project takes in from its bundle, as recorded (kinds of src/domain/bundles.ts). */
export interface ScatteredLandRecorded {
  kind: 'enclave' | 'corner' | 'interspersed'
  source: 'hole' | 'land' | 'member'
  ref: string | null
  m2: number
}

/**
 * Records on a project made from a bundle where it came from and the 插花地、边角地、夹心地 it includes
 * (165号 二), so that its analysis reads them from the project and not from a bundle a later run
 * replaces: the members flagged 边角地 or 插花地 (their plots), and with `withEnclosedGaps` the
 * bundle's holes (each ring of the dissolved bundle, exactly as the project fills it) and the
 * enclosed non-member land (`source: land` enclaves, as the project adds it).
 */
export async function recordScatteredLand(
  knex: Knex,
  o: { projectId: number; county: string; bundleId: number; withEnclosedGaps: boolean },
): Promise<ScatteredLandRecorded[]> {
  await knex('projects')
    .where({ xzqdm: o.county, id: o.projectId })
    .update({
      from_bundle_id: o.bundleId,
      from_bundle_run_id: knex('bundles').select('run_id').where({ xzqdm: o.county, id: o.bundleId }),
      from_bundle_no: knex('bundles').select('bundle_no').where({ xzqdm: o.county, id: o.bundleId }),
      from_bundle_members: knex('bundles').select('members').where({ xzqdm: o.county, id: o.bundleId }),
    })
  const { rows } = await knex.raw(
    `WITH b AS (SELECT b.id, b.xzqdm, b.geom, b.flags, b.enclosed_gaps, b.member_ids, r.plots_dataset_id
                  FROM bundles b JOIN bundle_runs r ON r.xzqdm = b.xzqdm AND r.id = b.run_id
                 WHERE b.xzqdm = ? AND b.id = ?),
     piece (kind, source, ref, geom) AS (
       SELECT 'enclave', 'hole', NULL::text, r.geom
         FROM b, LATERAL ST_Dump(b.geom) part, LATERAL ST_DumpRings(part.geom) r
        WHERE ? AND r.path[1] > 0
       UNION ALL
       SELECT 'enclave', 'land', e->'patch'->>'tbbh', ST_SetSRID(ST_GeomFromGeoJSON(e->>'geometry'), 4490)
         FROM b, LATERAL jsonb_array_elements(b.enclosed_gaps) e
        WHERE ? AND e->>'source' = 'land' AND e->'geometry' IS NOT NULL
       UNION ALL
       SELECT fl->>'flag', 'member', fl->>'plot', p.geom
         FROM b CROSS JOIN LATERAL jsonb_array_elements(b.flags) fl
         JOIN low_efficiency_plots p ON p.dataset_id = b.plots_dataset_id AND p.xzqdm = b.xzqdm AND p.id = ANY(b.member_ids)
                                    AND coalesce(p.plot_code, p.id::text) = fl->>'plot'
        WHERE (fl->>'member')::boolean AND fl->>'flag' IN ('corner', 'interspersed') AND p.geom IS NOT NULL)
     INSERT INTO project_scattered_land (xzqdm, project_id, kind, source, ref, m2, geom)
     SELECT ?, ?, kind, source, ref, ST_Area(geom::geography), ST_Multi(ST_CollectionExtract(geom, 3)) FROM piece
     RETURNING kind, source, ref, m2`,
    [o.county, o.bundleId, o.withEnclosedGaps, o.withEnclosedGaps, o.county, o.projectId],
  )
  return rows as ScatteredLandRecorded[]
}
