// Coordinates typed into the map's search (web/map/coordinates.js): which readings it takes, and its
// Gauss-Kruger conversion (proj4 in the browser) against PostGIS's ST_Transform (PROJ) on the test
// database with the EPSG definitions themselves: 4527 (zone 39, prefixed), 4548 / 4549 (CM 117° / 120°,
// no prefix), 4498 (6° zone 20, prefixed), to CGCS2000 geographic 4490.
import path from 'node:path'
import proj4 from 'proj4'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/connection.js'
import { openTestDatabase } from '../helpers/app.js'

const { readCoordinates, gaussKrugerToDegrees, nearestMeridian } = await import(path.resolve('web/map/coordinates.js'))

let db: Database
beforeAll(() => {
  db = openTestDatabase()
})
afterAll(async () => db?.close())

async function postgis(srid: number, easting: number, northing: number): Promise<[number, number]> {
  const { rows } = await db.knex.raw('SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), ?), 4490) AS p) t', [
    easting,
    northing,
    srid,
  ])
  return [Number(rows[0].lon), Number(rows[0].lat)]
}

describe('reading coordinates from the search text', () => {
  it('takes longitude and latitude in either order and with the separators people type', () => {
    for (const text of ['116.05 36.45', '116.05,36.45', '116.05， 36.45', ' 36.45 ; 116.05 ', '36.45，116.05'])
      expect(readCoordinates(text), text).toEqual({ kind: 'degrees', lon: 116.05, lat: 36.45 })
    // degrees outside China (73°–136°E, 3°–54°N) on either side of each bound
    expect(readCoordinates('72.99 36')).toEqual({ kind: 'invalid', reason: 'outsideChina' })
    expect(readCoordinates('73 36')).toEqual({ kind: 'degrees', lon: 73, lat: 36 })
    expect(readCoordinates('136.01 36')).toEqual({ kind: 'invalid', reason: 'outsideChina' })
    expect(readCoordinates('116 54.01')).toEqual({ kind: 'invalid', reason: 'outsideChina' })
    expect(readCoordinates('116 54')).toEqual({ kind: 'degrees', lon: 116, lat: 54 })
  })

  it('tells a Gauss-Kruger northing from an easting with or without its zone number, in either order', () => {
    expect(readCoordinates('39407560.25 4035890.5')).toEqual({
      kind: 'gk',
      easting: 39407560.25,
      northing: 4035890.5,
      zone: 39,
      zoneWidth: 3,
      centralMeridian: 117,
    })
    expect(readCoordinates('4035890.5, 39407560.25')).toMatchObject({ easting: 39407560.25, northing: 4035890.5, zone: 39 })
    expect(readCoordinates('407560 4035890')).toEqual({ kind: 'gk', easting: 407560, northing: 4035890, zone: null, zoneWidth: 3, centralMeridian: null })
    expect(readCoordinates('20407560 4035890')).toMatchObject({ zone: 20, zoneWidth: 6, centralMeridian: 117 })
    // two 7-digit numbers: which is the northing cannot be told
    expect(readCoordinates('4035890 3407560')).toEqual({ kind: 'invalid', reason: 'gkAmbiguous' })
    // 24 is neither a 3° (25–45) nor a 6° (13–23) zone of China; 46 neither
    expect(readCoordinates('24407560 4035890')).toEqual({ kind: 'invalid', reason: 'zoneUnknown', zone: 24 })
    expect(readCoordinates('25407560 4035890')).toMatchObject({ zone: 25, centralMeridian: 75 })
    expect(readCoordinates('46407560 4035890')).toEqual({ kind: 'invalid', reason: 'zoneUnknown', zone: 46 })
  })

  it('leaves codes and names to the feature search', () => {
    for (const text of ['371502-2024-0003', '1234', '371502000123', '古楼街道', '2024 0003 1', '']) expect(readCoordinates(text), text).toBeNull()
  })

  it('suggests the 3° zone nearest a longitude for eastings without a zone number', () => {
    expect([115.4, 115.6, 116.05, 118.49, 118.51, 121.6].map(nearestMeridian)).toEqual([114, 117, 117, 117, 120, 123])
  })
})

describe('Gauss-Kruger to degrees (proj4) against PostGIS', () => {
  it('converts prefixed and unprefixed eastings as EPSG:4527, 4548, 4549 and 4498 do, to a millimetre', async () => {
    const cases = [
      { text: '39407560.25 4035890.5', chosen: 123, srid: 4527, e: 39407560.25, n: 4035890.5 },
      { text: '407560.25 4035890.5', chosen: 117, srid: 4548, e: 407560.25, n: 4035890.5 },
      { text: '4035890.5 407560.25', chosen: 120, srid: 4549, e: 407560.25, n: 4035890.5 },
      { text: '20407560 4035890', chosen: 114, srid: 4498, e: 20407560, n: 4035890 },
    ]
    for (const c of cases) {
      const got = gaussKrugerToDegrees(proj4, readCoordinates(c.text), c.chosen)
      const [lon, lat] = await postgis(c.srid, c.e, c.n)
      expect(got.kind, c.text).toBe('degrees')
      // 1e-8° is 1.1 mm north-south, 0.9 mm east-west at 36°N
      expect(Math.abs(got.lon - lon), c.text).toBeLessThan(1e-8)
      expect(Math.abs(got.lat - lat), c.text).toBeLessThan(1e-8)
    }
    // the chosen meridian serves only an easting without a zone number
    expect(gaussKrugerToDegrees(proj4, readCoordinates('39407560 4035890'), 123).centralMeridian).toBe(117)
    expect(gaussKrugerToDegrees(proj4, readCoordinates('407560 4035890'), 120).centralMeridian).toBe(120)
  })

  it('refuses a conversion that lands outside China (a wrong order or zone)', () => {
    // a northing of 9 000 000 m is about 81°N
    expect(gaussKrugerToDegrees(proj4, readCoordinates('407560 9000000'), 117)).toEqual({ kind: 'invalid', reason: 'outsideChina' })
  })
})
