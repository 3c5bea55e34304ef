// Unpacks the shapefile members of an uploaded zip, refusing anything unsafe: paths that climb out
// (..), absolute paths, links, too many entries, too much data or a suspicious compression ratio.
import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Transform } from 'node:stream'
import { isUtf8 } from 'node:buffer'
import iconv from 'iconv-lite'
import yauzl from 'yauzl'

export interface ArchiveLimits {
  maxEntries: number
  maxUncompressedBytes: number
  /** uncompressed ÷ compressed, checked for entries above 1 MiB */
  maxRatio: number
}

export const defaultArchiveLimits: ArchiveLimits = { maxEntries: 200, maxUncompressedBytes: 16 * 1024 ** 3, maxRatio: 200 }

export class ArchiveError extends Error {}

export interface ShapefileMembers {
  /** name of the .shp inside the zip, for messages */
  name: string
  shp: string
  shx: string | null
  dbf: string
  prj: string | null
  cpg: string | null
}

const members = ['shp', 'shx', 'dbf', 'prj', 'cpg'] as const

/** Zip entry names are UTF-8 when flagged, otherwise in the packer's code page (GBK on Chinese Windows). */
function entryName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer
  const utf8Flag = (entry.generalPurposeBitFlag & 0x800) !== 0
  const name = utf8Flag || isUtf8(raw) ? raw.toString('utf8') : iconv.decode(raw, 'gb18030')
  return name.replace(/\\/g, '/')
}

function unsafe(name: string, entry: yauzl.Entry): string | null {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'an absolute path'
  if (name.split('/').includes('..')) return 'a path that climbs out of the archive (..)'
  const mode = (entry.externalFileAttributes >>> 16) & 0o170000
  if (mode === 0o120000) return 'a symbolic link'
  return null
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false }, (err, zip) =>
      err ? reject(new ArchiveError(`not a readable zip file: ${err.message}`)) : resolve(zip!),
    ),
  )
}

async function listEntries(zip: yauzl.ZipFile, limits: ArchiveLimits): Promise<Array<{ name: string; entry: yauzl.Entry }>> {
  if (zip.entryCount > limits.maxEntries) throw new ArchiveError(`the zip holds ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`)
  const out: Array<{ name: string; entry: yauzl.Entry }> = []
  let total = 0
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entryName(entry)
      const why = unsafe(name, entry)
      if (why) return reject(new ArchiveError(`zip entry '${name}' is ${why}; refused`))
      total += entry.uncompressedSize
      if (total > limits.maxUncompressedBytes) return reject(new ArchiveError(`the zip unpacks to more than ${limits.maxUncompressedBytes} bytes`))
      if (entry.uncompressedSize > 1 << 20 && entry.uncompressedSize > limits.maxRatio * Math.max(entry.compressedSize, 1)) {
        return reject(new ArchiveError(`zip entry '${name}' expands ${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))}-fold, more than the limit of ${limits.maxRatio}`))
      }
      if (!name.endsWith('/')) out.push({ name, entry })
      zip.readEntry()
    })
    zip.on('end', () => resolve())
    zip.on('error', (e: Error) => reject(new ArchiveError(`corrupt zip: ${e.message}`)))
    zip.readEntry()
  })
  return out
}

function extract(zip: yauzl.ZipFile, entry: yauzl.Entry, target: string, limit: number): Promise<void> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(new ArchiveError(`cannot read zip entry: ${err.message}`))
      let bytes = 0
      const guard = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          bytes += chunk.length
          cb(bytes > limit ? new ArchiveError('zip entry is larger than it declares') : null, chunk)
        },
      })
      pipeline(stream!, guard, fs.createWriteStream(target)).then(resolve, (e: Error) => reject(e instanceof ArchiveError ? e : new ArchiveError(`cannot unpack zip entry: ${e.message}`)))
    }),
  )
}

/** Finds the one shapefile in the zip and unpacks only its members into `dir`. */
export async function unpackShapefile(zipPath: string, dir: string, limits: ArchiveLimits = defaultArchiveLimits): Promise<ShapefileMembers> {
  const zip = await openZip(zipPath)
  try {
    const entries = await listEntries(zip, limits)
    const shps = entries.filter((e) => /\.shp$/i.test(e.name) && !e.name.split('/').some((s) => s.startsWith('__MACOSX')))
    if (shps.length === 0) {
      throw new ArchiveError(`the zip holds no .shp file (entries: ${entries.map((e) => e.name).slice(0, 20).join(', ') || 'none'})`)
    }
    if (shps.length > 1) throw new ArchiveError(`the zip holds ${shps.length} shapefiles (${shps.map((s) => s.name).join(', ')}); upload one layer per import`)
    const base = shps[0]!.name.slice(0, -4).toLowerCase()
    const found: Partial<Record<(typeof members)[number], string>> = {}
    // The members inflate side by side: .shp and .dbf are both large.
    await Promise.all(
      members.map(async (ext) => {
        const hit = entries.find((e) => e.name.toLowerCase() === `${base}.${ext}`)
        if (!hit) return
        const target = path.join(dir, `source.${ext}`)
        await extract(zip, hit.entry, target, hit.entry.uncompressedSize)
        found[ext] = target
      }),
    )
    if (!found.dbf) throw new ArchiveError(`the zip has ${shps[0]!.name} but no ${shps[0]!.name.slice(0, -4)}.dbf beside it (attributes are required)`)
    return { name: shps[0]!.name, shp: found.shp!, shx: found.shx ?? null, dbf: found.dbf, prj: found.prj ?? null, cpg: found.cpg ?? null }
  } finally {
    zip.close()
  }
}

/** Whether a file starts like a zip (local file header or empty archive). */
export async function isZip(file: string): Promise<boolean> {
  const fd = await fs.promises.open(file, 'r')
  try {
    const b = Buffer.alloc(4)
    await fd.read(b, 0, 4, 0)
    return b.readUInt32LE(0) === 0x04034b50 || b.readUInt32LE(0) === 0x06054b50
  } finally {
    await fd.close()
  }
}
