// f=html: the landing page, the collections and their items as plain Chinese pages to browse with
// a web browser, as pg_featureserv and tipg offer: links and tables of properties, no scripts, no
// styles from elsewhere, every value escaped. Built from the same documents the JSON answers give.
import type { Collection } from './collections.js'

type Link = { rel: string; type?: string; title?: string; href: string }

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const escapeHtml = (value: unknown): string => String(value ?? '').replace(/[&<>"']/g, (ch) => entities[ch]!)

/** The same address with another f (links between pages stay pages; the JSON link leaves them). */
function withFormat(href: string, f: string): string {
  const url = new URL(href)
  url.searchParams.set('f', f)
  return url.toString()
}
const asHtml = (href: string) => withFormat(href, 'html')

/** The /ogc landing page of an address under it, keeping only the key. */
function ogcRoot(href: string): string {
  const url = new URL(href)
  url.pathname = url.pathname.replace(/\/ogc(\/.*)?$/, '/ogc')
  for (const k of [...url.searchParams.keys()]) if (k !== 'key') url.searchParams.delete(k)
  return url.toString()
}

const a = (href: string, text: string) => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`

function page(title: string, body: string, self: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 1.5rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; }
nav a { margin-right: 1rem; }
</style>
</head>
<body>
<nav>${a(asHtml(ogcRoot(self)), '首页')}${a(withFormat(self, 'json'), 'JSON')}</nav>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`
}

function linkList(links: Link[]): string {
  const items = links.map(
    (l) => `<li>${a(l.type === 'application/json' ? asHtml(l.href) : l.href, l.title ?? l.rel)} <small>(${escapeHtml(l.rel)})</small></li>`,
  )
  return `<ul>${items.join('')}</ul>`
}

const selfHref = (links: Link[]) => links.find((l) => l.rel === 'self')?.href

export function landingHtml(doc: { title: string; description: string; links: Link[] }): string {
  const self = selfHref(doc.links)!
  return page(doc.title, `<p>${escapeHtml(doc.description)}</p>\n<h2>链接</h2>\n${linkList(doc.links.filter((l) => l.rel !== 'self'))}`, self)
}

interface CollectionDoc {
  id: string
  title: string
  description: string
  extent: { spatial: { bbox: number[][] } }
  links: Link[]
}

function collectionRows(c: CollectionDoc): string {
  const items = c.links.find((l) => l.rel === 'items')!.href
  const bbox = c.extent.spatial.bbox[0]!.map((v) => v.toFixed(6)).join(', ')
  return `<tr><td>${a(asHtml(selfHref(c.links)!), c.title)}</td><td>${escapeHtml(c.id)}</td><td>${escapeHtml(c.description)}</td><td>${escapeHtml(bbox)}</td><td>${a(asHtml(items), '浏览要素')}</td></tr>`
}

export function collectionsHtml(doc: { links: Link[]; collections: CollectionDoc[] }): string {
  const self = selfHref(doc.links)!
  const table = `<table><thead><tr><th>数据集</th><th>标识</th><th>说明</th><th>范围（经纬度）</th><th>要素</th></tr></thead><tbody>${doc.collections.map(collectionRows).join('')}</tbody></table>`
  return page('数据集', table, self)
}

export function collectionHtml(doc: CollectionDoc, c: Collection): string {
  const self = selfHref(doc.links)!
  const props = c.properties.map((p) => `<tr><td>${escapeHtml(p.name)}</td><td>${escapeHtml(p.titleZh)}</td><td>${escapeHtml(p.type)}</td></tr>`)
  const body = [
    `<p>${escapeHtml(doc.description)}</p>`,
    `<p>${a(asHtml(doc.links.find((l) => l.rel === 'items')!.href), '浏览要素')}</p>`,
    `<h2>属性</h2><table><thead><tr><th>字段</th><th>中文名称</th><th>类型</th></tr></thead><tbody>${props.join('')}</tbody></table>`,
    `<h2>链接</h2>${linkList(doc.links.filter((l) => l.rel !== 'self'))}`,
  ]
  return page(`${c.titleZh}（${c.id}）`, body.join('\n'), self)
}

interface FeatureDoc {
  id: string | number
  properties: Record<string, unknown>
}

const cell = (v: unknown) => (typeof v === 'number' ? `<td class="num">${escapeHtml(v)}</td>` : `<td>${escapeHtml(v === null ? '' : v)}</td>`)

export function itemsHtml(
  doc: { numberMatched: number; numberReturned: number; links: Link[]; features: FeatureDoc[] },
  c: Collection,
  itemHref: (id: string) => string,
): string {
  const self = selfHref(doc.links)!
  const names = c.properties.filter((p) => doc.features.some((f) => p.name in f.properties))
  const head = `<tr><th>要素标识</th>${names.map((p) => `<th title="${escapeHtml(p.name)}">${escapeHtml(p.titleZh)}</th>`).join('')}</tr>`
  const rows = doc.features.map(
    (f) => `<tr><td>${a(asHtml(itemHref(String(f.id))), String(f.id))}</td>${names.map((p) => cell(f.properties[p.name])).join('')}</tr>`,
  )
  const paging = doc.links.filter((l) => l.rel === 'next' || l.rel === 'prev').map((l) => a(asHtml(l.href), l.rel === 'next' ? '下一页' : '上一页'))
  const body = [
    `<p>共 ${escapeHtml(doc.numberMatched)} 个要素，本页 ${escapeHtml(doc.numberReturned)} 个。${paging.join(' ')}</p>`,
    `<table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`,
    `<p>${paging.join(' ')}</p>`,
  ]
  return page(`${c.titleZh}：要素`, body.join('\n'), self)
}

export function itemHtml(doc: FeatureDoc & { links: Link[] }, c: Collection): string {
  const self = selfHref(doc.links)!
  const rows = c.properties
    .filter((p) => p.name in doc.properties)
    .map((p) => `<tr><th title="${escapeHtml(p.name)}">${escapeHtml(p.titleZh)}</th>${cell(doc.properties[p.name])}</tr>`)
  const collection = doc.links.find((l) => l.rel === 'collection')!.href
  return page(`${c.titleZh}：要素 ${doc.id}`, `<p>${a(asHtml(collection), c.titleZh)}</p><table><tbody>${rows.join('')}</tbody></table>`, self)
}
