// The CQL2 parser and SQL translation alone: the tree each text gives, the bound SQL, and errors with positions.
import { describe, expect, it } from 'vitest'
import { collectionById } from '../../src/ogc/collections.js'
import { crsByUri, CRS84 } from '../../src/ogc/crs.js'
import { FilterError } from '../../src/ogc/cql2/ast.js'
import { filterCondition, parseFilter } from '../../src/ogc/cql2/index.js'
import { impliedEqualities } from '../../src/ogc/cql2/sql.js'

const survey3 = collectionById('survey3')!
const target = { properties: survey3.properties, crs: crsByUri(CRS84)! }
const sql = (text: string) => filterCondition(text, 'cql2-text', target)
const errorAt = (text: string) => {
  try {
    parseFilter(text, 'cql2-text')
  } catch (e) {
    return (e as FilterError).at
  }
  return null
}

describe('CQL2 text parser', () => {
  it('AND binds tighter than OR; NOT applies to the next predicate; keywords in any case', () => {
    expect(parseFilter(`a = 1 or b = 2 AND NOT c = 3`, 'cql2-text')).toMatchObject({
      op: 'or',
      args: [
        { op: 'compare', left: { name: 'a' } },
        { op: 'and', args: [{ op: 'compare' }, { op: 'not', arg: { op: 'compare', left: { name: 'c' } } }] },
      ],
    })
  })

  it('reads strings with doubled quotes, quoted names, negative and exponent numbers, DATE()', () => {
    expect(parseFilter(`"dlmc" = 'it''s'`, 'cql2-text')).toMatchObject({ left: { kind: 'property', name: 'dlmc' }, right: { kind: 'string', value: "it's" } })
    expect(parseFilter(`x BETWEEN -1.5 AND 2e3`, 'cql2-text')).toMatchObject({ low: { value: -1.5 }, high: { value: 2000 } })
    expect(parseFilter(`d < DATE('2020-01-31')`, 'cql2-text')).toMatchObject({ right: { kind: 'string', value: '2020-01-31' } })
  })

  it('reads WKT literals of every type into GeoJSON coordinates', () => {
    const g = (wkt: string) => (parseFilter(`S_INTERSECTS(geometry, ${wkt})`, 'cql2-text') as { geometry: unknown }).geometry
    expect(g('POINT(1 2)')).toMatchObject({ type: 'Point', coordinates: [1, 2] })
    expect(g('MULTIPOINT((1 2), (3 4))')).toMatchObject({
      type: 'MultiPoint',
      coordinates: [
        [1, 2],
        [3, 4],
      ],
    })
    expect(g('MULTIPOINT(1 2, 3 4)')).toMatchObject({
      type: 'MultiPoint',
      coordinates: [
        [1, 2],
        [3, 4],
      ],
    })
    expect(g('LINESTRING(0 0, 1 1)')).toMatchObject({
      type: 'LineString',
      coordinates: [
        [0, 0],
        [1, 1],
      ],
    })
    expect(g('MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)))')).toMatchObject({
      type: 'MultiPolygon',
      coordinates: [
        [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 0],
          ],
        ],
      ],
    })
    expect(g('BBOX(0, 1, 2, 3)')).toMatchObject({
      type: 'Polygon',
      coordinates: [
        [
          [0, 1],
          [2, 1],
          [2, 3],
          [0, 3],
          [0, 1],
        ],
      ],
    })
  })

  it('errors carry the 0-based offset of the token at fault', () => {
    expect(errorAt(`dlbm = `)).toBe(7)
    expect(errorAt(`dlbm = 'x' AND`)).toBe(14)
    expect(errorAt(`dlbm ~ 'x'`)).toBe(5)
    expect(errorAt(`(a = 1`)).toBe(6)
    expect(errorAt(`a = 1)`)).toBe(5)
    expect(errorAt(`a = 'x`)).toBe(4)
    expect(errorAt(`a IN ()`)).toBe(6)
    expect(errorAt(`S_INTERSECTS(geometry, POINT(1))`)).toBe(30)
  })
})

describe('CQL2 → SQL', () => {
  it('values are bound, never written into the SQL; SQL of properties comes from the catalogue', () => {
    const s = sql(`dlmc = 'x'' OR 1=1 --' AND tbmj BETWEEN 1 AND 2.5 OR bsm IN (1, 2)`)
    expect(s.sql).toBe(`(((f.dlmc) = ? AND (f.tbmj) BETWEEN ? AND ?) OR (f.bsm) IN (?, ?))`)
    expect(s.bindings).toEqual([`x' OR 1=1 --`, 1, 2.5, 1, 2])
    expect(sql(`5 < bsm`)).toEqual({ sql: '(f.bsm) > ?', bindings: [5] })
    expect(sql(`NOT kcdlbm IS NULL`).sql).toBe('NOT ((f.kcdlbm) IS NULL)')
  })

  it('the geometry literal is bound as GeoJSON in its CRS and transformed to the storage CRS', () => {
    const s = filterCondition(`S_INTERSECTS(geometry, POINT(410000 4030000))`, 'cql2-text', {
      ...target,
      crs: crsByUri('http://www.opengis.net/def/crs/EPSG/0/4548')!,
    })
    expect(s.sql).toBe('ST_Intersects(f.geom, ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(?), ?::int), 4490))')
    expect(s.bindings).toEqual([JSON.stringify({ type: 'Point', coordinates: [410000, 4030000] }), 4548])
    // EPSG:4490 literals are lat/lon and are flipped to PostGIS's lon/lat.
    const latLon = filterCondition(`S_INTERSECTS(geometry, POINT(36 117))`, 'cql2-text', {
      ...target,
      crs: crsByUri('http://www.opengis.net/def/crs/EPSG/0/4490')!,
    })
    expect(latLon.bindings[0]).toBe(JSON.stringify({ type: 'Point', coordinates: [117, 36] }))
  })

  it('cql2-json parses to the same SQL as the text', () => {
    const json = {
      op: 'or',
      args: [
        { op: '>=', args: [{ property: 'tbmj' }, 10] },
        { op: 'isNull', args: [{ property: 'dlbm' }] },
      ],
    }
    expect(filterCondition(JSON.stringify(json), 'cql2-json', target)).toEqual(sql(`tbmj >= 10 OR dlbm IS NULL`))
  })

  it('type errors and unknown names are 400 problems with the position', () => {
    for (const [text, position] of [
      [`bsm = 'x'`, 7],
      [`nope = 1`, 1],
      [`dlbm LIKE 5`, 11],
      [`bsm LIKE '1'`, 1],
      [`bsm = dlbm`, 7],
    ] as const) {
      let err: { statusCode?: number; extras?: { position?: number } } = {}
      try {
        sql(text)
      } catch (e) {
        err = e as typeof err
      }
      expect(err.statusCode, text).toBe(400)
      expect(err.extras?.position, text).toBe(position)
    }
  })

  it("GDAL's forms: numbers not of an integer column's type compare as numeric, dates as dates, CASEI in lower case; only exact equalities are pushed down", () => {
    expect(sql(`bsm > 2.5`)).toEqual({ sql: '(f.bsm) > ?::numeric', bindings: ['2.5'] })
    expect(sql(`bsm = 99999999999999999999`)).toEqual({ sql: '(f.bsm) = ?::numeric', bindings: ['99999999999999999999'] })
    expect(sql(`bsm = 5`)).toEqual({ sql: '(f.bsm) = ?', bindings: [5] })
    expect(sql(`CASEI(dlmc) = CASEI('Ab')`)).toEqual({ sql: 'lower(f.dlmc) = lower(?)', bindings: ['Ab'] })
    expect(sql(`dlmc ILIKE 'a%'`).sql).toBe('(f.dlmc) ILIKE ?')
    const au = collectionById('approved-unsupplied')!
    const dated = filterCondition(`approvedOn = '2018-03-15T'`, 'cql-text', { ...target, properties: au.properties })
    expect(dated).toEqual({ sql: `(to_char(f.approved_on, 'YYYY-MM-DD'))::date = ?::date`, bindings: ['2018-03-15'] })
    const eq = (text: string) => impliedEqualities(parseFilter(text, 'cql2-text'), target).map((e) => [e.property.name, e.value])
    expect(eq(`bsm = 2.5 AND bsm = 99999999999999999999 AND CASEI(dlbm) = '06'`)).toEqual([])
  })

  it('nesting is limited to 100 levels', () => {
    expect(errorAt(`${'('.repeat(101)}a = 1${')'.repeat(101)}`)).toBe(100)
    expect(errorAt(`${'('.repeat(100)}a = 1${')'.repeat(100)}`)).toBe(null)
  })

  it('equalities the whole filter implies are offered for push-down; OR and NOT imply none', () => {
    const eq = (text: string) => impliedEqualities(parseFilter(text, 'cql2-text'), target).map((e) => [e.property.name, e.value])
    expect(eq(`bsm = 5`)).toEqual([['bsm', 5]])
    expect(eq(`'0601' = dlbm AND bsm > 3 AND tbbh = 'T1'`)).toEqual([
      ['dlbm', '0601'],
      ['tbbh', 'T1'],
    ])
    expect(eq(`bsm = 5 OR bsm = 6`)).toEqual([])
    expect(eq(`NOT bsm = 5`)).toEqual([])
  })
})
