// Custom spatial_ref_sys rows for Xian 1980 / Beijing 1954 data with the user's Bursa-Wolf
// parameters, kept for the record. PROJ applies +towgs84 only when the target is also a bound CRS,
// so such data is transformed to a CGCS2000 "hub" bound with zero shift (hubProj4) and then
// labelled EPSG:4490, from the proj strings themselves: PGlite's PostGIS returns no row for
// ST_Transform to a custom srid, while ST_Transform(geom, from_proj, to_proj) works on both.
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
  const found = await trx('spatial_ref_sys').first('srid').where({ auth_name: 'LOWLAND', proj4text: proj4 })
  if (found) return found.srid
  const next = await trx('spatial_ref_sys').whereBetween('srid', [customSridRange.min, customSridRange.max]).max<{ m: number | null }>({ m: 'srid' }).first()
  const srid = Math.max((next?.m ?? customSridRange.min - 1) + 1, customSridRange.min)
  await trx('spatial_ref_sys').insert({ srid, auth_name: 'LOWLAND', auth_srid: srid, srtext: '', proj4text: proj4 })
  return srid
}

/** Registers (or finds) `epsg` bound to CGCS2000 by `towgs84`; returns its srid and proj string. */
export async function registerBursaWolf(knex: Knex, epsg: number, towgs84: number[]): Promise<{ srid: number; proj4: string }> {
  return knex.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['lowland:custom-srid'])
    const base = await trx('spatial_ref_sys').first('proj4text').where({ srid: epsg })
    if (!base?.proj4text) throw new Error(`EPSG:${epsg} is not in spatial_ref_sys`)
    const proj4 = `${String(base.proj4text)
      .replace(/\s*\+towgs84=\S+/g, '')
      .trim()} +towgs84=${towgs84.join(',')}`
    return { srid: await sridFor(trx, proj4), proj4 }
  })
}
