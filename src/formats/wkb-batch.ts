// The WKB of a batch of shapes in one growing buffer, written in place: one allocation per batch
// instead of a Buffer per shape and a concatenation before the insert.

export class WkbBatch {
  private buf: Buffer
  private used = 0

  constructor(private readonly initialSize = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initialSize)
  }

  /** Bytes written since the last take. */
  get length(): number {
    return this.used
  }

  /**
   * Makes room for `size` more bytes and returns the offset to write them at in `bytes`, which
   * may be a new buffer after this call.
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

  /** The buffer to write a reserved range into (valid until the next reserve). */
  get bytes(): Buffer {
    return this.buf
  }

  /** Copies a finished WKB in; returns its offset. */
  append(wkb: Buffer): number {
    const at = this.reserve(wkb.length)
    wkb.copy(this.buf, at)
    return at
  }

  /**
   * Everything written since the last take. The batch goes on in a fresh buffer, so the one returned
   * stays intact while it is being sent.
   */
  take(): Buffer {
    const out = this.buf.subarray(0, this.used)
    this.buf = Buffer.allocUnsafe(Math.max(this.initialSize, this.used))
    this.used = 0
    return out
  }
}
