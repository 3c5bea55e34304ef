// Writes test deliveries with the project's own shapefile writer, and hand-packs zips whose
// entries a normal packer would refuse to make (paths with .., links).
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { deflateRawSync } from 'node:zlib'
import { esriPrj } from '../../src/formats/shapefile/prj-writer.js'
import { ShapefileWriter, type Parts, type WriterField } from '../../src/formats/shapefile/writer.js'
import type { Encoding } from '../../src/formats/text-decoding.js'
import { zipFiles } from '../../src/formats/zip-writer.js'

export const prj4548 = esriPrj({ datum: 'CGCS2000', centralMeridian: 117, falseEasting: 500000 })
export const prj4527 = esriPrj({ datum: 'CGCS2000', centralMeridian: 117, falseEasting: 39_500_000 })

export interface ShapefileSpec {
  shapeType?: 3 | 5
  fields: WriterField[]
  features: Array<{ parts: Parts; values: Record<string, string | number | null> }>
  encoding?: Encoding
  languageDriver?: number
  cpg?: string | null
  prj?: string | null
  /** members left out of the zip */
  omit?: Array<'shp' | 'shx' | 'dbf' | 'prj' | 'cpg'>
  /** change the written files before zipping */
  tamper?: (files: Record<string, string>) => Promise<void>
}

export async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'lr-fixture-'))
}

/** A zipped shapefile named `<name>.zip` in `dir`, members `<name>.*`. */
export async function shapefileZip(dir: string, name: string, spec: ShapefileSpec): Promise<string> {
  const base = path.join(dir, name)
  const w = await ShapefileWriter.create({
    basePath: base,
    shapeType: spec.shapeType ?? 5,
    fields: spec.fields,
    encoding: spec.encoding ?? 'GBK',
    languageDriver: spec.languageDriver ?? 0x4d,
    cpg: spec.cpg === undefined ? 'GBK' : spec.cpg,
    prj: spec.prj === undefined ? prj4548 : spec.prj,
  })
  for (const f of spec.features) await w.write(f.parts, f.values)
  await w.close()
  const exts = ['shp', 'shx', 'dbf', 'prj', 'cpg'] as const
  const files: Record<string, string> = {}
  for (const e of exts) {
    const p = `${base}.${e}`
    if (!spec.omit?.includes(e) && (await fs.stat(p).catch(() => null))) files[e] = p
  }
  await spec.tamper?.(files)
  const zip = path.join(dir, `${name}.zip`)
  await zipFiles(
    zip,
    Object.values(files).map((p) => ({ path: p, name: path.basename(p) })),
  )
  return zip
}

/**
 * A zip with arbitrary entry names and Unix modes (e.g. '../evil.shp', a symlink), built by hand. A name given as a string is stored as UTF-8 with the UTF-8 flag; one
 * given as bytes (a name in GBK, as Windows packers write it) is stored as it is, without the flag.
 */
export async function rawZip(
  file: string,
  entries: Array<{
    name: string | Buffer
    data: Buffer
    mode?: number
    deflate?: boolean
    /** the size the headers claim, if not the data's */ declaredSize?: number
    /** the flag saying the member is encrypted (its bytes stay as they are) */ encrypted?: boolean
  }>,
): Promise<string> {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : e.name
    const flags = (typeof e.name === 'string' ? 0x800 : 0) | (e.encrypted ? 0x1 : 0)
    const body = e.deflate ? deflateRawSync(e.data) : e.data
    const crc = crc32(e.data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(flags, 6)
    local.writeUInt16LE(e.deflate ? 8 : 0, 8)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(e.declaredSize ?? e.data.length, 22)
    local.writeUInt16LE(name.length, 26)
    locals.push(local, name, body)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE((3 << 8) | 20, 4) // made by Unix
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(flags, 8)
    central.writeUInt16LE(e.deflate ? 8 : 0, 10)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(e.declaredSize ?? e.data.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38)
    central.writeUInt32LE(offset, 42)
    centrals.push(central, name)
    offset += 30 + name.length + body.length
  }
  const cd = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  await fs.writeFile(file, Buffer.concat([...locals, cd, end]))
  return file
}

function crc32(b: Buffer): number {
  let c = ~0
  for (const byte of b) {
    c ^= byte
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
  }
  return ~c >>> 0
}

export const surveyFields: WriterField[] = [
  { name: 'BSM', type: 'N', length: 10 },
  { name: 'DLBM', type: 'C', length: 5 },
  { name: 'DLMC', type: 'C', length: 60 },
  { name: 'ZLDWMC', type: 'C', length: 60 },
  { name: 'TBMJ', type: 'N', length: 19, decimals: 2 },
  { name: 'CZCSXM', type: 'C', length: 4 },
]

/** A clockwise rectangle, as shapefile shells are. */
export const rect = (x0: number, y0: number, x1: number, y1: number) => [
  [x0, y0],
  [x0, y1],
  [x1, y1],
  [x1, y0],
  [x0, y0],
]
