// Bytes written in place into one buffer that doubles when it must: one allocation now and then
// instead of one per piece and a concatenation at the end. The base of a batch's WKB (./wkb-batch.ts)
// and of binary COPY rows (src/db/copy-binary.ts).

export class GrowingBuffer {
  protected buf: Buffer
  protected used = 0

  constructor(initialSize: number) {
    this.buf = Buffer.allocUnsafe(initialSize)
  }

  /** Bytes written so far. */
  get length(): number {
    return this.used
  }

  /**
   * Makes room for `size` more bytes and returns the offset to write them at in `bytes`, which
   * may be a new buffer after this call: reserve first, then take `bytes`.
   */
  reserve(size: number): number {
    const at = this.used
    if (at + size > this.buf.length) {
      // Doubling keeps copies rare; what was written moves along.
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, at + size))
      this.buf.copy(next, 0, 0, at)
      this.buf = next
    }
    this.used = at + size
    return at
  }

  /** Gives back the end of the last reservation that was not used. */
  unreserve(size: number): void {
    this.used -= size
  }

  /** The buffer to write a reserved range into (valid until the next reserve). */
  get bytes(): Buffer {
    return this.buf
  }
}
