// .prj text as ArcGIS writes it for the Chinese systems, so ArcGIS and CASS recognise the files.
import type { Datum } from '../../crs/chinese-crs.js'

const gcs: Record<Datum, string> = {
  CGCS2000:
    'GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
  Xian1980: 'GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
  Beijing1954:
    'GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
  WGS84: 'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
}
const prefixName: Record<Datum, string> = { CGCS2000: 'CGCS2000', Xian1980: 'Xian_1980', Beijing1954: 'Beijing_1954', WGS84: 'WGS_1984' }

const num = (n: number) => (Number.isInteger(n) ? n.toFixed(1) : String(n))

/** Geographic when no central meridian is given; otherwise 3° Gauss-Kruger (zone prefix when FE ≠ 500000). */
export function esriPrj(crs: { datum: Datum; centralMeridian?: number; falseEasting?: number }): string {
  if (crs.centralMeridian === undefined) return gcs[crs.datum]
  const fe = crs.falseEasting ?? 500000
  const zone = (fe - 500000) / 1e6
  const six = fe !== 500000 && zone === (crs.centralMeridian + 3) / 6 && zone !== crs.centralMeridian / 3
  const name =
    fe === 500000 ? `${prefixName[crs.datum]}_3_Degree_GK_CM_${crs.centralMeridian}E` : `${prefixName[crs.datum]}_${six ? 'GK' : '3_Degree_GK'}_Zone_${zone}`
  return (
    `PROJCS["${name}",${gcs[crs.datum]},PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",${num(fe)}],` +
    `PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",${num(crs.centralMeridian)}],PARAMETER["Scale_Factor",1.0],` +
    `PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`
  )
}
