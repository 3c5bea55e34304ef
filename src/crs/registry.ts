// Custom spatial_ref_sys rows for Xian 1980 / Beijing 1954 data with the user's Bursa-Wolf
// parameters. PROJ applies +towgs84 only when the target is also a bound CRS, so such data is
// transformed to a CGCS2000 "hub" bound with zero shift (hubProj4), registered too, and then
// labelled EPSG:4490.
//
// By srid, not by the proj strings: ST_Transform(geom, from_proj, to_proj) builds PROJ's pipeline
// again for every row (measured: 5 000 points 5.2 s on the server, 300 points 1.0 s in PGlite),
// where by srid PostGIS builds it once per session (28 ms and 9 ms), with the same coordinates to the
// bit (compared on 3 000 points on the server and 300 in PGlite). The rows carry no authority and no
// WKT: PostGIS tries "AUTH:CODE" and the WKT before the proj string, and in PGlite a row with an
// unknown authority or an empty WKT transforms to no row at all (why the proj strings were used before).
import type { Knex } from 'knex'

export const customSridRange = { min: 910000, max: 998999 }
export const hubProj4 = '+proj=longlat +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +no_defs'

/** Parses "dx,dy,dz,rx,ry,rz,ds" (m, arc-seconds, ppm; position-vector rotations as PROJ reads them). */
export function parseBursaWolf(text: string): number[] | null {
  const parts = text
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(Number)
  return (parts.length === 7 || parts.length === 3) && parts.every(Number.isFinite) ? parts : null
}

async function sridFor(trx: Knex.Transaction, proj4: string): Promise<number> {
  const inRange = () => trx('spatial_ref_sys').whereBetween('srid', [customSridRange.min, customSridRange.max])
  const found = await inRange().first('srid', 'auth_name', 'srtext').where({ proj4text: proj4 }).orderBy('srid')
  if (found) {
    // registered before 2026-12-06 as LOWLAND:<srid> with an empty WKT, which PGlite cannot transform
    if (found.auth_name !== null || found.srtext !== null)
      await trx('spatial_ref_sys').where({ srid: found.srid }).update({ auth_name: null, auth_srid: null, srtext: null })
    return found.srid
  }
  const next = await inRange().max<{ m: number | null }>({ m: 'srid' }).first()
  const srid = Math.max((next?.m ?? customSridRange.min - 1) + 1, customSridRange.min)
  await trx('spatial_ref_sys').insert({ srid, auth_name: null, auth_srid: null, srtext: null, proj4text: proj4 })
  return srid
}

/** Registers (or finds) `epsg` bound to CGCS2000 by `towgs84`, and the hub; returns their srids and the proj string. */
export async function registerBursaWolf(knex: Knex, epsg: number, towgs84: number[]): Promise<{ srid: number; proj4: string; hubSrid: number }> {
  return knex.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['lowland:custom-srid'])
    const base = await trx('spatial_ref_sys').first('proj4text').where({ srid: epsg })
    if (!base?.proj4text) throw new Error(`EPSG:${epsg} is not in spatial_ref_sys`)
    const proj4 = `${String(base.proj4text)
      .replace(/\s*\+towgs84=\S+/g, '')
      .trim()} +towgs84=${towgs84.join(',')}`
    return { srid: await sridFor(trx, proj4), proj4, hubSrid: await sridFor(trx, hubProj4) }
  })
}
