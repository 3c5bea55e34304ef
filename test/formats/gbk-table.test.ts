import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { decodeGbk } from '../../src/formats/gbk-table.js'

const viaIconv = (b: Buffer) => iconv.decode(b, 'GBK')

describe('decodeGbk', () => {
  it('decodes Chinese land-survey text as iconv-lite does', () => {
    const text = '城镇低效用地再开发 旱地 水浇地 €（国有）ABC 123 村民委员会'
    const bytes = iconv.encode(text, 'GBK')
    expect(decodeGbk(bytes, 0, bytes.length)).toBe(text)
    const padded = Buffer.concat([Buffer.from('xx'), bytes, Buffer.from('yy')])
    expect(decodeGbk(padded, 2, 2 + bytes.length)).toBe(text)
  })

  it('agrees with iconv-lite on every one- and two-byte value, or leaves it to iconv-lite', () => {
    let decoded = 0
    const b = Buffer.alloc(2)
    for (let x = 0; x < 256; x++) {
      b[0] = x
      const one = decodeGbk(b, 0, 1)
      if (one !== null) expect(one).toBe(viaIconv(b.subarray(0, 1)))
      for (let y = 0; y < 256; y++) {
        b[1] = y
        const got = decodeGbk(b, 0, 2)
        if (got === null) continue
        decoded++
        if (got !== viaIconv(b)) expect([x, y, got]).toEqual([x, y, viaIconv(b)])
        expect(got).not.toContain('\ufffd')
      }
    }
    // Every valid pair (21 886 GBK characters and more) and ASCII is decoded by the table.
    expect(decoded).toBeGreaterThan(24_000)
  })

  it('leaves invalid and cut-off text to iconv-lite (null)', () => {
    const zhong = iconv.encode('中', 'GBK')
    expect(decodeGbk(zhong, 0, 1)).toBeNull() // lead byte without its trail: cut off by the field width
    expect(decodeGbk(Buffer.from([0x81, 0x30]), 0, 2)).toBeNull() // no such pair in GBK
    expect(decodeGbk(Buffer.from([0xff]), 0, 1)).toBeNull()
  })

  it('agrees with iconv-lite on random byte strings it accepts', () => {
    let seed = 12345
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff
    let accepted = 0
    for (let n = 0; n < 20000; n++) {
      const bytes = Buffer.from(Array.from({ length: 1 + (n % 9) }, () => (n % 3 ? 0x81 + (rand() % 0x7e) : rand())))
      const got = decodeGbk(bytes, 0, bytes.length)
      if (got === null) continue
      accepted++
      expect(got).toBe(viaIconv(bytes))
    }
    expect(accepted).toBeGreaterThan(1000)
  })
})
