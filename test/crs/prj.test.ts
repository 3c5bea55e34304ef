import { describe, expect, it } from 'vitest'
import { identifyEpsg } from '../../src/crs/chinese-crs.js'
import { identifyPrj } from '../../src/crs/prj.js'
import { esriPrj } from '../../src/formats/shapefile/prj-writer.js'

// As ArcGIS writes them.
const cm117 =
  'PROJCS["CGCS2000_3_Degree_GK_CM_117E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
const zone39 = cm117.replace('CM_117E', 'Zone_39').replace('500000.0', '39500000.0')
const xian80 =
  'PROJCS["Xian_1980_3_Degree_GK_CM_117E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
const ogc4548 =
  'PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 117E",GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4490"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",117],PARAMETER["scale_factor",1],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","4548"]]'
const wgs84 =
  'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
const gcs2000 =
  'GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'

describe('.prj identification by parameters', () => {
  it('knows ArcGIS CGCS2000 3° zones without and with the zone prefix', () => {
    expect(identifyPrj(cm117)).toMatchObject({ epsg: 4548, datum: 'CGCS2000', zonePrefix: false, centralMeridian: 117 })
    expect(identifyPrj(zone39)).toMatchObject({ epsg: 4527, datum: 'CGCS2000', zonePrefix: true })
  })

  it('reads OGC WKT with authority nodes the same way', () => {
    expect(identifyPrj(ogc4548)).toMatchObject({ epsg: 4548 })
  })

  it('maps every Shandong zone, both forms, for CGCS2000, Xian 1980 and Beijing 1954', () => {
    const expected = {
      CGCS2000: { prefix: [4526, 4527, 4528, 4529], plain: [4547, 4548, 4549, 4550] },
      Xian1980: { prefix: [2362, 2363, 2364, 2365], plain: [2383, 2384, 2385, 2386] },
      Beijing1954: { prefix: [2414, 2415, 2416, 2417], plain: [2435, 2436, 2437, 2438] },
    }
    for (const [datum, codes] of Object.entries(expected)) {
      ;[114, 117, 120, 123].forEach((cm, i) => {
        const zone = cm / 3
        const prj = (fe: number) => esriPrj({ datum: datum as 'CGCS2000', centralMeridian: cm, falseEasting: fe })
        expect(identifyPrj(prj(500000))).toMatchObject({ epsg: codes.plain[i], datum })
        expect(identifyPrj(prj(zone * 1e6 + 500000))).toMatchObject({ epsg: codes.prefix[i], datum })
      })
    }
  })

  it('covers the ends of the ranges and 6° zones', () => {
    const prj = (cm: number, fe: number) => esriPrj({ datum: 'CGCS2000', centralMeridian: cm, falseEasting: fe })
    expect(identifyPrj(prj(75, 500000))).toMatchObject({ epsg: 4534 })
    expect(identifyPrj(prj(135, 500000))).toMatchObject({ epsg: 4554 })
    expect(identifyPrj(prj(75, 25_500_000))).toMatchObject({ epsg: 4513 })
    expect(identifyPrj(prj(135, 45_500_000))).toMatchObject({ epsg: 4533 })
    expect(identifyPrj(prj(117, 20_500_000))).toMatchObject({ epsg: 4498 }) // 6° zone 20
    expect(identifyPrj(prj(75, 13_500_000))).toMatchObject({ epsg: 4491 })
  })

  it('tells Xian 1980 apart by its ellipsoid, whatever the name says', () => {
    expect(identifyPrj(xian80)).toMatchObject({ epsg: 2384, datum: 'Xian1980' })
    expect(identifyPrj(xian80.replace(/Xian_1980/g, 'CGCS2000'))).toMatchObject({ datum: 'Xian1980' })
  })

  it('identifies geographic systems', () => {
    expect(identifyPrj(gcs2000)).toMatchObject({ epsg: 4490, projected: false })
    expect(identifyPrj(wgs84)).toMatchObject({ epsg: 4326, datum: 'WGS84' })
  })

  it('explains what does not fit', () => {
    expect(identifyPrj(cm117.replace('117.0]', '116.0]'))).toMatchObject({ error: expect.stringMatching(/116/) })
    expect(identifyPrj(cm117.replace('500000.0', '38500000.0'))).toMatchObject({ error: expect.stringMatching(/false easting/) })
    expect(identifyPrj(cm117.replace('6378137.0,298.257222101', '6378388.0,297.0'))).toMatchObject({ error: expect.stringMatching(/unknown ellipsoid/) })
    expect(identifyPrj('not wkt')).toMatchObject({ error: expect.stringMatching(/not WKT/) })
    expect(identifyPrj(cm117.replace('"Scale_Factor",1.0', '"Scale_Factor",0.9996'))).toMatchObject({ error: expect.stringMatching(/scale/) })
  })

  it('identifies EPSG codes given as a parameter', () => {
    expect(identifyEpsg(4548)).toMatchObject({ datum: 'CGCS2000', centralMeridian: 117, zonePrefix: false })
    expect(identifyEpsg(4527)).toMatchObject({ datum: 'CGCS2000', centralMeridian: 117, zonePrefix: true })
    expect(identifyEpsg(2363)).toMatchObject({ datum: 'Xian1980', centralMeridian: 117, zonePrefix: true })
    expect(identifyEpsg(4490)).toMatchObject({ projected: false })
    expect(identifyEpsg(3857)).toBeNull()
  })
})
