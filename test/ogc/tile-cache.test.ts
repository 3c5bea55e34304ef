// The tile cache's two levels (src/tiles/cache.ts): memory within its byte budget, most recently used
// kept; files that outlive the process, within their own budget, the oldest written dropped first.
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TileCache } from '../../src/tiles/cache.js'
import { tempDir } from '../helpers/shapefiles.js'

let dir: string
beforeAll(async () => {
  dir = await tempDir()
})
afterAll(() => fs.rm(dir, { recursive: true, force: true }))

const tile = (n: number, fill: number, truncated = false) => ({ data: Buffer.alloc(n, fill), truncated })

describe('the tile cache', () => {
  it('keeps memory within its budget, dropping the least recently used', async () => {
    const cache = new TileCache({ memoryBytes: 10_000, diskBytes: 0 })
    for (let i = 0; i < 4; i++) cache.set(`k${i}`, tile(2000, i))
    expect(cache.memoryBytes).toBeLessThanOrEqual(10_000)
    await cache.get('k0') // used: now the most recent
    cache.set('k4', tile(2000, 4))
    expect((await cache.get('k0'))?.level).toBe('memory')
    expect(await cache.get('k1')).toBeNull() // the least recently used went
    expect(cache.memoryBytes).toBeLessThanOrEqual(10_000)
    // a tile larger than a quarter of the budget is not kept in memory
    cache.set('big', tile(3000, 9))
    expect(await cache.get('big')).toBeNull()
  })

  it('keeps tiles on disk for the next process, whole, with their truncated mark', async () => {
    const d = path.join(dir, 'disk')
    const first = new TileCache({ memoryBytes: 1_000_000, dir: d, diskBytes: 1_000_000 })
    first.set('a'.repeat(40), tile(500, 7, true))
    first.set('b'.repeat(40), tile(300, 8))
    await expect.poll(async () => (await fs.readdir(d, { recursive: true })).filter((f) => String(f).endsWith('.tile')).length).toBe(2)
    const next = new TileCache({ memoryBytes: 1_000_000, dir: d, diskBytes: 1_000_000 })
    const a = await next.get('a'.repeat(40))
    expect(a?.level).toBe('disk')
    expect(a?.tile.truncated).toBe(true)
    expect(a?.tile.data.equals(Buffer.alloc(500, 7))).toBe(true)
    expect((await next.get('b'.repeat(40)))?.tile).toEqual({ truncated: false, data: Buffer.alloc(300, 8) })
    expect((await next.get('a'.repeat(40)))?.level).toBe('memory') // read once, then from memory
    expect(await next.get('c'.repeat(40))).toBeNull()
  })

  it('keeps the disk within its budget, the oldest written going first', async () => {
    const d = path.join(dir, 'budget')
    const cache = new TileCache({ memoryBytes: 0, dir: d, diskBytes: 10_000 })
    const keys = Array.from({ length: 12 }, (_, i) => `${String(i).padStart(2, '0')}${'f'.repeat(38)}`)
    for (const k of keys) {
      cache.set(k, tile(1000, 1))
      // one at a time, so that the files' times order them
      await expect
        .poll(async () =>
          fs.stat(path.join(d, k.slice(0, 2), `${k}.tile`)).then(
            () => true,
            () => false,
          ),
        )
        .toBe(true)
      await new Promise((r) => setTimeout(r, 5))
    }
    await cache.settled()
    const left = (await fs.readdir(d, { recursive: true })).filter((f) => String(f).endsWith('.tile'))
    const bytes = left.length * 1001
    expect(bytes).toBeLessThanOrEqual(10_000)
    expect(await cache.get(keys[0]!)).toBeNull() // the oldest went
    expect((await cache.get(keys[11]!))?.level).toBe('disk') // the newest stayed
  })
})
