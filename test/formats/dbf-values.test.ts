import { describe, expect, it } from 'vitest'
import { plainDecimal } from '../../src/formats/shapefile/dbf-values.js'

const read = (text: string) => {
  const b = Buffer.from(`#${text}#`, 'latin1') // the value sits inside a larger record
  return plainDecimal(b, 1, b.length - 1)
}

describe('plainDecimal', () => {
  it('reads dBASE numbers exactly as Number() reads their text', () => {
    for (const t of [
      '0',
      '  42',
      '-7',
      '  1234.56',
      '0.1',
      '0.3',
      '-0.0001',
      '.5',
      '5.',
      '007',
      '999999999999999',
      '12345678901.2345',
      '-0',
      '  0.30000000000000',
    ]) {
      expect(Object.is(read(t), Number(t.trim())), t).toBe(true)
    }
  })

  it('agrees with Number() on random decimals of up to 15 digits', () => {
    let seed = 7
    const digit = () => String((seed = (seed * 69069 + 1) >>> 0) % 10)
    for (let n = 0; n < 50000; n++) {
      const whole = Array.from({ length: 1 + (n % 10) }, digit).join('')
      const frac = Array.from({ length: n % 6 }, digit).join('')
      const text = `${n % 7 === 0 ? '-' : ''}${whole}${frac ? '.' + frac : ''}`
      if (read(text) !== Number(text)) expect([text, read(text)]).toEqual([text, Number(text)])
    }
  })

  it('leaves anything else to Number() and its error messages', () => {
    for (const t of ['', '   ', '-', '.', '1e5', '+3', '1 2', '1.2.3', '*****', '0x10', '1234567890123456', '\u00a05', 'abc']) {
      expect(read(t), JSON.stringify(t)).toBeUndefined()
    }
  })
})
