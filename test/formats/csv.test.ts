// The one CSV writer: quoting, formula guard, BOM and line ends.
import { describe, expect, it } from 'vitest'
import { csvCell, csvDocument } from '../../src/formats/csv.js'

describe('csv', () => {
  it('quotes what RFC 4180 needs quoted, and leaves the rest', () => {
    expect(csvCell('东昌府区')).toBe('东昌府区')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"')
    expect(csvCell(null)).toBe('')
  })

  it('keeps a spreadsheet from running uploaded text as a formula, but not numbers', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvCell('-12.5')).toBe('-12.5')
    expect(csvCell(-12.5)).toBe('-12.5')
    expect(csvCell('+86')).toBe('+86')
  })

  it('writes a document with a BOM and CRLF line ends', () => {
    expect(
      csvDocument(
        [
          { zh: '项目编号', en: 'code' },
          { zh: '面积', en: 'm2' },
        ],
        [['A-1', 1.5]],
      ),
    ).toBe('\uFEFF项目编号,面积\r\nA-1,1.5\r\n')
    expect(
      csvDocument(
        [
          { zh: '项目编号', en: 'code' },
          { zh: '面积', en: 'm2' },
        ],
        [['A-1', 1.5]],
        'en',
      ),
    ).toBe('\uFEFFcode,m2\r\nA-1,1.5\r\n')
  })
})
