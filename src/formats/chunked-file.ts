// Reads a byte source front to back in large chunks, keeping only the unread tail in memory.
// The source is a file or a stream (a zip entry being inflated): reading is strictly sequential.
import { open } from 'node:fs/promises'

export interface ByteSource {
  /** Fills `buf` from `offset` with up to `length` next bytes; 0 at the end. */
  read(buf: Buffer, offset: number, length: number): Promise<number>
  close(): Promise<void>
}

export async function fileSource(path: string): Promise<ByteSource> {
  const handle = await open(path, 'r')
  let position = 0
  return {
    async read(buf, offset, length) {
      const { bytesRead } = await handle.read(buf, offset, length, position)
      position += bytesRead
      return bytesRead
    },
    close: () => handle.close(),
  }
}

/** A readable stream as a ByteSource; the stream is paused between reads (backpressure). */
export function streamSource(stream: NodeJS.ReadableStream & { destroy?: () => void }): ByteSource {
  const it = stream[Symbol.asyncIterator]()
  let pending: Buffer | null = null
  return {
    async read(buf, offset, length) {
      let n = 0
      while (n < length) {
        if (!pending || pending.length === 0) {
          const next = await it.next()
          if (next.done) break
          pending = next.value as Buffer
        }
        const take = Math.min(length - n, pending.length)
        pending.copy(buf, offset + n, 0, take)
        pending = pending.subarray(take)
        n += take
      }
      return n
    },
    async close() {
      stream.destroy?.()
    },
  }
}

export class ChunkedFile {
  private buf = Buffer.alloc(0)
  private pos = 0 // read position within buf
  private fileOffset = 0 // source offset of buf[0]
  private eof = false

  constructor(
    private readonly source: ByteSource,
    private readonly chunkSize = 4 << 20,
  ) {}

  /** Offset of the next unread byte. */
  get offset(): number {
    return this.fileOffset + this.pos
  }

  /** Makes at least `n` unread bytes available; returns how many are (fewer only at the end). */
  async ensure(n: number): Promise<number> {
    while (this.buf.length - this.pos < n && !this.eof) {
      const rest = this.buf.subarray(this.pos)
      const want = Math.max(this.chunkSize, n - rest.length)
      const next = Buffer.allocUnsafe(rest.length + want)
      rest.copy(next, 0)
      const got = await this.source.read(next, rest.length, want)
      if (got === 0) this.eof = true
      this.fileOffset += this.pos
      this.buf = next.subarray(0, rest.length + got)
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

  /** Bytes available without reading more. */
  get available(): number {
    return this.buf.length - this.pos
  }

  /**
   * Consumes the next `n` bytes like take, but returns their offset within `buffer` instead of a view:
   * no object per call on the hot path.
   */
  skip(n: number): number {
    const at = this.pos
    this.pos += n
    return at
  }

  /** The chunk that offsets from skip point into (valid until the next ensure). */
  get buffer(): Buffer {
    return this.buf
  }

  /** The next `n` bytes without consuming them (call ensure first). */
  peek(n: number): Buffer {
    return this.buf.subarray(this.pos, this.pos + n)
  }

  /** Moves forward to `offset`, reading past what lies between. */
  async skipTo(offset: number): Promise<void> {
    if (offset < this.offset) throw new Error('cannot seek backwards')
    while (this.offset < offset) {
      const step = Math.min(offset - this.offset, this.chunkSize)
      const got = await this.ensure(step)
      if (got === 0) return
      this.take(Math.min(got, step))
    }
  }

  close(): Promise<void> {
    return this.source.close()
  }
}
