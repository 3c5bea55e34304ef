// The other projects drawn on a project's land (issue 21: the same land is never rewarded twice).
// One statement for a batch of projects, cut as every other measure (src/db/analysis-cut.ts): each
// project in its own plane, the other project's red line taken into it, measured on the ellipsoid.
import type { Knex } from 'knex'
import { featurePieces, REACH, survey2StockLand } from '../db/analysis-cut.js'
import type { Sql } from '../db/scope.js'
import type { Survey2Land } from '../domain/analysis-config.js'
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
 * (project ∩ other ∩ 二调建设用地 of the stock, src/db/analysis-cut.ts survey2StockLand: the stock land both
 * would count). Only overlaps with an area.
 */
export async function projectOverlaps(knex: Knex, c: Cut, o: { survey2?: number; land: Survey2Land }): Promise<Map<number, OverlapRow[]>> {
  // the construction land is cut only for projects that overlap another: most overlap none
  const overlapping: Sql = { sql: 'p.id IN (SELECT id FROM pairs)', bindings: [] }
  const land = o.survey2
    ? featurePieces(version(c, 'survey2', o.survey2), {
        sql: `${survey2StockLand(o.land).sql} AND ${overlapping.sql}`,
        bindings: [...survey2StockLand(o.land).bindings, ...overlapping.bindings],
      })
    : { sql: 'FROM p CROSS JOIN LATERAL (SELECT NULL::geometry AS piece) c WHERE false', bindings: [] }
  const rows = await run<OverlapRow>(knex, c, [
    {
      sql: `, pairs AS MATERIALIZED (
         SELECT p.id, o.id::int AS "projectId", o.code, o.status, x.g
           FROM p
           JOIN projects o ON o.xzqdm = ? AND o.xzqdm = p.xzqdm AND o.id <> p.id AND NOT (o.status = ANY(?::text[]))
                          AND o.geom && ST_Expand(p.geom, ${REACH}) AND ST_DWithin(o.geom, p.geom, ${REACH})
           CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(p.plane, ST_Transform(o.geom, p.srid)), 3) AS g OFFSET 0) x
          WHERE NOT ST_IsEmpty(x.g)),
       land AS MATERIALIZED (SELECT p.id, ST_Union(c.piece) AS g`,
      bindings: [c.county, [...notCompared]],
    },
    land,
    `GROUP BY p.id)
     SELECT pairs.id, "projectId", code, status, ${ellipsoidal('pairs.g')} AS m2,
            ${ellipsoidal('ST_CollectionExtract(ST_Intersection(pairs.g, land.g), 3)')} AS "stockM2"
       FROM pairs LEFT JOIN land ON land.id = pairs.id
      ORDER BY pairs.id, code, "projectId"`,
  ])
  const out = new Map<number, OverlapRow[]>()
  for (const r of rows) if (r.m2 > 0) out.set(r.id, [...(out.get(r.id) ?? []), r])
  return out
}
