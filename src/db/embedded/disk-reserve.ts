// Room kept back on the data directory's disk for the embedded engine's restart after the disk filled.
//
// When the WAL cannot grow, PGlite raises a PANIC and the engine is restarted (wire-server.ts); its
// crash recovery ends with a checkpoint in a new 16 MiB WAL segment, so on a disk still full the
// restart itself fails (measured with PGlite 0.5.8: `FATAL: could not write to file
// "pg_wal/xlogtemp.N": No space left on device` after "redo done"), and the service could not even
// read. A file of zeros written while there is room is removed just before that restart: recovery
// gets its segment, reads go on, and the file is written again once the disk has room for it.
import fs from 'node:fs'
import path from 'node:path'

/** Two WAL segments: the one recovery starts, and room for the checkpoints and the rows a failed job removes. */
export const defaultReserveBytes = 32 * 1024 * 1024

/** How often a missing reserve is tried again. */
const retryMs = 10_000

export class DiskReserve {
  private timer: NodeJS.Timeout | null = null

  constructor(
    readonly file: string,
    readonly bytes: number = defaultReserveBytes,
  ) {}

  present(): boolean {
    return fs.existsSync(this.file) && fs.statSync(this.file).size === this.bytes
  }

  /**
   * Writes the reserve when missing and the disk has room for it and as much again beyond (a reserve
   * that would fill the disk would cause what it guards against); true when it is in place.
   */
  ensure(): boolean {
    if (this.present()) return true
    const { bavail, bsize } = fs.statfsSync(path.dirname(this.file))
    if (bavail * bsize < 2 * this.bytes) return false
    const partial = `${this.file}.partial`
    try {
      const fd = fs.openSync(partial, 'w', 0o600)
      try {
        const chunk = Buffer.alloc(1024 * 1024) // zeros written, not a sparse file: the blocks must be taken
        for (let written = 0; written < this.bytes; written += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, this.bytes - written))
        fs.fsyncSync(fd)
      } finally {
        fs.closeSync(fd)
      }
      fs.renameSync(partial, this.file)
      return true
    } catch {
      fs.rmSync(partial, { force: true }) // the disk filled meanwhile: try later
      return false
    }
  }

  /** Frees the room for the engine's restart; the reserve is written again when the disk has room. */
  release(): void {
    fs.rmSync(this.file, { force: true })
    this.keep()
  }

  /** Tries every few seconds until the reserve is in place. */
  keep(): void {
    if (this.timer || this.ensure()) return
    this.timer = setInterval(() => {
      if (!this.ensure()) return
      clearInterval(this.timer!)
      this.timer = null
    }, retryMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }
}
