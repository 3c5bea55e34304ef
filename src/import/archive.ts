// Unpacks the shapefile members of an uploaded zip, refusing anything unsafe: paths that climb out
// (..), absolute paths, links, too many entries, too much data or a suspicious compression ratio.
import fs from 'node:fs'
import { isUtf8 } from 'node:buffer'
import iconv from 'iconv-lite'
import { Readable, Transform } from 'node:stream'
import { createInflateRaw } from 'node:zlib'
import yauzl from 'yauzl'
import { BilingualError } from '../errors/bilingual.js'
import { streamSource, type ByteSource } from '../formats/chunked-file.js'

export interface ArchiveLimits {
  maxEntries: number
  maxUncompressedBytes: number
  /** uncompressed ÷ compressed, checked for entries above 1 MiB */
  maxRatio: number
}

export const defaultArchiveLimits: ArchiveLimits = { maxEntries: 200, maxUncompressedBytes: 16 * 1024 ** 3, maxRatio: 200 }

/**
 * Members read whole into memory. A .prj is one WKT line (< 2 KB in every delivery seen), a .cpg a
 * code page name: 64 KiB is far above both and keeps a bomb (600 MiB of .prj at ratio 53 passed
 * the ratio check) from ever being inflated.
 */
export const maxTextMemberBytes = 64 * 1024

export class ArchiveError extends BilingualError {}

/** The members of the one shapefile in an upload, read straight from the zip. */
export interface ShapefileArchive {
  /** name of the .shp inside the zip, for messages */
  name: string
  has(ext: Member): boolean
  /** A fresh stream of the member's bytes, inflated as it is read. */
  open(ext: Member): Promise<ByteSource>
  /** A small member (.prj, .cpg) as text, or null when absent. */
  text(ext: 'prj' | 'cpg'): Promise<string | null>
  close(): void
}

type Member = (typeof members)[number]

const members = ['shp', 'shx', 'dbf', 'prj', 'cpg'] as const

/** A name neither flagged UTF-8 nor valid UTF-8: in the packer's code page (GBK on Chinese Windows). */
export function legacyEntryName(entry: yauzl.Entry): boolean {
  const raw = entry.fileName as unknown as Buffer
  return (entry.generalPurposeBitFlag & 0x800) === 0 && !isUtf8(raw)
}

/** Zip entry names are UTF-8 when flagged, otherwise in the packer's code page (GBK on Chinese Windows). */
function entryName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer
  const name = legacyEntryName(entry) ? iconv.decode(raw, 'gb18030') : raw.toString('utf8')
  return name.replace(/\\/g, '/')
}

function unsafe(name: string, entry: yauzl.Entry): { en: string; zh: string } | null {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return { en: 'an absolute path', zh: '绝对路径' }
  if (name.split('/').includes('..')) return { en: 'a path that climbs out of the archive (..)', zh: '指向压缩包以外的路径（..）' }
  const mode = (entry.externalFileAttributes >>> 16) & 0o170000
  if (mode === 0o120000) return { en: 'a symbolic link', zh: '符号链接' }
  return null
}

const repack = '请将 .shp、.shx、.dbf、.prj（及 .cpg）直接打包为一个 .zip 后重新上传'

export function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false }, (err, zip) =>
      err
        ? reject(
            new ArchiveError(
              `not a readable zip file: ${err.message}`,
              `文件不是有效的 ZIP 压缩包，无法解压（${err.message}）：可能上传不完整或不是 .zip 格式。${repack}`,
            ),
          )
        : resolve(zip!),
    ),
  )
}

export async function listEntries(zip: yauzl.ZipFile, limits: ArchiveLimits): Promise<Array<{ name: string; entry: yauzl.Entry }>> {
  if (zip.entryCount > limits.maxEntries)
    throw new ArchiveError(
      `the zip holds ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`,
      `压缩包内有 ${zip.entryCount} 个文件，超过上限 ${limits.maxEntries} 个：每次只上传一个图层。${repack}`,
    )
  const out: Array<{ name: string; entry: yauzl.Entry }> = []
  let total = 0
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entryName(entry)
      const why = unsafe(name, entry)
      if (why) return reject(new ArchiveError(`zip entry '${name}' is ${why.en}; refused`, `压缩包内的“${name}”是${why.zh}，已拒绝。${repack}`))
      total += entry.uncompressedSize
      if (total > limits.maxUncompressedBytes)
        return reject(
          new ArchiveError(
            `the zip unpacks to more than ${limits.maxUncompressedBytes} bytes`,
            `压缩包解压后超过 ${limits.maxUncompressedBytes} 字节的上限：请按县或图幅拆分后分别上传`,
          ),
        )
      if (entry.uncompressedSize > 1 << 20 && entry.uncompressedSize > limits.maxRatio * Math.max(entry.compressedSize, 1)) {
        return reject(
          new ArchiveError(
            `zip entry '${name}' expands ${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))}-fold, more than the limit of ${limits.maxRatio}`,
            `压缩包内的“${name}”压缩比异常（${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))} 倍，上限 ${limits.maxRatio} 倍），已拒绝。${repack}`,
          ),
        )
      }
      if (!name.endsWith('/')) out.push({ name, entry })
      zip.readEntry()
    })
    zip.on('end', () => resolve())
    zip.on('error', (e: Error) => reject(new ArchiveError(`corrupt zip: ${e.message}`, `ZIP 压缩包已损坏（${e.message}）。${repack}`)))
    zip.readEntry()
  })
  return out
}

/** A member with a password (ZIP encryption): nothing of it can be read. */
const encrypted = (entry: yauzl.Entry) =>
  new ArchiveError(
    `zip entry '${entryName(entry)}' is encrypted (the zip has a password); it cannot be read`,
    `压缩包内的“${entryName(entry)}”已加密（压缩包设置了密码），无法读取：请解压后不设密码重新打包上传`,
  )

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry, options: yauzl.ZipFileOptions = {}): Promise<NodeJS.ReadableStream & { destroy(): void }> {
  if (entry.isEncrypted()) return Promise.reject(encrypted(entry))
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, options, (err, stream) =>
      err ? reject(new ArchiveError(`cannot read zip entry: ${err.message}`, `无法读取压缩包内的文件（${err.message}）。${repack}`)) : resolve(stream!),
    ),
  )
}

/** A member that inflates to more or fewer bytes than its header declares: damaged, or tampered with. */
const sizeMismatch = (entry: yauzl.Entry, en: string, moreOrFewerZh: string) =>
  new ArchiveError(
    `zip entry '${entryName(entry)}': ${en}`,
    `压缩包内的“${entryName(entry)}”解压后的字节数${moreOrFewerZh}其声明的 ${entry.uncompressedSize} 字节，文件已损坏。${repack}`,
  )

/** Inflated bytes kept ahead of the reader of a member, and the step they are inflated in. */
const readAhead = 8 << 20
const inflateStep = 1 << 20

/**
 * A member's bytes for a long read, inflated here with read-ahead: yauzl's own stream inflates in
 * 16 KiB steps, each waiting for the main thread, so inflating stalled whenever the main thread was
 * busy decoding and the reader then waited for it (issue 26: most of the import's idle time).
 * Here the thread pool inflates 1 MiB a step up to 8 MiB ahead. The real size is checked against
 * the declared one, as yauzl does for its own stream.
 */
async function memberStream(zip: yauzl.ZipFile, entry: yauzl.Entry, zipPath: string): Promise<NodeJS.ReadableStream & { destroy(): void }> {
  if (entry.compressionMethod !== 8) return entryStream(zip, entry)
  const raw = await compressedBytes(zip, entry, zipPath)
  const expected = entry.uncompressedSize
  let size = 0
  const sized = new Transform({
    readableHighWaterMark: readAhead,
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length
      if (size > expected) done(sizeMismatch(entry, `too many bytes in the stream. expected ${expected}. got at least ${size}`, `多于`))
      else done(null, chunk)
    },
    flush(done) {
      done(size < expected ? sizeMismatch(entry, `not enough bytes in the stream. expected ${expected}. got only ${size}`, `少于`) : null)
    },
  })
  const inflate = createInflateRaw({ chunkSize: inflateStep })
  raw.on('error', (e: Error) => sized.destroy(e))
  inflate.on('error', (e: Error) => sized.destroy(e))
  sized.on('close', () => {
    raw.destroy()
    inflate.destroy()
  })
  raw.pipe(inflate).pipe(sized)
  return sized
}

/**
 * A member's compressed bytes, read from the file in 1 MiB steps: yauzl's raw stream reads 16 KiB at
 * a time, and each read's round trip through the thread pool cost the main thread ≈ 35 µs (60 ms of
 * a 10^5-patch import, bench:import's CPU profile). yauzl reads the local header and checks that
 * the member lies within the file.
 */
async function compressedBytes(zip: yauzl.ZipFile, entry: yauzl.Entry, zipPath: string): Promise<NodeJS.ReadableStream & { destroy(): void }> {
  // (yauzl's own stream refused these; bytes read past it would inflate as garbage)
  if (entry.isEncrypted()) throw encrypted(entry)
  const { fileDataStart } = await new Promise<{ fileDataStart: number }>((resolve, reject) =>
    zip.readLocalFileHeader(entry, { minimal: true }, (err, header) =>
      err ? reject(new ArchiveError(`cannot read zip entry: ${err.message}`, `无法读取压缩包内的文件（${err.message}）。${repack}`)) : resolve(header),
    ),
  )
  if (entry.compressedSize === 0) return Readable.from([])
  return fs.createReadStream(zipPath, { start: fileDataStart, end: fileDataStart + entry.compressedSize - 1, highWaterMark: inflateStep })
}

/**
 * Finds the one shapefile in the zip. Nothing is unpacked to disk: .shp and .dbf are inflated
 * while they are read (memberStream checks each one's real size against the one it declares).
 */
export async function openShapefileArchive(zipPath: string, limits: ArchiveLimits = defaultArchiveLimits): Promise<ShapefileArchive> {
  const zip = await openZip(zipPath)
  try {
    const entries = await listEntries(zip, limits)
    const shps = entries.filter((e) => /\.shp$/i.test(e.name) && !e.name.split('/').some((s) => s.startsWith('__MACOSX')))
    if (shps.length === 0) {
      const listed = entries
        .map((e) => e.name)
        .slice(0, 20)
        .join(', ')
      throw new ArchiveError(`the zip holds no .shp file (entries: ${listed || 'none'})`, `压缩包中没有 .shp 文件（包内：${listed || '无'}）。${repack}`)
    }
    if (shps.length > 1) {
      const names = shps.map((s) => s.name).join(', ')
      throw new ArchiveError(
        `the zip holds ${shps.length} shapefiles (${names}); upload one layer per import`,
        `压缩包中有 ${shps.length} 个 shapefile（${names}）：每次只能导入一个图层，请分别打包上传`,
      )
    }
    const name = shps[0]!.name
    const base = name.slice(0, -4).toLowerCase()
    const found = new Map<Member, yauzl.Entry>()
    for (const ext of members) {
      const hit = entries.find((e) => e.name.toLowerCase() === `${base}.${ext}`)
      if (hit) found.set(ext, hit.entry)
    }
    if (!found.has('dbf'))
      throw new ArchiveError(
        `the zip has ${name} but no ${name.slice(0, -4)}.dbf beside it (attributes are required)`,
        `压缩包中有“${name}”但缺少同名属性表“${name.slice(0, -4)}.dbf”：请把 .dbf 一并打包（文件名须与 .shp 相同）`,
      )
    // What the layer can need: the .shx holds 8 bytes per record of the .shp (and a 100-byte header).
    const shx = found.get('shx')
    const shpSize = found.get('shp')!.uncompressedSize
    if (shx && shx.uncompressedSize > 100 + 8 * Math.ceil(Math.max(shpSize - 100, 0) / 12)) {
      throw new ArchiveError(
        `zip entry '${entryName(shx)}' is larger (${shx.uncompressedSize} bytes) than an index of ${name} can be; refused`,
        `索引文件“${entryName(shx)}”（${shx.uncompressedSize} 字节）与“${name}”不匹配，已拒绝：请从原始数据重新导出 shapefile`,
      )
    }
    const open = async (ext: Member) => streamSource(await memberStream(zip, found.get(ext)!, zipPath))
    return {
      name,
      has: (ext) => found.has(ext),
      open,
      async text(ext) {
        const entry = found.get(ext)
        if (!entry) return null
        const refuse = () =>
          new ArchiveError(
            `zip entry '${entryName(entry)}' unpacks to more than ${maxTextMemberBytes} bytes; a .${ext} is a few hundred bytes of text`,
            `“${entryName(entry)}”解压后超过 ${maxTextMemberBytes} 字节，不是正常的 .${ext} 文件（通常只有几百字节）：请从原始数据重新导出`,
          )
        if (entry.uncompressedSize > maxTextMemberBytes) throw refuse()
        const chunks: Buffer[] = []
        let size = 0
        const stream = await entryStream(zip, entry)
        // The declared size is checked by yauzl too; counting here keeps the cap whatever the header says.
        for await (const c of stream) {
          size += (c as Buffer).length
          if (size > maxTextMemberBytes) {
            stream.destroy()
            throw refuse()
          }
          chunks.push(c as Buffer)
        }
        return Buffer.concat(chunks).toString('latin1')
      },
      close: () => zip.close(),
    }
  } catch (err) {
    zip.close()
    throw err
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
