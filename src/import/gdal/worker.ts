// gdal3.js (GDAL compiled to WebAssembly) in a worker thread. GDAL's calls are synchronous: a
// layer's translation would block the service's event loop for seconds, so it runs here, and a
// cancel terminates the worker. Files are reached through Emscripten's NODEFS (read from disk as
// GDAL asks, never copied into the WebAssembly memory as MEMFS would): a zipped .gdb is read through
// /vsizip/ straight from the upload.
import { createRequire } from 'node:module'
import { parentPort } from 'node:worker_threads'
import type { GdalReply, GdalRequest } from './protocol.js'

interface EmscriptenModule {
  FS: { mkdir(p: string): void; mount(type: unknown, opts: { root: string }, at: string): void; unmount(at: string): void }
  NODEFS: unknown
  ccall(name: string, ret: 'number' | 'string' | null, types: string[], args: unknown[]): unknown
  _malloc(n: number): number
  _free(p: number): void
  lengthBytesUTF8(s: string): number
  stringToUTF8(s: string, p: number, max: number): void
  UTF8ToString(p: number): string
  setValue(p: number, v: number, type: string): void
}

const require = createRequire(import.meta.url)
const initGdalJs = require('gdal3.js/node.js') as (opts?: unknown) => Promise<{ Module: EmscriptenModule }>

const GDAL_OF_VECTOR = 0x04
const GDAL_OF_READONLY = 0x00

let M: EmscriptenModule
let mounted: string | null = null

/** A NULL-terminated char** in the module's memory; freed by the returned function. */
function stringList(items: string[]): { ptr: number; free: () => void } {
  const ptrs: number[] = []
  const ptr = M._malloc(4 * (items.length + 1))
  items.forEach((s, i) => {
    const n = M.lengthBytesUTF8(s) + 1
    const p = M._malloc(n)
    M.stringToUTF8(s, p, n)
    M.setValue(ptr + 4 * i, p, '*')
    ptrs.push(p)
  })
  M.setValue(ptr + 4 * items.length, 0, '*')
  return {
    ptr,
    free: () => {
      for (const p of ptrs) M._free(p)
      M._free(ptr)
    },
  }
}

const lastError = () => String(M.ccall('CPLGetLastErrorMsg', 'string', [], []))
/** CPLErr: 0 none, 1 debug, 2 warning, 3 failure, 4 fatal */
const lastErrorType = () => Number(M.ccall('CPLGetLastErrorType', 'number', [], []))

/** The directory holding the upload (and the translated output) appears as /work inside GDAL. */
function mount(dir: string): void {
  if (mounted === dir) return
  if (mounted) M.FS.unmount('/work')
  M.FS.mount(M.NODEFS, { root: dir }, '/work')
  mounted = dir
}

function open(path: string): number {
  M.ccall('CPLErrorReset', null, [], [])
  const ds = Number(M.ccall('GDALOpenEx', 'number', ['string', 'number', 'number', 'number', 'number'], [path, GDAL_OF_VECTOR | GDAL_OF_READONLY, 0, 0, 0]))
  if (!ds) throw new Error(lastError() || 'GDAL cannot open it as a vector dataset')
  return ds
}

function info(path: string): string {
  const ds = open(path)
  const opts = stringList(['-json', '-so', '-al'])
  try {
    const o = Number(M.ccall('GDALVectorInfoOptionsNew', 'number', ['number', 'number'], [opts.ptr, 0]))
    const out = Number(M.ccall('GDALVectorInfo', 'number', ['number', 'number'], [ds, o]))
    M.ccall('GDALVectorInfoOptionsFree', null, ['number'], [o])
    if (!out) throw new Error(lastError() || 'GDAL could not list the layers')
    const text = M.UTF8ToString(out)
    M._free(out)
    return text
  } finally {
    opts.free()
    M.ccall('GDALClose', null, ['number'], [ds])
  }
}

function translate(path: string, layer: string, outName: string): string {
  const ds = open(path)
  // Source coordinates as they are (no reprojection: the service decides the CRS), 2D, curves as
  // lines, FIDs kept (the OBJECTID / fid a technician sees in ArcGIS or QGIS), field names as they
  // are; COPY rows, one feature per line (./copy-rows.ts).
  M.ccall('CPLSetConfigOption', null, ['string', 'string'], ['PG_USE_COPY', 'YES'])
  const opts = stringList([
    '-f',
    'PGDump',
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
  ])
  const list = M._malloc(4)
  M.setValue(list, ds, '*')
  try {
    const o = Number(M.ccall('GDALVectorTranslateOptionsNew', 'number', ['number', 'number'], [opts.ptr, 0]))
    M.ccall('CPLErrorReset', null, [], [])
    const out = Number(
      M.ccall('GDALVectorTranslate', 'number', ['string', 'number', 'number', 'number', 'number', 'number'], [`/work/${outName}`, 0, 1, list, o, 0]),
    )
    M.ccall('GDALVectorTranslateOptionsFree', null, ['number'], [o])
    const failed = !out || lastErrorType() >= 3
    const message = lastError()
    if (out) M.ccall('GDALClose', null, ['number'], [out])
    if (failed) throw new Error(message || 'GDAL could not read the layer')
    return message
  } finally {
    M._free(list)
    opts.free()
    M.ccall('GDALClose', null, ['number'], [ds])
  }
}

async function main(): Promise<void> {
  const port = parentPort!
  // GDAL's messages go to the report through CPLGetLastErrorMsg, not to the service's stderr
  const g = await initGdalJs({ logHandler: () => {}, errorHandler: () => {} })
  M = g.Module
  M.FS.mkdir('/work')
  port.postMessage({ type: 'ready' } satisfies GdalReply)
  port.on('message', (req: GdalRequest) => {
    try {
      mount(req.dir)
      // the code page of a zip's names not flagged as UTF-8, as the service read them (../archive.ts)
      M.ccall('CPLSetConfigOption', null, ['string', 'string'], ['CPL_ZIP_ENCODING', req.zipEncoding ?? null])
      if (req.op === 'info') port.postMessage({ type: 'info', json: info(req.path) } satisfies GdalReply)
      else port.postMessage({ type: 'translated', warning: translate(req.path, req.layer, req.out) } satisfies GdalReply)
    } catch (err) {
      port.postMessage({ type: 'failed', message: (err as Error).message } satisfies GdalReply)
    }
  })
}

void main()
