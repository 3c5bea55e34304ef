// A generated corpus of CQL2 filters, valid and invalid, against every collection's items (issue 23):
// no filter may answer 5xx; a refusal is a 400 problem document. Deterministic (a seeded generator),
// through inject, on an empty database (PostgreSQL plans and type-checks the statement all the same).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'

let t: TestApp
let key: string
beforeAll(async () => {
  t = await buildTestApp()
  await resetData(t.knex)
  key = await keyFor(t.knex, 'province')
})
afterAll(() => t.close())

/** A small deterministic generator (mulberry32). */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const values = [
  `'一般'`,
  `'it''s'`,
  `''`,
  `'%'`,
  `'a\\b'`,
  `0`,
  `1`,
  `-1`,
  `2.5`,
  `1e+20`,
  `99999999999999999999`,
  `-0.0001`,
  `true`,
  `false`,
  `'2018-03-15T'`,
  `'2018-03-15'`,
  `DATE('2020-01-31')`,
  `TIMESTAMP('2020-01-31T08:00:00Z')`,
  `TIMESTAMP('not a time')`,
  `DATE('2020-13-45')`,
  `NULL`,
  `'😀'`,
  `'𡒄'`,
  `'x''`,
  `"quoted"`,
  `CASEI('ABC')`,
]
const operators = ['=', '<>', '<', '<=', '>', '>=', 'LIKE', 'ILIKE', 'NOT LIKE', 'IN', 'NOT IN', 'BETWEEN', 'IS NULL', 'IS NOT NULL', '==', '!']
const spatial = [
  'S_INTERSECTS(geometry, POINT(116 36.4))',
  'S_INTERSECTS(geometry, POLYGON((115.9 36.3, 116.1 36.3, 116.1 36.5, 115.9 36.3)))',
  'S_INTERSECTS(geometry, BBOX(115.9, 36.3, 116.1, 36.5))',
  'S_WITHIN(geometry, ENVELOPE(115.9, 36.3, 116.1, 36.5))',
  'S_INTERSECTS(geometry, POLYGON((1 2, 3 4)))',
  'S_INTERSECTS(geometry, LINESTRING(1 2))',
  'S_INTERSECTS(dlbm, POINT(1 2))',
]

function predicate(props: string[], r: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!
  if (r() < 0.12) return pick(spatial)
  const p = r() < 0.9 ? pick(props) : pick(['nosuch', '"dlbm"', 'geometry', '1', ''])
  const op = pick(operators)
  const v = pick(values)
  if (op === 'IN' || op === 'NOT IN') return `${p} ${op} (${v}, ${pick(values)})`
  if (op === 'BETWEEN') return `${p} BETWEEN ${v} AND ${pick(values)}`
  if (op.startsWith('IS')) return `${p} ${op}`
  return r() < 0.1 ? `CASEI(${p}) ${op} ${v}` : `${p} ${op} ${v}`
}

function filter(props: string[], r: () => number, depth = 0): string {
  const x = r()
  if (depth > 3 || x < 0.45) return predicate(props, r)
  if (x < 0.6) return `NOT (${filter(props, r, depth + 1)})`
  if (x < 0.85) return `(${filter(props, r, depth + 1)}) ${r() < 0.5 ? 'AND' : 'OR'} ${filter(props, r, depth + 1)}`
  // broken on purpose: unbalanced, trailing or doubled operators, stray characters
  return [`(${predicate(props, r)}`, `${predicate(props, r)} AND`, `AND ${predicate(props, r)}`, `${predicate(props, r)} ;`, `${predicate(props, r)})`][
    Math.floor(r() * 5)
  ]!
}

describe('a generated CQL2 corpus', () => {
  it('answers 200 or a 400 problem document to every filter on every collection, never 5xx', { timeout: 300_000 }, async () => {
    const collections = (await t.app.inject({ url: '/ogc/collections', headers: withKey(key) })).json().collections as Array<{ id: string }>
    const r = random(20261203)
    const statuses = new Map<number, number>()
    const failures: string[] = []
    let sent = 0
    for (const c of collections) {
      const q = (await t.app.inject({ url: `/ogc/collections/${c.id}/queryables`, headers: withKey(key) })).json()
      const props = Object.keys(q.properties ?? {}).filter((p) => p !== 'geometry')
      for (let i = 0; i < 50; i++) {
        const text = filter(props, r)
        const res = await t.app.inject({ url: `/ogc/collections/${c.id}/items?limit=1&filter=${encodeURIComponent(text)}`, headers: withKey(key) })
        sent++
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        if (res.statusCode >= 500) failures.push(`${c.id}: ${text} → ${res.statusCode} ${res.body.slice(0, 120)}`)
        else if (res.statusCode !== 200 && !String(res.headers['content-type']).includes('problem+json')) failures.push(`${c.id}: ${text} → no problem+json`)
      }
    }
    expect(sent).toBeGreaterThanOrEqual(500)
    expect(failures).toEqual([])
    // the corpus holds both kinds: filters the service runs and filters it refuses
    expect(statuses.get(200) ?? 0).toBeGreaterThan(100)
    expect(statuses.get(400) ?? 0).toBeGreaterThan(100)
  })
})
