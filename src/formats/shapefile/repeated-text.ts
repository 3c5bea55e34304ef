// The strings of a dBASE text field whose values repeat, made once: a survey layer's codes and
// names (地类编码、权属性质、坐落单位 …) take a few dozen to a few hundred values over 10^5 records.
// Each record's value is otherwise a new string: allocated, kept while its batch is in flight, and
// copied by every young-generation collection meanwhile (garbage collection was the largest item of
// an import's main thread, bench:import). A field whose values do not repeat (patch numbers, keys)
// turns its cache off after a sample.

/** Values longer than this are not cached (names of a few Chinese characters fit). */
const maxBytes = 48
/** Distinct values kept per field; a field with more is not one whose values repeat. */
const maxEntries = 4096
/** Lookups after which a field that found fewer than half its values in the cache stops looking. */
const sample = 2048

interface Entry {
  bytes: Uint8Array
  text: string
  next: Entry | null
}

export class RepeatedText {
  private readonly buckets = new Map<number, Entry>()
  private entries = 0
  private lookups = 0
  private hits = 0
  private on = true

  /**
   * The string of b[start, end), from the cache or made by `make` (and then cached). `make` may
   * return null (bytes it does not decode alone): nothing is cached then.
   */
  text<B extends Uint8Array>(b: B, start: number, end: number, make: (b: B, start: number, end: number) => string | null): string | null {
    const length = end - start
    if (!this.on || length > maxBytes) return make(b, start, end)
    // FNV-1a over the bytes
    let h = 0x811c9dc5 ^ length
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193)
    // decided once, at the sample's end: fewer than half found means the values do not repeat
    if (++this.lookups === sample && this.hits * 2 < sample) {
      this.on = false
      this.buckets.clear()
      return make(b, start, end)
    }
    for (let e = this.buckets.get(h) ?? null; e !== null; e = e.next) {
      if (e.bytes.length !== length) continue
      let same = true
      for (let i = 0; i < length; i++)
        if (e.bytes[i] !== b[start + i]) {
          same = false
          break
        }
      if (same) {
        this.hits++
        return e.text
      }
    }
    const text = make(b, start, end)
    if (text === null) return null
    if (this.entries < maxEntries) {
      // a copy: a Buffer's slice is a view of the record being read
      this.buckets.set(h, { bytes: Uint8Array.prototype.slice.call(b, start, end), text, next: this.buckets.get(h) ?? null })
      this.entries++
    }
    return text
  }
}
