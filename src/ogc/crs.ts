// The coordinate reference systems the OGC API offers (Part 2): CRS84 (lon/lat, the default), CGCS2000
// geographic EPSG:4490 in its EPSG axis order (lat, lon), and the CGCS2000 3° Gauss-Kruger zones of
// Shandong, with and without the zone prefix. Storage is EPSG:4490 with lon/lat coordinates.

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'
const epsgUri = (code: number) => `http://www.opengis.net/def/crs/EPSG/0/${code}`

export interface OutputCrs {
  uri: string
  /** srid to transform storage geometries to */
  srid: number
  /** EPSG axis order is lat, lon: coordinates are flipped on output and in bbox input */
  latLon: boolean
  geographic: boolean
  /**
   * Decimals written (GeoJSON, shapefile): 11 for degrees, 6 for metres, both about 1 µm. Rounding
   * moves each vertex by at most half a unit, which changes a polygon's area by at most that times
   * its perimeter: 0.6 µm × 2 km ≈ 0.001 m² for a jagged 100 亩 project. With 9 decimals (55 µm) a
   * dense 100 亩 polygon's served area differed from the stored one by up to 0.017 m².
   */
  decimals: number
  /** Gauss-Kruger parameters for the .prj (absent for geographic) */
  centralMeridian?: number
  falseEasting?: number
}

const gk = (srid: number, centralMeridian: number, falseEasting: number): OutputCrs => ({
  uri: epsgUri(srid),
  srid,
  latLon: false,
  geographic: false,
  decimals: 6,
  centralMeridian,
  falseEasting,
})

export const supportedCrs: OutputCrs[] = [
  { uri: CRS84, srid: 4490, latLon: false, geographic: true, decimals: 11 },
  { uri: epsgUri(4490), srid: 4490, latLon: true, geographic: true, decimals: 11 },
  // 3° zones without prefix, CM 111–123°E (EPSG 4546–4550)
  ...[111, 114, 117, 120, 123].map((cm, i) => gk(4546 + i, cm, 500000)),
  // 3° zones 38–41 with prefix in X (EPSG 4526–4529)
  ...[38, 39, 40, 41].map((zone, i) => gk(4526 + i, zone * 3, zone * 1e6 + 500000)),
]

/**
 * WGS 84 (EPSG:4326), accepted where CRS84 is meant (QGIS and scripts name it for "lon/lat degrees"):
 * served as CGCS2000 without a datum shift (the two differ by centimetres in Shandong), in EPSG:4326's
 * axis order **lat, lon**, as EPSG:4490 is. An alias, not advertised in the collections' `crs`.
 */
export const wgs84: OutputCrs = { uri: epsgUri(4326), srid: 4490, latLon: true, geographic: true, decimals: 11 }

/**
 * The CRS named by a URI; also `EPSG:4548`, a bare code, the URN form `urn:ogc:def:crs:EPSG::4490`
 * and `OGC:CRS84`, as clients write them.
 */
export function crsByUri(value: string): OutputCrs | undefined {
  const v = value.trim().replace(/\/$/, '')
  const short = /^(?:EPSG:|urn:ogc:def:crs:EPSG:[0-9.]*:)?([0-9]{4,5})$/i.exec(v)
  const uri = short ? epsgUri(Number(short[1])) : v.replace(/^https:/, 'http:')
  if (uri === CRS84 || /^\[?OGC:CRS84\]?$/i.test(v) || /^urn:ogc:def:crs:OGC:1\.3:CRS84$/i.test(v)) return supportedCrs[0]
  if (uri === wgs84.uri) return wgs84
  return supportedCrs.find((c) => c.uri === uri)
}
