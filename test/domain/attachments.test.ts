// The rules of a supporting document (证明材料) that need no database: its type from its first bytes, the name it
// is kept under, and the Content-Disposition of a download.
import { describe, expect, it } from 'vitest'
import { attachmentDeletable, contentDisposition, detectMediaType, FILE_NAME_MAX, sanitizeFileName } from '../../src/domain/attachments.js'
import { exe, html, jpeg, pdf, png } from '../helpers/documents.js'

describe('supporting documents', () => {
  it('knows PDF, PNG and JPEG by their signatures and nothing else', () => {
    expect(detectMediaType(pdf())).toBe('application/pdf')
    expect(detectMediaType(png())).toBe('image/png')
    expect(detectMediaType(jpeg())).toBe('image/jpeg')
    for (const other of [exe(), html(), Buffer.from('PK\x03\x04'), Buffer.from('%PD'), Buffer.from(' %PDF-1.4'), Buffer.alloc(0)])
      expect(detectMediaType(other)).toBeNull()
  })

  it('keeps a Chinese name, drops paths, control and reserved characters, and gives it the ending its bytes fit', () => {
    expect(sanitizeFileName('供地批文.pdf', 'application/pdf')).toBe('供地批文.pdf')
    expect(sanitizeFileName('C:\\Users\\张三\\桌面\\规划许可证（2025）.PDF', 'application/pdf')).toBe('规划许可证（2025）.PDF')
    expect(sanitizeFileName('../../etc/passwd', 'application/pdf')).toBe('passwd.pdf')
    expect(sanitizeFileName('a\u0000b\u202ecod.jpg', 'image/jpeg')).toBe('abcod.jpg')
    expect(sanitizeFileName('扫描<1>:"x"|?*.png', 'image/png')).toBe('扫描_1___x____.png')
    expect(sanitizeFileName('页面.html', 'image/png')).toBe('页面.html.png')
    expect(sanitizeFileName('照片.jpeg', 'image/jpeg')).toBe('照片.jpeg')
    expect(sanitizeFileName('..', 'application/pdf')).toBe('证明材料.pdf')
    expect(sanitizeFileName('.pdf', 'application/pdf')).toBe('pdf.pdf')
    const long = sanitizeFileName(`${'很长的文件名'.repeat(40)}.pdf`, 'application/pdf')
    expect([...long]).toHaveLength(FILE_NAME_MAX)
    expect(long.endsWith('.pdf')).toBe(true)
  })

  it('sends the UTF-8 name (RFC 5987) with an ASCII stand-in, nothing that ends the header value early', () => {
    expect(contentDisposition('不动产权证书.pdf')).toBe(
      'attachment; filename="______.pdf"; filename*=UTF-8\'\'%E4%B8%8D%E5%8A%A8%E4%BA%A7%E6%9D%83%E8%AF%81%E4%B9%A6.pdf',
    )
    expect(contentDisposition('a\'b(1)"%.pdf')).toBe(`attachment; filename="a'b(1)__.pdf"; filename*=UTF-8''a%27b%281%29%22%25.pdf`)
  })

  it('may be deleted while the project is a draft or returned', () => {
    expect(['draft', 'returned'].every((s) => attachmentDeletable(s as never))).toBe(true)
    expect(['submitted', 'city-checked', 'province-approved'].some((s) => attachmentDeletable(s as never))).toBe(false)
  })
})
