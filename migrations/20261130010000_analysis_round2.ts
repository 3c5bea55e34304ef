// Analysis, round 2 (issue 12):
// - `lr_county_plane(county, lon)`: the Gauss-Kruger plane a county's survey deliveries are drawn
//   in, as the CGCS2000 3° srid without zone prefix (EPSG:4534 + (CM − 75) / 3). Intersections
//   that produce areas are cut in that plane, as ArcGIS and QGIS cut the deliveries, then measured
//   on the ellipsoid. The central meridian comes from the newest active survey delivery drawn in a
//   Gauss-Kruger CRS (third survey, then second survey, then any other layer); a county whose
//   deliveries are all in longitude/latitude uses the 3° zone of the given longitude. One SQL
//   function so that the analysis, the OGC pieces collection and the bundles use one definition.
// - Project facts that decide the stock-area approach (165号 三): the original and the new use
//   class, and the plot ratio before redevelopment (the new one is `new_plot_ratio`).
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION lr_county_plane(county text, lon double precision) RETURNS integer
    LANGUAGE sql STABLE AS $$
      SELECT 4534 + ((coalesce(
               (SELECT (d.source_crs->'identity'->>'centralMeridian')::double precision
                  FROM datasets d
                 WHERE d.xzqdm = county AND d.active AND (d.source_crs->'identity'->>'centralMeridian') IS NOT NULL
                 ORDER BY CASE d.layer WHEN 'survey3' THEN 0 WHEN 'survey2' THEN 1 ELSE 2 END, d.id DESC
                 LIMIT 1),
               round(lon / 3) * 3) - 75) / 3)::integer
    $$`)
  await knex.schema.alterTable('projects', (t) => {
    t.text('original_use') // 原用途 (use class, see src/domain/project.ts useClasses)
    t.text('new_use') // 新用途
    t.double('plot_ratio_before') // 再开发前容积率
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    t.dropColumn('original_use')
    t.dropColumn('new_use')
    t.dropColumn('plot_ratio_before')
  })
  await knex.raw('DROP FUNCTION IF EXISTS lr_county_plane(text, double precision)')
}
