import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, keyFor, resetData, withKey, type TestApp } from '../helpers/app.js'
import { ellipsoidalRingArea, lonLatRectangle } from '../helpers/geometry.js'

let t: TestApp
let county: string
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())
beforeEach(async () => {
  await resetData(t.knex)
  county = await keyFor(t.knex, 'county', '371502')
})

const create = (payload: object) => t.app.inject({ method: 'POST', url: '/api/v1/projects', headers: withKey(county), payload })

describe('projects', () => {
  it('stores the boundary in EPSG:4490 and reports its ellipsoidal area (checked with GeographicLib)', async () => {
    const geometry = lonLatRectangle(115.95, 36.45, 115.953, 36.452)
    const res = await create({ code: 'DCF-001', geometry, attributes: { name: '古楼街道旧厂区', developmentMode: 'government-reserve' } })
    expect(res.statusCode).toBe(201)
    const p = res.json()
    const expected = ellipsoidalRingArea(geometry.coordinates[0]!)
    expect(Math.abs(p.areaM2 - expected)).toBeLessThan(0.01)
    expect(p).toMatchObject({
      code: 'DCF-001',
      county: '371502',
      name: '古楼街道旧厂区',
      developmentMode: 'government-reserve',
      approach: 'default',
      status: 'draft',
      repairs: null,
    })
    expect(p.geometry.type).toBe('MultiPolygon')
    expect(p.geometry.crs).toBeUndefined() // plain RFC 7946 GeoJSON
    const { rows } = await t.knex.raw('SELECT ST_SRID(geom) AS srid, GeometryType(geom) AS type FROM projects WHERE id = ?', [p.id])
    expect(rows[0]).toEqual({ srid: 4490, type: 'MULTIPOLYGON' })
  })

  it('accepts a GeoJSON Feature in a Gauss-Kruger CRS, with code and attributes in its properties', async () => {
    const ring = [
      [410000, 4030000],
      [410000, 4030100],
      [410100, 4030100],
      [410100, 4030000],
      [410000, 4030000],
    ]
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: withKey(county),
      payload: {
        type: 'Feature',
        geometry: { type: 'Polygon', coordinates: [ring] },
        properties: { code: 'F-1', srid: 4548, name: '要素项目', approach: 'plot-ratio-increase' },
      },
    })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({ code: 'F-1', name: '要素项目', approach: 'plot-ratio-increase', county: '371502' })
    const { rows } = await t.knex.raw('SELECT ST_Area(ST_Transform(geom, 4548)) AS a FROM projects WHERE code = ?', ['F-1'])
    expect(Math.abs(rows[0].a - 10000)).toBeLessThan(1e-6)
  })

  it('repairs a self-intersecting boundary and says so', async () => {
    // A bow-tie: two triangles meeting at (115.951, 36.451).
    const geometry = {
      type: 'Polygon',
      coordinates: [
        [
          [115.95, 36.45],
          [115.952, 36.452],
          [115.952, 36.45],
          [115.95, 36.452],
          [115.95, 36.45],
        ],
      ],
    }
    const res = await create({ code: 'BOW', geometry })
    expect(res.statusCode).toBe(201)
    expect(res.json().repairs[0]).toMatch(/Self-intersection/i)
    expect(res.json().geometry.coordinates).toHaveLength(2)
  })

  it('rejects projected coordinates sent as lon/lat with a CRS hint', async () => {
    const res = await create({ code: 'GK', geometry: lonLatRectangle(39_500_000, 4_030_000, 39_500_100, 4_030_100) })
    expect(res.statusCode).toBe(422)
    expect(res.json().detail).toMatch(/outside China/)
    expect(await t.knex('projects').count({ n: '*' }).first()).toEqual({ n: 0 })
  })

  it('refuses a ring that is not closed (plain body and Feature body) with a 400 naming the geometry, and an unknown CRS without database text', async () => {
    const open = {
      type: 'Polygon',
      coordinates: [
        [
          [115.95, 36.45],
          [115.951, 36.45],
          [115.951, 36.451],
          [115.95, 36.451],
        ],
      ],
    }
    for (const payload of [
      { code: 'OPEN', geometry: open },
      { type: 'Feature', geometry: open, properties: { code: 'OPEN' } },
    ]) {
      const res = await create(payload)
      expect(res.statusCode).toBe(400)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.json().detail).toMatch(/first and last positions must be equivalent/)
      expect(res.json().errors[0].path).toBe('/geometry')
      expect(res.json().detailZh).toMatch(/闭合/)
    }
    const unknownCrs = await create({ code: 'CRS', srid: 999_999, geometry: lonLatRectangle(115.95, 36.45, 115.951, 36.451) })
    expect(unknownCrs.statusCode).toBe(400)
    expect(unknownCrs.json().errors[0]).toMatchObject({ field: 'srid' })
    expect(unknownCrs.body).not.toMatch(/spatial_ref_sys|transform|postgis|SQL/i)
    expect(await t.knex('projects').count({ n: '*' }).first()).toEqual({ n: 0 })
  })

  it('refuses a second project with the same code in a county', async () => {
    expect((await create({ code: 'DUP', geometry: lonLatRectangle(115.95, 36.45, 115.951, 36.451) })).statusCode).toBe(201)
    const again = await create({ code: 'DUP', geometry: lonLatRectangle(115.95, 36.45, 115.951, 36.451) })
    expect(again.statusCode).toBe(409)
  })

  it('keeps attribute values the rules need, and clears them with null', async () => {
    const { id } = (await create({ code: 'ATTR', geometry: lonLatRectangle(115.95, 36.45, 115.951, 36.451) })).json()
    const set = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/projects/${id}`,
      headers: withKey(county),
      payload: {
        approach: 'plot-ratio-increase',
        addedFloorArea: 12000.5,
        newPlotRatio: 2.5,
        ownershipClear: true,
        milestoneType: 'planning-permits',
        milestoneDate: '2025-06-30',
      },
    })
    expect(set.statusCode).toBe(200)
    expect(set.json()).toMatchObject({
      approach: 'plot-ratio-increase',
      addedFloorArea: 12000.5,
      newPlotRatio: 2.5,
      ownershipClear: true,
      milestoneDate: '2025-06-30',
    })
    const cleared = await t.app.inject({ method: 'PATCH', url: `/api/v1/projects/${id}`, headers: withKey(county), payload: { newPlotRatio: null } })
    expect(cleared.json().newPlotRatio).toBeNull()
    const bad = await t.app.inject({ method: 'PATCH', url: `/api/v1/projects/${id}`, headers: withKey(county), payload: { newPlotRatio: 0 } })
    expect(bad.statusCode).toBe(400)
  })

  it('refuses a development mode and milestone that cannot go together on POST as on PATCH (165号 三)', async () => {
    const box = lonLatRectangle(115.95, 36.45, 115.951, 36.451)
    const attributes = { developmentMode: 'government-reserve', milestoneType: 'planning-permits', milestoneDate: '2025-06-30' }
    const posted = await create({ code: 'GR-PP', geometry: box, attributes })
    expect(posted.statusCode).toBe(400)
    expect(posted.json().detailZh).toMatch(/政府收储.*完成节点应为完成土地供应/)
    const { id } = (await create({ code: 'GR-PP', geometry: box, attributes: { developmentMode: 'government-reserve' } })).json()
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/projects/${id}`,
      headers: withKey(county),
      payload: { milestoneType: 'planning-permits' },
    })
    expect(patched.statusCode).toBe(400)
    expect(patched.json().detailZh).toBe(posted.json().detailZh)
    const fine = await create({ code: 'GR-LS', geometry: box, attributes: { ...attributes, milestoneType: 'land-supply' } })
    expect(fine.statusCode).toBe(201)
  })

  it('records the milestone’s evidence and the evidence area on POST and PATCH, trimmed, and says how the evidence stands (165号 三)', async () => {
    const box = lonLatRectangle(115.95, 36.45, 115.951, 36.451)
    const milestoneEvidence = {
      landSupply: { date: '2025-06-30', supervisionNumber: ' 3715022025B00123 ', areaM2: 12000.5 },
      landUsePermit: null,
    }
    const res = await create({
      code: 'EV-1',
      geometry: box,
      attributes: {
        developmentMode: 'government-reserve',
        milestoneType: 'land-supply',
        milestoneDate: '2025-06-30',
        milestoneEvidence,
        evidenceAreaM2: 12000.5,
      },
    })
    expect(res.statusCode, res.body).toBe(201)
    const p = res.json()
    expect(p).toMatchObject({
      evidenceAreaM2: 12000.5,
      milestoneEvidence: { landSupply: { date: '2025-06-30', supervisionNumber: '3715022025B00123', areaM2: 12000.5 } },
      milestoneEvidenceStatus: { complete: true, needsReview: false, noteZh: '证明材料已录入', documentsDate: '2025-06-30' },
    })
    expect(p.milestoneEvidence.landUsePermit).toBeUndefined() // an empty document is not kept
    const get = (await t.app.inject({ url: `/api/v1/projects/${p.id}`, headers: withKey(county) })).json()
    expect(get.milestoneEvidence).toEqual(p.milestoneEvidence)

    const patch = (payload: object) => t.app.inject({ method: 'PATCH', url: `/api/v1/projects/${p.id}`, headers: withKey(county), payload })
    // the supply date of the monitoring system is the milestone (三（一）): a different date is for review
    const moved = await patch({ milestoneDate: '2025-07-01' })
    expect(moved.json().milestoneEvidenceStatus).toMatchObject({ complete: true, needsReview: true })
    expect(moved.json().milestoneEvidenceStatus.noteZh).toBe(
      '完成日期2025-07-01与部土地利用动态监测监管系统供地时间2025-06-30不一致（165号 三（一）），需人工复核',
    )
    // evidence is sent whole: this replaces it, and the 电子监管号 is then missing
    const partial = await patch({ milestoneDate: '2025-06-30', milestoneEvidence: { landSupply: { date: '2025-06-30' } } })
    expect(partial.json().milestoneEvidenceStatus).toMatchObject({ complete: false, needsReview: true, missingZh: ['土地供应电子监管号'] })
    expect(partial.json().milestoneEvidenceStatus.noteZh).toBe('证明材料未录入：土地供应电子监管号，需人工复核')
    const cleared = await patch({ milestoneEvidence: null, evidenceAreaM2: null })
    expect(cleared.json()).toMatchObject({ milestoneEvidence: null, evidenceAreaM2: null })
    expect(cleared.json().milestoneEvidenceStatus.missingZh).toEqual(['土地供应供地时间（部监测监管系统）', '土地供应电子监管号'])
    // without a type the milestone is nothing to judge (and does not count: test/review/milestones.test.ts)
    expect((await patch({ milestoneType: null })).json().milestoneEvidenceStatus).toBeNull()
  })

  it('refuses wrong evidence with a 400 naming each field in Chinese; 64 characters of 电子监管号 pass, 65 do not', async () => {
    const box = lonLatRectangle(115.95, 36.45, 115.951, 36.451)
    const { id } = (await create({ code: 'EV-2', geometry: box })).json()
    const patch = (payload: object) => t.app.inject({ method: 'PATCH', url: `/api/v1/projects/${id}`, headers: withKey(county), payload })
    const bad = await patch({
      evidenceAreaM2: 0,
      milestoneEvidence: { landSupply: { supervisionNumber: '   ', areaM2: -1 }, constructionPermit: { number: 'x'.repeat(101), floorAreaM2: 0 } },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().detailZh).toBe(
      '土地供应电子监管号为空：不填写请省略该项；土地供应供地面积（平方米）须为大于0的数值；建设工程规划许可证证书编号超过100个字符；' +
        '建设工程规划许可证建设规模（建筑面积，平方米）须为大于0的数值；证明材料中面积须为大于0的数值（平方米）；不填写请置空',
    )
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toEqual([
      'body/milestoneEvidence/landSupply/supervisionNumber',
      'body/milestoneEvidence/landSupply/areaM2',
      'body/milestoneEvidence/constructionPermit/number',
      'body/milestoneEvidence/constructionPermit/floorAreaM2',
      'body/evidenceAreaM2',
    ])
    const at = (n: number) => patch({ milestoneEvidence: { landSupply: { supervisionNumber: '3'.repeat(n) } } })
    expect((await at(64)).statusCode).toBe(200)
    const long = await at(65)
    expect(long.statusCode).toBe(400)
    expect(long.json().detailZh).toBe('土地供应电子监管号超过64个字符')
    expect((await patch({ milestoneEvidence: { landSupply: { licence: 'x' } } })).statusCode).toBe(400) // unknown field: the schema
    const posted = await create({ code: 'EV-3', geometry: box, attributes: { evidenceAreaM2: -5 } })
    expect(posted.statusCode).toBe(400)
    expect(posted.json().detailZh).toBe('证明材料中面积须为大于0的数值（平方米）；不填写请置空')
  })

  it('searches by code or name, case-insensitive, with LIKE wildcards taken literally', async () => {
    const box = lonLatRectangle(115.95, 36.45, 115.951, 36.451)
    for (const [code, name] of [
      ['DCF-2026-007', '柳园街道老厂区'],
      ['dcf-2026-008', '古楼街道'],
      ['X_10%', '百分之十'],
    ])
      expect((await create({ code, geometry: box, attributes: { name } })).statusCode).toBe(201)
    const search = async (q: string) =>
      (await t.app.inject({ method: 'GET', url: `/api/v1/projects?q=${encodeURIComponent(q)}`, headers: withKey(county) }))
        .json()
        .items.map((p: any) => p.code)
        .sort()
    expect(await search('dcf-2026')).toEqual(['DCF-2026-007', 'dcf-2026-008'])
    expect(await search('街道老厂')).toEqual(['DCF-2026-007'])
    expect(await search('10%')).toEqual(['X_10%'])
    expect(await search('_')).toEqual(['X_10%'])
    expect(await search('%')).toEqual(['X_10%'])
    expect(await search('nothing')).toEqual([])
  })

  it('answers lists asked together each as if asked alone, and a list asked after a write with that write', async () => {
    // Identical lists asked together share one reading (src/db/shared-read.ts); different regions and
    // queries must not, and none may be answered from a reading started before it came.
    const neighbour = await keyFor(t.knex, 'county', '371503')
    const city = await keyFor(t.knex, 'city', '3715')
    const box = lonLatRectangle(115.95, 36.45, 115.951, 36.451)
    for (const code of ['A-1', 'A-2', 'B-1']) expect((await create({ code, geometry: box })).statusCode).toBe(201)
    const other = await t.app.inject({ method: 'POST', url: '/api/v1/projects', headers: withKey(neighbour), payload: { code: 'N-1', geometry: box } })
    expect(other.statusCode).toBe(201)
    const asks = [
      [county, ''],
      [county, '?q=A-'],
      [county, '?limit=1&offset=1'],
      [neighbour, ''],
      [city, ''],
    ] as const
    const list = (key: string, query: string) => t.app.inject({ method: 'GET', url: `/api/v1/projects${query}`, headers: withKey(key) })
    const alone = await Promise.all(asks.map(async ([key, query]) => (await list(key, query)).body))
    const together = await Promise.all(Array.from({ length: 30 }, (_, i) => list(asks[i % asks.length]![0], asks[i % asks.length]![1])))
    together.forEach((res, i) => {
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(res.body).toBe(alone[i % asks.length])
    })
    expect(JSON.parse(alone[4]!).items.map((p: { code: string }) => p.code)).toEqual(['A-1', 'A-2', 'B-1', 'N-1'])
    // Lists keep coming while projects are created: each list asked after a create returned has it
    // (a reading kept past its end fails here; one joined after it started, in test/db/shared-read.test.ts).
    for (let i = 0; i < 8; i++) {
      const burst = Array.from({ length: 4 }, () => list(county, '?limit=1000'))
      expect((await create({ code: `W-${i}`, geometry: box })).statusCode).toBe(201)
      const after = (await list(county, '?limit=1000')).json().items.map((p: { code: string }) => p.code)
      expect(after).toContain(`W-${i}`)
      await Promise.all(burst)
    }
  })

  it('deletes a project', async () => {
    const { id } = (await create({ code: 'DEL', geometry: lonLatRectangle(115.95, 36.45, 115.951, 36.451) })).json()
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/projects/${id}`, headers: withKey(county) })).statusCode).toBe(204)
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/projects/${id}`, headers: withKey(county) })).statusCode).toBe(404)
  })
})
