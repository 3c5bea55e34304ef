/// <reference lib="dom" />
// The optional 天地图 basemap (TIANDITU_TOKEN) against a stand-in tile server on this machine, never
// the internet: off until picked; once picked, WMTS GetTile requests carry the deployment's key, the
// layer and the tile of the view (TILEMATRIX = z, TILEROW = y, TILECOL = x), the tiles are drawn under
// the data, the choice is remembered, and the service's own key never goes to the tile server.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFor, resetData } from '../helpers/app.js'
import { loadSample, screenshot, signedIn, startWebTest, type WebTest } from './browser.js'

/** A 256×256 PNG of one RGBA colour (the stand-in's tiles). */
function png(rgba: [number, number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const out = Buffer.alloc(body.length + 8)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(zlib.crc32(body), body.length + 4)
    return out
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(256, 0)
  header.writeUInt32BE(256, 4)
  header.set([8, 6, 0, 0, 0], 8) // 8 bits, RGBA, deflate, no filter, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(256 * 4, Buffer.from(rgba))])
  const image = zlib.deflateSync(Buffer.concat(Array.from({ length: 256 }, () => row)))
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', image),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

// A colour none of the map's styles uses; the place-name layer is transparent.
const ground: [number, number, number, number] = [17, 170, 68, 255]
const requests: URL[] = []
const headers: http.IncomingHttpHeaders[] = []
let tiles: http.Server
let w: WebTest
let key: string
const token = 'stand-in-token-0123'

beforeAll(async () => {
  const [opaque, clear] = [png(ground), png([0, 0, 0, 0])]
  tiles = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://stand-in')
    requests.push(url)
    headers.push(req.headers)
    // 天地图 answers cross-origin image requests with CORS headers; WebGL needs them.
    res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' })
    res.end(url.searchParams.get('LAYER') === 'cia' || url.searchParams.get('LAYER') === 'cva' ? clear : opaque)
  })
  await new Promise<void>((resolve) => tiles.listen(0, '127.0.0.1', resolve))
  const port = (tiles.address() as AddressInfo).port
  w = await startWebTest({ basemap: { tiandituToken: token, tiandituUrl: `http://127.0.0.1:${port}` } })
  await resetData(w.t.knex)
  key = await keyFor(w.t.knex, 'county', '371502')
  await loadSample(w, key, ['projects'])
})
afterAll(async () => {
  await w?.close()
  await new Promise((resolve) => tiles?.close(resolve))
})

const settled = (page: import('playwright-core').Page) =>
  page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const map = (window as any).lowlandMap
        map.once('idle', () => resolve())
        map.triggerRepaint()
      }),
  )

/** Pixels of the canvas in the stand-in's colour, as a share of those sampled. */
const groundShare = (page: import('playwright-core').Page) =>
  page.$eval(
    '#map canvas',
    (canvas: HTMLCanvasElement, [r, g, b]) => {
      const copy = document.createElement('canvas')
      copy.width = canvas.width
      copy.height = canvas.height
      const ctx = copy.getContext('2d')!
      ctx.drawImage(canvas, 0, 0)
      const data = ctx.getImageData(0, 0, copy.width, copy.height).data
      let hits = 0
      let all = 0
      for (let i = 0; i < data.length; i += 4 * 13, all++) if (data[i] === r && data[i + 1] === g && data[i + 2] === b) hits++
      return hits / all
    },
    ground,
  )

describe('the 天地图 basemap', () => {
  it('is off until picked, then drawn under the data from the configured server with the deployment’s key', async () => {
    const { context, page } = await signedIn(w, key, { width: 1440, height: 900 })
    await page.goto(`${w.baseUrl}/#/map`)
    await page.waitForFunction(() => (window as any).lowlandMap?.loaded() && (window as any).lowlandMap.areTilesLoaded(), null, { timeout: 60_000 })
    expect(await page.$$eval('#basemap option', (o) => o.map((x) => [(x as HTMLOptionElement).value, x.textContent]))).toEqual([
      ['', '无'],
      ['tianditu-vector', '天地图矢量'],
      ['tianditu-imagery', '天地图影像'],
    ])
    expect(await page.inputValue('#basemap')).toBe('')
    await settled(page)
    expect(requests).toEqual([])
    expect(await groundShare(page)).toBe(0)

    await page.selectOption('#basemap', 'tianditu-imagery')
    await page.waitForFunction(() => (window as any).lowlandMap.loaded() && (window as any).lowlandMap.areTilesLoaded(), null, { timeout: 60_000 })
    await settled(page)
    expect(await groundShare(page)).toBeGreaterThan(0.5)
    expect(await page.textContent('#basemap-attribution')).toBe('底图：天地图')

    // WMTS GetTile as 天地图 documents it, for tiles of the view, with the deployment's key and not the service's.
    const layers = new Set(requests.map((u) => u.searchParams.get('LAYER')))
    expect(layers).toEqual(new Set(['img', 'cia']))
    const view = await page.evaluate(() => (window as any).lowlandMap.getBounds().toArray().flat() as number[])
    for (const u of requests) {
      const layer = u.searchParams.get('LAYER')!
      expect(u.pathname).toBe(`/${layer}_w/wmts`)
      expect(Object.fromEntries(u.searchParams)).toMatchObject({
        SERVICE: 'WMTS',
        REQUEST: 'GetTile',
        VERSION: '1.0.0',
        STYLE: 'default',
        TILEMATRIXSET: 'w',
        FORMAT: 'tiles',
        tk: token,
      })
      // TILECOL is x and TILEROW is y of the XYZ tile: the tile's lon/lat box meets the view.
      const [z, x, y] = ['TILEMATRIX', 'TILECOL', 'TILEROW'].map((p) => Number(u.searchParams.get(p)))
      const n = 2 ** z!
      const lon = (i: number) => (i / n) * 360 - 180
      const lat = (j: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * j) / n))) * 180) / Math.PI
      expect(lon(x!) <= view[2]! && lon(x! + 1) >= view[0]! && lat(y! + 1) <= view[3]! && lat(y!) >= view[1]!, u.search).toBe(true)
    }
    expect(headers.every((h) => h['x-api-key'] === undefined)).toBe(true)
    expect(requests.every((u) => !u.searchParams.has('key'))).toBe(true)
    // Under the data: the basemap's layers come right after the background, before every layer of data.
    const order = await page.evaluate(() => (window as any).lowlandMap.getStyle().layers.map((l: any) => l.id) as string[])
    expect(order.slice(0, 3)).toEqual(['background', 'basemap-tianditu-imagery', 'basemap-tianditu-imagery-labels'])
    expect(order.indexOf('project-boundaries-line')).toBeGreaterThan(2)
    await screenshot(page, 'map-tools-basemap', 0.75)

    // Remembered in this browser; 无 takes it away.
    await page.reload()
    await page.waitForFunction(() => (window as any).lowlandMap?.loaded() && (window as any).lowlandMap.areTilesLoaded(), null, { timeout: 60_000 })
    expect(await page.inputValue('#basemap')).toBe('tianditu-imagery')
    await page.selectOption('#basemap', '')
    await settled(page)
    expect(await groundShare(page)).toBe(0)
    expect(await page.isHidden('#basemap-attribution')).toBe(true)
    await context.close()
  })
})
