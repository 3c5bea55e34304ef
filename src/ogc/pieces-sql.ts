// Analysis pieces of many projects in one statement, for the OGC collection: the same pieces as
// analysis/queries.ts `pieces` gives for one project (same roles, same clipping), each project
// measured against the active layers of its own county. Numbered per project in a stable order.
import type { SourceContext } from './collections.js'

export function piecesSource(ctx: SourceContext, constructionCodes: readonly string[], excludedTypes: readonly string[]): { sql: string; bindings: unknown[] } {
  const scope = ctx.countyCondition('xzqdm')
  const projectId = ctx.equals.get('projectId')
  const bindings: unknown[] = [...scope.bindings]
  let where = scope.sql
  if (projectId !== undefined) {
    where += ' AND id = ?'
    bindings.push(projectId)
  }
  const layer = (key: string) => `JOIN datasets d ON d.layer = '${key}' AND d.xzqdm = p.xzqdm AND d.active`
  const union = (role: string, key: string, table: string, extra: string) =>
    `SELECT p.id, p.code, p.xzqdm, '${role}', NULL, NULL, NULL, ST_Intersection(p.geom, ST_Union(s.geom))
       FROM p ${layer(key)} JOIN "${table}" s ON s.dataset_id = d.id AND ST_Intersects(s.geom, p.geom) ${extra}
      GROUP BY p.id, p.code, p.xzqdm, p.geom`
  const each = (role: string, key: string, table: string, code: string, name: string, ref: string) =>
    `SELECT p.id, p.code, p.xzqdm, '${role}', ${code}, ${name}, ${ref}, ST_Intersection(p.geom, s.geom)
       FROM p ${layer(key)} JOIN "${table}" s ON s.dataset_id = d.id AND ST_Intersects(s.geom, p.geom)`
  const parts = [
    `SELECT p.id, p.code, p.xzqdm, 'project', NULL::text, NULL::text, NULL::text, p.geom FROM p`,
    union('survey2-construction', 'survey2', 'survey2_patches', 'AND s.dlbm = ANY(?::text[])'),
    union('footprint', 'buildings', 'buildings', 'AND (s.building_type IS NULL OR NOT (s.building_type = ANY(?::text[])))'),
    each('survey3', 'survey3', 'survey3_patches', 's.dlbm', 's.dlmc', 's.id::text'),
    each('approved-unsupplied', 'approved-unsupplied', 'approved_unsupplied', 'NULL', 's.name', 'coalesce(s.approval_no, s.id::text)'),
    each('idle-land', 'idle-land', 'idle_land', 'NULL', 's.name', 'coalesce(s.code, s.id::text)'),
    `SELECT p.id, p.code, p.xzqdm, 'outside-plan', NULL, NULL, NULL, CASE WHEN z.g IS NULL THEN p.geom ELSE ST_Difference(p.geom, z.g) END
       FROM p ${layer('plan-zones')}
       LEFT JOIN LATERAL (SELECT ST_Union(s.geom) AS g FROM plan_zones s WHERE s.dataset_id = d.id AND s.permitted AND ST_Intersects(s.geom, p.geom)) z ON true`,
  ]
  bindings.push(constructionCodes, excludedTypes)
  const roleOrder = `CASE role WHEN 'project' THEN 0 WHEN 'survey2-construction' THEN 1 WHEN 'footprint' THEN 2 WHEN 'survey3' THEN 3
                     WHEN 'approved-unsupplied' THEN 4 WHEN 'idle-land' THEN 5 ELSE 6 END`
  return {
    sql: `(WITH p AS (SELECT id, code, xzqdm, geom FROM projects WHERE ${where}),
            piece (project_id, project_code, xzqdm, role, code, name, ref, g) AS (${parts.join('\nUNION ALL\n')})
          SELECT project_id, project_code, xzqdm, role, code, name, ref,
                 row_number() OVER (PARTITION BY project_id ORDER BY ${roleOrder}, ref, code) AS n,
                 ST_Multi(ST_CollectionExtract(g, 3)) AS geom
            FROM piece WHERE g IS NOT NULL AND NOT ST_IsEmpty(ST_CollectionExtract(g, 3))) f`,
    bindings,
  }
}
