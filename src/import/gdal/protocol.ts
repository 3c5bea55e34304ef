// Messages between the service and its GDAL worker (./worker.ts).

export type GdalRequest =
  /** `path` is GDAL's, under /work (= `dir` on disk): /work/upload.gpkg, /vsizip//work/upload.zip/X.gdb */
  | { op: 'info'; dir: string; path: string; zipEncoding?: string }
  /** writes layer `layer` as GeoJSON to `out` inside `dir` */
  | { op: 'translate'; dir: string; path: string; layer: string; out: string; zipEncoding?: string }

export type GdalReply = { type: 'ready' } | { type: 'info'; json: string } | { type: 'translated'; warning: string } | { type: 'failed'; message: string }
