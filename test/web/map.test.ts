/// <reference lib="dom" />
// The map page draws the service's vector tiles: rendered features through the map's API, pixels
// that are not blank, and a click shows attributes under their Chinese names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData } from '../helpers/app.js'
import { canvasColours, loadSample, screenshot, signedIn, startWebTest, type WebTest } from './browser.js'

let w: WebTest
let key: string
beforeAll(async () => {
  w = await startWebTest()
  await resetData(w.t.knex)
  key = await keyFor(w.t.knex, 'county', '371502', '东昌府区自然资源局')
  await loadSample(w, key, ['survey3', 'buildings', 'projects'])
})
afterAll(async () => w?.close())

describe('map page', () => {
  it('renders the survey, building and project tiles, coloured by land-use class, with attributes on click', async () => {
    const { context, page } = await signedIn(w, key)
    await page.goto(`${w.baseUrl}/#/map`)
    await page.waitForFunction(() => (window as any).lowlandMap?.loaded() && (window as any).lowlandMap.areTilesLoaded(), null, { timeout: 60_000 })
    await page.waitForFunction(() => (window as any).lowlandMap.queryRenderedFeatures({ layers: ['survey3-fill'] }).length > 0, null, { timeout: 60_000 })
    const rendered = await page.evaluate(() => {
      const map = (window as any).lowlandMap
      const survey3 = map.queryRenderedFeatures({ layers: ['survey3-fill'] })
      return {
        survey3: survey3.length,
        codes: [...new Set(survey3.map((f: any) => f.properties.dlbm))].length,
        colours: [...new Set(survey3.map((f: any) => JSON.stringify(f.layer.paint['fill-color'])))].length,
        buildings: map.queryRenderedFeatures({ layers: ['buildings-fill'] }).length,
        projects: map.queryRenderedFeatures({ layers: ['project-boundaries-line'] }).length,
      }
    })
    expect(rendered.survey3).toBeGreaterThan(100)
    expect(rendered.codes).toBeGreaterThan(5)
    expect(rendered.buildings).toBeGreaterThan(0)
    expect(rendered.projects).toBeGreaterThan(0)
    expect(await canvasColours(page, '#map canvas')).toBeGreaterThan(20)
    // For the README: closer in, so the picture shows patches rather than texture.
    await page.evaluate(() => (window as any).lowlandMap.jumpTo({ zoom: (window as any).lowlandMap.getZoom() + 2.5 }))
    await page.waitForFunction(() => (window as any).lowlandMap.loaded() && (window as any).lowlandMap.areTilesLoaded())
    // Until a frame has been drawn with those tiles: a repaint, then MapLibre's idle (nothing left to draw).
    await page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          const map = (window as any).lowlandMap
          map.once('idle', () => resolve())
          map.triggerRepaint()
        }),
    )
    await screenshot(page, 'map', 0.7)
    expect(await page.textContent('#legend')).toContain('建设用地')

    // Click the middle of a rendered third-survey patch: its attributes under Chinese names.
    const point = await page.evaluate(() => {
      const map = (window as any).lowlandMap
      const box = map.getCanvas().getBoundingClientRect()
      // A patch whose middle is well inside the canvas (features of edge tiles may lie partly outside).
      for (const f of map.queryRenderedFeatures({ layers: ['survey3-fill'] })) {
        if (f.geometry.type !== 'Polygon') continue
        const ring = f.geometry.coordinates[0]
        const c = ring.reduce((a: number[], p: number[]) => [a[0]! + p[0]! / ring.length, a[1]! + p[1]! / ring.length], [0, 0])
        const px = map.project(c)
        if (px.x > 40 && px.y > 40 && px.x < box.width - 40 && px.y < box.height - 40) return { x: box.left + px.x, y: box.top + px.y }
      }
      throw new Error('no third-survey patch inside the canvas')
    })
    await page.mouse.click(point.x, point.y)
    await page.waitForSelector('#attributes dl')
    const text = await page.textContent('#attributes')
    expect(text).toContain('地类编码')
    expect(text).toContain('图斑面积')

    // Switched off: no rendered survey features.
    await page.uncheck('input[data-collection="survey3"]')
    await expect.poll(() => page.evaluate(() => (window as any).lowlandMap.queryRenderedFeatures({ layers: ['survey3-fill'] }).length)).toBe(0)
    await context.close()
  })
})
