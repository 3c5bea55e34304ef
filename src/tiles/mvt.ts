// A Mapbox Vector Tile (spec 2.1) encoder for one layer, used where PostGIS has no ST_AsMVT: the
// embedded PGlite build of PostGIS is compiled without protobuf-c. Geometries arrive already in
// tile coordinates (clipped, simplified and snapped to the pixel grid by PostGIS).

type Value = string | number | boolean | null
export interface TileFeature {
  id?: number
  properties: Array<[string, Value]>
  /** GeoJSON geometry in tile coordinates (y down) */
  geometry: { type: string; coordinates: unknown } | null
}

class Writer {
  private bytes: number[] = []
  varint(n: number) {
    while (n > 0x7f) {
      this.bytes.push((n % 0x80) | 0x80)
      n = Math.floor(n / 0x80)
    }
    this.bytes.push(n)
  }
  tag(field: number, wire: number) {
    this.varint((field << 3) | wire)
  }
  bytesField(field: number, data: Uint8Array | number[]) {
    this.tag(field, 2)
    this.varint(data.length)
    for (const b of data) this.bytes.push(b)
  }
  string(field: number, s: string) {
    this.bytesField(field, Buffer.from(s, 'utf8'))
  }
  packed(field: number, values: number[]) {
    const w = new Writer()
    for (const v of values) w.varint(v)
    this.bytesField(field, w.bytes)
  }
  double(field: number, v: number) {
    this.tag(field, 1)
    const b = Buffer.alloc(8)
    b.writeDoubleLE(v)
    for (const x of b) this.bytes.push(x)
  }
  get data() {
    return this.bytes
  }
}

const zigzag = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1)
const command = (id: number, count: number) => (id & 7) | (count << 3)
type Ring = number[][]

/** Twice the signed area in tile coordinates: positive = clockwise on screen (y down). */
const signedArea = (ring: Ring) => {
  let s = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += ring[j]![0]! * ring[i]![1]! - ring[i]![0]! * ring[j]![1]!
  return s
}

function encodeGeometry(geometry: TileFeature['geometry']): { type: number; commands: number[] } | null {
  if (!geometry) return null
  const commands: number[] = []
  let cx = 0
  let cy = 0
  const path = (points: number[][], closed: boolean) => {
    commands.push(command(1, 1), zigzag(points[0]![0]! - cx), zigzag(points[0]![1]! - cy))
    ;[cx, cy] = points[0] as [number, number]
    commands.push(command(2, points.length - 1))
    for (const [x, y] of points.slice(1)) {
      commands.push(zigzag(x! - cx), zigzag(y! - cy))
      cx = x!
      cy = y!
    }
    if (closed) commands.push(command(7, 1))
  }
  if (geometry.type === 'Point') {
    const [x, y] = geometry.coordinates as [number, number]
    return { type: 1, commands: [command(1, 1), zigzag(x), zigzag(y)] }
  }
  const dedupe = (points: number[][]) => points.filter((p, i) => i === 0 || p[0] !== points[i - 1]![0] || p[1] !== points[i - 1]![1])
  if (geometry.type === 'Polygon' || geometry.type === 'MultiPolygon') {
    const polygons = (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as Ring[][]
    for (const polygon of polygons) {
      polygon.forEach((raw, i) => {
        const ring = dedupe(raw).slice(0, -1) // the closing point is implied by ClosePath
        if (ring.length < 3) return
        const area = signedArea(ring)
        if (area === 0) return
        // Shells clockwise on screen (positive area), holes counter-clockwise (MVT 2.1, 4.3.4.4).
        if ((i === 0) !== area > 0) ring.reverse()
        path(ring, true)
      })
    }
    return commands.length ? { type: 3, commands } : null
  }
  if (geometry.type === 'LineString' || geometry.type === 'MultiLineString') {
    const lines = (geometry.type === 'LineString' ? [geometry.coordinates] : geometry.coordinates) as number[][][]
    for (const raw of lines) {
      const line = dedupe(raw)
      if (line.length >= 2) path(line, false)
    }
    return commands.length ? { type: 2, commands } : null
  }
  return null
}

/** One layer as a complete tile (a tile of one layer is that layer's message in field 3). */
export function encodeTile(name: string, features: TileFeature[], extent = 4096): Buffer {
  const body = new Writer()
  body.tag(15, 0)
  body.varint(2)
  body.string(1, name)
  const keys = new Map<string, number>()
  const values = new Map<string, number>()
  const valueList: Array<string | number | boolean> = []
  for (const f of features) {
    const geom = encodeGeometry(f.geometry)
    if (!geom) continue
    const tags: number[] = []
    for (const [k, v] of f.properties) {
      if (v === null || v === undefined) continue
      if (!keys.has(k)) keys.set(k, keys.size)
      const vk = `${typeof v}:${v}`
      if (!values.has(vk)) {
        values.set(vk, valueList.length)
        valueList.push(v)
      }
      tags.push(keys.get(k)!, values.get(vk)!)
    }
    const fw = new Writer()
    if (f.id !== undefined && Number.isSafeInteger(f.id) && f.id >= 0) {
      fw.tag(1, 0)
      fw.varint(f.id)
    }
    if (tags.length) fw.packed(2, tags)
    fw.tag(3, 0)
    fw.varint(geom.type)
    fw.packed(4, geom.commands)
    body.bytesField(2, fw.data)
  }
  for (const k of keys.keys()) body.string(3, k)
  for (const v of valueList) {
    const vw = new Writer()
    if (typeof v === 'string') vw.string(1, v)
    else if (typeof v === 'boolean') {
      vw.tag(7, 0)
      vw.varint(v ? 1 : 0)
    } else if (Number.isSafeInteger(v)) {
      vw.tag(6, 0) // sint64, zigzag
      vw.varint(zigzag(v))
    } else vw.double(3, v)
    body.bytesField(4, vw.data)
  }
  body.tag(5, 0)
  body.varint(extent)
  const tile = new Writer()
  tile.bytesField(3, body.data)
  return Buffer.from(tile.data)
}
