// Decides the source CRS of an upload: the srid parameter, then the .prj, then detection from the
// coordinate range when that is unambiguous. Xian 1980 and Beijing 1954 need the user's Bursa-Wolf
// parameters; nothing is guessed.
import type { Knex } from 'knex'
import { identifyEpsg, needsBursaWolf, type CrsIdentity } from './chinese-crs.js'
import { identifyPrj } from './prj.js'
import { registerBursaWolf } from './registry.js'

export interface SourceCrs {
  /** srid the source geometries carry in SQL */
  srid: number
  epsg: number | null
  name: string
  how: 'param' | 'prj' | 'detected'
  /** set for Bursa-Wolf sources: transformed from this proj string to the CGCS2000 hub, then labelled 4490 */
  proj4?: string
  identity: CrsIdentity | null
}

export class CrsError extends Error {}

export interface Bbox {
  minX: number
  minY: number
  maxX: number
  maxY: number
}

/** Gauss-Kruger with a zone prefix, or lon/lat, from the coordinate range; null when ambiguous. */
export function detectFromRange(b: Bbox): { epsg: number; why: string } | { ambiguous: string } {
  if (b.minX >= 73 && b.maxX <= 136 && b.minY >= 3 && b.maxY <= 54) {
    return { epsg: 4490, why: 'coordinates lie within 73–136, 3–54: longitude/latitude, taken as CGCS2000' }
  }
  const zone = Math.floor(b.minX / 1e6)
  const sameZone = zone === Math.floor(b.maxX / 1e6)
  const northing = b.minY > 0 && b.maxY < 6.2e6
  if (sameZone && northing && zone >= 25 && zone <= 45) {
    return {
      epsg: 4513 + zone - 25,
      why: `X values ${Math.round(b.minX)}–${Math.round(b.maxX)} carry the 3° zone prefix ${zone}: CGCS2000 3° Gauss-Kruger zone ${zone} (CM ${zone * 3}E) assumed`,
    }
  }
  if (sameZone && northing && zone >= 13 && zone <= 23) {
    return { epsg: 4491 + zone - 13, why: `X values carry the 6° zone prefix ${zone}: CGCS2000 6° Gauss-Kruger zone ${zone} assumed` }
  }
  if (northing && b.minX > 0 && b.maxX < 1e6) {
    return {
      ambiguous: `X values ${Math.round(b.minX)}–${Math.round(b.maxX)} are Gauss-Kruger eastings without a zone prefix, so the central meridian cannot be told from the data; pass srid (for Shandong: 4547 CM 114E, 4548 CM 117E, 4549 CM 120E, 4550 CM 123E)`,
    }
  }
  return {
    ambiguous: `the coordinate range ${Math.round(b.minX)},${Math.round(b.minY)} – ${Math.round(b.maxX)},${Math.round(b.maxY)} matches no Chinese survey system; pass srid`,
  }
}

export async function resolveSourceCrs(
  knex: Knex,
  opts: { srid?: number; towgs84?: number[]; prjText?: string | null; bbox?: Bbox | null },
): Promise<{ crs: SourceCrs; warnings: string[] }> {
  const warnings: string[] = []
  let identity: CrsIdentity | null
  let epsg: number
  let how: SourceCrs['how']
  if (opts.srid !== undefined) {
    how = 'param'
    epsg = opts.srid
    identity = identifyEpsg(epsg)
    if (!identity) {
      const known = await knex('spatial_ref_sys').first('srid').where({ srid: epsg })
      if (!known) throw new CrsError(`srid ${epsg} is not a known coordinate system`)
      warnings.push(`srid ${epsg} is not a Chinese survey system; used as given`)
    }
  } else if (opts.prjText != null && opts.prjText.trim() !== '') {
    how = 'prj'
    const found = identifyPrj(opts.prjText)
    if ('error' in found) throw new CrsError(`the .prj file was not recognised: ${found.error}. Pass srid to name the coordinate system`)
    if (found.datum === 'WGS84') {
      throw new CrsError(
        'the .prj file says WGS 84. CGCS2000 and WGS 84 differ by up to a metre here: pass srid=4326 to accept the data as it is, or convert it first',
      )
    }
    identity = found
    epsg = found.epsg
  } else {
    how = 'detected'
    if (!opts.bbox) throw new CrsError('the file has no .prj and no srid was given, and there are no coordinates to detect a system from')
    const d = detectFromRange(opts.bbox)
    if ('ambiguous' in d) throw new CrsError(`the file has no .prj and no srid was given: ${d.ambiguous}`)
    warnings.push(`no .prj: ${d.why}`)
    epsg = d.epsg
    identity = identifyEpsg(epsg)
  }
  const name = identity?.name ?? `EPSG:${epsg}`
  if (identity && needsBursaWolf(identity.datum)) {
    if (!opts.towgs84) {
      throw new CrsError(
        `${name} data needs the regional 7-parameter (Bursa-Wolf) transformation to CGCS2000; pass towgs84=dx,dy,dz,rx,ry,rz,ds ` +
          'from your surveying authority. The service does not guess them: without them positions would be off by tens of metres',
      )
    }
    const custom = await registerBursaWolf(knex, epsg, opts.towgs84)
    return { crs: { srid: custom.srid, epsg, name: `${name} +towgs84=${opts.towgs84.join(',')}`, how, proj4: custom.proj4, identity }, warnings }
  }
  if (opts.towgs84) warnings.push(`towgs84 ignored: ${name} needs no datum shift`)
  return { crs: { srid: epsg, epsg, name, how, identity }, warnings }
}
