// The WKB of a batch of shapes in one growing buffer, written in place: one allocation per batch
// instead of a Buffer per shape and a concatenation before the insert.

import { GrowingBuffer } from './growing-buffer.js'

export class WkbBatch extends GrowingBuffer {
  constructor(private readonly initialSize = 1 << 20) {
    super(initialSize)
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
