// GDAL's PGDump COPY rows (src/import/gdal/copy-rows.ts): escapes, and the WKB fast path, which must
// accept exactly what the common checks accept (anything else takes the path that says why).
import { describe, expect, it } from 'vitest'
import { geojsonToWkb } from '../../src/formats/geojson/to-wkb.js'
import { checkedWkb, copyColumns, copyValue, ewkbToGeometry, provenOneRingPolygon } from '../../src/import/gdal/copy-rows.js'

/** Hex EWKB as PGDump writes it: little-endian, the SRID flag and code on the outer geometry. */
function ewkb(type: 5 | 6, members: number[][][][], srid = 4548): string {
  const plain = geojsonToWkb(
    { type: type === 6 ? 'MultiPolygon' : 'MultiLineString', coordinates: type === 6 ? members : members.map((m) => m[0]) },
    type === 6 ? 'polygon' : 'line',
    1e9,
  )
  if ('error' in plain) {
    // an invalid shape: written by hand from the same layout
    const parts: Buffer[] = []
    const u32 = (n: number) => Buffer.from(Uint32Array.of(n).buffer)
    parts.push(Buffer.from([1]), u32(type | 0x20000000), u32(srid), u32(members.length))
    for (const m of members) {
      parts.push(Buffer.from([1]), u32(type === 6 ? 3 : 2))
      if (type === 6) parts.push(u32(m.length))
      for (const ring of m) parts.push(u32(ring.length), Buffer.from(Float64Array.from(ring.flat()).buffer))
    }
    return Buffer.concat(parts).toString('hex')
  }
  const w = plain.wkb
  return Buffer.concat([
    Buffer.from([1]),
    Buffer.from(Uint32Array.of(w.readUInt32LE(1) | 0x20000000).buffer),
    Buffer.from(Uint32Array.of(srid).buffer),
    w.subarray(5),
  ]).toString('hex')
}

const square = [
  [0, 0],
  [0, 1],
  [1, 1],
  [1, 0],
  [0, 0],
]

describe('COPY rows', () => {
  it('reads the header and unescapes values', () => {
    expect(copyColumns('COPY "public"."DLTB" ("OBJECTID", "SHAPE", "a""b") FROM STDIN;')).toEqual(['OBJECTID', 'SHAPE', 'a"b'])
    expect(copyValue('\\N')).toBeNull()
    expect(copyValue('古楼街道\\t李庄村\\\\x\\n')).toBe('古楼街道\t李庄村\\x\n')
  })

  it('passes valid WKB through without the SRID, as the slow path would write it', () => {
    const hex = ewkb(6, [[square]])
    const fast = checkedWkb(hex, 'polygon', 100)!
    const slow = geojsonToWkb(ewkbToGeometry(hex), 'polygon', 100)
    expect('wkb' in slow && fast.equals(slow.wkb)).toBe(true)
    const line = ewkb(5, [[square.slice(0, 2)]])
    expect(checkedWkb(line, 'line', 100)!.equals((geojsonToWkb(ewkbToGeometry(line), 'line', 100) as { wkb: Buffer }).wkb)).toBe(true)
  })

  it('leaves to the slow path whatever the common checks refuse', () => {
    const open = square.slice(0, 4).concat([[0.5, 0]])
    for (const [hex, family, max] of [
      [ewkb(6, [[open]]), 'polygon', 100], // ring not closed
      [ewkb(6, [[square.slice(0, 3)]]), 'polygon', 100], // 3 positions
      [ewkb(6, [[square]]), 'polygon', 4], // over the vertex limit
      [ewkb(6, [[square.map(([x, y]) => [x! / 0, y!])]]), 'polygon', 100], // not finite
      [ewkb(5, [[square.slice(0, 2)]]), 'polygon', 100], // lines where polygons are expected
    ] as const) {
      expect(checkedWkb(hex, family, max)).toBeNull()
      expect(geojsonToWkb(ewkbToGeometry(hex), family, max)).toHaveProperty('error')
    }
  })

  it('proves a simple one-ring polygon valid (the database skips ST_IsValid), and nothing it cannot', () => {
    const proven = (members: number[][][][]) => provenOneRingPolygon(checkedWkb(ewkb(6, members), 'polygon', 1000)!)
    // an oblique quadrilateral, and a dense ring (a circle of 200 vertices, long edges off the axes)
    expect(
      proven([
        [
          [
            [500100.5, 4030000.25],
            [500180.75, 4030060.5],
            [500130.25, 4030140.75],
            [500050.5, 4030070.125],
            [500100.5, 4030000.25],
          ],
        ],
      ]),
    ).toBe(true)
    const circle = Array.from({ length: 200 }, (_, i) => [500000 + 50 * Math.cos((2 * Math.PI * i) / 200), 4030000 + 50 * Math.sin((2 * Math.PI * i) / 200)])
    expect(proven([[[...circle, circle[0]!]]])).toBe(true)
    // a bow-tie (closed, passes the common checks, self-intersecting), a ring with a hole, two parts
    expect(
      proven([
        [
          [
            [0, 0],
            [1, 1],
            [1, 0],
            [0, 1],
            [0, 0],
          ],
        ],
      ]),
    ).toBe(false)
    const hole = [
      [0.25, 0.25],
      [0.75, 0.25],
      [0.75, 0.75],
      [0.25, 0.75],
      [0.25, 0.25],
    ]
    expect(proven([[square, hole]])).toBe(false)
    expect(proven([[square], [square.map(([x, y]) => [x! + 2, y!])]])).toBe(false)
    // a repeated vertex (GEOS accepts it, the proof does not decide it): left to the database
    expect(
      proven([
        [
          [
            [0, 0],
            [0, 1],
            [0, 1],
            [1, 1],
            [1, 0],
            [0, 0],
          ],
        ],
      ]),
    ).toBe(false)
  })
})
