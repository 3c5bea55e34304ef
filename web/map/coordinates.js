// Coordinates typed into the map's search box. Two numbers, in either order, because both orders are
// common and neither can be mistaken for the other here:
//   - degrees: longitude and latitude; in China (73°–136°E, 3°–54°N, DOMAIN.md) the two ranges do not overlap;
//   - CGCS2000 Gauss-Kruger metres: the northing (surveyors' X) has 7 digits north of about 9°N, the easting
//     (surveyors' Y) 6 without its zone number and 8 with it (zone × 10⁶ + 500 000 ± the offset). The zone
//     number of a prefixed easting tells its central meridian (3° zones 25–45: 3 × zone; 6° zones 13–23:
//     6 × zone − 3); an easting without it is read on the central meridian the user chose.
// Pure functions (no page, no map): proj4 is passed in, the npm package in the tests, /vendor/proj4/ in the page.

export const china = { west: 73, east: 136, south: 3, north: 54 }

const number = '[-+]?\\d+(?:\\.\\d+)?'
// Separators people type: a comma (either width), a semicolon, spaces.
const pair = new RegExp(`^\\s*(${number})\\s*(?:[,，;；]\\s*|\\s+)(${number})\\s*$`)

const inChina = (lon, lat) => lon >= china.west && lon <= china.east && lat >= china.south && lat <= china.north

/**
 * What a search text says as coordinates:
 *   { kind: 'degrees', lon, lat }
 *   { kind: 'gk', easting, northing, zone, zoneWidth, centralMeridian }  (zone null when the easting has none)
 *   { kind: 'invalid', reason: 'outsideChina' | 'gkAmbiguous' | 'zoneUnknown', zone? }
 *   null: not two numbers (a code or a name to look up).
 */
export function readCoordinates(text) {
  const m = pair.exec(text)
  if (!m) return null
  const a = Number(m[1])
  const b = Number(m[2])
  if (Math.abs(a) <= 180 && Math.abs(b) <= 180) {
    if (inChina(a, b)) return { kind: 'degrees', lon: a, lat: b }
    if (inChina(b, a)) return { kind: 'degrees', lon: b, lat: a }
    return { kind: 'invalid', reason: 'outsideChina' }
  }
  if (a < 1000 || b < 1000) return null
  const northingLike = (v) => v >= 1e6 && v < 1e7
  if (northingLike(a) === northingLike(b)) return { kind: 'invalid', reason: 'gkAmbiguous' }
  const [northing, easting] = northingLike(a) ? [a, b] : [b, a]
  if (easting < 1e6) return { kind: 'gk', easting, northing, zone: null, zoneWidth: 3, centralMeridian: null }
  const zone = Math.floor(easting / 1e6)
  if (zone >= 25 && zone <= 45) return { kind: 'gk', easting, northing, zone, zoneWidth: 3, centralMeridian: 3 * zone }
  if (zone >= 13 && zone <= 23) return { kind: 'gk', easting, northing, zone, zoneWidth: 6, centralMeridian: 6 * zone - 3 }
  return { kind: 'invalid', reason: 'zoneUnknown', zone }
}

/** The proj4 definition of a CGCS2000 Gauss-Kruger projection (EPSG:4513–4554 are of this form). */
export function gaussKrugerDefinition(centralMeridian, zone) {
  const falseEasting = (zone ?? 0) * 1e6 + 500000
  return `+proj=tmerc +lat_0=0 +lon_0=${centralMeridian} +k=1 +x_0=${falseEasting} +y_0=0 +ellps=GRS80 +units=m +no_defs`
}

/** CGCS2000 geographic (EPSG:4490): the same ellipsoid, so proj4 makes no datum shift. */
export const cgcs2000Geographic = '+proj=longlat +ellps=GRS80 +no_defs'

/**
 * A Gauss-Kruger reading (readCoordinates) in degrees: { lon, lat, centralMeridian } or
 * { kind: 'invalid', reason: 'outsideChina' }. `chosenMeridian` serves an easting without a zone number.
 */
export function gaussKrugerToDegrees(proj4, reading, chosenMeridian) {
  const centralMeridian = reading.centralMeridian ?? chosenMeridian
  const [lon, lat] = proj4(gaussKrugerDefinition(centralMeridian, reading.zone), cgcs2000Geographic, [reading.easting, reading.northing])
  if (!inChina(lon, lat)) return { kind: 'invalid', reason: 'outsideChina' }
  return { kind: 'degrees', lon, lat, centralMeridian }
}

/** The 3° zone central meridian nearest a longitude: the default for eastings without a zone number. */
export const nearestMeridian = (lon) => 3 * Math.round(lon / 3)
