// GET /settings answers its schema and carries every value of the modules that own the enumerations:
// the expectations are read from those modules, so a kind or status added there and missing here fails.
import Value from 'typebox/value'
import { checkIds } from '../../src/domain/rules.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { layerKinds } from '../../src/catalogue/layer-kinds.js'
import { defaultConfig } from '../../src/config.js'
import { filingKinds } from '../../src/domain/filings.js'
import { approaches, developmentModes, milestoneTypes, projectStatuses, projectStatusZh } from '../../src/domain/project.js'
import { roles } from '../../src/domain/region.js'
import { reviewActions } from '../../src/domain/workflow.js'
import { collections } from '../../src/ogc/collections.js'
import { Settings } from '../../src/schemas/settings.js'
import { settingsDocument } from '../../src/settings/document.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'

let t: TestApp
let doc: Settings
beforeAll(async () => {
  const limits = { ...defaultConfig().limits, tiles: { maxFeatures: 1234, maxAnalysisPieces: 56 } }
  t = await buildTestApp(undefined, { config: { limits } })
  const res = await t.app.inject({ url: '/settings' })
  expect(res.statusCode, res.body).toBe(200)
  doc = res.json()
})
afterAll(async () => t?.close())

describe('GET /settings', () => {
  it('answers without a key, in its schema', () => {
    expect([...Value.Errors(Settings, doc)]).toEqual([])
  })

  it('lists every layer kind of the catalogue with its titles, geometry, collection and tile minimum zoom', () => {
    expect(doc.layerKinds.map((k) => k.key)).toEqual(layerKinds.map((k) => k.key))
    for (const kind of layerKinds) {
      const got = doc.layerKinds.find((k) => k.key === kind.key)!
      expect(got.titleZh).toBe(kind.titleZh)
      expect(got.title).toBe(kind.title)
      expect(got.geometryType).toBe(kind.family === 'line' ? 'MultiLineString' : 'MultiPolygon')
    }
    const projects = doc.layerKinds.find((k) => k.key === 'projects')!
    expect(projects.collection).toBe('project-boundaries')
    expect(doc.layerKinds.find((k) => k.key === 'survey3')!.minZoom).toBe(12)
    expect(doc.layerKinds.find((k) => k.key === 'plots')!.minZoom).toBe(0)
  })

  it('lists every OGC collection (the map’s tile sources) with its Chinese title', () => {
    expect(doc.collections.map((c) => [c.id, c.titleZh])).toEqual(collections.map((c) => [c.id, c.titleZh]))
  })

  it('names every status, mode, approach, milestone, filing kind, role and review action of the domain', () => {
    const codes = (list: { code: string }[]) => list.map((x) => x.code)
    expect(codes(doc.projectStatuses)).toEqual([...projectStatuses])
    for (const status of doc.projectStatuses) expect(status.nameZh).toBe(projectStatusZh[status.code])
    expect(codes(doc.developmentModes)).toEqual(Object.keys(developmentModes))
    expect(codes(doc.approaches)).toEqual(Object.keys(approaches))
    expect(codes(doc.milestoneTypes)).toEqual(Object.keys(milestoneTypes))
    expect(codes(doc.filingKinds)).toEqual(Object.keys(filingKinds))
    expect(doc.filingKinds.find((k) => k.code === 'scheme')!.nameZh).toBe(filingKinds.scheme)
    expect(codes(doc.roles)).toEqual([...roles])
    expect(codes(doc.reviewActions)).toEqual(Object.keys(reviewActions))
    expect(codes(doc.checks)).toEqual([...checkIds])
    for (const list of [doc.checks, doc.developmentModes, doc.approaches, doc.milestoneTypes, doc.roles, doc.reviewActions])
      for (const x of list) expect(x.nameZh).toMatch(/\p{Script=Han}/u)
  })

  it('lists the coordinate systems of Shandong deliveries by their Chinese names, Xian 1980 with its 7 parameters', () => {
    expect(doc.crsChoices.map((c) => c.epsg)).toEqual([4547, 4548, 4549, 4550, 4526, 4527, 4528, 4529, 4490, 2383, 2384, 2385, 2386, 2362, 2363, 2364, 2365])
    expect(doc.crsChoices.find((c) => c.epsg === 4548)).toEqual({
      epsg: 4548,
      nameZh: '2000国家大地坐标系 3度带 高斯-克吕格 中央经线117°',
      datum: 'CGCS2000',
      needsTowgs84: false,
    })
    expect(doc.crsChoices.find((c) => c.epsg === 2363)).toMatchObject({
      nameZh: '1980西安坐标系 3度带 高斯-克吕格 中央经线117°（带号 39）',
      needsTowgs84: true,
    })
  })

  it('names the milestone evidence field by field, with the milestones each document completes, and the field-check results', () => {
    expect(doc.evidenceDocuments.map((d) => [d.code, d.nameZh, d.required, d.forMilestones])).toEqual([
      ['landSupply', '土地供应', ['date', 'supervisionNumber'], ['land-supply']],
      ['transferRegistration', '不动产转移登记', ['date'], ['transfer-registration']],
      ['landUsePermit', '建设用地规划许可证', ['number', 'date'], ['transfer-registration', 'planning-permits']],
      ['constructionPermit', '建设工程规划许可证', ['number', 'date'], ['transfer-registration', 'planning-permits']],
    ])
    expect(doc.evidenceDocuments[0]!.fields).toEqual([
      { code: 'date', nameZh: '供地时间（部监测监管系统）', kind: 'date' },
      { code: 'supervisionNumber', nameZh: '电子监管号', kind: 'text' },
      { code: 'areaM2', nameZh: '供地面积（平方米）', kind: 'area' },
    ])
    expect(doc.fieldCheckResults).toEqual([
      { code: 'consistent', nameZh: '一致' },
      { code: 'inconsistent', nameZh: '不一致' },
    ])
  })
  it('names the survey standards’ codes, and says which property of which collection each table names', () => {
    const table = (id: string) => Object.fromEntries(doc.codeTables.find((t) => t.id === id)!.codes.map((c) => [c.code, c.nameZh]))
    // 国土调查数据库标准 权属性质代码: 10 国有土地所有权 … 30 集体土地所有权
    expect(table('ownership')).toMatchObject({ '10': '国有土地所有权', '20': '国有土地使用权', '30': '集体土地所有权', '40': '集体土地使用权' })
    expect(table('survey3-land-use')).toMatchObject({ '0103': '旱地', '05H1': '商业服务业设施用地', '0702': '农村宅基地', '1203': '田坎' })
    expect(table('survey2-land-use')).toMatchObject({ '013': '旱地', '203': '村庄', '118': '水工建筑用地' })
    expect(table('town-village')).toMatchObject({ '203A': '村庄独立工业用地' })
    const coded = (id: string) => doc.collections.find((c) => c.id === id)!.codedFields
    expect(coded('survey3')).toEqual({
      dlbm: 'survey3-land-use',
      qsxz: 'ownership',
      kcdlbm: 'survey3-land-use',
      czcsxm: 'town-village',
      gdlx: 'farmland-kind',
    })
    expect(coded('survey2')).toEqual({ dlbm: 'survey2-land-use', qsxz: 'ownership' })
    expect(coded('survey2-lines')).toEqual({ dlbm: 'survey2-land-use' })
    expect(coded('projects')).toEqual({})
    // every table names each code once, in Chinese
    for (const t of doc.codeTables) {
      expect(new Set(t.codes.map((c) => c.code)).size).toBe(t.codes.length)
      for (const c of t.codes) expect(c.nameZh).toMatch(/^\p{Script=Han}+$/u)
    }
  })

  it('gives the map its land-use code sets and the configured tile limits', () => {
    expect(doc.map.survey2ConstructionCodes).toContain('201')
    expect(doc.map.survey3ConstructionCodes.length).toBeGreaterThan(0)
    expect(doc.tiles).toEqual({ maxZoom: 22, maxFeatures: 1234, maxAnalysisPieces: 56 })
  })

  it('offers no basemap unless the deployment gave a 天地图 key; with one, vector and imagery over t0 … t7', () => {
    expect(doc.map.basemaps).toEqual([])
    const tiles = defaultConfig().limits.tiles
    const [vector, imagery] = settingsDocument(tiles, { tiandituToken: 'k+1', tiandituUrl: 'https://t{0-7}.tianditu.gov.cn' }).map.basemaps
    expect([vector!.id, vector!.nameZh, imagery!.id, imagery!.nameZh]).toEqual(['tianditu-vector', '天地图矢量', 'tianditu-imagery', '天地图影像'])
    expect(vector!.tiles.map((u) => new URL(u.replace(/\{/g, '%7B').replace(/\}/g, '%7D')).host)).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `t${i}.tianditu.gov.cn`),
    )
    expect(vector!.tiles[0]).toBe(
      'https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&tk=k%2B1' +
        '&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}',
    )
    expect(vector!.labels[0]).toContain('/cva_w/wmts?')
    expect(imagery!.tiles[0]).toContain('/img_w/wmts?')
    expect(imagery!.labels[0]).toContain('/cia_w/wmts?')
    expect(settingsDocument(tiles, { tiandituToken: 'k', tiandituUrl: 'http://127.0.0.1:9000' }).map.basemaps[0]!.tiles).toHaveLength(1)
  })

  it('gives the console the factor of 亩 (1 亩 = 10000/15 m², DOMAIN.md)', () => {
    expect(doc.units.m2PerMu).toBe(10000 / 15)
  })

  it('is listed in the OpenAPI document as a public path, and the old console-only route is gone', async () => {
    const openapi = (await t.app.inject({ url: '/openapi.json' })).json()
    const path = openapi.paths['/settings']
    expect(path?.get.security).toEqual([])
    expect(Object.keys(path.get.responses['200'].content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['layerKinds', 'projectStatuses', 'filingKinds', 'roles', 'map', 'tiles']),
    )
    expect((await t.app.inject({ url: '/console/settings.json' })).statusCode).toBe(404)
  })
})
