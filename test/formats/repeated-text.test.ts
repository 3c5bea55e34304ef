// The per-field cache of a dBASE text field's strings: each distinct value decoded once, the
// values themselves unchanged, and a value that needs a message never taken from the cache.
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { makeRecordDecoder, type DbfValue, type FieldIssue } from '../../src/formats/shapefile/dbf-values.js'
import type { DbfHeader } from '../../src/formats/shapefile/dbf-reader.js'
import { RepeatedText } from '../../src/formats/shapefile/repeated-text.js'

const latin1 = (b: Uint8Array, s: number, e: number) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1', s, e)

describe('RepeatedText', () => {
  it('decodes each distinct value once while values repeat', () => {
    const cache = new RepeatedText()
    let made = 0
    const make = (b: Uint8Array, s: number, e: number) => (made++, latin1(b, s, e))
    const values = ['0101', '0102', '1004', '0101x', 'x0101']
    for (let i = 0; i < 5000; i++) {
      const v = values[i % values.length]!
      const b = Buffer.from(`##${v}##`, 'latin1') // the value inside a larger record
      expect(cache.text(b, 2, 2 + v.length, make)).toBe(v)
    }
    expect(made).toBe(values.length)
  })

  it('stops looking after a sample of values that do not repeat, and still decodes them', () => {
    const cache = new RepeatedText()
    let made = 0
    const make = (b: Uint8Array, s: number, e: number) => (made++, latin1(b, s, e))
    for (let i = 0; i < 10_000; i++) {
      const v = `TB${i}`
      expect(cache.text(Buffer.from(v, 'latin1'), 0, v.length, make)).toBe(v)
    }
    expect(made).toBe(10_000)
    // off for good: a repeated value is now decoded each time
    for (let i = 0; i < 3; i++) cache.text(Buffer.from('TB1', 'latin1'), 0, 3, make)
    expect(made).toBe(10_003)
  })

  it('decides at the end of its sample even when that lookup finds its value', () => {
    const cache = new RepeatedText()
    let made = 0
    const make = (b: Uint8Array, s: number, e: number) => (made++, latin1(b, s, e))
    const look = (v: string) => cache.text(Buffer.from(v, 'latin1'), 0, v.length, make)
    for (let i = 0; i < 2047; i++) look(`U${i}`)
    look('U0') // the 2 048th lookup, a value seen before
    const before = made
    for (let i = 0; i < 3; i++) expect(look('U1')).toBe('U1')
    expect(made - before).toBe(3)
  })

  it('caches nothing that make refuses, nor values longer than 48 bytes', () => {
    const cache = new RepeatedText()
    let made = 0
    const refuse = () => (made++, null)
    for (let i = 0; i < 3; i++) expect(cache.text(Buffer.from('abc'), 0, 3, refuse)).toBeNull()
    const long = 'x'.repeat(49)
    const make = (b: Uint8Array, s: number, e: number) => (made++, latin1(b, s, e))
    for (let i = 0; i < 3; i++) expect(cache.text(Buffer.from(long), 0, 49, make)).toBe(long)
    expect(made).toBe(6)
  })
})

describe('a GBK text field read through the cache', () => {
  const width = 8
  const header: DbfHeader = {
    version: 3,
    recordCount: 0,
    headerLength: 0,
    recordLength: 1 + width,
    languageDriver: 0x4d,
    fields: [{ nameBytes: Buffer.from('DLMC'), type: 'C', offset: 1, length: width, decimals: 0 }],
  }
  const { decoder } = makeRecordDecoder(header, 'GBK')
  /** One record of the field's bytes, padded with blanks. */
  const record = (bytes: Buffer) => Buffer.concat([Buffer.from(' '), bytes, Buffer.alloc(width - bytes.length, 0x20)])
  const read = (bytes: Buffer) => {
    const values: DbfValue[] = []
    const issues: FieldIssue[] = []
    decoder.decode(record(bytes), 0, values, issues)
    return { value: values[0], issues }
  }

  it('reads repeated names and codes as they are, however often they come', () => {
    for (let i = 0; i < 3000; i++)
      for (const v of ['水田', '旱地', '0101', '城镇住宅用地'.slice(0, 4), 'A水B']) expect(read(iconv.encode(v, 'gbk')).value).toBe(v)
  })

  it('warns of a name cut mid-character in every record that has it, not only the first', () => {
    // 3 whole characters and the lead byte of a fourth fill the 8-byte field... here 7 bytes + a lead byte
    const cut = Buffer.concat([iconv.encode('城镇住', 'gbk'), Buffer.from([0x20]), Buffer.from([0xd3])])
    for (let i = 0; i < 5; i++) {
      const { value, issues } = read(cut)
      expect(value).toBe('城镇住 ')
      expect(issues.map((x) => x.messageZh)).toEqual([expect.stringContaining('末尾半个汉字')])
    }
  })
})
