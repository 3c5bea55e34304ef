// The land behind a county's stock (issue 21: the same land is never rewarded twice). A project's
// stock land is the second-survey construction land inside it (as of the 2009 baseline, the analysis'
// survey2StockLand), cut (as every area) in its own plane from the version and with the construction
// codes its approved analysis recorded, measured on the ellipsoid. Projects are taken in
// counting order (earlier reward years first, then by milestone date): each gives the land that
// the projects before it had not already counted. One statement per county, county bound.
import type { Knex } from 'knex'
import { ellipsoidal } from '../analysis/queries.js'
import { featurePieces, projectsInPlanes, survey2StockLandAsApproved } from '../db/analysis-cut.js'
import type { Survey2Land } from '../domain/analysis-config.js'

export interface StockLandRow {
  id: number
  /** the project's stock land (二调建设用地 inside it) */
  landM2: number
  /** the part of it that projects before it in the order already counted (their union, cut once) */
  deductedM2: number
  /** each earlier project sharing land with it, with the shared area (pairs may overlap each other) */
  pairs: Array<{ id: number; m2: number }>
}

/**
 * For the projects of `order` from index `from` on (the year's projects), their stock land and the
 * part of it already counted by the projects before them in `order`.
 */
export async function stockLandCounted(
  knex: Knex,
  county: string,
  /** land.codes: the construction codes of a project whose approved analysis did not record its own */
  o: { order: readonly number[]; from: number; land: Survey2Land },
): Promise<Map<number, StockLandRow>> {
  if (o.order.length <= o.from) return new Map()
  const projects = projectsInPlanes({ county, ids: o.order })
  const pieces = featurePieces({ layer: 'survey2', pinned: true }, survey2StockLandAsApproved(o.land))
  const shared = 'ST_CollectionExtract(ST_Intersection(m.g, x.g), 3)'
  const { rows } = await knex.raw(
    `WITH ${projects.sql},
     ord AS (SELECT id, rank FROM unnest(?::bigint[]) WITH ORDINALITY AS u(id, rank)),
     land AS MATERIALIZED (SELECT p.id, p.srid, ST_Union(c.piece) AS g ${pieces.sql} GROUP BY p.id, p.srid),
     ranked AS MATERIALIZED (SELECT l.id, o.rank, l.srid, l.g, ST_Transform(l.g, 4490) AS ll FROM land l JOIN ord o ON o.id = l.id)
     SELECT m.id::int AS id, ${ellipsoidal('m.g')} AS "landM2",
            ${ellipsoidal('ST_CollectionExtract(ST_Intersection(m.g, e.u), 3)')} AS "deductedM2",
            coalesce(e.pairs, '[]'::json) AS pairs
       FROM ranked m
       LEFT JOIN LATERAL (
         SELECT ST_Union(x.g) AS u, json_agg(json_build_object('id', x.id, 'm2', ${ellipsoidal(shared)}) ORDER BY x.rank) AS pairs
           FROM (SELECT e.id, e.rank, ST_Transform(e.ll, m.srid) AS g FROM ranked e
                  WHERE e.rank < m.rank AND e.ll && m.ll AND ST_Intersects(e.ll, m.ll) OFFSET 0) x) e ON true
      WHERE m.rank > ?`,
    [...projects.bindings, [...o.order], ...pieces.bindings, o.from] as Knex.RawBinding[],
  )
  return new Map(
    (rows as StockLandRow[]).map((r) => [
      r.id,
      { id: r.id, landM2: Number(r.landM2), deductedM2: Number(r.deductedM2), pairs: r.pairs.map((x) => ({ id: Number(x.id), m2: Number(x.m2) })) },
    ]),
  )
}
