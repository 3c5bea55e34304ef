// An output file written front to back through a buffer, with headers patched at the end.
import { open, type FileHandle } from 'node:fs/promises'

export class BufferedOutput {
  private parts: Buffer[] = []
  private pending = 0
  private written = 0

  private constructor(private readonly handle: FileHandle) {}

  static async create(path: string): Promise<BufferedOutput> {
    return new BufferedOutput(await open(path, 'w'))
  }

  /** Bytes written so far, including those still buffered. */
  get length(): number {
    return this.written + this.pending
  }

  async write(b: Buffer): Promise<void> {
    this.parts.push(b)
    this.pending += b.length
    if (this.pending >= 1 << 20) await this.flush()
  }

  private async flush(): Promise<void> {
    if (!this.pending) return
    const all = Buffer.concat(this.parts)
    await this.handle.write(all, 0, all.length, this.written)
    this.written += all.length
    this.parts = []
    this.pending = 0
  }

  async patch(offset: number, b: Buffer): Promise<void> {
    await this.flush()
    await this.handle.write(b, 0, b.length, offset)
  }

  async close(): Promise<void> {
    await this.flush()
    await this.handle.close()
  }
}
