// Whether the data directory has room for an upload: the file itself, what loading it adds to an
// embedded database on the same disk, and a margin. Refused before the body is read when the
// request says its size (Content-Length), else once the file is on disk.
import fs from 'node:fs/promises'
import type { DiskSpaceConfig } from '../config.js'
import { problem } from '../errors/index.js'

const mib = (bytes: number) => Math.ceil(bytes / (1024 * 1024))

/** Bytes an unprivileged process may still write in `dir`'s filesystem. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await fs.statfs(dir)
  return s.bavail * s.bsize
}

/**
 * What an upload of `size` bytes needs: the file, the database's growth (IMPORT_DISK_FACTOR times
 * the file, embedded only: a zipped shapefile's rows take about twice the zip, and indexes and WAL
 * about as much again) and the margin (DISK_FREE_MARGIN_BYTES).
 */
export function uploadNeed(size: number, room: DiskSpaceConfig): number {
  return Math.ceil(size * (1 + room.databaseFactor)) + room.marginBytes
}

/**
 * Refuses (507) an upload of `size` bytes the data directory has no room for; `written`: the file is
 * on the disk already, so free space is compared with what it still needs; `scratch`: what reading
 * it writes beside it for a while (gdal3.js's rows of a survey database's layer, ./database-source.ts).
 */
export async function checkRoom(dataDir: string, room: DiskSpaceConfig, size: number, written = false, scratch = 0): Promise<void> {
  const need = uploadNeed(size, room) + scratch
  const free = await freeBytes(dataDir)
  if (free >= need - (written ? size : 0)) return
  const db = room.databaseFactor > 0
  const temp = scratch > 0 ? `, the rows GDAL writes beside it while reading (estimated at ${mib(scratch)} MiB)` : ''
  const tempZh = scratch > 0 ? `、读取时 GDAL 在旁写出的临时数据（估计 ${mib(scratch)} MiB）` : ''
  const parts = db
    ? `the file${temp}, the embedded database's growth (estimated at ${room.databaseFactor}× the file) and a margin of ${mib(room.marginBytes)} MiB`
    : `the file${temp} and a margin of ${mib(room.marginBytes)} MiB`
  const partsZh = db
    ? `文件本身${tempZh}、内置数据库的增长（按文件大小的 ${room.databaseFactor} 倍估算）及 ${mib(room.marginBytes)} MiB 余量`
    : `文件本身${tempZh}及 ${mib(room.marginBytes)} MiB 余量`
  const freeNow = mib(free + (written ? size : 0))
  throw problem(
    'LR_INSUFFICIENT_STORAGE',
    `the data directory's disk has ${freeNow} MiB free; this upload of ${mib(size)} MiB needs about ${mib(need)} MiB (${parts}). Free space or enlarge the disk, then upload again`,
    {
      detailZh: `磁盘空间不足：数据目录所在磁盘剩余 ${freeNow} MiB，本次上传（${mib(size)} MiB）约需 ${mib(need)} MiB（${partsZh}）。请清理或扩充磁盘后重新上传`,
      freeBytes: free + (written ? size : 0),
      neededBytes: need,
    },
  )
}
