// The other projects drawn on a project's land (issue 21: the same land is never rewarded twice).
// One statement for a batch of projects, cut as every other measure (src/db/analysis-cut.ts): each
// project in its own plane, the other project's red line taken into it, measured on the ellipsoid.
import type { Knex } from 'knex'
import { constructionCoded, featurePieces, REACH } from '../db/analysis-cut.js'
import { ellipsoidal, run, version, type Cut } from './queries.js'

/**
 * Statuses whose projects are not compared: a draft is the county's sketch and a returned project
 * is back with the county until it is submitted again.
 */
export const notCompared = ['draft', 'returned'] as const

export interface OverlapRow {
  id: number
  projectId: number
  code: string
  status: string
  m2: number
  stockM2: number
}

/**
 * Per project of the cut, every other project of its county (not a draft or returned) whose red line
 * overlaps it: the land both cover and, with a second-survey version, the construction land in it
 * (project ∩ other ∩ 二调建设用地: the stock land both would count). Only overlaps with an area.
 */
export async function projectOverlaps(knex: Knex, c: Cut, o: { survey2?: number; codes: readonly string[] }): Promise<Map<number, OverlapRow[]>> {
  const land = o.survey2
    ? featurePieces(version(c, 'survey2', o.survey2), constructionCoded(o.codes))
    : { sql: 'FROM p CROSS JOIN LATERAL (SELECT NULL::geometry AS piece) c WHERE false', bindings: [] }
  const rows = await run<OverlapRow>(knex, c, [
    `, land AS MATERIALIZED (SELECT p.id, ST_Union(c.piece) AS g`,
    land,
    `GROUP BY p.id)
     SELECT p.id, o.id::int AS "projectId", o.code, o.status, ${ellipsoidal('x.g')} AS m2,
            ${ellipsoidal('ST_CollectionExtract(ST_Intersection(x.g, land.g), 3)')} AS "stockM2"
       FROM p
       JOIN projects o ON o.xzqdm = ? AND o.xzqdm = p.xzqdm AND o.id <> p.id AND NOT (o.status = ANY(?::text[]))
                      AND o.geom && ST_Expand(p.geom, ${REACH}) AND ST_DWithin(o.geom, p.geom, ${REACH})
       CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(p.plane, ST_Transform(o.geom, p.srid)), 3) AS g OFFSET 0) x
       LEFT JOIN land ON land.id = p.id
      WHERE NOT ST_IsEmpty(x.g)
      ORDER BY p.id, o.code, o.id`,
    { sql: '', bindings: [c.county, [...notCompared]] },
  ])
  const out = new Map<number, OverlapRow[]>()
  for (const r of rows) if (r.m2 > 0) out.set(r.id, [...(out.get(r.id) ?? []), r])
  return out
}
