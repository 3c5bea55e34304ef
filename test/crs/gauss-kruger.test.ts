// The Gauss-Kruger inverse done in Node for the COPY load (src/crs/gauss-kruger.ts) against the
// database's own ST_Transform (PROJ), which the INSERT path uses, over Shandong's zones with and
// without the zone number, plus two values worked by hand: the origin of a zone and the refusal
// of a point too far from its meridian.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GaussKrugerInverse } from '../../src/crs/gauss-kruger.js'
import { identifyEpsg } from '../../src/crs/chinese-crs.js'
import { nodeGrid } from '../../src/import/copy-batch.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())

// the ellipsoid by its published figures, not by the code's table (ellipsoidOf)
const cgcs2000 = { a: 6378137, rf: 298.257222101 }
/** one unit in the last place of a longitude near 120° (2⁻⁴⁶) */
const ulp120 = 2 ** -46

/** Points over a zone: 150 km either side of the meridian, Shandong's latitudes, not on a lattice. */
function points(falseEasting: number, n: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (let k = 0; k < n; k++) {
    const u = (k * 0.618033988749895) % 1
    const v = (k * 0.7548776662466927) % 1
    out.push([falseEasting + (u - 0.5) * 300_000 + 0.123, 3_800_000 + v * 450_000 + 0.456])
  }
  return out
}

describe('Gauss-Kruger grid → CGCS2000 in Node', () => {
  it.each([4548, 4549, 4527, 4528, 4526, 4550, 4498])('agrees with ST_Transform to 2 units in the last place (EPSG:%i)', async (epsg) => {
    const id = identifyEpsg(epsg)!
    const grid = nodeGrid({ srid: epsg, epsg, name: id.name, how: 'param', identity: id })
    expect(grid).toMatchObject({ centralMeridian: id.centralMeridian, falseEasting: id.falseEasting })
    const gk = new GaussKrugerInverse(grid!)
    const pts = points(id.falseEasting!, 2000)
    const { rows } = await t.knex.raw(
      `SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
         SELECT ST_Transform(ST_SetSRID(ST_MakePoint(x, y), ?::int), 4490) AS p, o
           FROM unnest(?::float8[], ?::float8[]) WITH ORDINALITY AS u(x, y, o)) s ORDER BY o`,
      [epsg, pts.map((p) => p[0]), pts.map((p) => p[1])],
    )
    const out = new Float64Array(2)
    let worst = 0
    for (let k = 0; k < pts.length; k++) {
      expect(gk.inverse(pts[k]![0], pts[k]![1], out, 0)).toBe(true)
      worst = Math.max(worst, Math.abs(out[0]! - rows[k].lon), Math.abs(out[1]! - rows[k].lat))
    }
    expect(worst).toBeLessThanOrEqual(2 * ulp120)
  })

  it('puts a zone origin on its meridian and the equator, and refuses what PROJ refuses', () => {
    const gk = new GaussKrugerInverse({ ...cgcs2000, centralMeridian: 117, falseEasting: 39_500_000 })
    const out = new Float64Array(2)
    expect(gk.inverse(39_500_000, 0, out, 0)).toBe(true)
    expect([out[0], out[1]]).toEqual([117, 0])
    // On the meridian the latitude is the one whose meridian arc is y: 4 000 000 m north of the
    // equator on GRS80 is 36.130292920696° (the arc integral a(1-e²)/(1-e²sin²φ)^1.5 by Simpson's
    // rule and bisection, in Python, not by any series of the code's).
    gk.inverse(39_500_000, 4_000_000, out, 0)
    expect(out[0]).toBe(117)
    expect(out[1]).toBeCloseTo(36.130292920696, 10)
    // 150° of spherical longitude away (about 16 700 km east): PROJ answers HUGE_VAL, so must this.
    expect(gk.inverse(39_500_000 + 2e7, 4_000_000, out, 0)).toBe(false)
  })

  it('leaves to the database what has a datum step or is already geographic', () => {
    const xian = identifyEpsg(2379)! // Xian 1980 / 3-degree Gauss-Kruger CM 117E
    expect(xian.datum).toBe('Xian1980')
    expect(nodeGrid({ srid: 2379, epsg: 2379, name: xian.name, how: 'param', identity: xian })).toBeUndefined()
    const gk = identifyEpsg(4548)!
    expect(nodeGrid({ srid: 900001, epsg: 4548, name: 'towgs84', how: 'param', identity: gk, proj4: '+proj=tmerc +towgs84=1,2,3,0,0,0,0' })).toBeUndefined()
    expect(nodeGrid({ srid: 4490, epsg: 4490, name: 'CGCS2000', how: 'param', identity: identifyEpsg(4490) })).toBeNull()
  })
})
