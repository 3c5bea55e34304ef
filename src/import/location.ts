// Does a delivery lie in the county it is imported into (issue 16)? With the county's
// administrative boundary loaded (the `admin-divisions` layer), an import whose features lie mostly
// outside it is refused with the share outside and the county it seems to belong to; without a
// boundary the import goes on with a warning. Judged on each feature's point on surface: a patch
// drawn across the boundary counts where most of it lies, and a county of 10⁵ patches takes one
// pass with the boundary prepared once.
import type { Knex } from 'knex'
import { activeDataset, activeVersionCondition } from '../db/read-model.js'
import { countyByCode } from '../domain/regions.js'
import { partitionName, type LayerKind } from '../catalogue/layer-kinds.js'
import type { Said } from '../errors/bilingual.js'

/** More than this share of features outside the county's boundary refuses the import. */
export const maxShareOutside = 0.5
/** More than this share outside (but not most) is reported as a warning. */
export const warnShareOutside = 0.02

export type Location = { boundary: false } | { boundary: true; features: number; outside: number; share: number; likelyCounty: string | null }

const countyLabel = (code: string) => `${code}${countyByCode(code) ? ` ${countyByCode(code)!.name}` : ''}`

/** Where the features of a version being loaded lie, against the active county boundaries. */
export async function locate(knex: Knex, o: { kind: LayerKind; datasetId: number; county: string }): Promise<Location> {
  const table = partitionName(o.kind, o.datasetId)
  // Without a boundary there is nothing to place the features against: no pass over them.
  if (!(await activeDataset(knex, 'admin-divisions', o.county).first('id').where('feature_count', '>', 0))) return { boundary: false }
  const boundaryOf = `SELECT ST_Union(a.geom) FROM datasets d JOIN admin_divisions a ON a.dataset_id = d.id AND a.xzqdm = d.xzqdm
                       WHERE ${activeVersionCondition({ as: 'd', layer: 'admin-divisions', county: '?' })}`
  const { rows } = await knex.raw(
    `WITH b AS MATERIALIZED (SELECT (${boundaryOf}) AS g)
     SELECT (SELECT g IS NOT NULL FROM b) AS boundary, count(*)::int AS features,
            count(*) FILTER (WHERE NOT ST_Intersects((SELECT g FROM b), ST_PointOnSurface(f.geom)))::int AS outside
       FROM "${table}" f WHERE f.geom IS NOT NULL`,
    [o.county],
  )
  const r = rows[0] as { boundary: boolean; features: number; outside: number }
  if (!r.boundary) return { boundary: false }
  const share = r.features ? r.outside / r.features : 0
  let likelyCounty: string | null = null
  if (share > maxShareOutside) {
    // Which other county's boundary holds most of a sample of the features outside.
    const { rows: hits } = await knex.raw(
      `WITH pts AS MATERIALIZED (SELECT ST_PointOnSurface(geom) AS pt FROM "${table}" WHERE geom IS NOT NULL LIMIT 500)
       SELECT d.xzqdm, count(*)::int AS n
         FROM datasets d JOIN admin_divisions a ON a.dataset_id = d.id AND a.xzqdm = d.xzqdm JOIN pts ON ST_Intersects(a.geom, pts.pt)
        WHERE ${activeVersionCondition({ as: 'd', layer: 'admin-divisions' })} AND d.xzqdm <> ?
        GROUP BY d.xzqdm ORDER BY n DESC, d.xzqdm LIMIT 1`,
      [o.county],
    )
    likelyCounty = hits[0]?.xzqdm ?? null
  }
  return { boundary: true, features: r.features, outside: r.outside, share, likelyCounty }
}

/** The refusal, or the warning, a location gives (null: nothing to say). */
export function locationVerdict(loc: Location, county: string): ({ refuse: boolean } & Said) | null {
  if (!loc.boundary)
    return {
      refuse: false,
      message: `no administrative boundary (admin-divisions layer) is loaded for county ${countyLabel(county)}: whether the features lie in it was not checked`,
      messageZh: `尚未导入 ${countyLabel(county)} 的行政区划图层，未核对数据是否位于本县：请先导入“行政区划”图层`,
    }
  const pct = `${(loc.share * 100).toFixed(1)} %`
  const where = loc.likelyCounty ? `; they seem to belong to county ${countyLabel(loc.likelyCounty)}` : ''
  const whereZh = loc.likelyCounty ? `，似属 ${countyLabel(loc.likelyCounty)}` : ''
  const outsideZh = `${loc.features} 个要素中有 ${loc.outside} 个（${pct}）位于 ${countyLabel(county)} 行政区划范围外${whereZh}`
  if (loc.share > maxShareOutside)
    return {
      refuse: true,
      message: `${loc.outside} of ${loc.features} features (${pct}) lie outside the administrative boundary of county ${countyLabel(county)}${where}: check the county code and the coordinate system`,
      messageZh: `${outsideZh}，未导入：请核对所选县和坐标系`,
    }
  if (loc.share > warnShareOutside)
    return {
      refuse: false,
      message: `${loc.outside} of ${loc.features} features (${pct}) lie outside the administrative boundary of county ${countyLabel(county)}`,
      messageZh: `${outsideZh}：请核对这些要素`,
    }
  return null
}
