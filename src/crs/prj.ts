// Identifies the CRS of a .prj file (ESRI or OGC WKT1, WKT2) by its parameters.
import { datumOfEllipsoid, gaussKruger, geographicCrs, type CrsIdentity } from './chinese-crs.js'
import { find, findAll, parseWkt, WktError, type WktNode } from './wkt.js'

const paramAliases: Record<string, string[]> = {
  centralMeridian: ['central_meridian', 'longitude_of_natural_origin', 'longitude_of_center', 'longitude_of_origin'],
  falseEasting: ['false_easting'],
  falseNorthing: ['false_northing'],
  scale: ['scale_factor', 'scale_factor_at_natural_origin'],
  latitudeOfOrigin: ['latitude_of_origin', 'latitude_of_natural_origin', 'latitude_of_center'],
}

function parameters(root: WktNode): Record<string, number> {
  const out: Record<string, number> = {}
  for (const p of findAll(root, 'PARAMETER')) {
    const name = String(p.values[0] ?? '')
      .toLowerCase()
      .replace(/[\s-]+/g, '_')
    for (const [key, names] of Object.entries(paramAliases)) if (names.includes(name) && typeof p.values[1] === 'number') out[key] = p.values[1]
  }
  return out
}

export function identifyPrj(text: string): CrsIdentity | { error: string } {
  let root: WktNode
  try {
    root = parseWkt(text)
  } catch (err) {
    return { error: `the .prj file is not WKT: ${(err as WktError).message}` }
  }
  const spheroid = find(root, 'SPHEROID', 'ELLIPSOID')
  const a = spheroid?.values[1]
  const rf = spheroid?.values[2]
  if (typeof a !== 'number' || typeof rf !== 'number') return { error: 'the .prj file names no ellipsoid (SPHEROID[name, a, 1/f])' }
  let datum = datumOfEllipsoid(a, rf)
  const datumName = String(find(root, 'DATUM')?.values[0] ?? '')
  // GRS80 under another datum name is CGCS2000 only when the name says so or says nothing else.
  if (datum === 'CGCS2000' && /WGS|ITRF/i.test(datumName)) datum = 'WGS84'
  if (!datum) return { error: `unknown ellipsoid a=${a} 1/f=${rf} ("${String(spheroid!.values[0])}"); expected CGCS2000, Xian 1980, Beijing 1954 or WGS 84` }

  const isProjected = root.keyword === 'PROJCS' || root.keyword === 'PROJCRS'
  if (!isProjected) return geographicCrs(datum)

  const method = String(find(root, 'PROJECTION', 'METHOD')?.values[0] ?? '')
  if (!/gauss|transverse/i.test(method)) return { error: `projection "${method}" is not Gauss-Kruger / Transverse Mercator` }
  const unit = root.children.find((c) => c.keyword === 'UNIT' || c.keyword === 'LENGTHUNIT')
  if (unit && typeof unit.values[1] === 'number' && Math.abs(unit.values[1] - 1) > 1e-12)
    return { error: `linear unit "${String(unit.values[0])}" is not the metre` }
  const p = parameters(root)
  if (p.centralMeridian === undefined || p.falseEasting === undefined) return { error: 'the .prj file gives no central meridian or false easting' }
  if ((p.scale ?? 1) !== 1 || (p.latitudeOfOrigin ?? 0) !== 0 || (p.falseNorthing ?? 0) !== 0) {
    return {
      error: `scale ${p.scale ?? 1}, latitude of origin ${p.latitudeOfOrigin ?? 0} and false northing ${p.falseNorthing ?? 0} are not those of Gauss-Kruger (1, 0, 0)`,
    }
  }
  const gk = gaussKruger(datum, p.centralMeridian, p.falseEasting)
  return typeof gk === 'string' ? { error: gk } : gk
}
