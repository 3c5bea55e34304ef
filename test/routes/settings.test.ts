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

  it('gives the map its land-use code sets and the configured tile limits', () => {
    expect(doc.map.survey2ConstructionCodes).toContain('201')
    expect(doc.map.survey3ConstructionCodes.length).toBeGreaterThan(0)
    expect(doc.tiles).toEqual({ maxZoom: 22, maxFeatures: 1234, maxAnalysisPieces: 56 })
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
