// Deterministic generator of a county's deliveries, shaped like real ones: ArcGIS .prj for
// CGCS2000 3° Gauss-Kruger CM 117E, GBK attributes with and without .cpg, the survey codes of
// DOMAIN.md. Used by `npm run data:generate`, the tests and the benchmarks.
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { esriPrj } from '../formats/shapefile/prj-writer.js'
import { ShapefileWriter, type Parts, type WriterField } from '../formats/shapefile/writer.js'
import type { Encoding } from '../formats/text-decoding.js'
import { zipFiles } from '../formats/zip-writer.js'
import { buildingTypes, developmentModes, plotCategories, survey2Classes, survey3Classes, townNames, villageNames } from './codes.js'
import { rng, type Rng } from './random.js'

export const generatedCrs = { epsg: 4548, origin: { x: 405_000, y: 4_030_000 } } // Liaocheng, CM 117E
const prj = esriPrj({ datum: 'CGCS2000', centralMeridian: 117, falseEasting: 500000 })

export type GeneratedLayer = 'survey3' | 'survey2' | 'survey2-lines' | 'buildings' | 'projects' | 'plots' | 'approved-unsupplied' | 'idle-land'
export const allGeneratedLayers: GeneratedLayer[] = [
  'survey3',
  'survey2',
  'survey2-lines',
  'buildings',
  'projects',
  'plots',
  'approved-unsupplied',
  'idle-land',
]

export interface GenerateOptions {
  outDir: string
  patches: number
  county?: string
  seed?: number
  layers?: GeneratedLayer[]
  /** south-west corner of the county's grid in EPSG:4548 (default: Liaocheng, generatedCrs.origin) */
  origin?: Origin
}

export interface Origin {
  x: number
  y: number
}

/** A clockwise rectangle (shapefile shells are clockwise) with a vertex in the middle of each side. */
export function rectangle(x0: number, y0: number, x1: number, y1: number): number[][] {
  const xm = (x0 + x1) / 2
  const ym = (y0 + y1) / 2
  return [
    [x0, y0],
    [x0, ym],
    [x0, y1],
    [xm, y1],
    [x1, y1],
    [x1, ym],
    [x1, y0],
    [xm, y0],
    [x0, y0],
  ]
}

/** Deterministic noise in [-1, 1) from integer coordinates, so neighbouring patches share edges. */
function noise(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b ^ 0xc2b2ae35, 0x27d4eb2f) ^ Math.imul(c + 0x165667b1, 0x9e3779b1)
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d)
  h ^= h >>> 13
  return (h >>> 0) / 2 ** 31 - 1
}

/**
 * The cell (col, row) of a grid whose edges wander like surveyed boundaries: corners and
 * 3–8 intermediate vertices per edge are jittered, and each edge is computed from its own
 * coordinates so the two patches beside it get the same vertices. Clockwise, as shells are.
 */
export function wobblyCell(g: { x0: number; y0: number; w: number; h: number }, col: number, row: number): number[][] {
  const jitter = Math.min(g.w, g.h) * 0.08
  const corner = (c: number, r: number) => [g.x0 + c * g.w + jitter * noise(c, r, 1), g.y0 + r * g.h + jitter * noise(c, r, 2)]
  // Points strictly between corner a and corner b of the edge keyed (kind, c, r).
  const edge = (kind: number, c: number, r: number, a: number[], b: number[]): number[][] => {
    const n = 3 + Math.floor((noise(c, r, kind + 10) + 1) * 2.5)
    const pts: number[][] = []
    for (let i = 1; i <= n; i++) {
      const t = i / (n + 1)
      const off = jitter * 0.5 * noise(c * 31 + i, r * 17 + kind, 3)
      pts.push(kind === 0 ? [a[0]! + (b[0]! - a[0]!) * t, a[1]! + (b[1]! - a[1]!) * t + off] : [a[0]! + (b[0]! - a[0]!) * t + off, a[1]! + (b[1]! - a[1]!) * t])
    }
    return pts
  }
  const bl = corner(col, row)
  const br = corner(col + 1, row)
  const tl = corner(col, row + 1)
  const tr = corner(col + 1, row + 1)
  const bottom = edge(0, col, row, bl, br) // west → east
  const top = edge(0, col, row + 1, tl, tr)
  const left = edge(1, col, row, bl, tl) // south → north
  const right = edge(1, col + 1, row, br, tr)
  return [bl, ...left, tl, ...top, tr, ...right.reverse(), br, ...bottom.reverse(), bl]
}

function shoelace(ring: number[][]): number {
  let s = 0
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!
  return Math.abs(s / 2)
}

interface LayerSpec {
  file: string
  shapeType: 3 | 5
  fields: WriterField[]
  encoding: Encoding
  languageDriver: number
  cpg: string | null
}

const C = (name: string, length: number): WriterField => ({ name, type: 'C', length })
const N = (name: string, length: number, decimals = 0): WriterField => ({ name, type: 'N', length, decimals })

// Encodings vary as in real deliveries: .cpg present, language driver only, nothing at all, UTF-8.
const specs: Record<GeneratedLayer, LayerSpec> = {
  survey3: {
    file: 'DLTB',
    shapeType: 5,
    encoding: 'GBK',
    languageDriver: 0x4d,
    cpg: 'GBK',
    fields: [
      N('BSM', 10),
      C('YSDM', 10),
      C('TBYBH', 18),
      C('TBBH', 8),
      C('DLBM', 5),
      C('DLMC', 60),
      C('QSXZ', 2),
      C('QSDWDM', 19),
      C('QSDWMC', 60),
      C('ZLDWDM', 19),
      C('ZLDWMC', 60),
      N('TBMJ', 19, 2),
      C('KCDLBM', 5),
      N('KCXS', 6, 4),
      N('KCMJ', 19, 2),
      N('TBDLMJ', 19, 2),
      C('GDLX', 2),
      C('CZCSXM', 4),
      N('SJNF', 4),
      C('BZ', 254),
    ],
  },
  survey2: {
    file: 'DLTB2009',
    shapeType: 5,
    encoding: 'GBK',
    languageDriver: 0x4d,
    cpg: null,
    fields: [
      N('BSM', 10),
      C('TBBH', 8),
      C('DLBM', 3),
      C('DLMC', 60),
      C('QSXZ', 2),
      C('QSDWDM', 19),
      C('QSDWMC', 60),
      C('ZLDWDM', 19),
      C('ZLDWMC', 60),
      N('TBMJ', 15, 2),
      N('XZDWMJ', 15, 2),
      N('LXDWMJ', 15, 2),
      N('TKXS', 6, 4),
      N('TKMJ', 15, 2),
      N('TBDLMJ', 15, 2),
    ],
  },
  'survey2-lines': {
    file: 'XZDW',
    shapeType: 3,
    encoding: 'GBK',
    languageDriver: 0,
    cpg: null,
    fields: [
      N('BSM', 10),
      C('DLBM', 3),
      C('DLMC', 60),
      N('CD', 12, 2),
      N('KD', 6, 1),
      N('XZDWMJ', 12, 2),
      N('KCBL', 4, 2),
      C('KCTBBH1', 8),
      C('KCTBDWDM1', 19),
      C('KCTBBH2', 8),
      C('KCTBDWDM2', 19),
    ],
  },
  buildings: { file: 'JZW', shapeType: 5, encoding: 'GBK', languageDriver: 0, cpg: null, fields: [N('BSM', 10), C('JZLX', 20), C('JZWMC', 60), N('CS', 3)] },
  projects: { file: 'XMHX', shapeType: 5, encoding: 'UTF-8', languageDriver: 0, cpg: 'UTF-8', fields: [C('XMBH', 20), C('XMMC', 100), C('KFMS', 30)] },
  plots: {
    file: 'DXYDTB',
    shapeType: 5,
    encoding: 'GBK',
    languageDriver: 0x4d,
    cpg: 'GBK',
    fields: [C('TBBH', 20), C('DKMC', 60), C('DXLX', 30), C('ZLDWDM', 19), C('QSDWDM', 19), N('MJ', 15, 2)],
  },
  'approved-unsupplied': {
    file: 'PEWG',
    shapeType: 5,
    encoding: 'GBK',
    languageDriver: 0x4d,
    cpg: 'GBK',
    fields: [C('PZWH', 50), C('XMMC', 100), { name: 'PZRQ', type: 'D', length: 8 }],
  },
  'idle-land': {
    file: 'XZTD',
    shapeType: 5,
    encoding: 'GBK',
    languageDriver: 0x4d,
    cpg: 'GBK',
    fields: [C('XZTDBH', 30), C('XMMC', 100), { name: 'RDRQ', type: 'D', length: 8 }],
  },
}

interface Grid {
  cols: number
  rows: number
  w: number
  h: number
  x0: number
  y0: number
}

function grid(count: number, w: number, h: number, at: Origin): Grid {
  const cols = Math.max(1, Math.ceil(Math.sqrt(count * (h / w))))
  return { cols, rows: Math.ceil(count / cols), w, h, x0: at.x, y0: at.y }
}
const cell = (g: Grid, col: number, row: number, spanC = 1, spanR = 1): [number, number, number, number] => [
  g.x0 + col * g.w,
  g.y0 + row * g.h,
  g.x0 + (col + spanC) * g.w,
  g.y0 + (row + spanR) * g.h,
]

type Feature = { parts: Parts; values: Record<string, string | number | null> }

function* survey3(n: number, county: string, r: Rng, at: Origin): Generator<Feature> {
  const g = grid(n, 80, 60, at)
  for (let i = 0; i < n; i++) {
    const [code, name] = r.weighted(survey3Classes.map(([c, nm, w]) => [[c, nm], w] as const))
    const town = townNames[Math.floor(i / 997) % townNames.length]!
    const village = villageNames[i % villageNames.length]!
    const zl = `${county}${String(1 + (Math.floor(i / 997) % 12)).padStart(3, '0')}${String(1 + (i % 12)).padStart(3, '0')}0000000`
    const ring = wobblyCell(g, i % g.cols, Math.floor(i / g.cols))
    const area = Math.round(shoelace(ring) * 100) / 100
    const kcxs = code === '0103' ? 0.05 : 0
    const built = /^(05|06|07|08|09|10|1109|1201)/.test(code) && code !== '1006'
    yield {
      parts: [ring],
      values: {
        BSM: i + 1,
        YSDM: '2001010100',
        TBYBH: null,
        TBBH: String(i + 1),
        DLBM: code,
        DLMC: name,
        QSXZ: i % 3 ? '30' : '10',
        QSDWDM: zl,
        QSDWMC: `${town}${village}`,
        ZLDWDM: zl,
        ZLDWMC: `${town}${village}`,
        TBMJ: area,
        KCDLBM: kcxs ? '1203' : null,
        KCXS: kcxs,
        KCMJ: area * kcxs,
        TBDLMJ: area * (1 - kcxs),
        GDLX: code.startsWith('01') ? 'PD' : null,
        CZCSXM: built
          ? r.weighted([
              ['201', 3],
              ['202', 2],
              ['203', 4],
              ['203A', 1],
            ] as const)
          : null,
        SJNF: 2019,
        BZ: null,
      },
    }
  }
}

function* survey2(n: number, county: string, r: Rng, at: Origin): Generator<Feature> {
  const g = grid(n, 100, 75, at)
  for (let i = 0; i < n; i++) {
    const [code, name] = r.weighted(survey2Classes.map(([c, nm, w]) => [[c, nm], w] as const))
    const ring = wobblyCell(g, i % g.cols, Math.floor(i / g.cols))
    const area = Math.round(shoelace(ring) * 100) / 100
    const xzdw = (i % g.cols) % 5 === 4 ? 0.5 * 6 * g.h : 0
    const zl = `${county}${String(1 + (i % 12)).padStart(3, '0')}0000000000`
    yield {
      parts: [ring],
      values: {
        BSM: i + 1,
        TBBH: String(i + 1),
        DLBM: code,
        DLMC: name,
        QSXZ: '30',
        QSDWDM: zl,
        QSDWMC: villageNames[i % 12]!,
        ZLDWDM: zl,
        ZLDWMC: villageNames[i % 12]!,
        TBMJ: area,
        XZDWMJ: xzdw,
        LXDWMJ: 0,
        TKXS: 0,
        TKMJ: 0,
        TBDLMJ: area - xzdw,
      },
    }
  }
}

function* survey2Lines(n: number, county: string, r: Rng, at: Origin): Generator<Feature> {
  // Roads along every fifth column boundary of the second-survey grid, one feature per row.
  const g = grid(Math.round(n * 0.6), 100, 75, at)
  let bsm = 0
  for (let col = 5; col < g.cols; col += 5) {
    for (let row = 0; row < g.rows; row++) {
      const x = g.x0 + col * g.w
      const code = r.weighted([
        ['102', 1],
        ['104', 2],
      ] as const)
      const left = row * g.cols + col - 1
      yield {
        parts: [
          [
            [x, g.y0 + row * g.h],
            [x, g.y0 + (row + 1) * g.h],
          ],
        ],
        values: {
          BSM: ++bsm,
          DLBM: code,
          DLMC: code === '102' ? '公路用地' : '农村道路',
          CD: g.h,
          KD: 6,
          XZDWMJ: 6 * g.h,
          KCBL: 0.5,
          KCTBBH1: String(left + 1),
          KCTBDWDM1: `${county}0010000000000`,
          KCTBBH2: String(left + 2),
          KCTBDWDM2: `${county}0010000000000`,
        },
      }
    }
  }
}

function* buildings(n: number, r: Rng, at: Origin): Generator<Feature> {
  const g = grid(n, 80, 60, at)
  let bsm = 0
  for (let i = 0; i < n; i += 2) {
    const [x0, y0, x1, y1] = cell(g, i % g.cols, Math.floor(i / g.cols))
    const inset = 5 + r.int(0, 15)
    const type = r.weighted(buildingTypes.map(([t, w]) => [t, w] as const))
    yield { parts: [rectangle(x0 + inset, y0 + inset, x1 - inset, y1 - inset)], values: { BSM: ++bsm, JZLX: type, JZWMC: `${type}${bsm}`, CS: r.int(1, 6) } }
    // Every tenth building overlaps another one, as footprints digitised twice do.
    if (i % 20 === 0)
      yield {
        parts: [rectangle(x0 + inset + 10, y0 + inset + 5, x1 - inset + 3, y1 - inset - 5)],
        values: { BSM: ++bsm, JZLX: '厂房', JZWMC: `附属${bsm}`, CS: 1 },
      }
  }
}

function* blocks(
  n: number,
  count: number,
  r: Rng,
  every: [number, number],
  span: () => [number, number],
  at: Origin,
): Generator<[number, number, number, number]> {
  const g = grid(n, 80, 60, at)
  let k = 0
  for (let row = 1; row + 4 < g.rows && k < count; row += every[1]) {
    for (let col = 1; col + 4 < g.cols && k < count; col += every[0]) {
      const [c, rr] = span()
      yield cell(g, col, row, c, rr)
      k++
    }
  }
}

function* projects(n: number, county: string, r: Rng, at: Origin): Generator<Feature> {
  let k = 0
  for (const [x0, y0, x1, y1] of blocks(n, Math.max(1, Math.round(n / 170)), r, [12, 10], () => [r.int(2, 4), r.int(2, 3)], at)) {
    k++
    yield {
      parts: [rectangle(x0, y0, x1, y1)],
      values: {
        XMBH: `${county}-${String(k).padStart(4, '0')}`,
        XMMC: `${townNames[k % townNames.length]}${villageNames[k % 12]}低效用地再开发项目`,
        KFMS: r.pick(developmentModes),
      },
    }
  }
}

function* plots(n: number, county: string, r: Rng, at: Origin): Generator<Feature> {
  let k = 0
  for (const [x0, y0, x1, y1] of blocks(n, Math.max(1, Math.round(n / 50)), r, [4, 3], () => [r.int(1, 2), r.int(1, 2)], at)) {
    k++
    const zl = `${county}${String(1 + (k % 12)).padStart(3, '0')}0000000000`
    yield {
      parts: [rectangle(x0, y0, x1, y1)],
      values: {
        TBBH: `DX${String(k).padStart(5, '0')}`,
        DKMC: `${villageNames[k % 12]}地块${k}`,
        DXLX: r.pick(plotCategories),
        ZLDWDM: zl,
        QSDWDM: zl,
        MJ: (x1 - x0) * (y1 - y0),
      },
    }
  }
}

function* approvals(n: number, kind: 'approved-unsupplied' | 'idle-land', r: Rng, at: Origin): Generator<Feature> {
  let k = 0
  const offset: [number, number] = kind === 'idle-land' ? [7, 5] : [3, 2]
  for (const [x0, y0, x1, y1] of blocks(n, Math.max(1, Math.round(n / 1000)), r, [24 + offset[0], 20 + offset[1]], () => [1, 1], at)) {
    k++
    const values: Feature['values'] =
      kind === 'approved-unsupplied'
        ? { PZWH: `鲁政土字〔2018〕${100 + k}号`, XMMC: `批次用地${k}`, PZRQ: `2018-0${1 + (k % 9)}-15` }
        : { XZTDBH: `XZ${String(k).padStart(4, '0')}`, XMMC: `闲置地块${k}`, RDRQ: `2020-0${1 + (k % 9)}-01` }
    yield { parts: [rectangle(x0 + 10, y0 + 10, x1 + 30, y1 + 20)], values }
  }
}

function features(layer: GeneratedLayer, n: number, county: string, r: Rng, at: Origin): Iterable<Feature> {
  switch (layer) {
    case 'survey3':
      return survey3(n, county, r, at)
    case 'survey2':
      return survey2(Math.round(n * 0.6), county, r, at)
    case 'survey2-lines':
      return survey2Lines(n, county, r, at)
    case 'buildings':
      return buildings(n, r, at)
    case 'projects':
      return projects(n, county, r, at)
    case 'plots':
      return plots(n, county, r, at)
    case 'approved-unsupplied':
    case 'idle-land':
      return approvals(n, layer, r, at)
  }
}

/** Writes one layer as an unzipped shapefile set; returns the paths written. */
export async function writeLayer(
  basePath: string,
  layer: GeneratedLayer,
  opts: { patches: number; county: string; seed: number; origin?: Origin },
): Promise<{ files: string[]; count: number }> {
  const spec = specs[layer]
  const w = await ShapefileWriter.create({
    basePath,
    shapeType: spec.shapeType,
    fields: spec.fields,
    encoding: spec.encoding,
    languageDriver: spec.languageDriver,
    cpg: spec.cpg,
    prj,
  })
  let count = 0
  for (const f of features(layer, opts.patches, opts.county, rng(opts.seed + layer.length), opts.origin ?? generatedCrs.origin)) {
    await w.write(f.parts, f.values)
    count++
  }
  await w.close()
  const files = ['shp', 'shx', 'dbf', 'prj', ...(spec.cpg ? ['cpg'] : [])].map((e) => `${basePath}.${e}`)
  return { files, count }
}

/** Writes `<county>_<layer>.zip` for each layer into outDir. */
export async function generateCounty(o: GenerateOptions): Promise<Array<{ layer: GeneratedLayer; zip: string; count: number }>> {
  const county = o.county ?? '371502'
  const seed = o.seed ?? 20261123
  await fs.mkdir(o.outDir, { recursive: true })
  const out = []
  for (const layer of o.layers ?? allGeneratedLayers) {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lr-gen-'))
    try {
      const base = path.join(tmp, specs[layer].file)
      const { files, count } = await writeLayer(base, layer, { patches: o.patches, county, seed, origin: o.origin })
      const zip = path.join(o.outDir, `${county}_${layer}.zip`)
      await zipFiles(
        zip,
        files.map((f) => ({ path: f, name: path.basename(f) })),
      )
      out.push({ layer, zip, count })
    } finally {
      await fs.rm(tmp, { recursive: true, force: true })
    }
  }
  return out
}
