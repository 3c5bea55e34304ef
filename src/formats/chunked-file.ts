// Reads a file front to back in large chunks, keeping only the unread tail in memory.
import { open, type FileHandle } from 'node:fs/promises'

export class ChunkedFile {
  private buf = Buffer.alloc(0)
  private pos = 0 // read position within buf
  private fileOffset = 0 // file offset of buf[0]
  private eof = false

  private constructor(
    private readonly handle: FileHandle,
    private readonly chunkSize: number,
  ) {}

  static async open(path: string, chunkSize = 4 << 20): Promise<ChunkedFile> {
    return new ChunkedFile(await open(path, 'r'), chunkSize)
  }

  /** File offset of the next unread byte. */
  get offset(): number {
    return this.fileOffset + this.pos
  }

  /** Makes at least `n` unread bytes available; returns how many are (fewer only at end of file). */
  async ensure(n: number): Promise<number> {
    while (this.buf.length - this.pos < n && !this.eof) {
      const rest = this.buf.subarray(this.pos)
      const want = Math.max(this.chunkSize, n - rest.length)
      const next = Buffer.allocUnsafe(rest.length + want)
      rest.copy(next, 0)
      const { bytesRead } = await this.handle.read(next, rest.length, want, this.fileOffset + this.buf.length)
      if (bytesRead === 0) this.eof = true
      this.fileOffset += this.pos
      this.buf = next.subarray(0, rest.length + bytesRead)
      this.pos = 0
    }
    return Math.min(n, this.buf.length - this.pos)
  }

  /** The next `n` bytes (call ensure first); the view stays valid until the next ensure. */
  take(n: number): Buffer {
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** The next `n` bytes without consuming them (call ensure first). */
  peek(n: number): Buffer {
    return this.buf.subarray(this.pos, this.pos + n)
  }

  async skipTo(offset: number): Promise<void> {
    if (offset < this.offset) throw new Error('cannot seek backwards')
    const ahead = offset - this.offset
    if (ahead <= this.buf.length - this.pos) {
      this.pos += ahead
      return
    }
    this.fileOffset = offset
    this.buf = Buffer.alloc(0)
    this.pos = 0
  }

  close(): Promise<void> {
    return this.handle.close()
  }
}
