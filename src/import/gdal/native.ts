// The machine's own GDAL (Debian gdal-bin: ogrinfo, ogr2ogr), used instead of gdal3.js when present
// and recent enough (GDAL_READER, docs/decisions.md issue 24). ogr2ogr writes the layer as the same
// PGDump COPY rows as the worker (./worker.ts) does, but to its stdout: the rows come through a pipe
// (no file beside the upload; the child waits while the loader is behind), and the child is killed
// when the import is cancelled or its source closed.
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process'
import type { Readable } from 'node:stream'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Which GDAL reads survey databases: auto (the machine's when found and recent enough, else gdal3.js), wasm (gdal3.js), native. */
export type GdalReaderMode = 'auto' | 'wasm' | 'native'

/** The oldest native GDAL used: its OpenFileGDB and GPKG drivers and ogr2ogr's options as worker.ts gives them (tested with 3.6.2). */
export const nativeMinimum = [3, 6] as const
/** `ogrinfo -json` (vector) is GDAL 3.7's: older ones list through gdal3.js (./reader.ts). */
const jsonListingFrom = [3, 7] as const

export interface NativeGdal {
  version: string
  /** ogrinfo -json: the listing is the machine's too */
  lists: boolean
}

const atLeast = (v: number[], min: readonly number[]) => v[0]! > min[0]! || (v[0] === min[0] && v[1]! >= min[1]!)

let probed: Promise<NativeGdal | { missing: string }> | null = null

/** The machine's GDAL, asked once per process: its version and drivers, or why it cannot be used. */
export function probeNativeGdal(): Promise<NativeGdal | { missing: string }> {
  probed ??= (async () => {
    try {
      const { stdout } = await run('ogr2ogr', ['--version'], { timeout: 10_000 })
      const m = /GDAL (\d+)\.(\d+)\.(\d+)/.exec(stdout)
      if (!m) return { missing: `ogr2ogr --version said ${stdout.trim()}` }
      const v = [Number(m[1]), Number(m[2]), Number(m[3])]
      if (!atLeast(v, nativeMinimum)) return { missing: `GDAL ${v.join('.')} is older than ${nativeMinimum.join('.')}` }
      const formats = (await run('ogrinfo', ['--formats'], { timeout: 10_000, maxBuffer: 4 << 20 })).stdout
      for (const d of ['OpenFileGDB', 'GPKG', 'PGDump'])
        if (!new RegExp(`^\\s*${d} `, 'mi').test(formats)) return { missing: `GDAL ${v.join('.')} has no ${d} driver` }
      return { version: v.join('.'), lists: atLeast(v, jsonListingFrom) }
    } catch (err) {
      return { missing: `no ogr2ogr/ogrinfo on PATH (${(err as Error).message.split('\n')[0]})` }
    }
  })()
  return probed
}

/** The native GDAL to use under `mode`, or null for gdal3.js; throws when mode is native and there is none. */
export async function nativeGdalFor(mode: GdalReaderMode = 'auto'): Promise<NativeGdal | null> {
  if (mode === 'wasm') return null
  const p = await probeNativeGdal()
  if ('missing' in p) {
    if (mode === 'native') throw new Error(`GDAL_READER=native, but the machine's GDAL cannot be used: ${p.missing}`)
    return null
  }
  return p
}

/**
 * A path as the worker sees it (/work = `dir`) as a path on this machine; the zip's path in braces
 * (GDAL's /vsizip/{…}/ form), so that a directory with ".zip" in its name cannot split it elsewhere.
 */
export function hostPath(gdalPath: string, dir: string): string {
  const base = dir.replace(/\/+$/, '')
  const zip = /^\/vsizip\/\/work\/([^/]+)\/(.*)$/.exec(gdalPath)
  return zip ? `/vsizip/{${base}/${zip[1]}}/${zip[2]}` : gdalPath.replace('/work/', `${base}/`)
}

/** GDAL's message from its stderr: the last `ERROR n:` line's text, else the last line. */
export function gdalMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim())
  const errors = lines.filter((l) => /^ERROR \d+: /.test(l))
  const last = errors.length ? errors[errors.length - 1]! : (lines.filter(Boolean).pop() ?? '')
  return last.replace(/^(ERROR|Warning) \d+: /, '')
}

/**
 * GDAL reads the names of a zip's entries not flagged as UTF-8 in CP437 unless told: told the code
 * page the service read them in (../archive.ts), it finds the .gdb folder by the same name.
 */
const zipNames = (encoding: string | undefined) => (encoding ? ['--config', 'CPL_ZIP_ENCODING', encoding] : [])

/** ogrinfo -json -so -al (GDAL ≥ 3.7): the same JSON as gdal3.js gives. */
export async function nativeInfo(path: string, zipEncoding?: string): Promise<unknown> {
  try {
    const { stdout } = await run('ogrinfo', [...zipNames(zipEncoding), '-json', '-ro', '-so', '-al', path], { timeout: 120_000, maxBuffer: 64 << 20 })
    return JSON.parse(stdout) as unknown
  } catch (err) {
    throw new Error(gdalMessage(String((err as { stderr?: string }).stderr ?? '')) || (err as Error).message)
  }
}

/** The translation's arguments: as worker.ts gives them to GDALVectorTranslate, to stdout. */
export const translateArgs = (path: string, layer: string, zipEncoding?: string) => [
  ...zipNames(zipEncoding),
  '--config',
  'PG_USE_COPY',
  'YES',
  '-f',
  'PGDump',
  '/vsistdout/',
  path,
  '-dim',
  'XY',
  '-nlt',
  'CONVERT_TO_LINEAR',
  '-nlt',
  'PROMOTE_TO_MULTI',
  '-preserve_fid',
  '-lco',
  'CREATE_TABLE=OFF',
  '-lco',
  'CREATE_SCHEMA=OFF',
  '-lco',
  'LAUNDER=NO',
  '-lco',
  'SPATIAL_INDEX=NONE',
  layer,
]

/** ogr2ogr writing one layer to its stdout; `failure` resolves once it has exited: null, or what went wrong. */
export interface NativeTranslation {
  stdout: Readable
  failure: Promise<Error | null>
  kill(): void
}

export function nativeTranslate(path: string, layer: string, zipEncoding?: string): NativeTranslation {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn('ogr2ogr', translateArgs(path, layer, zipEncoding), { stdio: ['ignore', 'pipe', 'pipe'] })
  // Read from the start, or the rows are lost: when a child exits, Node resumes (drains) every stdio
  // stream nothing is listening to yet (child_process flushStdio), and the loader may first ask for
  // rows after ogr2ogr has written a small layer and exited (seen on the embedded database, whose
  // import starts slower): the import then read 0 of 3 features. A 'readable' listener keeps the
  // rows buffered until asked for; backpressure is unchanged (nothing is read past the buffer).
  child.stdout.on('readable', () => {})
  // the end of stderr is what says why (its messages are short; a flood of warnings is cut to its tail)
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-16_384)
  })
  let killed = false
  const failure = new Promise<Error | null>((resolve) => {
    child.on('error', (err) => resolve(err))
    child.on('close', (code, signal) => {
      if (killed) resolve(new Error('stopped'))
      // GDAL's CE_Failure is an ERROR line; ogr2ogr may still exit 0 after one (as the worker checks CPLGetLastErrorType)
      else if (code !== 0 || signal || /^ERROR \d+: /m.test(stderr)) resolve(new Error(gdalMessage(stderr) || `ogr2ogr exited with ${signal ?? code}`))
      else resolve(null)
    })
  })
  return {
    stdout: child.stdout,
    failure,
    kill: () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      killed = true
      child.kill('SIGKILL')
    },
  }
}
