// Tiles already built, by what they show. A tile's key is its ETag (collection, address, the key's
// region and the token of the data's active versions: src/tiles/service.ts) and the feature cap, so
// an entry is never wrong, only unused: a new version changes the token, and no write has to find
// and drop entries. Two levels: memory with a byte budget (the most recently used kept), and files
// under the data directory, which outlive a restart, with a byte budget of their own (the oldest
// files go first). A failing disk only costs the disk level: the tile is built as without a cache.
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { Tile } from './queries.js'

export interface TileCacheOptions {
  /** bytes of tiles kept in memory (0: none) */
  memoryBytes: number
  /** the directory of the disk level (under DATA_DIR); undefined or diskBytes 0: none */
  dir?: string | undefined
  diskBytes: number
}

export type CacheLevel = 'memory' | 'disk'

/** Per-entry bookkeeping in memory besides the tile's bytes (Map entry, key, object). */
const entryOverhead = 200

export class TileCache {
  private readonly memory = new Map<string, Tile>()
  private memoryUsed = 0
  private diskUsed: number | null = null
  private pruning: Promise<void> | null = null

  constructor(private readonly o: TileCacheOptions) {}

  /** The cache's own key of a tile: its ETag and the cap it was built with. */
  static key(etag: string, maxFeatures: number): string {
    return createHash('sha256').update(`${etag}|${maxFeatures}`).digest('hex').slice(0, 40)
  }

  get memoryBytes(): number {
    return this.memoryUsed
  }

  async get(key: string): Promise<{ tile: Tile; level: CacheLevel } | null> {
    const hit = this.memory.get(key)
    if (hit) {
      // most recently used last: Map keeps insertion order, so the first entry is the one to drop
      this.memory.delete(key)
      this.memory.set(key, hit)
      return { tile: hit, level: 'memory' }
    }
    if (!this.diskOn) return null
    try {
      const bytes = await fs.readFile(this.file(key))
      const tile = { truncated: bytes[0] === 1, data: bytes.subarray(1) }
      this.remember(key, tile)
      return { tile, level: 'disk' }
    } catch {
      return null
    }
  }

  /** Keeps a tile just built; never rejects (the disk level is written in the background). */
  set(key: string, tile: Tile): void {
    this.remember(key, tile)
    if (this.diskOn) void this.write(key, tile)
  }

  /** Waits for disk writes and pruning in flight (tests, shutdown). */
  async settled(): Promise<void> {
    await this.pruning
  }

  private get diskOn(): boolean {
    return Boolean(this.o.dir) && this.o.diskBytes > 0
  }

  private remember(key: string, tile: Tile): void {
    const size = tile.data.length + entryOverhead
    if (size > this.o.memoryBytes / 4) return // one tile may not push out a quarter of the cache
    this.memory.set(key, tile)
    this.memoryUsed += size
    for (const [k, t] of this.memory) {
      if (this.memoryUsed <= this.o.memoryBytes) break
      this.memory.delete(k)
      this.memoryUsed -= t.data.length + entryOverhead
    }
  }

  private file(key: string): string {
    return path.join(this.o.dir!, key.slice(0, 2), `${key}.tile`)
  }

  private async write(key: string, tile: Tile): Promise<void> {
    const file = this.file(key)
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`
    try {
      await fs.mkdir(path.dirname(file), { recursive: true })
      // written whole, then renamed: a reader never sees half a tile, also after a kill
      await fs.writeFile(tmp, Buffer.concat([Buffer.from([tile.truncated ? 1 : 0]), tile.data]))
      await fs.rename(tmp, file)
      if (this.diskUsed === null) await this.measureDisk()
      else this.diskUsed += tile.data.length + 1
      if (this.diskUsed! > this.o.diskBytes && !this.pruning) {
        this.pruning = this.prune().finally(() => (this.pruning = null))
      }
    } catch {
      await fs.rm(tmp, { force: true }).catch(() => {})
    }
  }

  private async listDisk(): Promise<Array<{ file: string; size: number; mtimeMs: number }>> {
    const out: Array<{ file: string; size: number; mtimeMs: number }> = []
    for (const sub of await fs.readdir(this.o.dir!).catch(() => [] as string[])) {
      const subdir = path.join(this.o.dir!, sub)
      for (const name of await fs.readdir(subdir).catch(() => [] as string[])) {
        if (!name.endsWith('.tile')) continue
        const stat = await fs.stat(path.join(subdir, name)).catch(() => null)
        if (stat) out.push({ file: path.join(subdir, name), size: stat.size, mtimeMs: stat.mtimeMs })
      }
    }
    return out
  }

  private async measureDisk(): Promise<void> {
    this.diskUsed = (await this.listDisk()).reduce((n, f) => n + f.size, 0)
  }

  /** Down to three quarters of the budget, the oldest files first. */
  private async prune(): Promise<void> {
    const files = (await this.listDisk()).sort((a, b) => a.mtimeMs - b.mtimeMs)
    let used = files.reduce((n, f) => n + f.size, 0)
    for (const f of files) {
      if (used <= this.o.diskBytes * 0.75) break
      await fs.rm(f.file, { force: true }).catch(() => {})
      used -= f.size
    }
    this.diskUsed = used
  }
}
