// The coordinate systems of Chinese land-survey deliveries and their EPSG codes (DOMAIN.md).
// Identified from parameters (datum/ellipsoid, central meridian, false easting, scale), never
// from the name alone: public .prj→EPSG tables have wrong rows.

export type Datum = 'CGCS2000' | 'Xian1980' | 'Beijing1954' | 'WGS84'

export interface CrsIdentity {
  epsg: number
  datum: Datum
  /** e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 117E" */
  name: string
  projected: boolean
  /** the Gauss-Kruger zone's central meridian, for projected systems */
  centralMeridian?: number
  /** the Gauss-Kruger zone's false easting, metres (500000, or with the zone number in front) */
  falseEasting?: number
  zonePrefix?: boolean
}

const ellipsoids: Array<{ datum: Datum; a: number; rf: number }> = [
  { datum: 'CGCS2000', a: 6378137, rf: 298.257222101 },
  { datum: 'WGS84', a: 6378137, rf: 298.257223563 },
  { datum: 'Xian1980', a: 6378140, rf: 298.257 },
  { datum: 'Beijing1954', a: 6378245, rf: 298.3 },
]

/** The ellipsoid of a datum: semi-major axis (m) and inverse flattening. */
export function ellipsoidOf(datum: Datum): { a: number; rf: number } {
  const { a, rf } = ellipsoids.find((e) => e.datum === datum)!
  return { a, rf }
}

/** Datum from ellipsoid parameters (CGCS2000 and WGS 84 differ only in 1/f, at 1e-6). */
export function datumOfEllipsoid(a: number, rf: number): Datum | null {
  const hit = ellipsoids.find((e) => Math.abs(e.a - a) < 0.5 && Math.abs(e.rf - rf) < 1e-7)
  return hit?.datum ?? null
}

const geographic: Record<Datum, number> = { CGCS2000: 4490, Xian1980: 4610, Beijing1954: 4214, WGS84: 4326 }

/** EPSG code bases: [3° prefix zone 25, 3° CM 75E, 6° prefix zone 13, 6° CM 75E]. */
const gkBases: Record<Exclude<Datum, 'WGS84'>, [number, number, number, number]> = {
  CGCS2000: [4513, 4534, 4491, 4502],
  Xian1980: [2349, 2370, 2327, 2338],
  Beijing1954: [2401, 2422, 21413, 21453],
}

const datumNames: Record<Datum, string> = { CGCS2000: 'CGCS2000', Xian1980: 'Xian 1980', Beijing1954: 'Beijing 1954', WGS84: 'WGS 84' }

export function geographicCrs(datum: Datum): CrsIdentity {
  return { epsg: geographic[datum], datum, name: `${datumNames[datum]} geographic`, projected: false }
}

/**
 * The Gauss-Kruger system with this central meridian and false easting, or a reason why none fits.
 * Without a zone prefix, 3° and 6° zones with the same meridian are the same projection; the 3°
 * code (the land-survey standard) is returned.
 */
export function gaussKruger(datum: Datum, centralMeridian: number, falseEasting: number): CrsIdentity | string {
  if (datum === 'WGS84') return 'Gauss-Kruger on WGS 84 is not a Chinese survey system'
  const [p3, n3, p6] = gkBases[datum] // 6° without prefix is the 3° projection of the same meridian
  const cm = Math.round(centralMeridian * 1e6) / 1e6
  if (!Number.isInteger(cm) || cm % 3 !== 0 || cm < 75 || cm > 135)
    return `central meridian ${centralMeridian}° is not a Gauss-Kruger zone meridian in China (a multiple of 3° from 75°E to 135°E)`
  const base = { datum, projected: true, centralMeridian: cm, falseEasting }
  if (falseEasting === 500000) {
    return { ...base, epsg: n3 + (cm - 75) / 3, name: `${datumNames[datum]} / 3-degree Gauss-Kruger CM ${cm}E`, zonePrefix: false }
  }
  const zone = (falseEasting - 500000) / 1e6
  if (Number.isInteger(zone) && zone === cm / 3 && zone >= 25 && zone <= 45) {
    return { ...base, epsg: p3 + zone - 25, name: `${datumNames[datum]} / 3-degree Gauss-Kruger zone ${zone}`, zonePrefix: true }
  }
  if (Number.isInteger(zone) && zone === (cm + 3) / 6 && zone >= 13 && zone <= 23) {
    return { ...base, epsg: p6 + zone - 13, name: `${datumNames[datum]} / 6-degree Gauss-Kruger zone ${zone}`, zonePrefix: true }
  }
  return `false easting ${falseEasting} fits neither no zone prefix (500000) nor the zone of central meridian ${cm}°E (3°: ${(cm / 3) * 1e6 + 500000})`
}

/** Every EPSG code above, with its identity: for a user-given srid. */
export function identifyEpsg(epsg: number): CrsIdentity | null {
  for (const datum of Object.keys(geographic) as Datum[]) if (geographic[datum] === epsg) return geographicCrs(datum)
  for (const [datum, [p3, n3, p6, n6]] of Object.entries(gkBases) as Array<[Exclude<Datum, 'WGS84'>, number[]]>) {
    if (epsg >= p3! && epsg <= p3! + 20) return gaussKruger(datum, (epsg - p3! + 25) * 3, (epsg - p3! + 25) * 1e6 + 500000) as CrsIdentity
    if (epsg >= n3! && epsg <= n3! + 20) return gaussKruger(datum, 75 + 3 * (epsg - n3!), 500000) as CrsIdentity
    if (epsg >= p6! && epsg <= p6! + 10) {
      const zone = epsg - p6! + 13
      return gaussKruger(datum, zone * 6 - 3, zone * 1e6 + 500000) as CrsIdentity
    }
    if (epsg >= n6! && epsg <= n6! + 10) {
      const zone = epsg - n6! + 13
      const cm = zone * 6 - 3
      return { datum, epsg, projected: true, centralMeridian: cm, zonePrefix: false, name: `${datumNames[datum]} / 6-degree Gauss-Kruger CM ${cm}E` }
    }
  }
  return null
}

/** Datums whose shift to CGCS2000 needs the user's regional 7 parameters. */
export const needsBursaWolf = (datum: Datum) => datum === 'Xian1980' || datum === 'Beijing1954'

const datumNamesZh: Record<Datum, string> = {
  CGCS2000: '2000国家大地坐标系',
  Xian1980: '1980西安坐标系',
  Beijing1954: '1954北京坐标系',
  WGS84: 'WGS 84 坐标系',
}

/** The name a county technician knows: 2000国家大地坐标系 3度带 高斯-克吕格 中央经线117°. */
export function crsNameZh(id: CrsIdentity): string {
  const datum = datumNamesZh[id.datum]
  if (!id.projected) return `${datum}（经纬度）`
  const width = /6-degree/.test(id.name) ? 6 : 3
  const zone = /zone (\d+)/.exec(id.name)?.[1]
  return `${datum} ${width}度带 高斯-克吕格 中央经线${id.centralMeridian}°${zone ? `（带号 ${zone}）` : ''}`
}
