/// <reference lib="dom" />
// The map page's tools in Chromium against the real service: zoom to the county's data, the hint
// below the survey layers' minimum zoom, 定位 by 项目编号 / 图斑编号 / 标识码 / coordinates, a click
// that outlines and lists its hits top layer first with codes named, and 测距 / 测面 whose numbers are
// checked against hand formulas on the CGCS2000 ellipsoid and PostGIS's geography functions.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { survey3Classes } from '../../src/testdata/codes.js'
import { keyFor, resetData, withKey } from '../helpers/app.js'
import { meridianArc, zoneArea } from '../helpers/geometry.js'
import { loadSample, screenshot, signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
let key: string
const desktop = { width: 1440, height: 900 }
const phone = { width: 390, height: 844 }

beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  key = await keyFor(w.t.knex, 'county', '371502')
  await loadSample(w, key, ['survey3', 'buildings', 'projects'])
  // The sample's TBBH equals its BSM; one patch gets a TBBH of its own so that each is found by itself.
  await w.t.knex.raw(`UPDATE survey3_patches SET tbbh = '0012-1' WHERE bsm = 77`)
})
afterAll(async () => w?.close())

const mapReady = (page: Page) =>
  page.waitForFunction(() => (window as any).lowlandMap?.loaded() && (window as any).lowlandMap.areTilesLoaded() && (window as any).lowlandMeasure, null, {
    timeout: 60_000,
  })

/** Until MapLibre has drawn a frame with every tile it asked for. */
async function settled(page: Page) {
  await page.waitForFunction(() => (window as any).lowlandMap.loaded() && (window as any).lowlandMap.areTilesLoaded(), null, { timeout: 60_000 })
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const map = (window as any).lowlandMap
        map.once('idle', () => resolve())
        map.triggerRepaint()
      }),
  )
}

async function openMap(viewport = desktop) {
  const { context, page } = await signedIn(w, key, viewport)
  await page.goto(`${w.baseUrl}/#/map`)
  await mapReady(page)
  return { context, page }
}

const bounds = (page: Page) => page.evaluate(() => (window as any).lowlandMap.getBounds().toArray().flat() as number[])
const zoom = (page: Page) => page.evaluate(() => (window as any).lowlandMap.getZoom() as number)

describe('map tools', () => {
  it('zooms to the county’s data, and says which layers wait for which zoom', async () => {
    const layers = (await w.t.app.inject({ url: '/api/v1/layers?county=371502', headers: withKey(key) })).json()
    const extents: number[][] = layers.map((l: any) => l.active.extent)
    const data = [0, 1, 2, 3].map((i) => (i < 2 ? Math.min : Math.max)(...extents.map((e) => e[i]!)))
    const { context, page } = await openMap()
    // No basemap is configured (TIANDITU_TOKEN): nothing to pick, nothing asked of the internet.
    expect(await page.$('#basemap')).toBeNull()
    const inside = (b: number[]) => b[0]! <= data[0]! && b[1]! <= data[1]! && b[2]! >= data[2]! && b[3]! >= data[3]!
    expect(inside(await bounds(page))).toBe(true)

    // The sample county fits at zoom 13 and more: every layer is drawn, no hint.
    expect(await zoom(page)).toBeGreaterThanOrEqual(13)
    expect(await page.isHidden('#zoom-hint')).toBe(true)
    // Farther out, third-survey patches (from zoom 12) and buildings (13) are not drawn, and the hint says so.
    await page.evaluate(() => (window as any).lowlandMap.jumpTo({ zoom: 11.6 }))
    await expect.poll(() => page.isVisible('#zoom-hint')).toBe(true)
    expect(await page.textContent('#zoom-hint')).toContain('当前第 11 级：放大至第 12 级以显示三调地类图斑，第 13 级以显示建筑物')
    await settled(page)
    await screenshot(page, 'map-tools-zoom-hint', 0.75)
    await page.click('#zoom-to-min')
    await expect.poll(() => zoom(page)).toBe(12)
    expect(await page.textContent('#zoom-hint')).toContain('放大至第 13 级以显示建筑物')
    expect(await page.textContent('#zoom-hint')).not.toContain('三调地类图斑')
    await page.click('#zoom-to-min')
    await expect.poll(() => page.isHidden('#zoom-hint')).toBe(true)
    // A layer switched off needs no hint.
    await page.evaluate(() => (window as any).lowlandMap.jumpTo({ zoom: 12.5 }))
    await expect.poll(() => page.isVisible('#zoom-hint')).toBe(true)
    await page.uncheck('input[data-collection="buildings"]')
    await expect.poll(() => page.isHidden('#zoom-hint')).toBe(true)

    // 缩放到数据范围 goes back to the whole county.
    await page.click('#zoom-data')
    expect(inside(await bounds(page))).toBe(true)
    await context.close()
  })

  it('finds a project by its code, a patch by its TBBH or BSM, and a place by its coordinates', async () => {
    const { context, page } = await openMap()
    const search = async (text: string) => {
      await page.fill('#search-text', text)
      await page.click('#search-go')
      await page.waitForSelector('#search-results [role="status"], #search-results [role="alert"]')
    }
    const found = () => page.evaluate(() => (window as any).lowlandMap.getSource('found').getData())

    // 项目编号: the one project, the map fitted to it and its boundary outlined.
    const { rows: projectRows } = await w.t.knex.raw(
      `SELECT id, ST_XMin(geom) AS x0, ST_YMin(geom) AS y0, ST_XMax(geom) AS x1, ST_YMax(geom) AS y1,
              ST_X(ST_Centroid(geom)) AS lon, ST_Y(ST_Centroid(geom)) AS lat,
              ST_X(ST_Transform(ST_Centroid(geom), 4527)) AS e39, ST_Y(ST_Transform(ST_Centroid(geom), 4527)) AS n39,
              ST_X(ST_Transform(ST_Centroid(geom), 4548)) AS e117
         FROM projects WHERE code = '371502-0003'`,
    )
    const p = projectRows[0]
    await search('371502-0003')
    expect(await page.textContent('#search-results')).toContain('找到 1 个结果')
    expect(await page.getAttribute('#search-results li', 'data-collection')).toBe('projects')
    expect(await page.getAttribute('#search-results li a', 'href')).toBe(`#/projects/${p.id}`)
    const b = await bounds(page)
    expect(b[0]! <= p.x0 && b[1]! <= p.y0 && b[2]! >= p.x1 && b[3]! >= p.y1).toBe(true)
    expect((await found()).geometry.type).toMatch(/Polygon/)
    await settled(page)
    await screenshot(page, 'map-tools-search', 0.75)

    // Part of a code or name lists every project it is in.
    await search('湖西街道')
    expect(await page.$$eval('#search-results li', (li) => li.map((x) => x.getAttribute('data-collection')))).toContain('projects')

    // 图斑编号 (TBBH) and 标识码 (BSM) each find the patch: the patch whose TBBH is 0012-1 has BSM 77.
    for (const text of ['0012-1', '77']) {
      await search(text)
      expect(await page.$$eval('#search-results li', (li) => li.map((x) => x.getAttribute('data-collection')))).toEqual(['survey3'])
      expect(await page.textContent('#search-results li')).toContain('图斑编号 0012-1')
      expect(await zoom(page)).toBeGreaterThanOrEqual(13)
    }
    await search('没有这个编号')
    expect(await page.textContent('#search-results')).toContain('未找到“没有这个编号”')
    expect((await found()).features).toEqual([])

    // Coordinates: degrees either way round, Gauss-Kruger with a zone number (39) or on the chosen meridian (117°).
    const place = async () => page.$eval('#search-place', (e) => [Number((e as HTMLElement).dataset.lon), Number((e as HTMLElement).dataset.lat)])
    const near = ([lon, lat]: number[]) => Math.abs(lon! - p.lon) < 1e-8 && Math.abs(lat! - p.lat) < 1e-8
    await search(`${p.lat} ${p.lon}`)
    expect(near(await place())).toBe(true)
    await search(`${p.e39.toFixed(4)} ${p.n39.toFixed(4)}`)
    expect(near(await place())).toBe(true)
    expect(await page.textContent('#search-place')).toContain('3度带 高斯-克吕格坐标换算（第 39 带，中央经线 117°）')
    await page.selectOption('#search-meridian', '117')
    await search(`${p.n39.toFixed(4)}, ${p.e117.toFixed(4)}`)
    expect(near(await place())).toBe(true)
    expect(await page.textContent('#search-place')).toContain('无带号，中央经线 117°')
    expect((await found()).geometry.coordinates.map((c: number) => Math.round(c * 1e6))).toEqual([Math.round(p.lon * 1e6), Math.round(p.lat * 1e6)])
    // On another meridian the same easting lands 3° away: still in China, so shown, and saying which meridian.
    await page.selectOption('#search-meridian', '120')
    await search(`${p.n39.toFixed(4)}, ${p.e117.toFixed(4)}`)
    expect((await place())[0]).toBeCloseTo(p.lon + 3, 1)
    await search('39407560 9000000')
    expect(await page.textContent('#search-results [role="alert"]')).toContain('不在中国范围内')
    await context.close()
  })

  it('outlines what a click hit and lists it top layer first, codes with their names', async () => {
    const { context, page } = await openMap()
    await page.evaluate(() => (window as any).lowlandMap.jumpTo({ zoom: 16.5 }))
    await settled(page)
    // A building well inside the canvas: under it, a third-survey patch.
    const point = await page.evaluate(() => {
      const map = (window as any).lowlandMap
      const box = map.getCanvas().getBoundingClientRect()
      for (const f of map.queryRenderedFeatures({ layers: ['buildings-fill'] })) {
        const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : null
        if (!ring) continue
        const c = ring.slice(1).reduce((a: number[], q: number[]) => [a[0]! + q[0]! / (ring.length - 1), a[1]! + q[1]! / (ring.length - 1)], [0, 0])
        const px = map.project(c)
        if (px.x > 80 && px.y > 80 && px.x < box.width - 80 && px.y < box.height - 80) return { x: box.left + px.x, y: box.top + px.y }
      }
      throw new Error('no building inside the canvas')
    })
    await page.mouse.click(point.x, point.y)
    await page.waitForSelector('#attributes section.hit[data-collection="survey3"]')
    const order = await page.$$eval('#attributes section.hit', (s) => s.map((x) => x.getAttribute('data-collection')))
    // Buildings are drawn over the patches: listed first.
    expect(order.slice(0, 2)).toEqual(['buildings', 'survey3'])
    expect(await page.textContent('#hit-count')).toContain(`${order.length} 个要素（上层在前）`)

    // The patch's codes with their names: 权属性质 from the survey standard (10 国有 / 30 集体土地所有权),
    // 地类编码 with the name the sample's generator wrote into DLMC.
    const patch = await page.$$eval('#attributes section.hit[data-collection="survey3"] dl > *', (els) => els.map((e) => e.textContent))
    const value = (title: string) => patch[patch.indexOf(title) + 1]!
    const ownership: Record<string, string> = { '10': '国有土地所有权', '30': '集体土地所有权' }
    const qsxz = value('权属性质').split(' ')[0]!
    expect(value('权属性质')).toBe(`${qsxz} ${ownership[qsxz]}`)
    const dlbm = value('地类编码').split(' ')[0]!
    expect(value('地类编码')).toBe(`${dlbm} ${survey3Classes.find(([c]) => c === dlbm)![1]}`)
    expect(await page.textContent('#attributes section.hit[data-collection="survey3"] h3')).toContain(`图斑编号 ${value('图斑编号')} · ${dlbm}`)

    // Both hits are outlined, each by its id across tiles.
    const outlined = await page.evaluate(() => {
      const map = (window as any).lowlandMap
      return {
        survey3: map.getFilter('survey3-selected')[2][1],
        buildings: map.getFilter('buildings-selected')[2][1],
        drawn: map.queryRenderedFeatures({ layers: ['survey3-selected', 'buildings-selected'] }).length,
      }
    })
    const ids = await page.$$eval('#attributes section.hit', (s) => s.map((x) => [x.getAttribute('data-collection'), Number(x.getAttribute('data-id'))]))
    expect(outlined.survey3).toEqual(ids.filter(([c]) => c === 'survey3').map(([, id]) => id))
    expect(outlined.buildings).toEqual(ids.filter(([c]) => c === 'buildings').map(([, id]) => id))
    expect(outlined.drawn).toBeGreaterThanOrEqual(2)
    await settled(page)
    await screenshot(page, 'map-tools-identify', 0.75)

    // A click on nothing clears the list and the outlines.
    await page.evaluate(() => (window as any).lowlandMap.jumpTo({ center: [100, 30] }))
    const canvas = (await page.$('#map canvas'))!.boundingBox()
    const c = (await canvas)!
    await page.mouse.click(c.x + c.width / 2, c.y + c.height / 2)
    await expect.poll(() => page.textContent('#attributes')).toContain('该位置没有要素')
    expect(await page.evaluate(() => (window as any).lowlandMap.getFilter('survey3-selected')[2][1])).toEqual([])
    await context.close()
  })

  it('measures a distance and an area on the CGCS2000 ellipsoid, in 米 and 千米, 平方米 and 亩', async () => {
    const { context, page } = await openMap()
    await page.evaluate(() => (window as any).lowlandMap.jumpTo({ zoom: 15 }))
    const c = (await (await page.$('#map canvas'))!.boundingBox())!
    const x0 = Math.round(c.x + c.width * 0.25)
    const x1 = Math.round(c.x + c.width * 0.7)
    const y0 = Math.round(c.y + c.height * 0.25)
    const y1 = Math.round(c.y + c.height * 0.7)
    const points = () => page.evaluate(() => (window as any).lowlandMeasure.points as number[][])
    const number = (text: string, before: string) => Number(new RegExp(`${before}\\s*([0-9,.]+)`).exec(text)![1]!.replace(/,/g, ''))
    const postgis = async (sql: string, coordinates: number[][]) => {
      const wkt = coordinates.map(([lon, lat]) => `${lon} ${lat}`).join(', ')
      const { rows } = await w.t.knex.raw(sql.replace('$wkt', '?'), [wkt])
      return Number(rows[0].v)
    }

    // 测距 along one screen column, i.e. along a meridian: the meridian arc by hand.
    await page.click('#measure-distance')
    // GeographicLib is loaded on the first use
    await expect.poll(() => page.getAttribute('#measure-distance', 'aria-pressed')).toBe('true')
    await page.mouse.click(x0, y0)
    await page.mouse.dblclick(x0, y1)
    await expect.poll(() => page.getAttribute('#measure-distance', 'aria-pressed')).toBe('false')
    const line = await points()
    expect(line.length).toBe(2)
    expect(line[0]![0]).toBe(line[1]![0])
    const arc = meridianArc(line[0]![1]!, line[1]![1]!)
    const shownMetres = Number(await page.getAttribute('#measure-result [data-metres]', 'data-metres'))
    expect(Math.abs(shownMetres - arc)).toBeLessThan(1e-6)
    const lengthText = (await page.textContent('#measure-result'))!
    expect(Math.abs(number(lengthText, '长度') - arc)).toBeLessThanOrEqual(0.005 + 1e-6)
    expect(Math.abs(number(lengthText, '（') - arc / 1000)).toBeLessThanOrEqual(0.0005 + 1e-9)
    expect(lengthText).toMatch(/千米）/)
    // PostGIS's geography length on the CGCS2000 ellipsoid says the same
    expect(Math.abs(shownMetres - (await postgis(`SELECT ST_Length(ST_GeomFromText('LINESTRING(' || $wkt || ')', 4490)::geography) AS v`, line)))).toBeLessThan(
      1e-3,
    )

    // 测面 over a screen rectangle, i.e. a lon/lat cell: the ellipsoid's zone area by hand.
    await page.click('#measure-area')
    await expect.poll(() => page.getAttribute('#measure-area', 'aria-pressed')).toBe('true')
    await page.mouse.click(x0, y0)
    await page.mouse.click(x1, y0)
    await page.mouse.click(x1, y1)
    await page.mouse.click(x0, y1)
    await page.click('#measure-finish')
    const cell = await points()
    expect(cell.length).toBe(4)
    const [west, east] = [Math.min(cell[0]![0]!, cell[1]![0]!), Math.max(cell[0]![0]!, cell[1]![0]!)]
    const [south, north] = [Math.min(cell[0]![1]!, cell[2]![1]!), Math.max(cell[0]![1]!, cell[2]![1]!)]
    expect(cell.map(([lon]) => lon === west || lon === east)).toEqual([true, true, true, true])
    const hand = zoneArea(west, south, east, north)
    const shownM2 = Number(await page.getAttribute('#measure-result [data-m2]', 'data-m2'))
    // the geodesic edges' bow: about 2·10⁻³ m² for a cell of 0.017° (test/helpers/geometry.ts)
    expect(Math.abs(shownM2 - hand)).toBeLessThan(5e-3)
    const areaText = (await page.textContent('#measure-result'))!
    expect(Math.abs(number(areaText, '面积') - hand)).toBeLessThanOrEqual(0.005 + 5e-3)
    expect(Math.abs(number(areaText, '平方米（') - hand / (10000 / 15))).toBeLessThanOrEqual(0.00005 + 1e-5)
    expect(areaText).toContain('亩')
    const ring = [...cell, cell[0]!]
    expect(Math.abs(shownM2 - (await postgis(`SELECT ST_Area(ST_GeomFromText('POLYGON((' || $wkt || '))', 4490)::geography) AS v`, ring)))).toBeLessThan(1e-3)
    expect(number(areaText, '周长')).toBeCloseTo(
      await postgis(`SELECT ST_Length(ST_GeomFromText('LINESTRING(' || $wkt || ')', 4490)::geography) AS v`, ring),
      1,
    )
    // No identify while measuring: the clicks drew, they did not list features.
    expect(await page.textContent('#attributes')).toContain('点击地图上的要素查看属性')
    await settled(page)
    await screenshot(page, 'map-tools-measure', 0.75)

    await page.click('#measure-clear')
    expect(await page.isHidden('#measure-result')).toBe(true)
    expect(await points()).toEqual([])
    await context.close()
  })

  it('fits a phone: the map full width first, the tools above it', async () => {
    const { context, page } = await openMap(phone)
    const map = (await (await page.$('#map'))!.boundingBox())!
    expect(map.width).toBeGreaterThan(phone.width - 40)
    const layersPanel = (await (await page.$('.layers-panel'))!.boundingBox())!
    expect(layersPanel.y).toBeGreaterThan(map.y + map.height)
    // nothing wider than the screen
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(phone.width)
    await page.fill('#search-text', '371502-0003')
    await page.click('#search-go')
    await page.waitForSelector('#search-results [role="status"]')
    await page.click('#measure-area')
    await expect.poll(() => page.getAttribute('#measure-area', 'aria-pressed')).toBe('true')
    const c = (await (await page.$('#map canvas'))!.boundingBox())!
    for (const [fx, fy] of [
      [0.3, 0.3],
      [0.7, 0.35],
      [0.6, 0.7],
    ])
      await page.mouse.click(c.x + c.width * fx!, c.y + c.height * fy!)
    await page.click('#measure-finish')
    await settled(page)
    await screenshot(page, 'map-tools-phone', 1)
    await context.close()
  })
})
