// The import skips PostGIS's validity check for rings src/geometry/simple-ring.ts proves simple; a
// wrong proof would store an invalid shape unrepaired. Every ring proven here is checked with
// ST_IsValid (GEOS, exact predicates) on the run's real database, over random rings that often
// cross themselves, rings snapped to a millimetre grid (exact touches and collinear runs), and the
// classic invalid shapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/connection.js'
import { migrateLatest } from '../../src/db/migrate.js'
import { provenSimpleRing } from '../../src/geometry/simple-ring.js'
import { openTestDatabase } from '../helpers/app.js'

let db: Database
beforeAll(async () => {
  db = openTestDatabase()
  await migrateLatest(db.knex) // PostGIS itself comes with the first migration
})
afterAll(() => db.close())

type Pt = [number, number]

/** The ring's points as the shapefile stores them (x,y little-endian doubles), closed. */
function ringBytes(pts: Pt[]): Buffer {
  const closed = [...pts, pts[0]!]
  const b = Buffer.alloc(16 * closed.length)
  closed.forEach(([x, y], i) => {
    b.writeDoubleLE(x, 16 * i)
    b.writeDoubleLE(y, 16 * i + 8)
  })
  return b
}

/** WKB polygon of one ring, as hex, for PostGIS. */
function polygonHex(ring: Buffer): string {
  const head = Buffer.alloc(13)
  head[0] = 1
  head.writeUInt32LE(3, 1)
  head.writeUInt32LE(1, 5)
  head.writeUInt32LE(ring.length / 16, 9)
  return Buffer.concat([head, ring]).toString('hex')
}

async function validity(rings: Buffer[]): Promise<boolean[]> {
  const out: boolean[] = []
  for (let i = 0; i < rings.length; i += 2000) {
    const { rows } = await db.knex.raw(
      `SELECT ST_IsValid(ST_GeomFromWKB(decode(h, 'hex'))) AS v FROM unnest(?::text[]) WITH ORDINALITY AS u(h, n) ORDER BY n`,
      [rings.slice(i, i + 2000).map(polygonHex)],
    )
    out.push(...(rows as Array<{ v: boolean }>).map((r) => r.v))
  }
  return out
}

/** A deterministic generator, so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** A star-shaped ring around a Gauss-Kruger point with zone prefix (39 500 000 m, 4 000 000 m): simple by construction. */
function star(r: () => number, n: number, cx = 39_512_345.678, cy = 4_012_345.678): Pt[] {
  const angles = Array.from({ length: n }, () => r() * 2 * Math.PI).sort((a, b) => a - b)
  return angles.map((a) => {
    const d = 20 + r() * 300
    return [cx + d * Math.cos(a), cy + d * Math.sin(a)]
  })
}

async function checkSound(rings: Buffer[]) {
  const proven = rings.map((b) => provenSimpleRing(b, 0, b.length / 16))
  const valid = await validity(rings)
  const wrong = rings.flatMap((_, i) => (proven[i] && !valid[i] ? [i] : []))
  expect(wrong, 'rings proven simple that GEOS finds invalid').toEqual([])
  return { proven: proven.filter(Boolean).length, valid: valid.filter(Boolean).length, total: rings.length }
}

describe('proving a ring simple', () => {
  it('proves star-shaped rings with dense vertices, small and large (the sweep)', async () => {
    const r = rng(1)
    const rings = [
      ...Array.from({ length: 1500 }, () => ringBytes(star(r, 4 + Math.floor(r() * 40)))),
      ...Array.from({ length: 60 }, () => ringBytes(star(r, 65 + Math.floor(r() * 900)))),
    ]
    const { proven, valid, total } = await checkSound(rings)
    // Simple by construction, but two vertices at nearly one angle can make a crossing in doubles.
    expect(valid).toBeGreaterThanOrEqual(total * 0.98)
    // The fast path must actually serve: nearly every valid ring is proven.
    expect(proven).toBeGreaterThanOrEqual(valid * 0.99)
  })

  it('never proves a ring GEOS rejects: random vertex orders, mostly self-crossing', async () => {
    const r = rng(2)
    const rings = Array.from({ length: 3000 }, () => {
      const n = 4 + Math.floor(r() * 12)
      return ringBytes(Array.from({ length: n }, () => [39_500_000 + r() * 100, 4_000_000 + r() * 100] as Pt))
    })
    const { proven, valid, total } = await checkSound(rings)
    // Both kinds occur, so the comparison means something.
    expect(valid).toBeGreaterThan(100)
    expect(valid).toBeLessThan(total - 100)
    expect(proven).toBeGreaterThan(50)
  })

  it('never proves a ring GEOS rejects: stars snapped to a millimetre grid and pinched (exact touches, collinear runs)', async () => {
    const r = rng(3)
    const rings = Array.from({ length: 2000 }, () => {
      let pts = star(r, 5 + Math.floor(r() * 60)).map(([x, y]) => [Math.round(x * 1000) / 1000, Math.round(y * 1000) / 1000] as Pt)
      if (r() < 0.5) {
        // Pull a vertex onto another vertex or onto the middle of a far edge.
        const i = Math.floor(r() * pts.length)
        const j = (i + 2 + Math.floor(r() * (pts.length - 3))) % pts.length
        const k = (j + 1) % pts.length
        const t = r() < 0.5 ? 0 : 0.5
        pts = pts.map((p, m) => (m === i ? [pts[j]![0] + t * (pts[k]![0] - pts[j]![0]), pts[j]![1] + t * (pts[k]![1] - pts[j]![1])] : p))
      }
      return ringBytes(pts)
    })
    const { valid, total } = await checkSound(rings)
    expect(valid).toBeLessThan(total)
  })

  it('leaves the classic invalid and degenerate shapes to PostGIS', async () => {
    const x = 39_500_000
    const y = 4_000_000
    const cases: Record<string, Pt[]> = {
      bowTie: [
        [x, y],
        [x + 10, y + 10],
        [x + 10, y],
        [x, y + 10],
      ],
      spike: [
        [x, y],
        [x + 10, y],
        [x + 20, y],
        [x + 10, y],
        [x + 10, y + 10],
      ],
      repeatedPoint: [
        [x, y],
        [x + 10, y],
        [x + 10, y],
        [x + 10, y + 10],
      ],
      collinearPoint: [
        [x, y],
        [x + 5, y],
        [x + 10, y],
        [x + 10, y + 10],
      ],
      selfTouchAtVertex: [
        [x, y],
        [x + 10, y],
        [x + 5, y + 5],
        [x + 10, y + 10],
        [x, y + 10],
        [x + 5, y + 5],
      ],
      flat: [
        [x, y],
        [x + 10, y],
        [x + 20, y],
      ],
      twoPoints: [
        [x, y],
        [x + 10, y],
      ],
    }
    for (const [name, pts] of Object.entries(cases)) expect(provenSimpleRing(ringBytes(pts), 0, pts.length + 1), name).toBe(false)
    // Reading starts at the offset given: the same triangle after 32 bytes of something else.
    const triangle = ringBytes([
      [x, y],
      [x + 10, y],
      [x, y + 10],
    ])
    expect(provenSimpleRing(Buffer.concat([Buffer.alloc(32, 0xff), triangle]), 32, 4)).toBe(true)
    const valid = await validity(
      Object.values(cases)
        .filter((p) => p.length >= 3)
        .map(ringBytes),
    )
    // GEOS accepts a repeated point and a collinear one; they are still left to it.
    expect(valid.filter(Boolean).length).toBe(2)
  })
})
