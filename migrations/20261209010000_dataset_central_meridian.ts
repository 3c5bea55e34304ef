// The central meridian of each version's delivery, in `datasets.source_crs.centralMeridian`: the
// plane a county's projects are cut in is that of its Gauss-Kruger survey deliveries
// (src/db/analysis-cut.ts countyPlane). The plane's lookup read `source_crs.identity.centralMeridian`
// from the start (20261130010000_analysis_round2), but imports never stored an `identity`, so every
// county was cut in the 3° zone of each project's own longitude: the same plane wherever a county's
// deliveries are drawn in the zone its land lies in, another one for a project beyond 118.5°E (or
// any zone border) of a county delivered in the zone west of it (docs/decisions.md, issue 26).
//
// Imports now store the meridian (src/import/run.ts). Here the versions already stored get it from
// their EPSG code, by the ranges of src/crs/chinese-crs.ts (copied: a migration must keep doing what
// it did when it ran): for each datum, 3° zones with the zone number in front, 3° without it, 6° with
// and 6° without.
import type { Knex } from 'knex'

const ranges: Array<{ from: number; to: number; cm: string }> = []
for (const [p3, n3, p6, n6] of [
  [4513, 4534, 4491, 4502], // CGCS2000
  [2349, 2370, 2327, 2338], // Xian 1980
  [2401, 2422, 21413, 21453], // Beijing 1954
] as const) {
  ranges.push({ from: p3, to: p3 + 20, cm: `(e - ${p3} + 25) * 3` })
  ranges.push({ from: n3, to: n3 + 20, cm: `75 + 3 * (e - ${n3})` })
  ranges.push({ from: p6, to: p6 + 10, cm: `(e - ${p6} + 13) * 6 - 3` })
  ranges.push({ from: n6, to: n6 + 10, cm: `(e - ${n6} + 13) * 6 - 3` })
}

export async function up(knex: Knex): Promise<void> {
  const cm = ranges.map((r) => `WHEN e BETWEEN ${r.from} AND ${r.to} THEN ${r.cm}`).join('\n                ')
  await knex.raw(`
    UPDATE datasets d SET source_crs = d.source_crs || jsonb_build_object('centralMeridian', m.cm)
      FROM (SELECT id, CASE ${cm} END AS cm
              FROM (SELECT id, (source_crs->>'epsg')::integer AS e FROM datasets
                     WHERE jsonb_typeof(source_crs) = 'object' AND jsonb_typeof(source_crs->'epsg') = 'number'
                       AND source_crs->'centralMeridian' IS NULL) s) m
     WHERE d.id = m.id AND m.cm IS NOT NULL`)
  // Results cut in another plane than the one their county's deliveries now give them are stale: a
  // recomputation would differ (by up to ~2 m² on km-long edges, issue 20), and a reader recomputes
  // the latest one; an approved one stays the province's record, shown as changed since. The plane as
  // src/db/analysis-cut.ts countyPlane gives it, written out: a migration keeps doing what it did.
  await knex.raw(`
    UPDATE analysis_results r SET stale = true
      FROM projects p
     WHERE r.xzqdm = p.xzqdm AND r.project_id = p.id AND NOT r.stale
       AND jsonb_typeof(r.result #> '{plane,epsg}') = 'number'
       AND (r.result #>> '{plane,epsg}')::integer <> 4534 + ((coalesce(
             (SELECT (d.source_crs->>'centralMeridian')::double precision
                FROM datasets d
               WHERE d.xzqdm = p.xzqdm AND d.active AND d.source_crs->'centralMeridian' IS NOT NULL
               ORDER BY CASE d.layer WHEN 'survey3' THEN 0 WHEN 'survey2' THEN 1 ELSE 2 END, d.id DESC
               LIMIT 1),
             round(ST_X(ST_PointOnSurface(p.geom)) / 3) * 3) - 75) / 3)::integer`)
}

// Down takes the meridians away again; the stale marks stay (they only make readers recompute).
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`UPDATE datasets SET source_crs = source_crs - 'centralMeridian' WHERE source_crs->'centralMeridian' IS NOT NULL`)
}
