// Supporting documents of a project (证明材料, issue 22 item 3): the county uploads PDF, PNG and JPEG scans, the
// type read from the bytes (an .exe renamed .pdf and an HTML page are refused, whatever Content-Type the client
// claims); limits of size and count; the city and province read and download them with headers that never let a
// browser run them; another county's key gets 404; deletion only by the county while the project is editable; every
// write audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultConfig } from '../../src/config.js'
import { buildTestApp, resetData, reviewKeys, transitionBody, withKey, type TestApp } from '../helpers/app.js'
import { documentForm as form, exe, html, jpeg, pdf, png } from '../helpers/documents.js'
import { gkRect } from '../helpers/gk.js'

const COUNTY = '371502'
const limits = { maxBytes: 64 * 1024, maxPerProject: 5 }
let t: TestApp & { dataDir: string }
let keys: Record<string, string>
let projectId: number

const url = (id = projectId) => `/api/v1/projects/${id}/attachments`
const upload = (who: string, fields: Record<string, string>, file?: { name: string; content: Buffer; type?: string }, id = projectId) => {
  const body = form(fields, file)
  return t.app.inject({ method: 'POST', url: url(id), headers: { ...body.headers, ...withKey(keys[who]!) }, payload: body.payload })
}
const get = (who: string, path = url()) => t.app.inject({ method: 'GET', url: path, headers: withKey(keys[who]!) })
const del = (who: string, attachmentId: number) => t.app.inject({ method: 'DELETE', url: `${url()}/${attachmentId}`, headers: withKey(keys[who]!) })
const stored = async () => Number((await t.knex('project_attachments').count({ n: '*' }).first())!.n)
const move = async (who: string, action: string, reason?: string) => {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${projectId}/transitions`,
    headers: withKey(keys[who]!),
    payload: transitionBody(action, reason),
  })
  expect(res.statusCode, res.body).toBe(200)
}

beforeAll(async () => {
  t = await buildTestApp(undefined, { config: { limits: { ...defaultConfig().limits, attachments: limits } } })
  await resetData(t.knex)
  keys = await reviewKeys(t.knex, COUNTY)
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: withKey(keys.county!),
    payload: { code: 'ATT-1', srid: 4548, geometry: { type: 'Polygon', coordinates: [gkRect(0, 0, 200, 100)] } },
  })
  expect(created.statusCode, created.body).toBe(201)
  projectId = created.json().id
})
afterAll(async () => t?.close())

describe('supporting documents of a project', () => {
  const ids: Record<string, number> = {}

  it('the county uploads PDF, PNG and JPEG scans, typed by their bytes, named as sent with paths and reserved characters taken out', async () => {
    const scan = pdf('Land supply approval 2025')
    const a = await upload('county', { category: '供地批文', note: '聊国土资供〔2025〕12号' }, { name: 'C:\\扫描件\\供地批文<2025>.pdf', content: scan })
    expect(a.statusCode, a.body).toBe(201)
    expect(a.json()).toMatchObject({
      projectId,
      fileName: '供地批文_2025_.pdf',
      category: '供地批文',
      sizeBytes: scan.length,
      mediaType: 'application/pdf',
      note: '聊国土资供〔2025〕12号',
      uploadedBy: `county ${COUNTY}`,
      uploadedByKey: keys.county!.slice(0, 11),
    })
    expect(a.headers.location).toBe(a.json().url)
    ids.pdf = a.json().id
    // a PNG whose name and Content-Type say PDF: stored as the PNG it is, its name given the ending that fits
    const b = await upload('county', { category: '规划许可证' }, { name: '建设用地规划许可证.pdf', content: png(), type: 'application/pdf' })
    expect(b.statusCode, b.body).toBe(201)
    expect(b.json()).toMatchObject({ fileName: '建设用地规划许可证.pdf.png', mediaType: 'image/png' })
    ids.png = b.json().id
    const c = await upload('county', { category: '不动产登记' }, { name: '不动产权证书.JPG', content: jpeg(), type: 'image/jpeg' })
    expect(c.statusCode, c.body).toBe(201)
    expect(c.json()).toMatchObject({ fileName: '不动产权证书.JPG', mediaType: 'image/jpeg', sizeBytes: jpeg().length, note: null })
    ids.jpeg = c.json().id

    const list = await get('city')
    expect(list.statusCode, list.body).toBe(200)
    const body = list.json()
    expect(body.items.map((i: { fileName: string; category: string; uploadedBy: string }) => [i.fileName, i.category, i.uploadedBy])).toEqual([
      ['供地批文_2025_.pdf', '供地批文', `county ${COUNTY}`],
      ['建设用地规划许可证.pdf.png', '规划许可证', `county ${COUNTY}`],
      ['不动产权证书.JPG', '不动产登记', `county ${COUNTY}`],
    ])
    expect(body.items[0].uploadedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/)
    expect(body).toMatchObject({ categories: ['供地批文', '规划许可证', '不动产登记', '其他'], ...limits, mayUpload: false, mayDelete: false })
    expect((await get('county')).json()).toMatchObject({ mayUpload: true, mayDelete: true })
    expect((await get('province')).json().items).toHaveLength(3)
  })

  it('the city and province download a document as an attachment of its checked type, never to be run or sniffed', async () => {
    for (const who of ['city', 'province']) {
      const res = await get(who, `${url()}/${ids.pdf}`)
      expect(res.statusCode, res.body).toBe(200)
      expect(res.rawPayload.equals(pdf('Land supply approval 2025'))).toBe(true)
      expect(res.headers['content-type']).toBe('application/pdf')
      // the UTF-8 name for every current browser, an ASCII stand-in for old clients (RFC 6266)
      expect(res.headers['content-disposition']).toBe(`attachment; filename="_____2025_.pdf"; filename*=UTF-8''${encodeURIComponent('供地批文_2025_.pdf')}`)
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['content-security-policy']).toBe('sandbox')
    }
    const image = await get('city', `${url()}/${ids.png}`)
    expect(image.headers['content-type']).toBe('image/png')
    expect(image.rawPayload.equals(png())).toBe(true)
    expect((await get('city', `${url()}/999999`)).statusCode).toBe(404)
  })

  it('refuses an .exe renamed .pdf, an HTML page, an empty file, a file over the limit and one over the count, storing nothing', async () => {
    const before = await stored()
    const exeRes = await upload('county', { category: '其他' }, { name: '供地批文.pdf', content: exe(), type: 'application/pdf' })
    expect(exeRes.statusCode).toBe(415)
    expect(exeRes.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(exeRes.json()).toMatchObject({ title: '不支持的内容类型', titleEn: 'Unsupported media type', code: 'LR_UNSUPPORTED_MEDIA' })
    expect(exeRes.json().detailZh).toContain('不是 PDF、PNG 或 JPEG')
    expect(exeRes.json().detail).toContain('not a PDF, PNG or JPEG')
    const page = await upload('county', { category: '其他' }, { name: '说明.html', content: html(), type: 'text/html' })
    expect(page.statusCode).toBe(415)
    const empty = await upload('county', { category: '其他' }, { name: '空.pdf', content: Buffer.alloc(0) })
    expect(empty.statusCode).toBe(400)
    expect(empty.json().detailZh).toContain('为空')
    const big = Buffer.concat([pdf(), Buffer.alloc(limits.maxBytes)])
    const tooLarge = await upload('county', { category: '其他' }, { name: '大文件.pdf', content: big })
    expect(tooLarge.statusCode).toBe(413)
    expect(tooLarge.json()).toMatchObject({ title: '上传内容超过大小限制', maxBytes: limits.maxBytes })
    expect(tooLarge.json().detailZh).toContain('0.1 MB')
    expect((await upload('county', { category: '现场照片' }, { name: 'a.png', content: png() })).statusCode).toBe(400)
    expect(await stored()).toBe(before)

    // 3 stored, the limit is 5: the fourth and fifth pass, the sixth is refused
    for (const n of [4, 5]) expect((await upload('county', { category: '其他' }, { name: `照片${n}.png`, content: png() })).statusCode).toBe(201)
    const tooMany = await upload('county', { category: '其他' }, { name: '照片6.png', content: png() })
    expect(tooMany.statusCode).toBe(409)
    expect(tooMany.json().detailZh).toContain(`最多上传 ${limits.maxPerProject} 个证明材料`)
    expect((await get('county')).json().mayUpload).toBe(false)
  })

  it('keeps to region and role: another county’s and another city’s keys get 404, the city, province and admin may not write', async () => {
    for (const who of ['otherCounty', 'otherCity']) {
      expect((await get(who)).statusCode).toBe(404)
      expect((await get(who, `${url()}/${ids.pdf}`)).statusCode).toBe(404)
    }
    expect((await upload('otherCounty', { category: '其他' }, { name: 'x.png', content: png() })).statusCode).toBe(404)
    expect((await del('otherCounty', ids.pdf!)).statusCode).toBe(404)
    for (const who of ['city', 'province', 'admin']) {
      const res = await upload(who, { category: '其他' }, { name: 'x.png', content: png() })
      expect(res.statusCode).toBe(403)
      expect(res.json().detailZh).toContain('证明材料只能由县级上传或删除')
      expect((await del(who, ids.pdf!)).statusCode).toBe(403)
    }
    expect((await get('county', `${url()}/${ids.pdf}`)).statusCode).toBe(200)
  })

  it('the county deletes while the project is a draft or returned, not while it is under review; adding stays open', async () => {
    expect((await del('county', ids.jpeg!)).statusCode).toBe(204)
    expect((await get('county', `${url()}/${ids.jpeg}`)).statusCode).toBe(404)
    expect((await del('county', ids.jpeg!)).statusCode).toBe(404)

    await move('county', 'submit')
    const locked = await del('county', ids.png!)
    expect(locked.statusCode).toBe(409)
    expect(locked.json().detailZh).toContain('证明材料不能删除')
    expect((await get('county')).json()).toMatchObject({ mayDelete: false, mayUpload: true })
    // the reviewers may still be sent a document (a milestone's papers come late)
    const late = await upload('county', { category: '不动产登记' }, { name: '不动产登记证明.pdf', content: pdf('Registration') })
    expect(late.statusCode, late.body).toBe(201)

    await move('city', 'return', '请补充供地批文原件扫描件')
    expect((await del('county', ids.png!)).statusCode).toBe(204)
  })

  it('audits every write: uploads and deletions with their file, refusals and other regions’ attempts', async () => {
    const rows = await t.knex('audit_log').where('action', 'like', '%attachment%').orderBy('id')
    const ok = rows.filter((r) => r.result === 'ok')
    expect(ok.map((r) => r.action)).toEqual([...Array(5).fill('attachment.create'), 'attachment.delete', 'attachment.create', 'attachment.delete'])
    expect(ok[0]).toMatchObject({
      key_prefix: keys.county!.slice(0, 11),
      object_type: 'attachment',
      object_id: String(ids.pdf),
      xzqdm: COUNTY,
      detail: { projectId, fileName: '供地批文_2025_.pdf', category: '供地批文', mediaType: 'application/pdf' },
    })
    expect(ok[0].detail.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(ok[5]).toMatchObject({ object_id: String(ids.jpeg), detail: { fileName: '不动产权证书.JPG' } })
    const refused = rows.filter((r) => r.result !== 'ok')
    const byStatus = (status: number) => refused.filter((r) => r.detail.status === status)
    expect(byStatus(415)).toHaveLength(2)
    expect(byStatus(413)).toHaveLength(1)
    expect(byStatus(409).map((r) => r.action)).toEqual(['POST /api/v1/projects/:id/attachments', 'DELETE /api/v1/projects/:id/attachments/:attachmentId'])
    expect(byStatus(404).every((r) => r.result === 'denied')).toBe(true)
    expect(byStatus(403)).toHaveLength(6)
  })

  it('documents the endpoints in OpenAPI', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json()
    const path = doc.paths['/api/v1/projects/{id}/attachments']
    expect(Object.keys(path.post.requestBody.content)).toEqual(['multipart/form-data'])
    expect(path.post.requestBody.content['multipart/form-data'].schema.properties.category.enum).toEqual(['供地批文', '规划许可证', '不动产登记', '其他'])
    expect(doc.paths['/api/v1/projects/{id}/attachments/{attachmentId}'].delete).toBeDefined()
  })
})
