// Streams an uploaded file to disk, hashing it on the way; never held in memory.
import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { importWorkRoot } from './jobs.js'

export interface SavedUpload {
  /** the job's work directory; the upload and everything unpacked live here and go with it */
  workDir: string
  path: string
  name: string
  sha256: string
  size: number
}

/** Keeps only the last path segment and characters safe in a file name (Chinese kept). */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? ''
  const clean = base.replace(/[\u0000-\u001f<>:"|?*]/g, '_').slice(-200)
  return clean && clean !== '.' && clean !== '..' ? clean : 'upload'
}

/** mkdir's mode applies only to directories it creates (and the umask still narrows it): set each one from dataDir down. */
async function privateDirs(dataDir: string, dir: string): Promise<void> {
  for (let d = dir; d.startsWith(dataDir) && d !== dataDir; d = path.dirname(d)) await fs.promises.chmod(d, 0o700)
}

export async function saveUpload(stream: NodeJS.ReadableStream, fileName: string, dataDir: string): Promise<SavedUpload> {
  const workDir = path.join(importWorkRoot(dataDir), `u-${randomUUID()}`)
  // Uploads are survey data with coordinates: readable by the service's user only.
  await fs.promises.mkdir(workDir, { recursive: true, mode: 0o700 })
  await privateDirs(dataDir, workDir)
  const name = safeFileName(fileName)
  const target = path.join(workDir, `upload${path.extname(name).toLowerCase().slice(0, 10)}`)
  const hash = createHash('sha256')
  let size = 0
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk)
      size += chunk.length
      cb(null, chunk)
    },
  })
  try {
    await pipeline(stream, tap, fs.createWriteStream(target, { mode: 0o600 }))
  } catch (err) {
    await fs.promises.rm(workDir, { recursive: true, force: true })
    throw err
  }
  return { workDir, path: target, name, sha256: hash.digest('hex'), size }
}
