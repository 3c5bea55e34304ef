// Reads a GeoJSON FeatureCollection (or one Feature). Parsed whole, so its size is capped
// (GEOJSON_MAX_BYTES); large deliveries should come as zipped shapefiles, which are streamed.
import fs from 'node:fs/promises'
import type { DbfValue } from '../formats/shapefile/dbf-values.js'
import { geojsonToWkb } from '../formats/geojson/to-wkb.js'
import type { Bbox } from '../crs/resolve.js'
import { SourceError } from './shapefile-source.js'
import { WkbBatch } from '../formats/wkb-batch.js'
import { checkedShape, type FeatureSource, type SourceBatch, type SourceFeature } from './source.js'

/** Deepest bracket nesting in JSON text, outside strings; stops counting past `limit`. */
export function nestingDepth(text: string, limit: number): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92)
        i++ // backslash escapes the next character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 || c === 123) {
      if (++depth > max) max = depth
      if (max > limit) return max
    } else if (c === 93 || c === 125) depth--
  }
  return max
}

/** EPSG code of a GeoJSON `crs` member (2008 GeoJSON; GDAL still writes it), if any. */
function declaredEpsg(crs: unknown): number | null {
  const name = (crs as { properties?: { name?: unknown } } | undefined)?.properties?.name
  if (typeof name !== 'string') return null
  if (/CRS84$/i.test(name)) return 4326
  const m = /EPSG:{1,2}(\d+)$/i.exec(name)
  return m ? Number(m[1]) : null
}

export async function openGeoJson(
  file: string,
  fileName: string,
  opts: { family: 'polygon' | 'line'; maxVertices: number; maxBytes: number; maxDepth: number },
): Promise<{ source: FeatureSource; declaredEpsg: number | null }> {
  const stat = await fs.stat(file)
  if (stat.size > opts.maxBytes)
    throw new SourceError(
      `${fileName} is ${stat.size} bytes; GeoJSON uploads are limited to ${opts.maxBytes} bytes: send a zipped shapefile instead`,
      `GeoJSON 文件有 ${stat.size} 字节，超过 ${opts.maxBytes} 字节的上限：请改为上传打包成 .zip 的 shapefile`,
    )
  const text = await fs.readFile(file, 'utf8')
  const depth = nestingDepth(text, opts.maxDepth)
  if (depth > opts.maxDepth)
    throw new SourceError(
      `${fileName} nests deeper than ${opts.maxDepth} levels; refused`,
      `GeoJSON 文件嵌套超过 ${opts.maxDepth} 层，已拒绝：请从 GIS 软件重新导出为标准 GeoJSON，或改为上传 shapefile`,
    )
  let doc: { type?: string; features?: unknown[]; crs?: unknown; geometry?: unknown; properties?: unknown }
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new SourceError(
      `${fileName} is not valid JSON: ${(err as Error).message}`,
      `文件不是有效的 JSON（${(err as Error).message}）：可能上传不完整或已损坏，请重新导出 GeoJSON 后上传`,
    )
  }
  const features = doc.type === 'FeatureCollection' && Array.isArray(doc.features) ? doc.features : doc.type === 'Feature' ? [doc] : null
  if (!features)
    throw new SourceError(
      `${fileName} is not a GeoJSON FeatureCollection or Feature`,
      '文件不是 GeoJSON 要素集（FeatureCollection）或要素（Feature）：请从 GIS 软件导出为 GeoJSON 后上传',
    )
  const names: string[] = []
  const seen = new Set<string>()
  for (const f of features) {
    const props = (f as { properties?: Record<string, unknown> }).properties
    if (!props || typeof props !== 'object') continue
    for (const k of Object.keys(props)) {
      if (seen.has(k)) continue
      seen.add(k)
      names.push(k)
    }
  }
  return { source: new GeoJsonSource(fileName, features, names, opts), declaredEpsg: declaredEpsg(doc.crs) }
}

function valueOf(v: unknown): DbfValue {
  if (v === null || v === undefined) return null
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v
  return JSON.stringify(v)
}

class GeoJsonSource implements FeatureSource {
  private at = 0
  readonly total: number
  readonly bbox: Bbox | null

  constructor(
    readonly fileName: string,
    private readonly features: unknown[],
    readonly fieldNames: string[],
    private readonly opts: { family: 'polygon' | 'line'; maxVertices: number },
  ) {
    this.total = features.length
    this.bbox = this.extent()
  }

  private extent(): Bbox | null {
    const b = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity }
    const visit = (c: unknown): void => {
      if (!Array.isArray(c)) return
      if (typeof c[0] === 'number' && typeof c[1] === 'number' && Number.isFinite(c[0]) && Number.isFinite(c[1])) {
        b.minX = Math.min(b.minX, c[0])
        b.maxX = Math.max(b.maxX, c[0])
        b.minY = Math.min(b.minY, c[1])
        b.maxY = Math.max(b.maxY, c[1])
      } else for (const x of c) visit(x)
    }
    for (const f of this.features) visit((f as { geometry?: { coordinates?: unknown } }).geometry?.coordinates)
    return Number.isFinite(b.minX) ? b : null
  }

  async next(max: number): Promise<SourceBatch> {
    const out: SourceFeature[] = []
    const wkb = new WkbBatch(64 << 10)
    for (; out.length < max && this.at < this.features.length; this.at++) {
      const f = this.features[this.at] as {
        type?: string
        geometry?: { type?: unknown; coordinates?: unknown } | null
        properties?: Record<string, unknown> | null
      }
      const record = this.at + 1
      const props = f?.properties ?? {}
      const values = this.fieldNames.map((n) => valueOf(props[n]))
      if (f?.type !== 'Feature') {
        out.push({
          record,
          shape: { kind: 'rejected', message: 'not a GeoJSON Feature', messageZh: '不是 GeoJSON 要素（Feature）' },
          values,
          issues: [],
          deleted: false,
        })
        continue
      }
      if (!f.geometry) {
        out.push({ record, shape: { kind: 'null' }, values, issues: [], deleted: false })
        continue
      }
      const w = geojsonToWkb(f.geometry, this.opts.family, this.opts.maxVertices)
      out.push({
        record,
        shape: checkedShape(w, wkb),
        values,
        issues: [],
        deleted: false,
      })
    }
    return { features: out, wkb: wkb.take() }
  }

  async close(): Promise<void> {}
}
